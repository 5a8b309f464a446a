using System.Globalization;
using Herald.Diagnostics;
using Herald.Security.Sasl;

namespace Herald;

public partial class SmtpClient
{
    private readonly SmtpClientConfig _config = new();
    private readonly FileLog _log = new();
    private Dictionary<string, ConfigEntry>? _configTable;

    /// <summary>
    /// Reads or changes a configuration setting: <c>Config("Name=Value")</c> sets it (and returns ""),
    /// <c>Config("Name")</c> returns its value. Names are not case-sensitive; booleans take True/False/Yes/No/1/0.
    /// </summary>
    /// <remarks>
    /// <para>Settings: <c>Authentications</c> (SASL mechanisms as on the wire, in order of preference, e.g.
    /// <c>SCRAM-SHA-256,PLAIN</c>; only those listed are tried; default
    /// <c>SCRAM-SHA-256,SCRAM-SHA-1,PLAIN,LOGIN</c>), <c>ForceLogin</c> (authenticate even when the server does not
    /// announce AUTH; default False, which then skips authentication), <c>RemoveBCC</c> (leave Bcc fields out of what
    /// is sent; default True), <c>BinaryMode</c> (send with BDAT, RFC 3030, when the server offers CHUNKING; a message
    /// of 8-bit data with BINARYMIME; default False: DATA), <c>BinaryChunkSize</c> (the largest BDAT chunk in bytes, which
    /// is also the memory a chunk takes; 0, the default, for 1 MiB), <c>SendBufferSize</c> (bytes, 1024-16 MiB,
    /// default 65536), <c>TempPath</c> (a directory where a stream that cannot seek is copied before sending, so its
    /// exact size can be declared with SIZE=; "" to send it without), <c>TolerateMinorChainIssues</c> (ignore validity periods that do not nest and an unknown revocation
    /// status of a CA; default False), <c>UseSystemCertificates</c> (the system's trusted roots anchor trust; default
    /// True), <c>IgnoreSystemTrust</c> (the system's roots do not anchor trust; default False),
    /// <c>CheckKeyIntegrityBeforeUse</c> (check, before a connection, that each client certificate's private key
    /// matches its public key), <c>HttpUserAgent</c> (a User-Agent sent to an HTTP proxy), <c>MaskSensitiveData</c>,
    /// <c>InsecureAllowPlaintextAuth</c>, and the log: <c>LogLevel</c> (None, Error, Warning, Info, Debug),
    /// <c>LogDestination</c> (File, Console, None), <c>LogFile</c>, <c>LogDetails</c> (Time, Level, Source, Thread),
    /// <c>LogFilters</c> (Connection, Tls, Protocol, Transfer, Errors; "" for all), <c>LogFlushMode</c> (Immediate,
    /// Buffered), <c>LogMaxEventCount</c>, <c>LogRotationMode</c> (None, Daily).</para>
    /// <para>Settings that mean nothing for an SMTP client on .NET can be read; setting them to anything but their value
    /// fails with 10045 saying why: UseMicrosoftCTL, CookieCaching, Cookies, GlobalCookies, DefDeriveKeyIterations,
    /// EnableClientSideSSLFFDHE, MaxASN1BufferLength, MaxASN1TreeDepth, OCSPHashAlgorithm, UseOwnDNSResolver,
    /// UseSharedSystemStorages, UseSystemOAEPAndPSS, UseSystemRandom.</para>
    /// </remarks>
    /// <param name="configurationString"><c>Name=Value</c> or <c>Name</c>.</param>
    /// <returns>The value for a read, "" for a write.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="configurationString"/> is null.</exception>
    /// <exception cref="SmtpException">10022 for an unknown name, a malformed value or a read-only setting; 10045 for a
    /// value that cannot be honoured here.</exception>
    public string Config(string configurationString)
    {
        ArgumentNullException.ThrowIfNull(configurationString);
        int eq = configurationString.IndexOf('=', StringComparison.Ordinal);
        string name = (eq < 0 ? configurationString : configurationString[..eq]).Trim();
        var table = _configTable ??= BuildConfigTable();
        if (!table.TryGetValue(name, out var entry))
        {
            throw new SmtpException(SmtpErrorCodes.InvalidArgument, $"Unknown configuration setting \"{name}\".");
        }
        if (eq < 0)
        {
            return entry.Get();
        }
        if (entry.Set is null)
        {
            throw new SmtpException(SmtpErrorCodes.InvalidArgument, $"Config setting \"{name}\" is read-only.");
        }
        entry.Set(configurationString[(eq + 1)..]);
        return "";
    }

