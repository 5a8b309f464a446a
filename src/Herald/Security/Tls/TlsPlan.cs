using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Herald.Security.Tls;

/// <summary>
/// The TLS settings checked and translated into what <see cref="SslStream"/> takes, before any byte is sent: every
/// invalid or unsupported setting fails here with a message that names it.
/// </summary>
internal sealed class TlsPlan
{
    /// <summary>SSLEnabledProtocols bits for TLS 1.3 (client and server halves).</summary>
    public const int Tls13Bits = 0x3000;
    /// <summary>SSLEnabledProtocols bits for TLS 1.2.</summary>
    public const int Tls12Bits = 0x0C00;
    /// <summary>SSLEnabledProtocols bits for TLS 1.1.</summary>
    public const int Tls11Bits = 0x0300;
    /// <summary>SSLEnabledProtocols bits for TLS 1.0.</summary>
    public const int Tls10Bits = 0x00C0;
    /// <summary>SSLEnabledProtocols bits for SSL 3.0.</summary>
    public const int Ssl3Bits = 0x0030;
    /// <summary>SSLEnabledProtocols bits for SSL 2.0.</summary>
    public const int Ssl2Bits = 0x000C;

    /// <summary>The versions to offer.</summary>
    public required SslProtocols Protocols { get; init; }

    /// <summary>The cipher suites to offer, or null for the platform's defaults.</summary>
    public IReadOnlyList<TlsCipherSuite>? CipherSuites { get; init; }

    /// <summary>SSLServerCACerts, parsed.</summary>
    public required X509Certificate2Collection ServerCACerts { get; init; }

    /// <summary>The client certificate with its private key, or null.</summary>
    public X509Certificate2? ClientCertificate { get; init; }

    /// <summary>Certificates sent after the client certificate (the store's chain plus SSLCACerts).</summary>
    public required X509Certificate2Collection ClientChain { get; init; }

    /// <summary>SSLStatus lines about settings that are mapped or not applied on this platform.</summary>
    public required IReadOnlyList<string> Notes { get; init; }

    /// <summary>Checks and translates the settings.</summary>
    /// <param name="settings">The TLS settings.</param>
    /// <exception cref="SmtpException">10022: an invalid value; 10045: not supported here; 272: SSLCert has no
    /// certificate or private key.</exception>
    public static TlsPlan Create(TlsSettings settings)
    {
        var notes = new List<string>();
        switch (settings.Provider)
        {
            case SmtpSSLProviders.sslpAutomatic:
            case SmtpSSLProviders.sslpPlatform:
                break;
            case SmtpSSLProviders.sslpInternal:
                // There is no built-in TLS stack: say so once per handshake rather than fail code written for the
                // other editions, where Internal is the Linux default.
                notes.Add("SSLProvider is sslpInternal, but Herald has no built-in TLS implementation: the platform TLS " +
                    $"library ({PlatformTls.Description}) is used instead.");
                break;
            default:
                throw new SmtpException(SmtpErrorCodes.InvalidArgument,
                    $"SSLProvider {(int)settings.Provider} is not a SmtpSSLProviders value (0 automatic, 1 platform, 2 internal).");
        }
        if ((settings.SecurityFlags & ~SecurityFlags.All) != 0)
        {
            throw new SmtpException(SmtpErrorCodes.InvalidArgument,
                $"SSLSecurityFlags {SecurityFlags.Format(settings.SecurityFlags)} has bits that mean nothing " +
                $"({SecurityFlags.Format(settings.SecurityFlags & ~SecurityFlags.All)}); see the documented flag values.");
        }
        if (settings.CheckCrl is < 0 or > 2 || settings.CheckOcsp is < 0 or > 2)
        {
            throw new SmtpException(SmtpErrorCodes.InvalidArgument,
                "SSLCheckCRL and SSLCheckOCSP take 0 (off), 1 (when supported) or 2 (required).");
        }
        if (settings.CipherStrength < 0)
        {
            throw new SmtpException(SmtpErrorCodes.InvalidArgument, "SSLCipherStrength must be 0 (no minimum) or a number of bits.");
        }
        SignatureAlgorithmPolicy.Validate(settings);
        notes.AddRange(SignatureAlgorithmPolicy.NotAppliedNotes(settings));
        if (!settings.EnableRenegotiation)
        {
            notes.Add("SSLEnableRenegotiation=False: a renegotiation requested by the server is refused; the " +
                "renegotiation_info extension (RFC 5746) is still sent, as the platform TLS library always sends it.");
        }
        if (settings.LogPackets)
        {
            notes.Add("LogSSLPackets has no effect with the platform TLS library; use SSLKeyLogFile and a packet capture instead.");
        }

        var protocols = MapProtocols(settings.EnabledProtocols);
        var suites = SelectCipherSuites(settings, protocols);
        if (suites is not null && UsableProtocols(suites, protocols) is var usable && usable != protocols)
        {
            // TLS 1.3 has its own suites: a version none of the allowed suites can serve is left out, because OpenSSL
            // refuses a handshake offering a version without a suite for it (with a misleading error).
            notes.Add((usable & SslProtocols.Tls13) == 0
                ? "SSLEnabledCipherSuites names no TLS 1.3 suite, so TLS 1.3 is not offered."
                : "SSLEnabledCipherSuites names only TLS 1.3 suites, so only TLS 1.3 is offered.");
            protocols = usable;
        }
        var (client, clientChain) = ResolveClientCertificate(settings);
        return new TlsPlan
        {
            Protocols = protocols,
            CipherSuites = suites,
            ServerCACerts = TrustAnchors.ParseServerCACerts(settings.ServerCACerts),
            ClientCertificate = client,
            ClientChain = clientChain,
            Notes = notes,
        };
    }

