namespace Herald.Security;

/// <summary>
/// Every TLS knob of the component, in one object the engine reads when it connects. The facades' properties and
/// Config settings read and write these fields directly.
/// </summary>
internal sealed class TlsSettings
{
    /// <summary>The default list of CA bundle files tried in order (CACertFilePaths).</summary>
    public const string DefaultCACertFilePaths =
        "/etc/ssl/ca-bundle.pem;/etc/pki/tls/certs/ca-bundle.crt;/etc/ssl/certs/ca-certificates.crt;/etc/pki/tls/cacert.pem";

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
}
