namespace Herald;

/// <summary>When <see cref="SmtpClient"/> encrypts the session (<see cref="SmtpClientTlsSettings.TLSMode"/>).</summary>
public enum SmtpClientTlsMode
{
    /// <summary>Implicit TLS on port 465 (RFC 8314 §3.3); on any other port STARTTLS when the server offers it, plaintext
    /// when it does not (a note says so). The default.</summary>
    Automatic = 0,
    /// <summary>Plaintext; STARTTLS is never sent.</summary>
    NoTls = 1,
    /// <summary>STARTTLS (RFC 3207) is required: a server that does not offer it is refused before anything is sent.</summary>
    ExplicitTls = 2,
    /// <summary>TLS from the first byte (RFC 8314 implicit TLS).</summary>
    ImplicitTls = 3,
}

/// <summary>TLS versions (<see cref="SmtpClientTlsSettings.Versions"/>), as bits.</summary>
[Flags]
public enum TlsVersions
{
    /// <summary>No version.</summary>
    None = 0,
    /// <summary>SSL 2.0: broken, and not implemented by .NET; asking for it fails with 10045.</summary>
    Ssl2 = 0x01,
    /// <summary>SSL 3.0: broken, and not implemented by .NET; asking for it fails with 10045.</summary>
    Ssl3 = 0x02,
    /// <summary>TLS 1.0 (obsolete; the platform's TLS configuration may refuse it).</summary>
    Tls1 = 0x04,
    /// <summary>TLS 1.1 (obsolete; the platform's TLS configuration may refuse it).</summary>
    Tls11 = 0x08,
    /// <summary>TLS 1.2.</summary>
    Tls12 = 0x10,
    /// <summary>TLS 1.3.</summary>
    Tls13 = 0x20,
}

/// <summary>A starting point for the TLS settings (<see cref="SmtpClientTlsSettings.BaseConfiguration"/>).</summary>
public enum TlsBaseConfiguration
{
    /// <summary>TLS 1.2 and 1.3 with the platform's cipher suites.</summary>
    Default = 0,
    /// <summary>TLS 1.0 to 1.3 with the platform's cipher suites, for old servers.</summary>
    Compatible = 1,
    /// <summary>Every version .NET implements (TLS 1.0 to 1.3) and every suite the platform allows. Insecure.</summary>
    ComprehensiveInsecure = 2,
    /// <summary>TLS 1.3 only.</summary>
    HighlySecure = 3,
}

/// <summary>Which revocation checks run on the server's chain (<see cref="SmtpClientTlsSettings.RevocationCheck"/>).</summary>
public enum RevocationCheckKind
{
    /// <summary>No revocation check.</summary>
    None = 0,
    /// <summary>CRLs and OCSP where a certificate names them; an answer that cannot be obtained is noted and tolerated,
    /// a "revoked" answer refuses the certificate. The default.</summary>
    Auto = 1,
    /// <summary>Every certificate must be checked by CRL: a server certificate that names none is refused.</summary>
    AllCRL = 2,
    /// <summary>Every certificate must be checked by OCSP: a server certificate that names no responder is refused.</summary>
    AllOCSP = 3,
    /// <summary>Both CRL and OCSP are required.</summary>
    AllCRLAndOCSP = 4,
    /// <summary>CRLs where a certificate names them; an unobtainable answer refuses the certificate.</summary>
    AnyCRL = 5,
    /// <summary>OCSP where a certificate names a responder; an unobtainable answer refuses the certificate.</summary>
    AnyOCSP = 6,
    /// <summary>CRL or OCSP, whichever a certificate offers; an unobtainable answer refuses the certificate.</summary>
    AnyCRLOrOCSP = 7,
    /// <summary>As <see cref="AnyCRLOrOCSP"/> (the platform asks OCSP first either way).</summary>
    AnyOCSPOrCRL = 8,
}

/// <summary>How a renegotiation the server asks for is treated (<see cref="SmtpClientTlsSettings.RenegotiationAttackPreventionMode"/>).
/// The renegotiation_info extension (RFC 5746) is always sent.</summary>
public enum RenegotiationAttackPreventionMode
{
    /// <summary>A secure renegotiation is allowed.</summary>
    Compatible = 0,
    /// <summary>No renegotiation is allowed.</summary>
    Strict = 1,
    /// <summary>As <see cref="Compatible"/>: the platform allows only secure (RFC 5746) renegotiation. The default.</summary>
    Auto = 2,
}

/// <summary>TLS option bits (<see cref="SmtpClientTlsSettings.SSLOptions"/>). The platform TLS implements none of them,
/// so any bit fails with 10045.</summary>
[Flags]
public enum TlsSslOptions
{
    /// <summary>No option.</summary>
    None = 0,
    /// <summary>Wait for the server's close_notify when closing.</summary>
    ExpectShutdownMessage = 0x001,
    /// <summary>An old DTLS workaround (deprecated; SMTP does not use DTLS).</summary>
    OpenSSLDTLSWorkaround = 0x002,
    /// <summary>Do not pad the RSA pre-master secret to the modulus length.</summary>
    DisableKexLengthAlignment = 0x004,
}

