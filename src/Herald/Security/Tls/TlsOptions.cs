using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Herald.Transport;

namespace Herald.Security.Tls;

/// <summary>When a certificate revocation check runs.</summary>
internal enum RevocationCheck
{
    /// <summary>No check.</summary>
    Off = 0,
    /// <summary>Checked when the certificate names a CRL distribution point (or an OCSP responder).</summary>
    WhenListed = 1,
    /// <summary>Required: a certificate that names no CRL (or responder) fails.</summary>
    Required = 2,
}

/// <summary>
/// How to run a TLS handshake and judge the server's certificate, in TLS terms and already validated: each facade
/// translates its own settings into one of these (with errors in its own words) when a handshake needs it.
/// Immutable, so a connection in progress never sees a setting change.
/// </summary>
internal sealed record TlsOptions
{
    /// <summary>The bundles tried in order when none is configured (the usual Linux locations).</summary>
    public static IReadOnlyList<string> DefaultCABundleFiles { get; } =
        ["/etc/ssl/ca-bundle.pem", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/cacert.pem"];

    /// <summary>The versions to offer.</summary>
    public SslProtocols Protocols { get; init; } = SslProtocols.Tls12 | SslProtocols.Tls13;

    /// <summary>The cipher suites to offer, or null for the platform's defaults.</summary>
    public IReadOnlyList<TlsCipherSuite>? CipherSuites { get; init; }

    /// <summary>The weakest bulk cipher accepted, in bits; 0 for no minimum. Weaker suites are left out of the offer
    /// and the negotiated suite is checked again after the handshake.</summary>
    public int MinCipherStrength { get; init; }

    /// <summary>Certificate problems to ignore (<see cref="SecurityFlags"/> bits).</summary>
    public int RelaxedChecks { get; init; }

    /// <summary>CRL checking.</summary>
    public RevocationCheck CheckCrl { get; init; }

    /// <summary>OCSP checking.</summary>
    public RevocationCheck CheckOcsp { get; init; }

    /// <summary>Certificates trusted in addition to the system store (roots anchor trust; intermediates help build
    /// the path).</summary>
    public X509Certificate2Collection TrustedCAs { get; init; } = [];

    /// <summary>CA bundle files; the first that exists is trusted in addition to the system store.</summary>
    public IReadOnlyList<string> CABundleFiles { get; init; } = DefaultCABundleFiles;

    /// <summary>The system's trusted roots anchor trust; when false only <see cref="TrustedCAs"/> (and the bundle) do.</summary>
    public bool UseSystemTrust { get; init; } = true;

    /// <summary>Certificates that only help build the server's chain (intermediates the server may not send); they
    /// never anchor trust.</summary>
    public X509Certificate2Collection ExtraIntermediates { get; init; } = [];

    /// <summary>Certificates that are never accepted: a server chain that contains one is refused, whatever the
    /// certificate event decides.</summary>
    public X509Certificate2Collection BlockedCertificates { get; init; } = [];

    /// <summary>
    /// The certificate event alone decides: it is asked with Accept false whatever validation found (the validation
    /// result is still computed and reported), and without a handler that accepts, the certificate is refused.
    /// </summary>
    public bool HandlerDecides { get; init; }

    /// <summary>CRLs (DER) consulted before the network when a CRL check is on; each is used only when its signature,
    /// issuer and validity period fit.</summary>
    public IReadOnlyList<byte[]> KnownCrls { get; init; } = [];

    /// <summary>OCSP responses (DER, RFC 6960 OCSPResponse) consulted before the network when an OCSP check is on; each
    /// is used only when its signature, certificate id and validity period fit.</summary>
    public IReadOnlyList<byte[]> KnownOcspResponses { get; init; } = [];

    /// <summary>Key-exchange groups (IANA names such as x25519, secp256r1) the negotiated one must be among; empty for
    /// any. The offer itself is the platform's, so a group outside the list fails the connection after the handshake.</summary>
    public IReadOnlyList<string> AllowedGroups { get; init; } = [];

    /// <summary>The client certificate with its private key, or null.</summary>
    public X509Certificate2? ClientCertificate { get; init; }

    /// <summary>Certificates sent after the client certificate to complete its chain.</summary>
    public X509Certificate2Collection ClientChain { get; init; } = [];

    /// <summary>A server certificate accepted as it is, whatever validation says, or null.</summary>
    public X509Certificate2? PinnedServerCertificate { get; init; }

    /// <summary>Allow TLS session resumption.</summary>
    public bool AllowResume { get; init; }

    /// <summary>Append NSS key-log lines for the session here, or empty.</summary>
    public string KeyLogFile { get; init; } = "";

    /// <summary>Allow a renegotiation the server asks for.</summary>
    public bool AllowRenegotiation { get; init; } = true;

    /// <summary>Signature algorithms a TLS 1.2 server certificate may be signed with (empty: no check).</summary>
    public IReadOnlyList<string> Tls12SignatureAlgorithms { get; init; } = [];

    /// <summary>Signature algorithms a TLS 1.3 server certificate may be signed with (empty: no check).</summary>
    public IReadOnlyList<string> Tls13SignatureAlgorithms { get; init; } = [];

    /// <summary>Status notes about settings that were mapped or could not be applied, reported at each handshake.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>The facade's words, for messages.</summary>
    public SettingTerms Terms { get; init; } = SettingTerms.Neutral;
}
