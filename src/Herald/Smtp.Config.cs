using System.Globalization;
using Herald.Protocol;

namespace Herald;

public partial class Smtp
{
    private int _selectWaitMillis = 20;
    private bool _acceptAnyServerCert;     // AcceptAnyServerCert: every server certificate passes (insecure)
    private bool _keepQueue;
    private bool _queueStopOnError = true;   // QueueStopOnError: ProcessQueue stops at the first failed message
    private int _queueWorkers = 1;           // QueueWorkers: messages ProcessQueue sends at once
    private int _queueRetryDelay = 60;       // QueueRetryDelay: seconds before the second attempt (then doubling)
    private int _queueMaxRetryDelay = 3600;  // QueueMaxRetryDelay: the longest wait between attempts, seconds
    private int _queueMaxAge = 5 * 86400;    // QueueMaxAge: seconds a message may keep failing before it fails for good
    private Dictionary<string, ConfigEntry>? _config;

    /// <summary>
    /// Reads or changes a configuration setting: <c>Config("Name=Value")</c> sets it (and returns ""),
    /// <c>Config("Name")</c> returns its current value. Names are not case-sensitive; booleans accept
    /// True/False/Yes/No/1/0. The settings are listed in the documentation of this component.
    /// </summary>
    /// <param name="configurationString"><c>Name=Value</c> or <c>Name</c>.</param>
    /// <returns>The value for a read, "" for a write.</returns>
    /// <exception cref="SmtpException">10022 for an unknown name, a malformed value or a read-only setting;
    /// 10045 for a setting that has no meaning on this platform.</exception>
    public string Config(string configurationString)
    {
        ArgumentNullException.ThrowIfNull(configurationString);
        int eq = configurationString.IndexOf('=', StringComparison.Ordinal);
        string name = (eq < 0 ? configurationString : configurationString[..eq]).Trim();
        var table = _config ??= BuildConfigTable();
        if (!table.TryGetValue(name, out var entry))
        {
            throw new SmtpException(SmtpErrorCodes.InvalidArgument, $"Unknown configuration setting \"{name}\".");
        }
        if (eq < 0)
        {
            return entry.Get();
        }
        if (entry.NotApplicable is { } why)
        {
            throw new SmtpException(SmtpErrorCodes.NotSupported, $"Config setting \"{name}\" cannot be changed here: {why}");
        }
        if (entry.Set is null)
        {
            throw new SmtpException(SmtpErrorCodes.InvalidArgument, $"Config setting \"{name}\" is read-only.");
        }
        entry.Set(configurationString[(eq + 1)..]);
        return "";
    }

    private sealed record ConfigEntry(Func<string> Get, Action<string>? Set, string? NotApplicable = null);