    /// <summary>Translates SSLEnabledProtocols into <see cref="SslProtocols"/>.</summary>
    /// <param name="bits">The bit mask.</param>
    /// <exception cref="SmtpException">10022 unknown bits or no version; 10045 SSL 2.0/3.0.</exception>
    public static SslProtocols MapProtocols(int bits)
    {
        const int known = Tls13Bits | Tls12Bits | Tls11Bits | Tls10Bits | Ssl3Bits | Ssl2Bits;
        if ((bits & ~known) != 0)
        {
            throw new SmtpException(SmtpErrorCodes.InvalidArgument,
                $"SSLEnabledProtocols {bits} has unknown bits; use 12288 (TLS 1.3), 3072 (TLS 1.2), 768 (TLS 1.1) and " +
                "192 (TLS 1.0), added together.");
        }
        if ((bits & (Ssl3Bits | Ssl2Bits)) != 0)
        {
            throw new SmtpException(SmtpErrorCodes.NotSupported,
                $"SSLEnabledProtocols {bits} enables SSL 2.0 or SSL 3.0, which .NET does not implement (they are broken). " +
                "Remove 48 and 12 from the value; 15360 enables TLS 1.2 and TLS 1.3.");
        }
        var protocols = SslProtocols.None;
        if ((bits & Tls13Bits) != 0)
        {
            protocols |= SslProtocols.Tls13;
        }
        if ((bits & Tls12Bits) != 0)
        {
            protocols |= SslProtocols.Tls12;
        }
#pragma warning disable SYSLIB0039 // TLS 1.0/1.1 are obsolete, but SSLEnabledProtocols lets the user ask for them explicitly.
        if ((bits & Tls11Bits) != 0)
        {
            protocols |= SslProtocols.Tls11;
        }
        if ((bits & Tls10Bits) != 0)
        {
            protocols |= SslProtocols.Tls;
        }
#pragma warning restore SYSLIB0039
        if (protocols == SslProtocols.None)
        {
            throw new SmtpException(SmtpErrorCodes.InvalidArgument,
                "SSLEnabledProtocols enables no TLS version; 15360 enables TLS 1.2 and TLS 1.3.");
        }
        return protocols;
    }

    /// <summary>The documented name of a version, as SSLNegotiatedVersion reports it: TLS1.3, TLS1.2, TLS1.1, TLS1.</summary>
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

