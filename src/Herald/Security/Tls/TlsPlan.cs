using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace Herald.Security.Tls;

/// <summary>
/// What the handshake offers, worked out from <see cref="TlsOptions"/> before any byte is sent: the cipher suites
/// after the minimum strength is applied, and the versions those suites can serve. A combination that cannot work
/// fails here with a message that names the setting to change.
/// </summary>
internal sealed class TlsPlan
{
    /// <summary>The versions to offer.</summary>
    public required SslProtocols Protocols { get; init; }

    /// <summary>The cipher suites to offer, or null for the platform's defaults.</summary>
    public IReadOnlyList<TlsCipherSuite>? CipherSuites { get; init; }

    /// <summary>The trusted CA certificates.</summary>
    public required X509Certificate2Collection ServerCACerts { get; init; }

    /// <summary>The client certificate with its private key, or null.</summary>
    public X509Certificate2? ClientCertificate { get; init; }

    /// <summary>Certificates sent after the client certificate.</summary>
    public required X509Certificate2Collection ClientChain { get; init; }

    /// <summary>Status lines about settings that are mapped or not applied on this platform.</summary>
    public required IReadOnlyList<string> Notes { get; init; }

    /// <summary>Works out the offer.</summary>
    /// <param name="options">The TLS options.</param>
    /// <exception cref="SmtpException">10022: no offered suite meets the minimum strength, or none suits the enabled
    /// versions.</exception>
    public static TlsPlan Create(TlsOptions options)
    {
        var notes = new List<string>(options.Notes);
        var protocols = options.Protocols;
        var suites = SelectCipherSuites(options, protocols);
        if (suites is not null && UsableProtocols(suites, protocols) is var usable && usable != protocols)
        {
            // TLS 1.3 has its own suites: a version none of the allowed suites can serve is left out, because OpenSSL
            // refuses a handshake offering a version without a suite for it (with a misleading error).
            notes.Add((usable & SslProtocols.Tls13) == 0
                ? $"{options.Terms.CipherSuites} names no TLS 1.3 suite, so TLS 1.3 is not offered."
                : $"{options.Terms.CipherSuites} names only TLS 1.3 suites, so only TLS 1.3 is offered.");
            protocols = usable;
        }
        return new TlsPlan
        {
            Protocols = protocols,
            CipherSuites = suites,
            ServerCACerts = options.TrustedCAs,
            ClientCertificate = options.ClientCertificate,
            ClientChain = options.ClientChain,
            Notes = notes,
        };
    }

    /// <summary>The documented name of a version, as the negotiated version is reported: TLS1.3, TLS1.2, TLS1.1, TLS1.</summary>
    /// <param name="protocol">The negotiated version.</param>
    public static string VersionName(SslProtocols protocol) => protocol switch
    {
        SslProtocols.Tls13 => "TLS1.3",
        SslProtocols.Tls12 => "TLS1.2",
#pragma warning disable SYSLIB0039
        SslProtocols.Tls11 => "TLS1.1",
        SslProtocols.Tls => "TLS1",
#pragma warning restore SYSLIB0039
        _ => protocol.ToString(),
    };

    /// <summary>Applies the minimum cipher strength to the listed suites (or to the defaults when none are listed).</summary>
    /// <param name="options">The TLS options.</param>
    /// <param name="protocols">The enabled versions.</param>
    /// <returns>The suites, or null for the platform's defaults.</returns>
    /// <exception cref="SmtpException">10022: nothing usable is left.</exception>
    public static IReadOnlyList<TlsCipherSuite>? SelectCipherSuites(TlsOptions options, SslProtocols protocols)
    {
        var terms = options.Terms;
        var suites = options.CipherSuites;
        if (options.MinCipherStrength > 0)
        {
            var candidates = suites ?? DefaultSuites();
            var strong = candidates.Where(s => CipherSuiteInfo.From(s).CipherStrength >= options.MinCipherStrength).ToList();
            if (strong.Count == 0)
            {
                throw new SmtpException(SmtpErrorCodes.InvalidArgument,
                    $"No enabled cipher suite has a {options.MinCipherStrength}-bit cipher ({terms.CipherStrength}); the strongest " +
                    $"is {candidates.Max(s => CipherSuiteInfo.From(s).CipherStrength)} bits. Lower {terms.CipherStrength} or " +
                    $"change {terms.CipherSuites}.");
            }
            suites = strong;
        }
        if (suites is not null && UsableProtocols(suites, protocols) == SslProtocols.None)
        {
            throw new SmtpException(SmtpErrorCodes.InvalidArgument,
                $"None of the {terms.CipherSuites} can be used with the versions in {terms.TlsVersions}: TLS 1.3 uses only " +
                "TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384 and TLS_CHACHA20_POLY1305_SHA256, the older versions only " +
                "the other suites.");
        }
        return suites;
    }