    private sealed record ConfigEntry(Func<string> Get, Action<string>? Set);

    private Dictionary<string, ConfigEntry> BuildConfigTable()
    {
        var t = new Dictionary<string, ConfigEntry>(StringComparer.OrdinalIgnoreCase);
        var c = _config;
        void Bool(string name, Func<bool> get, Action<bool> set) =>
            t[name] = new(() => get() ? "True" : "False", v => set(ParseBool(name, v)));
        void Int(string name, Func<int> get, Action<int> set, int min, int max) =>
            t[name] = new(() => get().ToString(CultureInfo.InvariantCulture), v => set(ParseInt(name, v, min, max)));
        void Str(string name, Func<string> get, Action<string> set) => t[name] = new(get, set);
        // A setting whose only possible value is the one it has: reading it says so, setting anything else says why not.
        void Fixed(string name, string value, string why) => t[name] = new(() => value, v =>
        {
            bool same = bool.TryParse(value, out bool b)
                ? TryParseBool(v) == b
                : string.Equals(v.Trim(), value, StringComparison.OrdinalIgnoreCase);
            if (!same)
            {
                throw new SmtpException(SmtpErrorCodes.NotSupported, $"Config setting \"{name}\" cannot be changed here: {why}");
            }
        });

        // SmtpClient
        Str("Authentications", () => string.Join(",", c.Authentications),
            v => c.Authentications = SmtpClientConfig.ParseAuthentications(v, "Authentications"));
        Int("BinaryChunkSize", () => c.BinaryChunkSize, v => c.BinaryChunkSize = v is 0 or >= 1024 ? v
            : throw new SmtpException(SmtpErrorCodes.InvalidArgument,
                $"Config setting \"BinaryChunkSize\" is 0 (1 MiB) or at least 1024, not {v}."),
            0, 64 << 20);
        Bool("BinaryMode", () => c.BinaryMode, v => c.BinaryMode = v);
        Bool("ForceLogin", () => c.ForceLogin, v => c.ForceLogin = v);
        Bool("IgnoreSystemTrust", () => c.IgnoreSystemTrust, v => c.IgnoreSystemTrust = v);
        Bool("RemoveBCC", () => c.RemoveBcc, v => c.RemoveBcc = v);
        Int("SendBufferSize", () => c.SendBufferSize, v => c.SendBufferSize = v, 1024, 16 << 20);
        Str("TempPath", () => c.TempPath, v => c.TempPath = ValidDirectory(v));
        Bool("TolerateMinorChainIssues", () => c.TolerateMinorChainIssues, v => c.TolerateMinorChainIssues = v);
        Fixed("UseMicrosoftCTL", "False", "the Microsoft online certificate trust list is part of Windows' CryptoAPI, which " +
            ".NET's chain building on this platform does not consult; trust comes from the system store and TrustedCerts.");
        Bool("UseSystemCertificates", () => c.UseSystemCertificates, v => c.UseSystemCertificates = v);
        Bool("MaskSensitiveData", () => c.MaskSensitive, v => c.MaskSensitive = v);
        Bool("InsecureAllowPlaintextAuth", () => c.InsecureAllowPlaintextAuth, v => c.InsecureAllowPlaintextAuth = v);

        // Library-wide settings
        Bool("CheckKeyIntegrityBeforeUse", () => c.CheckKeyIntegrity, v => c.CheckKeyIntegrity = v);
        Fixed("CookieCaching", "None", "cookies belong to HTTP; SMTP has none.");
        Fixed("Cookies", "", "cookies belong to HTTP; SMTP has none.");
        Fixed("GlobalCookies", "", "cookies belong to HTTP; SMTP has none.");
        Fixed("DefDeriveKeyIterations", "0", "the client derives no keys from passwords; a PKCS#12 file's own iteration count is used.");
        Fixed("EnableClientSideSSLFFDHE", "True", "the platform TLS offers its own key-exchange groups (finite-field ones " +
            "included where its configuration has them) and cannot be told to leave some out; use TLS.ECCurves to refuse a group.");
        Str("HttpUserAgent", () => c.HttpUserAgent, v =>
        {
            Protocol.LineValidation.EnsureSingleLine(v, "HttpUserAgent");
            c.HttpUserAgent = v.Trim();
        });
        Fixed("MaxASN1BufferLength", "0", ".NET's ASN.1 and certificate readers apply their own limits.");
        Fixed("MaxASN1TreeDepth", "0", ".NET's ASN.1 and certificate readers apply their own limits.");
        Fixed("OCSPHashAlgorithm", "SHA1", "the platform builds the online OCSP requests, with SHA-1 certificate ids (RFC 6960 §4.1.1).");
        Fixed("UseOwnDNSResolver", "False", "Herald resolves names with the system resolver and has none of its own.");
        Fixed("UseSharedSystemStorages", "True", ".NET opens the system certificate stores once per process.");
        Fixed("UseSystemOAEPAndPSS", "True", "RSA OAEP and PSS always come from the platform's cryptography.");
        Fixed("UseSystemRandom", "True", "random numbers always come from the operating system's generator.");

        // The log
        Str("LogDestination", () => _log.Settings.Destination.ToString(), v => SetLog(s => s with
        {
            Destination = ParseEnum<LogDestination>("LogDestination", v,
                ("EventLog", "the Windows event log is not available; use File or Console")),
        }));
        Str("LogDetails", () => _log.Settings.Details.ToString().Replace(" ", "", StringComparison.Ordinal), v => SetLog(s => s with
        {
            Details = ParseFlags<LogDetails>("LogDetails", v),
        }));
        Str("LogFile", () => _log.Settings.File, v =>
        {
            Protocol.LineValidation.EnsureSingleLine(v, "LogFile");
            SetLog(s => s with { File = v.Trim() });
        });
        Str("LogFilters", () => string.Join(",", _log.Settings.Filters), v => SetLog(s => s with { Filters = ParseFilters(v) }));
        Str("LogFlushMode", () => _log.Settings.FlushMode.ToString(), v => SetLog(s => s with
        {
            FlushMode = ParseEnum<LogFlushMode>("LogFlushMode", v),
        }));
        Str("LogLevel", () => _log.Settings.Level.ToString(), v => SetLog(s => s with
        {
            Level = ParseEnum<LogSeverity>("LogLevel", v, ("Errors", null), ("Warnings", null), ("Fatal", null), ("Trace", null)),
        }));
        Int("LogMaxEventCount", () => _log.Settings.MaxEventCount, v => SetLog(s => s with { MaxEventCount = v }), 1, 1_000_000);
        Str("LogRotationMode", () => _log.Settings.Rotation.ToString(), v => SetLog(s => s with
        {
            Rotation = ParseEnum<LogRotation>("LogRotationMode", v),
        }));
        return t;
    }