    private Dictionary<string, ConfigEntry> BuildConfigTable()
    {
        var t = new Dictionary<string, ConfigEntry>(StringComparer.OrdinalIgnoreCase);
        var s = _settings;
        var tls = _settings.Tls;

        void Bool(string name, Func<bool> get, Action<bool> set) => t[name] = new(() => get() ? "True" : "False", v => set(ParseBool(name, v)));
        void Int(string name, Func<int> get, Action<int> set, int min = int.MinValue, int max = int.MaxValue) =>
            t[name] = new(() => get().ToString(CultureInfo.InvariantCulture), v => set(ParseInt(name, v, min, max)));
        void Str(string name, Func<string> get, Action<string> set) => t[name] = new(get, set);
        void ReadOnly(string name, Func<string> get) => t[name] = new(get, null);
        void Fixed(string name, string value, string why) => t[name] = new(() => value, null, why);

        // SMTP
        Bool("AllowEmptyTo", () => _allowEmptyTo, v => _allowEmptyTo = v);
        Str("AuthMechanisms", () => string.Join(",", s.AuthMechanisms), v => s.AuthMechanisms = SmtpSettings.ParseMechanismList(v));
        Str("AuthorizationIdentity", () => s.AuthorizationIdentity, v => s.AuthorizationIdentity = SingleLine(v, "AuthorizationIdentity"));
        Str("Charset", () => _charset, v => _charset = ValidCharset(v));
        Bool("FoldHeaders", () => _foldHeaders, v => _foldHeaders = v);
        Str("Hello", () => HelloName, v => s.Hello = SingleLine(v, "Hello").Trim());
        Bool("KeepQueue", () => _keepQueue, v => _keepQueue = v);
        Bool("QueueStopOnError", () => _queueStopOnError, v => _queueStopOnError = v);
        Int("QueueWorkers", () => _queueWorkers, v => _queueWorkers = v, 1, 64);
        Int("QueueRetryDelay", () => _queueRetryDelay, v => _queueRetryDelay = v, 0);
        Int("QueueMaxRetryDelay", () => _queueMaxRetryDelay, v => _queueMaxRetryDelay = v, 0);
        Int("QueueMaxAge", () => _queueMaxAge, v => _queueMaxAge = v, 0);
        Int("MaxHeaderLength", () => _maxHeaderLength, v => _maxHeaderLength = v, 20, 998);
        ReadOnly("MessageHeadersString", () => MessageHeadersString);
        Str("MessageIdAlgorithm", () => _messageIdAlgorithm, v => _messageIdAlgorithm = ValidHashName(v));
        Str("OtherHeaders", () => OtherHeaders, v => OtherHeaders = v);
        Str("ReturnPath", () => ReturnPath, v => ReturnPath = v);
        Bool("SendRSET", () => s.SendRset, v => s.SendRset = v);
        Bool("StopOnBccErrors", () => s.StopOnBccErrors, v => s.StopOnBccErrors = v);
        Bool("StopOnCcErrors", () => s.StopOnCcErrors, v => s.StopOnCcErrors = v);
        Bool("StopOnToErrors", () => s.StopOnToErrors, v => s.StopOnToErrors = v);
        ReadOnly("TransferText", () => TransferText);

        // TCP
        Bool("CloseStreamAfterTransfer", () => _closeStreamAfterTransfer, v => _closeStreamAfterTransfer = v);
        Int("ConnectionTimeout", () => s.ConnectionTimeout, v => s.ConnectionTimeout = v, 0);
        Bool("FirewallAutoDetect", () => s.Firewall.AutoDetect, v => s.Firewall.AutoDetect = v);
        Str("FirewallHost", () => s.Firewall.Host, v => s.Firewall.Host = SingleLine(v, "FirewallHost").Trim());
        Fixed("FirewallListener", "False", "a firewall listener makes the component accept connections, which an SMTP client never does.");
        Str("FirewallPassword", () => s.Firewall.Password, v => s.Firewall.Password = SingleLine(v, "FirewallPassword"));
        Int("FirewallPort", () => s.Firewall.Port, v => s.Firewall.Port = v, 0, 65535);
        Int("FirewallType", () => (int)s.Firewall.FirewallType, v => s.Firewall.FirewallType = ValidFirewallType(v));
        Str("FirewallUser", () => s.Firewall.User, v => s.Firewall.User = SingleLine(v, "FirewallUser"));
        Int("KeepAliveInterval", () => s.KeepAliveInterval, v => s.KeepAliveInterval = v, 0);
        Int("KeepAliveRetryCount", () => s.KeepAliveRetryCount, v => s.KeepAliveRetryCount = v, 0, 127);
        Int("KeepAliveTime", () => s.KeepAliveTime, v => s.KeepAliveTime = v, 0);
        Bool("Linger", () => s.Linger, v => s.Linger = v);
        Int("LingerTime", () => s.LingerTime, v => s.LingerTime = v, 0, 65535);
        Str("LocalHost", () => LocalHost, v => LocalHost = v);
        Int("LocalPort", () => Engine.IsConnected ? Engine.LocalPort : s.LocalPort, v =>
        {
            EnsureNotConnected(SmtpErrorCodes.LocalPortLocked, "LocalPort");
            s.LocalPort = v;
        }, 0, 65535);
        Int("MaxLineLength", () => s.MaxLineLength, v =>
        {
            EnsureNotConnected(SmtpErrorCodes.MaxLineLengthLocked, "MaxLineLength");
            s.MaxLineLength = v;
        }, 256, 1 << 20);
        Int("MaxTransferRate", () => s.MaxTransferRate, v => s.MaxTransferRate = v, 0);
        Str("ProxyExceptionsList", () => s.ProxyExceptions, v => s.ProxyExceptions = SingleLine(v, "ProxyExceptionsList"));
        Bool("TCPKeepAlive", () => s.TcpKeepAlive, v => s.TcpKeepAlive = v);
        Bool("TcpNoDelay", () => s.TcpNoDelay, v => s.TcpNoDelay = v);
        Int("UseIPv6", () => s.UseIPv6, v => s.UseIPv6 = v, 0, 2);
        Bool("UseNTLMv2", () => s.UseNtlmV2, v => s.UseNtlmV2 = v);

        // SSL
        Str("CACertFilePaths", () => tls.CACertFilePaths, v => tls.CACertFilePaths = v);
        Str("SSLCACertFilePaths", () => tls.CACertFilePaths, v => tls.CACertFilePaths = v);
        Bool("LogSSLPackets", () => tls.LogPackets, v => tls.LogPackets = v);
        Bool("ReuseSSLSession", () => tls.ReuseSession, v => tls.ReuseSession = v);
        Str("SSLCACerts", () => tls.CACerts, v => tls.CACerts = v);
        Int("SSLCheckCRL", () => tls.CheckCrl, v => tls.CheckCrl = v, 0, 2);
        Int("SSLCheckOCSP", () => tls.CheckOcsp, v => tls.CheckOcsp = v, 0, 2);
        Int("SSLCipherStrength", () => tls.CipherStrength, v => tls.CipherStrength = v, 0);
        Str("SSLEnabledCipherSuites", () => tls.EnabledCipherSuites, v => tls.EnabledCipherSuites = v.Trim().Length == 0 ? "*" : v.Trim());
        Int("SSLEnabledProtocols", () => tls.EnabledProtocols, v => tls.EnabledProtocols = v, 0);
        Bool("SSLEnableRenegotiation", () => tls.EnableRenegotiation, v => tls.EnableRenegotiation = v);
        Bool("SSLIncludeCertChain", () => tls.IncludeCertChain, v => tls.IncludeCertChain = v);
        Str("SSLKeyLogFile", () => tls.KeyLogFile, v => tls.KeyLogFile = SingleLine(v, "SSLKeyLogFile").Trim());
        Int("SSLSecurityFlags", () => tls.SecurityFlags, v => tls.SecurityFlags = v);
        Str("SSLServerCACerts", () => tls.ServerCACerts, v => tls.ServerCACerts = v);
        Str("TLS12SignatureAlgorithms", () => tls.Tls12SignatureAlgorithms, v => tls.Tls12SignatureAlgorithms = v);
        Str("TLS12SupportedGroups", () => tls.Tls12SupportedGroups, v => tls.Tls12SupportedGroups = v);
        Str("TLS13KeyShareGroups", () => tls.Tls13KeyShareGroups, v => tls.Tls13KeyShareGroups = v);
        Str("TLS13SignatureAlgorithms", () => tls.Tls13SignatureAlgorithms, v => tls.Tls13SignatureAlgorithms = v);
        Str("TLS13SupportedGroups", () => tls.Tls13SupportedGroups, v => tls.Tls13SupportedGroups = v);
        ReadOnly("SSLNegotiatedVersion", () => Engine.Tls?.Version ?? "");
        ReadOnly("SSLNegotiatedCipher", () => Engine.Tls?.Cipher ?? "");
        ReadOnly("SSLNegotiatedCipherSuite", () => Engine.Tls?.CipherSuite ?? "");
        ReadOnly("SSLNegotiatedCipherStrength", () => (Engine.Tls?.CipherStrength ?? 0).ToString(CultureInfo.InvariantCulture));
        ReadOnly("SSLNegotiatedKeyExchange", () => Engine.Tls?.KeyExchange ?? "");
        ReadOnly("SSLNegotiatedKeyExchangeStrength", () => (Engine.Tls?.KeyExchangeStrength ?? 0).ToString(CultureInfo.InvariantCulture));
        Bool("InsecureAllowStartTlsFallback", () => tls.InsecureAllowStartTlsFallback, v => tls.InsecureAllowStartTlsFallback = v);
        Bool("AcceptAnyServerCert", () => _acceptAnyServerCert, v => _acceptAnyServerCert = v);
        Int("SSLProvider", () => (int)tls.Provider, v => tls.Provider = (SmtpSSLProviders)v, 0, 2);
        Fixed("SSLClientCACerts", "", "it validates certificates of clients that connect to a server; an SMTP client has none.");
        Fixed("OpenSSLCADir", "", "Herald's TLS does not use the OpenSSL provider settings; use SSLServerCACerts or CACertFilePaths.");
        Fixed("OpenSSLCAFile", "", "Herald's TLS does not use the OpenSSL provider settings; use SSLServerCACerts or CACertFilePaths.");
        Fixed("OpenSSLCipherList", "DEFAULT", "Herald's TLS does not use the OpenSSL provider settings; use SSLEnabledCipherSuites.");
        Fixed("OpenSSLPrngSeedData", "", "the operating system seeds the random generator.");

        // Socket
        Bool("AbsoluteTimeout", () => s.AbsoluteTimeout, v => s.AbsoluteTimeout = v);
        Str("FirewallData", () => s.FirewallData, v => s.FirewallData = v);
        Int("InBufferSize", () => s.InBufferSize, v => s.InBufferSize = v, 0);
        Int("OutBufferSize", () => s.OutBufferSize, v => s.OutBufferSize = v, 0);

        // Base
        ReadOnly("BuildInfo", () => $"Herald {typeof(Smtp).Assembly.GetName().Version} (.NET {Environment.Version})");
        Fixed("CodePage", "65001", "text is always sent as UTF-8 (code page 65001).");
        Fixed("GUIAvailable", "False", "Herald never pumps a GUI message loop; events fire on the calling thread.");
        Fixed("LicenseInfo", "", "Herald needs no license.");
        Bool("MaskSensitiveData", () => s.MaskSensitive, v => s.MaskSensitive = v);
        Bool("MaskSensitive", () => s.MaskSensitive, v => s.MaskSensitive = v);
        Fixed("ProcessIdleEvents", "False", "events fire on the calling thread; there are no idle events to process.");
        Int("SelectWaitMillis", () => _selectWaitMillis, v => _selectWaitMillis = v, 0, 60_000);
        Fixed("UseFIPSCompliantAPI", "False", "FIPS mode is a property of the operating system's crypto libraries.");
        Fixed("UseInternalSecurityAPI", "False", "TLS always uses the platform's implementation through SslStream.");
        Int("SendBufferSize", () => s.SendBufferSize, v => s.SendBufferSize = v, 1024, 16 << 20);
        Bool("UseChunking", () => s.UseChunking, v => s.UseChunking = v);
        Int("ChunkSize", () => s.ChunkSize, v => s.ChunkSize = v, 1024, 64 << 20);
        Bool("InsecureAllowPlaintextAuth", () => s.InsecureAllowPlaintextAuth, v => s.InsecureAllowPlaintextAuth = v);
        return t;
    }

