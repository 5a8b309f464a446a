using Herald.Security.Tls;

namespace Herald;

/// <summary>
/// The TLS settings of a <see cref="SmtpClient"/> (its <see cref="SmtpClient.TLS"/> property): when TLS starts, which
/// versions and suites are offered, and how the server's certificate is judged. They are read when a connection
/// starts; changing them affects the next connection. Certificates themselves are in the client's lists
/// (<see cref="SmtpClient.TrustedCerts"/>, <see cref="SmtpClient.ClientCerts"/>, ...).
/// </summary>
public sealed class SmtpClientTlsSettings
{
    private const TlsVersions DefaultVersions = TlsVersions.Tls12 | TlsVersions.Tls13;
    private const TlsVersions KnownVersions = TlsVersions.Ssl2 | TlsVersions.Ssl3 | TlsVersions.Tls1 | TlsVersions.Tls11
        | TlsVersions.Tls12 | TlsVersions.Tls13;

    private static readonly Dictionary<string, string> s_groups = new(StringComparer.OrdinalIgnoreCase)
    {
        ["x25519"] = "x25519", ["curve25519"] = "x25519",
        ["x448"] = "x448", ["curve448"] = "x448",
        ["secp256r1"] = "secp256r1", ["prime256v1"] = "secp256r1", ["p-256"] = "secp256r1", ["nistp256"] = "secp256r1",
        ["secp384r1"] = "secp384r1", ["p-384"] = "secp384r1", ["nistp384"] = "secp384r1",
        ["secp521r1"] = "secp521r1", ["p-521"] = "secp521r1", ["nistp521"] = "secp521r1",
        ["brainpoolp256r1"] = "brainpoolP256r1", ["brainpoolp384r1"] = "brainpoolP384r1", ["brainpoolp512r1"] = "brainpoolP512r1",
        ["ffdhe2048"] = "ffdhe2048", ["ffdhe3072"] = "ffdhe3072", ["ffdhe4096"] = "ffdhe4096", ["ffdhe6144"] = "ffdhe6144",
        ["ffdhe8192"] = "ffdhe8192",
    };

    private TlsVersions _versions = DefaultVersions;
    private TlsBaseConfiguration _baseConfiguration = TlsBaseConfiguration.Default;
    private string _ciphersuites = "";
    private string _ecCurves = "";
    private string[] _groups = [];
    private SmtpClientTlsMode _mode = SmtpClientTlsMode.Automatic;
    private RevocationCheckKind _revocationCheck = RevocationCheckKind.Auto;
    private RenegotiationAttackPreventionMode _renegotiation = RenegotiationAttackPreventionMode.Auto;

    /// <summary>
    /// When TLS starts: <see cref="SmtpClientTlsMode.Automatic"/> (the default: implicit TLS on port 465, otherwise
    /// STARTTLS when the server offers it and plaintext when it does not), <see cref="SmtpClientTlsMode.ExplicitTls"/>
    /// (STARTTLS required), <see cref="SmtpClientTlsMode.ImplicitTls"/> or <see cref="SmtpClientTlsMode.NoTls"/>.
    /// </summary>
    /// <exception cref="SmtpException">10022 for a value that is not a member of the enumeration.</exception>
    public SmtpClientTlsMode TLSMode
    {
        get => _mode;
        set => _mode = Enum.IsDefined(value) ? value : throw Invalid("TLS.TLSMode", (int)value);
    }

    /// <summary>
    /// True (the default): the server's certificate is validated (chain to a trusted certificate, validity, name,
    /// usage, revocation as <see cref="RevocationCheck"/> says) and the <see cref="SmtpClient.CertificateValidate"/>
    /// event may overrule the result. False: only that event decides; it is raised with Accept false and the
    /// validation result for information, and without a handler that accepts, the certificate is refused.
    /// </summary>
    public bool AutoValidateCertificates { get; set; } = true;

    /// <summary>
    /// A preset for <see cref="Versions"/> and <see cref="Ciphersuites"/>, applied when set: Default (TLS 1.2 and 1.3),
    /// Compatible (TLS 1.0 to 1.3), ComprehensiveInsecure (every version .NET has) or HighlySecure (TLS 1.3 only); the
    /// cipher suites return to the platform's list. Change Versions or Ciphersuites afterwards to refine it.
    /// </summary>
    /// <exception cref="SmtpException">10022 for a value that is not a member of the enumeration.</exception>
    public TlsBaseConfiguration BaseConfiguration
    {
        get => _baseConfiguration;
        set
        {
            _versions = value switch
            {
                TlsBaseConfiguration.Default => DefaultVersions,
                TlsBaseConfiguration.Compatible or TlsBaseConfiguration.ComprehensiveInsecure =>
                    TlsVersions.Tls1 | TlsVersions.Tls11 | TlsVersions.Tls12 | TlsVersions.Tls13,
                TlsBaseConfiguration.HighlySecure => TlsVersions.Tls13,
                _ => throw Invalid("TLS.BaseConfiguration", (int)value),
            };
            _ciphersuites = "";
            _baseConfiguration = value;
        }
    }