    private void SetLog(Func<FileLogSettings, FileLogSettings> change) => _log.Settings = change(_log.Settings);

    private static bool? TryParseBool(string value) => value.Trim().ToUpperInvariant() switch
    {
        "TRUE" or "YES" or "1" or "ON" => true,
        "FALSE" or "NO" or "0" or "OFF" => false,
        _ => null,
    };

    private static bool ParseBool(string name, string value) => TryParseBool(value)
        ?? throw new SmtpException(SmtpErrorCodes.InvalidArgument, $"Config setting \"{name}\" takes True or False, not \"{value}\".");

    private static int ParseInt(string name, string value, int min, int max)
    {
        if (!int.TryParse(value.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) || n < min || n > max)
        {
            throw new SmtpException(SmtpErrorCodes.InvalidArgument,
                $"Config setting \"{name}\" takes a whole number between {min} and {max}, not \"{value}\".");
        }
        return n;
    }

    /// <summary>Parses an enum member by name (or number); some names are synonyms of members or refused with a reason.</summary>
    private static T ParseEnum<T>(string name, string value, params (string Alias, string? Refusal)[] aliases) where T : struct, Enum
    {
        string v = value.Trim();
        foreach (var (alias, refusal) in aliases)
        {
            if (alias.Equals(v, StringComparison.OrdinalIgnoreCase))
            {
                if (refusal is not null)
                {
                    throw new SmtpException(SmtpErrorCodes.NotSupported, $"Config setting \"{name}\" cannot be {alias}: {refusal}.");
                }
                v = alias switch
                {
                    "Errors" or "Fatal" => "Error",
                    "Warnings" => "Warning",
                    "Trace" => "Debug",
                    _ => v,
                };
            }
        }
        if (!int.TryParse(v, out _) && Enum.TryParse<T>(v, ignoreCase: true, out var parsed))
        {
            return parsed;
        }
        throw new SmtpException(SmtpErrorCodes.InvalidArgument,
            $"Config setting \"{name}\" takes one of {string.Join(", ", Enum.GetNames<T>())}, not \"{value}\".");
    }

