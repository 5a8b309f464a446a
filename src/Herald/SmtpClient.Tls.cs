using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Herald.Security.Tls;

namespace Herald;

public partial class SmtpClient
{
    /// <summary>The TLS settings: mode, versions, suites, validation.</summary>
    public SmtpClientTlsSettings TLS { get; } = new();

    /// <summary>
    /// The client certificate and its chain: the first certificate with a private key is presented when the server asks
    /// for one, the others are sent after it to complete its chain. Empty (the default) for none.
    /// </summary>
    public TlsCertificateList ClientCerts { get; } = [];

    /// <summary>
    /// Certificates trusted as anchors: a server chain that ends at one of them is trusted, in addition to the system's
    /// trusted roots (instead of them with config UseSystemCertificates=False or IgnoreSystemTrust=True). A trust anchor
    /// is a root (self-signed) certificate; an intermediate listed here only helps build the chain.
    /// </summary>
    public TlsCertificateList TrustedCerts { get; } = [];

    /// <summary>Certificates that help build the server's chain (intermediates it does not send); never trusted as such.</summary>
    public TlsCertificateList KnownCerts { get; } = [];

    /// <summary>Certificates never accepted: a server chain that contains one is refused (280), whatever the
    /// CertificateValidate event says.</summary>
    public TlsCertificateList BlockedCerts { get; } = [];

    /// <summary>CRLs that answer CRL checks without the network (see <see cref="SmtpClientTlsSettings.RevocationCheck"/>).</summary>
    public CertificateRevocationListCollection KnownCRLs { get; } = [];

    /// <summary>OCSP responses that answer OCSP checks without the network.</summary>
    public OcspResponseCollection KnownOCSPs { get; } = [];

    /// <summary>The certificates the server presented on the last TLS connection, its own first (empty in plaintext).</summary>
    public IReadOnlyList<TlsCertificate> ServerCerts { get; private set; } = [];

    /// <summary>The TLS options a connection made now would use (for tests of the translation).</summary>
    /// <exception cref="SmtpException">As the connection would fail.</exception>
    internal TlsOptions CurrentTlsOptions() => ToTlsOptions(TLS.Clone(), CurrentLists(), _config.Snapshot());

    /// <summary>The certificate lists as they are now.</summary>
    private TlsLists CurrentLists() => new(ClientCerts.ToCollection(), TrustedCerts.ToCollection(), KnownCerts.ToCollection(),
        BlockedCerts.ToCollection(), [.. KnownCRLs.Select(c => c.Bytes)], [.. KnownOCSPs.Select(o => o.Bytes)]);

    /// <summary>The certificate lists of one call, as .NET collections.</summary>
    private sealed record TlsLists(X509Certificate2Collection Client, X509Certificate2Collection Trusted, X509Certificate2Collection Known,
        X509Certificate2Collection Blocked, IReadOnlyList<byte[]> Crls, IReadOnlyList<byte[]> Ocsps);