    /// <summary>
    /// The cipher suites to offer, IANA names separated by commas or semicolons (e.g.
    /// <c>TLS_AES_256_GCM_SHA384,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256</c>); "" or <c>*</c> (the default) for the
    /// platform's list. TLS 1.3 is offered only when a TLS 1.3 suite is listed. Not available on Windows (10045 when
    /// connecting), where the system's TLS configuration decides.
    /// </summary>
    /// <exception cref="SmtpException">10022 for a name that is not a cipher suite.</exception>
    public string Ciphersuites
    {
        get => _ciphersuites;
        set
        {
            string v = (value ?? "").Trim();
            TlsPlan.ParseCipherSuites(v, "TLS.Ciphersuites");
            _ciphersuites = v;
        }
    }

    /// <summary>
    /// The key-exchange groups (elliptic curves and finite-field groups: x25519, x448, secp256r1, secp384r1,
    /// secp521r1, ffdhe2048, ...) a connection may use, separated by commas; "" (the default) for any. The platform TLS
    /// offers its own list and cannot be told to offer fewer, so a connection that negotiates a group outside this
    /// list is closed right after the handshake with 276 (and with 10045 where the platform does not report the
    /// group).
    /// </summary>
    /// <exception cref="SmtpException">10022 for a name that is not a known group.</exception>
    public string ECCurves
    {
        get => _ecCurves;
        set
        {
            var names = new List<string>();
            foreach (string token in (value ?? "").Split([',', ';', ' '], StringSplitOptions.RemoveEmptyEntries))
            {
                names.Add(s_groups.TryGetValue(token, out var name) ? name
                    : throw new SmtpException(SmtpErrorCodes.InvalidArgument,
                        $"TLS.ECCurves: \"{token}\" is not a known key-exchange group; use names such as x25519, secp256r1, " +
                        "secp384r1, secp521r1, x448 or ffdhe2048."));
            }
            _groups = [.. names.Distinct()];
            _ecCurves = string.Join(',', _groups);
        }
    }

    /// <summary>
    /// Whether to resume a TLS session with a different server address than the one it was made with. .NET keys
    /// resumable sessions by host name and cannot be told otherwise: false is the only value (true fails with 10045).
    /// </summary>
    /// <exception cref="SmtpException">10045 when set to true.</exception>
    public bool ForceResumeIfDestinationChanges
    {
        get => false;
        set
        {
            if (value)
            {
                throw NotPossible("TLS.ForceResumeIfDestinationChanges",
                    ".NET's SslStream keys resumable sessions by the server's host name and cannot resume one with another server");
            }
        }
    }

    /// <summary>The identity for a TLS-PSK key exchange. TLS-PSK is not available through .NET's SslStream: "" is the
    /// only value (anything else fails with 10045).</summary>
    /// <exception cref="SmtpException">10045 when set to a non-empty value.</exception>
    public string PreSharedIdentity
    {
        get => "";
        set => RefusePsk("TLS.PreSharedIdentity", value);
    }

    /// <summary>The pre-shared key (base16) for TLS-PSK. Not available through .NET's SslStream: "" is the only value.</summary>
    /// <exception cref="SmtpException">10045 when set to a non-empty value.</exception>
    public string PreSharedKey
    {
        get => "";
        set => RefusePsk("TLS.PreSharedKey", value);
    }

    /// <summary>The cipher suite for TLS-PSK. Not available through .NET's SslStream: "" is the only value.</summary>
    /// <exception cref="SmtpException">10045 when set to a non-empty value.</exception>
    public string PreSharedKeyCiphersuite
    {
        get => "";
        set => RefusePsk("TLS.PreSharedKeyCiphersuite", value);
    }

    /// <summary>
    /// Whether a renegotiation the server asks for is allowed: Strict refuses it; Compatible and Auto (the default)
    /// allow it (the platform only ever renegotiates securely, RFC 5746).
    /// </summary>
    /// <exception cref="SmtpException">10022 for a value that is not a member of the enumeration.</exception>
    public RenegotiationAttackPreventionMode RenegotiationAttackPreventionMode
    {
        get => _renegotiation;
        set => _renegotiation = Enum.IsDefined(value) ? value : throw Invalid("TLS.RenegotiationAttackPreventionMode", (int)value);
    }

    /// <summary>
    /// Which revocation checks run on the server's chain (see <see cref="RevocationCheckKind"/>; default Auto). The
    /// CRLs in <see cref="SmtpClient.KnownCRLs"/> and the OCSP responses in <see cref="SmtpClient.KnownOCSPs"/> answer
    /// first, without the network; only when they leave a certificate of the chain unanswered does the platform fetch
    /// what the certificates name (at most 15 seconds per fetch).
    /// </summary>
    /// <exception cref="SmtpException">10022 for a value that is not a member of the enumeration.</exception>
    public RevocationCheckKind RevocationCheck
    {
        get => _revocationCheck;
        set => _revocationCheck = Enum.IsDefined(value) ? value : throw Invalid("TLS.RevocationCheck", (int)value);
    }