    /// <summary>Parses SSLEnabledCipherSuites and applies SSLCipherStrength.</summary>
    /// <param name="settings">The TLS settings.</param>
    /// <param name="protocols">The enabled versions.</param>
    /// <returns>The suites, or null for the platform's defaults.</returns>
    /// <exception cref="SmtpException">10022: an unknown name, or nothing usable is left.</exception>
    public static IReadOnlyList<TlsCipherSuite>? SelectCipherSuites(TlsSettings settings, SslProtocols protocols)
    {
        string value = (settings.EnabledCipherSuites ?? "").Trim();
        List<TlsCipherSuite>? suites = null;
        if (value.Length > 0 && value != "*")
        {
            suites = [];
            foreach (string token in value.Split([',', ';', ' ', '\t', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries))
            {
                suites.Add(ParseSuite(token));
            }
        }
        if (settings.CipherStrength > 0)
        {
            var candidates = suites ?? DefaultSuites();
            var strong = candidates.Where(s => CipherSuiteInfo.From(s).CipherStrength >= settings.CipherStrength).ToList();
            if (strong.Count == 0)
            {
                throw new SmtpException(SmtpErrorCodes.InvalidArgument,
                    $"No enabled cipher suite has a {settings.CipherStrength}-bit cipher (SSLCipherStrength); the strongest is " +
                    $"{candidates.Max(s => CipherSuiteInfo.From(s).CipherStrength)} bits. Lower SSLCipherStrength or change " +
                    "SSLEnabledCipherSuites.");
            }
            suites = strong;
        }
        if (suites is not null)
        {
            if (UsableProtocols(suites, protocols) == SslProtocols.None)
            {
                throw new SmtpException(SmtpErrorCodes.InvalidArgument,
                    "None of the SSLEnabledCipherSuites can be used with the versions in SSLEnabledProtocols: TLS 1.3 uses only " +
                    "TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384 and TLS_CHACHA20_POLY1305_SHA256, the older versions only " +
                    "the other suites.");
            }
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

    private static TlsCipherSuite ParseSuite(string token)
    {
        if (token == "*")
        {
            throw new SmtpException(SmtpErrorCodes.InvalidArgument,
                "SSLEnabledCipherSuites: '*' means every suite and cannot be combined with names.");
        }
        if (token.StartsWith("CALG_", StringComparison.OrdinalIgnoreCase))
        {
            throw new SmtpException(SmtpErrorCodes.InvalidArgument,
                $"SSLEnabledCipherSuites: '{token}' is a Windows SChannel algorithm id; Herald takes IANA cipher suite names " +
                "such as TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 or TLS_AES_256_GCM_SHA384.");
        }
        if (!char.IsAsciiDigit(token[0]) && token[0] != '-'
            && Enum.TryParse<TlsCipherSuite>(token, ignoreCase: true, out var suite) && Enum.IsDefined(suite))
        {
            return suite;
        }
        throw new SmtpException(SmtpErrorCodes.InvalidArgument,
            $"SSLEnabledCipherSuites: '{token}' is not an IANA cipher suite name (for example TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384; " +
            "OpenSSL-style names such as ECDHE-RSA-AES256-GCM-SHA384 are not accepted).");
    }

    // The bulk ciphers "*" stands for when SSLCipherStrength must filter the list.
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

    private static (X509Certificate2? Certificate, X509Certificate2Collection Chain) ResolveClientCertificate(TlsSettings settings)
    {
        var chain = new X509Certificate2Collection();
        var certificate = settings.ClientCertificate;
        if (certificate is null || certificate.IsEmpty)
        {
            return (null, chain);
        }
        var x509 = certificate.ToX509() ?? throw new SmtpException(SmtpErrorCodes.CertNotFound,
            "SSLCert holds a private key but no certificate; load a store that contains the certificate too.");
        if (!x509.HasPrivateKey)
        {
            throw new SmtpException(SmtpErrorCodes.CertNotFound,
                $"SSLCert '{x509.Subject}' has no private key, so it cannot authenticate the client. Load it from a store " +
                "that holds the key (StoreType cstPFXFile or cstPEMKeyFile).");
        }
        if (certificate.Chain is { } storeChain)
        {
            chain.AddRange(storeChain);
        }
        chain.AddRange(TrustAnchors.ParseCACerts(settings.CACerts));
        if (OperatingSystem.IsWindows())
        {
            x509 = PersistableOnWindows(x509);
        }
        return (x509, chain);
    }

    private static X509Certificate2 PersistableOnWindows(X509Certificate2 certificate)
    {
        // SChannel cannot sign with an ephemeral key (one attached with CopyWithPrivateKey, as PEM keys are);
        // a PKCS#12 round trip gives it a key it can use.
        try
        {
            return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null, X509KeyStorageFlags.Exportable);
        }
        catch (CryptographicException)
        {
            return certificate;
        }
    }
}