    private static bool ParseBool(string name, string value) => value.Trim().ToUpperInvariant() switch
    {
        "TRUE" or "YES" or "1" or "ON" => true,
        "FALSE" or "NO" or "0" or "OFF" => false,
        _ => throw new SmtpException(SmtpErrorCodes.InvalidArgument, $"Config setting \"{name}\" takes True or False, not \"{value}\"."),
    };

    private static int ParseInt(string name, string value, int min, int max)
    {
        string v = value.Trim();
        bool ok = v.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? int.TryParse(v.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out int n)
            : int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out n);
        if (!ok || n < min || n > max)
        {
            string range = min == int.MinValue ? "" : max == int.MaxValue ? $" at least {min}" : $" between {min} and {max}";
            throw new SmtpException(SmtpErrorCodes.InvalidArgument,
                $"Config setting \"{name}\" takes a whole number{range}, not \"{value}\".");
        }
        return n;
    }

    private static string ValidHashName(string value)
    {
        string v = value.Trim().ToUpperInvariant();
        return v is "MD5" or "SHA1" or "SHA256" ? v
            : throw new SmtpException(SmtpErrorCodes.InvalidArgument, $"MessageIdAlgorithm is MD5, SHA1 or SHA256, not \"{value}\".");
    }

    private static string ValidCharset(string value)
    {
        string v = value.Trim();
        if (v.Length > 0)
        {
            _ = Herald.Message.Charsets.Resolve(v, "Charset"); // throws 10022 for a name no encoding answers to
        }
        return v;
    }

    private static FirewallTypes ValidFirewallType(int value) => value switch
    {
        0 or 1 or 2 or 3 or 10 => (FirewallTypes)value,
        _ => throw new SmtpException(SmtpErrorCodes.InvalidArgument, $"FirewallType is 0, 1, 2, 3 or 10, not {value}."),
    };

    private void ResetAll()
    {
        // A fresh settings object carries every default; only the test transport hook and the logger (attached like an
        // event handler, which Reset keeps too) survive. The engine forgets
        // the last session (reply, addresses, server certificate).
        Engine.CloseConnection();
        Engine.ForgetSession();
        var transport = _settings.TransportFactory;
        var environment = _settings.Environment;
        _settings = new SmtpSettings { TransportFactory = transport, Environment = environment, Logger = _settings.Logger };
        _config = null;
        _sslAcceptServerCert = new Certificate();
        _sslCert = new Certificate();
        ResetMessageProperties();
        _messageText = _message = "";
        _messageB = [];
        _messageStream = null;
        _messageContent = null;
        _charset = "";
        _foldHeaders = true;
        _maxHeaderLength = 80;
        _messageIdAlgorithm = "SHA1";
        _allowEmptyTo = false;
        _closeStreamAfterTransfer = true;
        _keepQueue = false;
        _queueStopOnError = true;
        _queueWorkers = 1;
        _queueRetryDelay = 60;
        _queueMaxRetryDelay = 3600;
        _queueMaxAge = 5 * 86400;
        _selectWaitMillis = 20;
        _acceptAnyServerCert = false;
    }
}