    /// <summary>TLS option bits. The platform TLS implements none of them: <see cref="TlsSslOptions.None"/> (the
    /// default) is the only value (any bit fails with 10045).</summary>
    /// <exception cref="SmtpException">10045 for any bit; 10022 for bits that name no option.</exception>
    public TlsSslOptions SSLOptions
    {
        get => TlsSslOptions.None;
        set
        {
            const TlsSslOptions known = TlsSslOptions.ExpectShutdownMessage | TlsSslOptions.OpenSSLDTLSWorkaround
                | TlsSslOptions.DisableKexLengthAlignment;
            if ((value & ~known) != 0)
            {
                throw Invalid("TLS.SSLOptions", (int)value);
            }
            if (value != TlsSslOptions.None)
            {
                throw NotPossible("TLS.SSLOptions " + value,
                    ".NET's SslStream does not let a client wait for close_notify, use DTLS workarounds or change how the RSA " +
                    "pre-master secret is padded");
            }
        }
    }

    /// <summary>
    /// The Extended Master Secret extension (RFC 7627). The platform TLS always offers it: true (the default) is the
    /// only value (false fails with 10045).
    /// </summary>
    /// <exception cref="SmtpException">10045 when set to false.</exception>
    public bool UseExtendedMasterSecret
    {
        get => true;
        set
        {
            if (!value)
            {
                throw NotPossible("TLS.UseExtendedMasterSecret=false", "the platform TLS always offers Extended Master Secret");
            }
        }
    }

    /// <summary>
    /// Allow TLS session resumption (default false). .NET keeps resumable sessions per host name for the whole process,
    /// and only for connections made without a client certificate or cipher-suite restriction.
    /// </summary>
    public bool UseSessionResumption { get; set; }

    /// <summary>
    /// The versions to offer (default TLS 1.2 and 1.3). TLS 1.0 and 1.1 may be refused by the platform's TLS
    /// configuration; SSL 2 and 3 do not exist in .NET (10045).
    /// </summary>
    /// <exception cref="SmtpException">10022 for no version or unknown bits; 10045 for SSL 2.0 or SSL 3.0.</exception>
    public TlsVersions Versions
    {
        get => _versions;
        set
        {
            if ((value & ~KnownVersions) != 0 || value == TlsVersions.None)
            {
                throw new SmtpException(SmtpErrorCodes.InvalidArgument,
                    $"TLS.Versions {(int)value} names no TLS version or has unknown bits; combine TlsVersions.Tls12 and Tls13 " +
                    "(and Tls1, Tls11 for old servers).");
            }
            if ((value & (TlsVersions.Ssl2 | TlsVersions.Ssl3)) != 0)
            {
                throw NotPossible("TLS.Versions with SSL 2.0 or 3.0", ".NET does not implement them (they are broken)");
            }
            _versions = value;
        }
    }

    /// <summary>The allowed key-exchange groups, as IANA names.</summary>
    internal IReadOnlyList<string> Groups => _groups;

    /// <summary>A copy, so a connection keeps the settings it started with.</summary>
    internal SmtpClientTlsSettings Clone() => (SmtpClientTlsSettings)MemberwiseClone();

    /// <summary>The .NET protocol set for <see cref="Versions"/>.</summary>
    internal System.Security.Authentication.SslProtocols Protocols()
    {
        var protocols = System.Security.Authentication.SslProtocols.None;
#pragma warning disable SYSLIB0039 // TLS 1.0/1.1 are obsolete, but Versions lets the user ask for them explicitly.
        if ((_versions & TlsVersions.Tls1) != 0)
        {
            protocols |= System.Security.Authentication.SslProtocols.Tls;
        }
        if ((_versions & TlsVersions.Tls11) != 0)
        {
            protocols |= System.Security.Authentication.SslProtocols.Tls11;
        }
#pragma warning restore SYSLIB0039
        if ((_versions & TlsVersions.Tls12) != 0)
        {
            protocols |= System.Security.Authentication.SslProtocols.Tls12;
        }
        if ((_versions & TlsVersions.Tls13) != 0)
        {
            protocols |= System.Security.Authentication.SslProtocols.Tls13;
        }
        return protocols;
    }

    private static void RefusePsk(string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            throw NotPossible(name, "TLS-PSK key exchange is not available through .NET's SslStream, which always authenticates " +
                "the server with a certificate");
        }
    }

    private static SmtpException Invalid(string name, int value) =>
        new(SmtpErrorCodes.InvalidArgument, $"{name} {value} is not a defined value.");

    private static SmtpException NotPossible(string what, string why) =>
        new(SmtpErrorCodes.NotSupported, $"{what} cannot be honoured: {why}.");
}