    private static T ParseFlags<T>(string name, string value) where T : struct, Enum
    {
        int bits = 0;
        foreach (var token in value.Split([',', ';', ' ', '|'], StringSplitOptions.RemoveEmptyEntries))
        {
            if (token.Equals("All", StringComparison.OrdinalIgnoreCase))
            {
                bits = Enum.GetValues<T>().Aggregate(0, (acc, f) => acc | Convert.ToInt32(f, CultureInfo.InvariantCulture));
                continue;
            }
            bits |= Convert.ToInt32(ParseEnum<T>(name, token), CultureInfo.InvariantCulture);
        }
        return (T)Enum.ToObject(typeof(T), bits);
    }

    private static IReadOnlyList<string> ParseFilters(string value)
    {
        var result = new List<string>();
        foreach (var token in value.Split([',', ';', ' '], StringSplitOptions.RemoveEmptyEntries))
        {
            result.Add(FileLogSettings.Sources.FirstOrDefault(s => s.Equals(token, StringComparison.OrdinalIgnoreCase))
                ?? throw new SmtpException(SmtpErrorCodes.InvalidArgument,
                    $"LogFilters: \"{token}\" is not a log source; use {string.Join(", ", FileLogSettings.Sources)}."));
        }
        return result;
    }

    private static string ValidDirectory(string value)
    {
        string v = value.Trim();
        if (v.Length > 0 && !Directory.Exists(v))
        {
            throw new SmtpException(SmtpErrorCodes.InvalidArgument, $"TempPath \"{v}\" is not an existing directory.");
        }
        return v;
    }
}

/// <summary>The values of <see cref="SmtpClient"/>'s Config settings.</summary>
internal sealed class SmtpClientConfig
{
    /// <summary>The mechanisms tried by default, strongest first; PLAIN and LOGIN go only over TLS or to loopback.</summary>
    public static readonly IReadOnlyList<string> DefaultAuthentications = ["SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN", "LOGIN"];

    public IReadOnlyList<string> Authentications { get; set; } = DefaultAuthentications;
    public int BinaryChunkSize { get; set; }
    public bool BinaryMode { get; set; }
    public bool ForceLogin { get; set; }
    public bool IgnoreSystemTrust { get; set; }
    public bool RemoveBcc { get; set; } = true;
    public int SendBufferSize { get; set; } = 64 * 1024;
    public string TempPath { get; set; } = "";
    public bool TolerateMinorChainIssues { get; set; }
    public bool UseSystemCertificates { get; set; } = true;
    public bool MaskSensitive { get; set; } = true;
    public bool InsecureAllowPlaintextAuth { get; set; }
    public bool CheckKeyIntegrity { get; set; }
    public string HttpUserAgent { get; set; } = "";

    /// <summary>A copy for one call.</summary>
    public SmtpClientConfig Snapshot() => (SmtpClientConfig)MemberwiseClone();

    /// <summary>Parses a list of SASL mechanism names (commas, semicolons or spaces between them).</summary>
    /// <param name="value">The list.</param>
    /// <param name="what">The setting, for the message.</param>
    /// <exception cref="SmtpException">10022 for an empty list or a name Herald does not implement.</exception>
    public static IReadOnlyList<string> ParseAuthentications(string? value, string what)
    {
        var names = new List<string>();
        foreach (var token in (value ?? "").Split([',', ';', ' '], StringSplitOptions.RemoveEmptyEntries))
        {
            string name = token.ToUpperInvariant();
            if (!SaslMechanisms.Supported.Contains(name))
            {
                throw new SmtpException(SmtpErrorCodes.InvalidArgument,
                    $"{what}: \"{token}\" is not an authentication mechanism Herald implements; use " +
                    $"{string.Join(", ", SaslMechanisms.Supported)}.");
            }
            if (!names.Contains(name))
            {
                names.Add(name);
            }
        }
        return names.Count > 0 ? names
            : throw new SmtpException(SmtpErrorCodes.InvalidArgument,
                $"{what} names no mechanism; list at least one, e.g. SCRAM-SHA-256,PLAIN.");
    }
}
