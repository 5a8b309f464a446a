using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace Herald.Security.Tls;

/// <summary>
/// An established TLS session: the stream to talk over and what was negotiated, for the facades' negotiated-session
/// and connection-information properties.
/// </summary>
internal sealed class TlsSession
{
    /// <summary>The encrypted stream. It owns the transport stream it was built on.</summary>
    public required SslStream Stream { get; init; }

    /// <summary>The server name the certificate was checked against (and sent as SNI unless it is an address).</summary>
    public required string TargetHost { get; init; }

    /// <summary>The negotiated version.</summary>
    public required SslProtocols Protocol { get; init; }

    /// <summary>The version name: TLS1.3, TLS1.2, TLS1.1 or TLS1.</summary>
    public required string Version { get; init; }

    /// <summary>The negotiated suite.</summary>
    public required TlsCipherSuite CipherSuiteId { get; init; }

    /// <summary>The IANA suite name, e.g. TLS_AES_256_GCM_SHA384.</summary>
    public required string CipherSuite { get; init; }

    /// <summary>The bulk cipher, e.g. AES_256_GCM or CHACHA20_POLY1305.</summary>
    public required string Cipher { get; init; }

    /// <summary>The bulk cipher's key size in bits.</summary>
    public int CipherStrength { get; init; }

    /// <summary>The cipher's block size in bytes (0 for stream ciphers and ChaCha20).</summary>
    public int CipherBlockSize { get; init; }

    /// <summary>The MAC or PRF hash: SHA, SHA256, SHA384.</summary>
    public string Hash { get; init; } = "";

    /// <summary>ECDHE, DHE, RSA, ... ("(EC)DHE" for TLS 1.3 when the group is unknown).</summary>
    public required string KeyExchange { get; init; }

    /// <summary>Bits of the ephemeral key (or of the server's RSA key for RSA key
    /// exchange); 0 when unknown.</summary>
    public int KeyExchangeStrength { get; init; }

    /// <summary>The key-exchange group by IANA name (x25519, secp256r1, ffdhe2048, ...), or empty when unknown.</summary>
    public string KeyExchangeGroup { get; init; } = "";

    /// <summary>How the server authenticated: RSA, ECDSA, DSS, Ed25519, ...</summary>
    public string Authentication { get; init; } = "";

    /// <summary>The server's handshake signature scheme (e.g. rsa_pss_sha256), or empty when unknown.</summary>
    public string PeerSignatureScheme { get; init; } = "";

    /// <summary>The cipher is authenticated encryption.</summary>
    public bool Aead { get; init; }

    /// <summary>The key exchange gives forward secrecy.</summary>
    public bool Pfs { get; init; }

    /// <summary>An export-grade suite is in use.</summary>
    public bool Exportable { get; init; }

    /// <summary>The session was resumed from an earlier one.</summary>
    public bool IsResumed { get; init; }

    /// <summary>The server asked for a client certificate. Without a client certificate this is noticed through a
    /// certificate selection callback, which is not installed when resumption is allowed (it would stop .NET from
    /// resuming).</summary>
    public bool ClientCertificateRequested { get; init; }

    /// <summary>A client certificate was sent.</summary>
    public bool ClientCertificateSent { get; init; }

    /// <summary>The server's certificate.</summary>
    public required X509Certificate2 ServerCertificate { get; init; }

    /// <summary>Size of the server's public key in bits.</summary>
    public int ServerPublicKeyBits { get; init; }

    /// <summary>The chain as validated, server certificate first.</summary>
    public required X509Certificate2Collection ServerChain { get; init; }

    /// <summary>The certificates the server sent, its own first.</summary>
    public required X509Certificate2Collection PresentedCertificates { get; init; }

    /// <summary>The validation status ("OK" or the reasons), as given to the certificate event.</summary>
    public required string ValidationStatus { get; init; }

    /// <summary>The certificate passed validation (possibly with problems the options relax) without an override.</summary>
    public bool ValidationPassed { get; init; }

    /// <summary>Who accepted the certificate: "validation", the facade's name for a pinned certificate, or its name for
    /// the certificate event.</summary>
    public required string AcceptedBy { get; init; }

    /// <summary>Where trust came from: "system", the facade's names for its trusted-CA settings, or "" when the
    /// certificate was not trusted.</summary>
    public string TrustSource { get; init; } = "";

    /// <summary>What validation observed about the server's chain.</summary>
    public CertificateFacts? Facts { get; init; }

    /// <summary>The validation verdict.</summary>
    public CertificateVerdict? Verdict { get; init; }

    /// <summary>The validation log: one line per certificate of the chain, the trust source and the result.</summary>
    public string ValidationLog { get; init; } = "";

    /// <summary>One line describing the session, for the TLS status notes.</summary>
    public string Describe()
    {
        string kx = KeyExchangeGroup.Length > 0 ? $"{KeyExchange} {KeyExchangeGroup}" : KeyExchange;
        string kxBits = KeyExchangeStrength > 0 ? $" ({KeyExchangeStrength} bits)" : "";
        return $"TLS handshake complete: {Version}, {CipherSuite} ({Cipher}, {CipherStrength}-bit), key exchange {kx}{kxBits}, " +
            $"session resumed: {(IsResumed ? "yes" : "no")}, client certificate sent: {(ClientCertificateSent ? "yes" : "no")}.";
    }
}