/// <summary>The kind of proxy (<see cref="SmtpClientProxySettings.ProxyType"/>).</summary>
public enum ProxyType
{
    /// <summary>No proxy.</summary>
    None = 0,
    /// <summary>SOCKS4: the client resolves the server's name and sends its IPv4 address.</summary>
    Socks4 = 1,
    /// <summary>SOCKS5 (RFC 1928), with RFC 1929 user name and password when <see cref="SmtpClientProxySettings.Username"/>
    /// is set; the proxy resolves the server's name.</summary>
    Socks5 = 2,
    /// <summary>An HTTP proxy asked to open a tunnel with <c>CONNECT</c> (RFC 9110 §9.3.6).</summary>
    WebTunnel = 3,
    /// <summary>An HTTP proxy: SMTP can only go through it as a <c>CONNECT</c> tunnel, so this is
    /// <see cref="WebTunnel"/>.</summary>
    Http = 4,
}

/// <summary>How the client proves itself to an HTTP proxy (<see cref="SmtpClientProxySettings.Authentication"/>).</summary>
public enum ProxyAuthentication
{
    /// <summary>Basic (RFC 7617), sent when the proxy answers 407. The default.</summary>
    Basic = 0,
    /// <summary>Digest: not implemented by Herald; a connection through such a proxy fails with 10045.</summary>
    Digest = 1,
    /// <summary>NTLM: not implemented by Herald; a connection through such a proxy fails with 10045.</summary>
    Ntlm = 2,
}

/// <summary>Which DNS resolver finds the server's address (<see cref="SmtpClientSocketSettings.DNSMode"/>).</summary>
public enum DnsResolveMode
{
    /// <summary>The system resolver (Herald has no resolver of its own). The default.</summary>
    Auto = 0,
    /// <summary>The system resolver.</summary>
    Platform = 1,
    /// <summary>A built-in resolver: not available (10045).</summary>
    Own = 2,
    /// <summary>A built-in DNSSEC-checking resolver: not available (10045).</summary>
    OwnSecure = 3,
}

/// <summary>The outcome of validating the server's chain (<see cref="SmtpConnectionInfo.ChainValidationResult"/>).</summary>
public enum ChainValidationResult
{
    /// <summary>The chain is valid and ends at a trusted certificate.</summary>
    Valid = 0,
    /// <summary>The chain is valid in itself but does not end at a trusted certificate.</summary>
    ValidButUntrusted = 1,
    /// <summary>Something in the chain is wrong (expired, revoked, wrong name, blocked, ...).</summary>
    Invalid = 2,
    /// <summary>The chain could not be built or checked.</summary>
    CantBeEstablished = 3,
}

/// <summary>Why a chain is not simply valid (<see cref="SmtpConnectionInfo.ChainValidationDetails"/>), as bits.</summary>
[Flags]
public enum ChainValidityReasons
{
    /// <summary>No problem.</summary>
    None = 0,
    /// <summary>A certificate could not be read.</summary>
    BadData = 0x0001,
    /// <summary>A certificate is revoked.</summary>
    Revoked = 0x0002,
    /// <summary>A certificate is not valid yet.</summary>
    NotYetValid = 0x0004,
    /// <summary>A certificate has expired.</summary>
    Expired = 0x0008,
    /// <summary>A signature does not verify.</summary>
    InvalidSignature = 0x0010,
    /// <summary>The chain ends at an unknown CA.</summary>
    UnknownCA = 0x0020,
    /// <summary>A CA is not allowed to issue certificates (or its validity does not nest).</summary>
    CAUnauthorized = 0x0040,
    /// <summary>A CRL could not be obtained or checked.</summary>
    CRLNotVerified = 0x0080,
    /// <summary>An OCSP answer could not be obtained or checked.</summary>
    OCSPNotVerified = 0x0100,
    /// <summary>The certificate does not name the server.</summary>
    IdentityMismatch = 0x0200,
    /// <summary>The certificate is not meant for server authentication.</summary>
    NoKeyUsage = 0x0400,
    /// <summary>A certificate of the chain is in <see cref="SmtpClient.BlockedCerts"/>.</summary>
    Blocked = 0x0800,
    /// <summary>Validation itself failed.</summary>
    Failure = 0x1000,
    /// <summary>The chain loops.</summary>
    ChainLoop = 0x2000,
    /// <summary>A certificate is signed with an algorithm the settings do not allow.</summary>
    WeakAlgorithm = 0x4000,
    /// <summary>The application decided (the certificate event accepted or refused it against the validation).</summary>
    UserEnforced = 0x8000,
}

/// <summary>External cryptography for the TLS client key (<see cref="ExternalCryptoSettings.Mode"/>).</summary>
public enum ExternalCryptoMode
{
    /// <summary>No external signing (the key is in <see cref="SmtpClient.ClientCerts"/>). The default.</summary>
    Default = 0,
    /// <summary>No external signing.</summary>
    Disabled = 1,
    /// <summary>Signing through the <see cref="SmtpClient.ExternalSign"/> event: not possible with the platform TLS (10045).</summary>
    Generic = 2,
    /// <summary>Signing through a distributed-cryptography service: not possible with the platform TLS (10045).</summary>
    DCAuth = 3,
    /// <summary>As <see cref="DCAuth"/> with JSON requests: not possible with the platform TLS (10045).</summary>
    DCAuthJSON = 4,
}

/// <summary>How an external signature is computed (<see cref="ExternalCryptoSettings.Method"/>).</summary>
public enum ExternalCryptoMethod
{
    /// <summary>A PKCS#1 signature.</summary>
    Pkcs1 = 0,
    /// <summary>A PKCS#7 signature.</summary>
    Pkcs7 = 1,
}