    /// <summary>
    /// Parses a list of IANA cipher suite names separated by commas, semicolons or white space; "*" or an empty value
    /// means the platform's defaults.
    /// </summary>
    /// <param name="value">The list.</param>
    /// <param name="setting">The name of the setting it came from, for the error message.</param>
    /// <returns>The suites, or null for the defaults.</returns>
    /// <exception cref="SmtpException">10022: a name is not an IANA cipher suite name.</exception>
    public static IReadOnlyList<TlsCipherSuite>? ParseCipherSuites(string? value, string setting)
    {
        value = (value ?? "").Trim();
        if (value.Length == 0 || value == "*")
        {
            return null;
        }
        var suites = new List<TlsCipherSuite>();
        foreach (string token in value.Split([',', ';', ' ', '\t', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries))
        {
            suites.Add(ParseSuite(token, setting));
        }
        return suites;
    }

    /// <summary>The enabled versions that at least one of <paramref name="suites"/> can serve.</summary>
    private static SslProtocols UsableProtocols(IReadOnlyList<TlsCipherSuite> suites, SslProtocols protocols)
    {
        if (!suites.Any(suite => CipherSuiteInfo.From(suite).IsTls13))
        {
            protocols &= ~SslProtocols.Tls13;
        }
        if (!suites.Any(suite => !CipherSuiteInfo.From(suite).IsTls13))
        {
            protocols &= SslProtocols.Tls13;
        }
        return protocols;
    }

    private static TlsCipherSuite ParseSuite(string token, string setting)
    {
        if (token == "*")
        {
            throw new SmtpException(SmtpErrorCodes.InvalidArgument,
                $"{setting}: '*' means every suite and cannot be combined with names.");
        }
        if (token.StartsWith("CALG_", StringComparison.OrdinalIgnoreCase))
        {
            throw new SmtpException(SmtpErrorCodes.InvalidArgument,
                $"{setting}: '{token}' is a Windows SChannel algorithm id; Herald takes IANA cipher suite names " +
                "such as TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 or TLS_AES_256_GCM_SHA384.");
        }
        if (!char.IsAsciiDigit(token[0]) && token[0] != '-'
            && Enum.TryParse<TlsCipherSuite>(token, ignoreCase: true, out var suite) && Enum.IsDefined(suite))
        {
            return suite;
        }
        throw new SmtpException(SmtpErrorCodes.InvalidArgument,
            $"{setting}: '{token}' is not an IANA cipher suite name (for example TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384; " +
            "OpenSSL-style names such as ECDHE-RSA-AES256-GCM-SHA384 are not accepted).");
    }

    // The bulk ciphers "*" stands for when a minimum strength must filter the list.
    private static readonly string[] s_defaultCiphers = ["AES", "CHACHA20", "CAMELLIA", "ARIA", "3DES"];

    /// <summary>
    /// The suites "*" stands for when a minimum strength must be applied: the TLS 1.3 suites and the RSA, DHE and ECDHE
    /// suites with AES, ChaCha20, Camellia, ARIA or 3DES. Anonymous, NULL, export, PSK/SRP and broken ciphers are left
    /// out, as the platform's own default list leaves them out. Strongest first.
    /// </summary>
    private static List<TlsCipherSuite> DefaultSuites() => Enum.GetValues<TlsCipherSuite>()
        .Distinct()
        .Select(s => (Suite: s, Info: CipherSuiteInfo.From(s)))
        .Where(x => x.Info.IsTls13
            || (x.Info.KeyExchange is "ECDHE" or "DHE" or "RSA" && x.Info.Authentication is "RSA" or "ECDSA" or "DSS"))
        .Where(x => s_defaultCiphers.Any(c => x.Info.Cipher.StartsWith(c, StringComparison.Ordinal)))
        .OrderByDescending(x => x.Info.IsTls13)
        .ThenByDescending(x => x.Info.Pfs)
        .ThenByDescending(x => x.Info.Aead)
        .ThenByDescending(x => x.Info.CipherStrength)
        .Select(x => x.Suite)
        .ToList();
}