    /// <summary>Translates the TLS settings into the engine's options when a handshake needs them.</summary>
    /// <exception cref="SmtpException">272 when ClientCerts holds no certificate with a private key, or (with
    /// CheckKeyIntegrityBeforeUse) a key that does not match its certificate; 10045 for cipher suites on Windows.</exception>
    private static TlsOptions ToTlsOptions(SmtpClientTlsSettings tls, TlsLists lists, SmtpClientConfig config)
    {
        var (checkCrl, checkOcsp, tolerateUnknown) = tls.RevocationCheck switch
        {
            RevocationCheckKind.None => (RevocationCheck.Off, RevocationCheck.Off, false),
            RevocationCheckKind.Auto => (RevocationCheck.WhenListed, RevocationCheck.WhenListed, true),
            RevocationCheckKind.AllCRL => (RevocationCheck.Required, RevocationCheck.Off, false),
            RevocationCheckKind.AllOCSP => (RevocationCheck.Off, RevocationCheck.Required, false),
            RevocationCheckKind.AllCRLAndOCSP => (RevocationCheck.Required, RevocationCheck.Required, false),
            RevocationCheckKind.AnyCRL => (RevocationCheck.WhenListed, RevocationCheck.Off, false),
            RevocationCheckKind.AnyOCSP => (RevocationCheck.Off, RevocationCheck.WhenListed, false),
            _ => (RevocationCheck.WhenListed, RevocationCheck.WhenListed, false),
        };
        int relaxed = 0;
        if (tolerateUnknown)
        {
            // Auto soft-fails: an answer that cannot be had is noted, only "revoked" refuses.
            relaxed |= SecurityFlags.IgnoreUnknownRevocation | SecurityFlags.IgnoreUnknownCARevocation
                | SecurityFlags.IgnoreUnknownRootRevocation;
        }
        if (config.TolerateMinorChainIssues)
        {
            relaxed |= SecurityFlags.IgnoreNonNestedTimes | SecurityFlags.IgnoreUnknownCARevocation
                | SecurityFlags.IgnoreUnknownRootRevocation;
        }
        var (client, chain) = ClientCertificate(lists.Client, config.CheckKeyIntegrity);
        return new TlsOptions
        {
            Protocols = tls.Protocols(),
            CipherSuites = TlsPlan.ParseCipherSuites(tls.Ciphersuites, "TLS.Ciphersuites"),
            RelaxedChecks = relaxed,
            CheckCrl = checkCrl,
            CheckOcsp = checkOcsp,
            TrustedCAs = lists.Trusted,
            CABundleFiles = [],
            UseSystemTrust = config.UseSystemCertificates && !config.IgnoreSystemTrust,
            ExtraIntermediates = lists.Known,
            BlockedCertificates = lists.Blocked,
            HandlerDecides = !tls.AutoValidateCertificates,
            KnownCrls = lists.Crls,
            KnownOcspResponses = lists.Ocsps,
            ClientCertificate = client,
            ClientChain = chain,
            AllowResume = tls.UseSessionResumption,
            AllowRenegotiation = tls.RenegotiationAttackPreventionMode != RenegotiationAttackPreventionMode.Strict,
            AllowedGroups = tls.Groups,
            Tls12SignatureAlgorithms = [],
            Tls13SignatureAlgorithms = [],
            Terms = Terms,
        };
    }

    /// <summary>The certificate to present (the first with a private key) and the rest as its chain.</summary>
    private static (X509Certificate2? Certificate, X509Certificate2Collection Chain) ClientCertificate(X509Certificate2Collection list,
        bool checkKeys)
    {
        if (list.Count == 0)
        {
            return (null, []);
        }
        var certificate = list.FirstOrDefault(c => c.HasPrivateKey) ?? throw new SmtpException(SmtpErrorCodes.CertNotFound,
            $"ClientCerts holds {list.Count} certificate(s) but none with its private key, so the client cannot authenticate " +
            "with it. Load the certificate from a file that holds the key (PKCS#12, or PEM with the key).");
        if (checkKeys && !KeyMatches(certificate))
        {
            throw new SmtpException(SmtpErrorCodes.CertNotFound,
                $"The private key of the client certificate '{certificate.Subject}' does not match its public key " +
                "(CheckKeyIntegrityBeforeUse); nothing was sent.");
        }
        var chain = new X509Certificate2Collection();
        foreach (var c in list)
        {
            if (!ReferenceEquals(c, certificate))
            {
                chain.Add(c);
            }
        }
        if (OperatingSystem.IsWindows())
        {
            // SChannel cannot sign with an ephemeral key (one attached from PEM); a PKCS#12 round trip gives it one it can.
            try
            {
                certificate = X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null,
                    X509KeyStorageFlags.Exportable);
            }
            catch (CryptographicException)
            {
                // Keep the certificate as it is.
            }
        }
        return (certificate, chain);
    }

    /// <summary>Signs a test value with the private key and checks it with the public key.</summary>
    private static bool KeyMatches(X509Certificate2 certificate)
    {
        byte[] data = RandomNumberGenerator.GetBytes(32);
        try
        {
            using (var rsa = certificate.GetRSAPrivateKey())
            {
                if (rsa is not null)
                {
                    using var pub = certificate.GetRSAPublicKey()!;
                    byte[] signature = rsa.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pss);
                    return pub.VerifyData(data, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pss);
                }
            }
            using (var ecdsa = certificate.GetECDsaPrivateKey())
            {
                if (ecdsa is not null)
                {
                    using var pub = certificate.GetECDsaPublicKey()!;
                    return pub.VerifyData(data, ecdsa.SignData(data, HashAlgorithmName.SHA256), HashAlgorithmName.SHA256);
                }
            }
            return true; // an algorithm .NET cannot sign with here: the handshake will tell
        }
        catch (CryptographicException)
        {
            return false;
        }
    }
}
