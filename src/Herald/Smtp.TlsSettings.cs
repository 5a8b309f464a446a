using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Herald.Security.Tls;
using Herald.Transport;

namespace Herald;

/// <summary>
/// Every TLS setting of the <see cref="Smtp"/> component, as its properties and Config settings hold them (bit masks,
/// PEM text, lists in strings). <see cref="ToOptions"/> checks them and translates them into the engine's
/// <see cref="TlsOptions"/> when a handshake needs them, with errors that name these settings.
/// </summary>
internal sealed class SmtpTlsSettings
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

    /// <summary>The default list of CA bundle files tried in order (CACertFilePaths).</summary>
    public static readonly string DefaultCACertFilePaths = string.Join(';', TlsOptions.DefaultCABundleFiles);

    /// <summary>TLS 1.2 (0xC00) and TLS 1.3 (0x3000): the versions enabled by default.</summary>
    public const int DefaultEnabledProtocols = 0x3000 | 0xC00;

    /// <summary>When TLS starts.</summary>
    public SmtpSSLStartModes StartMode { get; set; } = SmtpSSLStartModes.sslNone;

    /// <summary>Which TLS implementation to use. Every value uses the platform TLS behind .NET's SslStream; sslpInternal
    /// (there is no built-in stack) does so with an SSLStatus note.</summary>
    public SmtpSSLProviders Provider { get; set; } = SmtpSSLProviders.sslpAutomatic;

    /// <summary>SSLEnabledProtocols bit mask (0x3000 TLS 1.3, 0xC00 TLS 1.2, 0x300 TLS 1.1, 0xC0 TLS 1.0, 0x30 SSL 3, 0xC SSL 2).</summary>
    public int EnabledProtocols { get; set; } = DefaultEnabledProtocols;

    /// <summary>SSLEnabledCipherSuites: "*" or a comma/semicolon list of IANA suite names.</summary>
    public string EnabledCipherSuites { get; set; } = "*";

    /// <summary>SSLSecurityFlags bits that relax certificate validation.</summary>
    public int SecurityFlags { get; set; }

    /// <summary>SSLServerCACerts: PEM CA certificates trusted in addition to the system store. Roots anchor trust;
    /// intermediates only help build the path.</summary>
    public string ServerCACerts { get; set; } = "";

    /// <summary>SSLCACerts: PEM certificates sent with the client certificate to complete its chain.</summary>
    public string CACerts { get; set; } = "";

    /// <summary>SSLCert: the client certificate, or null.</summary>
    public Certificate? ClientCertificate { get; set; }

    /// <summary>SSLAcceptServerCert: a server certificate accepted without validation, or null.</summary>
    public Certificate? AcceptServerCertificate { get; set; }

    /// <summary>SSLIncludeCertChain: the validation event reports the whole chain.</summary>
    public bool IncludeCertChain { get; set; }

    /// <summary>SSLCheckCRL: 0 off, 1 when the certificate names a CRL, 2 required.</summary>
    public int CheckCrl { get; set; }

    /// <summary>SSLCheckOCSP: 0 off, 1 when the certificate names a responder, 2 required.</summary>
    public int CheckOcsp { get; set; }

    /// <summary>CACertFilePaths: CA bundle files tried in order; the first that exists is trusted in addition to the
    /// system store (consulted only when the system store does not trust the server).</summary>
    public string CACertFilePaths { get; set; } = DefaultCACertFilePaths;

    /// <summary>ReuseSSLSession: allow TLS session resumption (.NET's AllowTlsResume). .NET keeps resumable sessions per
    /// host name for the whole process, and only for connections without a client certificate or cipher-suite
    /// restriction.</summary>
    public bool ReuseSession { get; set; }

    /// <summary>SSLKeyLogFile: where to append NSS key-log lines for this connection's sessions, or empty. Works where
    /// .NET uses OpenSSL (Linux); elsewhere setting it fails the connection with 10045.</summary>
    public string KeyLogFile { get; set; } = "";

    /// <summary>LogSSLPackets: no effect with the platform TLS (an SSLStatus note says so).</summary>
    public bool LogPackets { get; set; }

    /// <summary>SSLEnableRenegotiation: whether a renegotiation requested by the server is allowed (.NET's
    /// AllowRenegotiation); the renegotiation_info extension is always sent.</summary>
    public bool EnableRenegotiation { get; set; } = true;

    /// <summary>SSLCipherStrength: minimum bulk cipher strength in bits, 0 for no minimum. Weaker suites are left out
    /// of the offer and the negotiated suite is checked again after the handshake.</summary>
    public int CipherStrength { get; set; }

    /// <summary>TLS12SignatureAlgorithms: checked against the server certificate's signature under TLS 1.2 (empty: no
    /// check). The handshake's own signature_algorithms are the platform's.</summary>
    public string Tls12SignatureAlgorithms { get; set; } =
        "sha512-ecdsa,sha512-rsa,sha512-dsa,sha384-ecdsa,sha384-rsa,sha384-dsa,sha256-ecdsa,sha256-rsa,sha256-dsa," +
        "sha224-ecdsa,sha224-rsa,sha224-dsa,sha1-ecdsa,sha1-rsa,sha1-dsa";

    /// <summary>TLS12SupportedGroups: validated, not applied (SslStream offers the platform's groups; an SSLStatus note
    /// says so when the value differs from the default).</summary>
    public string Tls12SupportedGroups { get; set; } = "ecdhe_secp256r1,ecdhe_secp384r1,ecdhe_secp521r1";

    /// <summary>TLS13KeyShareGroups: validated, not applied (see TLS12SupportedGroups).</summary>
    public string Tls13KeyShareGroups { get; set; } = "ecdhe_x25519,ecdhe_secp256r1,ecdhe_secp384r1,ffdhe_2048,ffdhe_3072";

    /// <summary>TLS13SignatureAlgorithms: checked against the server certificate's signature under TLS 1.3 (empty: no
    /// check).</summary>
    public string Tls13SignatureAlgorithms { get; set; } =
        "rsa_pss_sha256,rsa_pss_sha384,rsa_pss_sha512,rsa_pkcs1_sha256,rsa_pkcs1_sha384,rsa_pkcs1_sha512," +
        "ecdsa_secp256r1_sha256,ecdsa_secp384r1_sha384,ecdsa_secp521r1_sha512,ed25519,ed448";

    /// <summary>TLS13SupportedGroups: validated, not applied (see TLS12SupportedGroups).</summary>
    public string Tls13SupportedGroups { get; set; } =
        "ecdhe_x25519,ecdhe_x448,ecdhe_secp256r1,ecdhe_secp384r1,ecdhe_secp521r1,ffdhe_2048,ffdhe_3072,ffdhe_4096,ffdhe_6144,ffdhe_8192";

    /// <summary>
    /// InsecureAllowStartTlsFallback: when explicit TLS cannot start (no STARTTLS offered), continue in plaintext.
    /// Off by default; the name is meant to alarm.
    /// </summary>
    public bool InsecureAllowStartTlsFallback { get; set; }

    /// <summary>A copy, so a snapshot taken for a connection does not change when a property does.</summary>
    public SmtpTlsSettings Clone() => (SmtpTlsSettings)MemberwiseClone();

    /// <summary>Checks the settings and translates them into the engine's TLS options.</summary>
    /// <param name="terms">The words for messages (the component's).</param>
    /// <exception cref="SmtpException">10022: an invalid value; 10045: not supported here; 272: SSLCert has no
    /// certificate or private key.</exception>
    public TlsOptions ToOptions(SettingTerms terms)
    {
        var notes = new List<string>();
        switch (Provider)
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
                    $"SSLProvider {(int)Provider} is not a SmtpSSLProviders value (0 automatic, 1 platform, 2 internal).");
        }
        if ((SecurityFlags & ~Security.Tls.SecurityFlags.All) != 0)
        {
            throw new SmtpException(SmtpErrorCodes.InvalidArgument,
                $"SSLSecurityFlags {Security.Tls.SecurityFlags.Format(SecurityFlags)} has bits that mean nothing " +
                $"({Security.Tls.SecurityFlags.Format(SecurityFlags & ~Security.Tls.SecurityFlags.All)}); see the documented flag values.");
        }
        if (CheckCrl is < 0 or > 2 || CheckOcsp is < 0 or > 2)
        {
            throw new SmtpException(SmtpErrorCodes.InvalidArgument,
                "SSLCheckCRL and SSLCheckOCSP take 0 (off), 1 (when supported) or 2 (required).");
        }
        if (CipherStrength < 0)
        {
            throw new SmtpException(SmtpErrorCodes.InvalidArgument, "SSLCipherStrength must be 0 (no minimum) or a number of bits.");
        }
        var tls12Signatures = SignatureAlgorithmPolicy.ParseList("TLS12SignatureAlgorithms", Tls12SignatureAlgorithms,
            SignatureAlgorithmPolicy.Tls12Names);
        var tls13Signatures = SignatureAlgorithmPolicy.ParseList("TLS13SignatureAlgorithms", Tls13SignatureAlgorithms,
            SignatureAlgorithmPolicy.Tls13Names);
        SignatureAlgorithmPolicy.ParseList("TLS12SupportedGroups", Tls12SupportedGroups, SignatureAlgorithmPolicy.Tls12Groups);
        SignatureAlgorithmPolicy.ParseList("TLS13KeyShareGroups", Tls13KeyShareGroups, SignatureAlgorithmPolicy.Tls13Groups);
        SignatureAlgorithmPolicy.ParseList("TLS13SupportedGroups", Tls13SupportedGroups, SignatureAlgorithmPolicy.Tls13Groups);
        notes.AddRange(NotAppliedNotes());
        if (!EnableRenegotiation)
        {
            notes.Add("SSLEnableRenegotiation=False: a renegotiation requested by the server is refused; the " +
                "renegotiation_info extension (RFC 5746) is still sent, as the platform TLS library always sends it.");
        }
        if (LogPackets)
        {
            notes.Add("LogSSLPackets has no effect with the platform TLS library; use SSLKeyLogFile and a packet capture instead.");
        }
        var (client, clientChain) = ResolveClientCertificate();
        return new TlsOptions
        {
            Protocols = MapProtocols(EnabledProtocols),
            CipherSuites = TlsPlan.ParseCipherSuites(EnabledCipherSuites, "SSLEnabledCipherSuites"),
            MinCipherStrength = CipherStrength,
            RelaxedChecks = SecurityFlags,
            CheckCrl = (RevocationCheck)CheckCrl,
            CheckOcsp = (RevocationCheck)CheckOcsp,
            TrustedCAs = TrustAnchors.ParsePem(ServerCACerts, terms.TrustedCAs),
            CABundleFiles = CACertFilePaths.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            ClientCertificate = client,
            ClientChain = clientChain,
            PinnedServerCertificate = AcceptServerCertificate?.ToX509(),
            AllowResume = ReuseSession,
            KeyLogFile = KeyLogFile,
            AllowRenegotiation = EnableRenegotiation,
            Tls12SignatureAlgorithms = tls12Signatures,
            Tls13SignatureAlgorithms = tls13Signatures,
            Notes = notes,
            Terms = terms,
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

    /// <summary>The SSLStatus notes for settings that differ from their defaults and cannot be applied.</summary>
    private IEnumerable<string> NotAppliedNotes()
    {
        var defaults = new SmtpTlsSettings();
        foreach (var (name, value, fallback) in new[]
        {
            ("TLS12SupportedGroups", Tls12SupportedGroups, defaults.Tls12SupportedGroups),
            ("TLS13KeyShareGroups", Tls13KeyShareGroups, defaults.Tls13KeyShareGroups),
            ("TLS13SupportedGroups", Tls13SupportedGroups, defaults.Tls13SupportedGroups),
        })
        {
            if (!SignatureAlgorithmPolicy.SameList(value, fallback))
            {
                yield return $"{name} is not applied: .NET's SslStream does not let a client choose its key-exchange groups, " +
                    "so the platform's defaults are offered.";
            }
        }
        if (!SignatureAlgorithmPolicy.SameList(Tls12SignatureAlgorithms, defaults.Tls12SignatureAlgorithms)
            || !SignatureAlgorithmPolicy.SameList(Tls13SignatureAlgorithms, defaults.Tls13SignatureAlgorithms))
        {
            yield return "TLS12SignatureAlgorithms/TLS13SignatureAlgorithms are applied to the server certificate's signature " +
                "only: .NET's SslStream does not let a client choose the signature_algorithms it offers in the handshake.";
        }
    }

    private (X509Certificate2? Certificate, X509Certificate2Collection Chain) ResolveClientCertificate()
    {
        var chain = new X509Certificate2Collection();
        var certificate = ClientCertificate;
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
        chain.AddRange(TrustAnchors.ParsePem(CACerts, "SSLCACerts"));
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
