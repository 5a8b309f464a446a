using Herald.Security.Tls;

namespace Herald;

/// <summary>
/// The last connection of a <see cref="SmtpClient"/> (its <see cref="SmtpClient.ConnInfo"/> property): whether it is up,
/// what TLS negotiated, how the server's chain was judged and how many bytes went each way. The TLS values describe the
/// last TLS session and stay after a disconnect until the next connection; they are empty or zero for a plaintext
/// connection.
/// </summary>
public sealed class SmtpConnectionInfo
{
    private readonly Func<bool> _connected;
    private readonly Func<long> _sent;
    private readonly Func<long> _received;
    private TlsSession? _tls;

    internal SmtpConnectionInfo(Func<bool> connected, Func<long> sent, Func<long> received)
    {
        _connected = connected;
        _sent = sent;
        _received = received;
    }

    /// <summary>True while the session is open (connected, TLS up when asked for, greeted and logged in).</summary>
    public bool ConnectionEstablished => _connected();

    /// <summary>An identifier of the last connection: 16 random bytes made when it opened (empty before any).</summary>
    public byte[] ConnectionID { get; private set; } = [];

    /// <summary>True when TLS protects (or protected) the connection.</summary>
    public bool SecureConnection => _tls is not null;

    /// <summary>The TLS version: TLS1.3, TLS1.2, TLS1.1 or TLS1; "" in plaintext.</summary>
    public string Version => _tls?.Version ?? "";

    /// <summary>The negotiated cipher suite, e.g. TLS_AES_256_GCM_SHA384.</summary>
    public string Ciphersuite => _tls?.CipherSuite ?? "";

    /// <summary>The suite's symmetric cipher, e.g. AES_256_GCM.</summary>
    public string EncryptionAlgorithm => _tls?.Cipher ?? "";

    /// <summary>The symmetric cipher's key length in bits.</summary>
    public int SymmetricKeyBits => _tls?.CipherStrength ?? 0;

    /// <summary>The symmetric cipher's block size in bytes (0 for stream and AEAD ciphers without blocks).</summary>
    public int SymmetricBlockSize => _tls?.CipherBlockSize ?? 0;

    /// <summary>The suite's hash (MAC or PRF): SHA, SHA256, SHA384.</summary>
    public string DigestAlgorithm => _tls?.Hash ?? "";

    /// <summary>The key exchange: ECDHE, DHE, RSA, ...</summary>
    public string KeyExchangeAlgorithm => _tls?.KeyExchange ?? "";

    /// <summary>The size of the key exchange's key in bits (0 when the platform does not tell).</summary>
    public int KeyExchangeKeyBits => _tls?.KeyExchangeStrength ?? 0;

    /// <summary>The key-exchange group, e.g. x25519 or secp256r1 ("" when none or unknown).</summary>
    public string NamedECCurve => _tls?.KeyExchangeGroup ?? "";

    /// <summary>The server's handshake signature scheme, e.g. rsa_pss_rsae_sha256 ("" when unknown).</summary>
    public string SignatureAlgorithm => _tls?.PeerSignatureScheme ?? "";

    /// <summary>The size of the server's public key in bits.</summary>
    public int PublicKeyBits => _tls?.ServerPublicKeyBits ?? 0;

    /// <summary>The cipher is authenticated encryption (AEAD).</summary>
    public bool AEADCipher => _tls?.Aead ?? false;

    /// <summary>The key exchange gives forward secrecy.</summary>
    public bool PFSCipher => _tls?.Pfs ?? false;

    /// <summary>An export-grade (weakened) suite is in use.</summary>
    public bool Exportable => _tls?.Exportable ?? false;

    /// <summary>The TLS session was resumed from an earlier one.</summary>
    public bool ResumedSession => _tls?.IsResumed ?? false;

    /// <summary>The server asked for a client certificate.</summary>
    public bool ClientAuthRequested => _tls?.ClientCertificateRequested ?? false;

    /// <summary>A client certificate was sent.</summary>
    public bool ClientAuthenticated => _tls?.ClientCertificateSent ?? false;

    /// <summary>The server's certificate was accepted (by validation or by the CertificateValidate event).</summary>
    public bool ServerAuthenticated => _tls is not null;

    /// <summary>The TLS-PSK identity hint: always "", since the platform TLS does not do TLS-PSK.</summary>
    public string PreSharedIdentityHint => "";

    /// <summary>The outcome of validating the server's chain (Valid when no TLS was used).</summary>
    public ChainValidationResult ChainValidationResult => _tls is null ? ChainValidationResult.Valid : Result(_tls);

    /// <summary>Why the chain is not simply valid, as bits (<see cref="ChainValidityReasons.UserEnforced"/> when the
    /// CertificateValidate event decided against the validation).</summary>
    public ChainValidityReasons ChainValidationDetails => _tls is null ? ChainValidityReasons.None : Reasons(_tls);

    /// <summary>The validation log: one line per certificate of the chain with what was found, the trust source and the
    /// result.</summary>
    public string ValidationLog => _tls?.ValidationLog ?? "";

    /// <summary>Bytes sent over the connection (TLS records and all), kept after it closes.</summary>
    public long TotalBytesSent => _sent();

    /// <summary>Bytes received over the connection, kept after it closes.</summary>
    public long TotalBytesReceived => _received();

    /// <summary>A new connection starts: forget the last one's TLS and make a new id.</summary>
    internal void Start()
    {
        _tls = null;
        ConnectionID = System.Security.Cryptography.RandomNumberGenerator.GetBytes(16);
    }

    /// <summary>TLS is up.</summary>
    internal void SetTls(TlsSession? session) => _tls = session;

    /// <summary>The result that validation facts give.</summary>
    internal static ChainValidationResult Result(TlsSession session) =>
        session.Facts is not { } facts || session.Verdict is not { } verdict ? ChainValidationResult.CantBeEstablished
        : Result(facts, verdict);

    internal static ChainValidationResult Result(CertificateFacts facts, CertificateVerdict verdict)
    {
        if (facts.BuildError is not null)
        {
            return ChainValidationResult.CantBeEstablished;
        }
        if (verdict.Problems.Count == 0)
        {
            return ChainValidationResult.Valid;
        }
        return Reasons(facts, verdict) == ChainValidityReasons.UnknownCA ? ChainValidationResult.ValidButUntrusted
            : ChainValidationResult.Invalid;
    }

    private static ChainValidityReasons Reasons(TlsSession session)
    {
        if (session.Facts is not { } facts || session.Verdict is not { } verdict)
        {
            return ChainValidityReasons.Failure;
        }
        var reasons = Reasons(facts, verdict);
        if (session.AcceptedBy != "validation" && session.AcceptedBy.Length > 0 && verdict.Problems.Count > 0)
        {
            reasons |= ChainValidityReasons.UserEnforced;
        }
        return reasons;
    }

    /// <summary>The reasons that validation facts give, counting only the problems that stand.</summary>
    internal static ChainValidityReasons Reasons(CertificateFacts facts, CertificateVerdict verdict)
    {
        var reasons = ChainValidityReasons.None;
        foreach (var problem in verdict.Problems)
        {
            reasons |= problem.Kind switch
            {
                CertificateProblemKind.Expired => ChainValidityReasons.Expired,
                CertificateProblemKind.NotYetValid => ChainValidityReasons.NotYetValid,
                CertificateProblemKind.NotNested => ChainValidityReasons.CAUnauthorized,
                CertificateProblemKind.UnknownCA => ChainValidityReasons.UnknownCA,
                CertificateProblemKind.WrongUsage => ChainValidityReasons.NoKeyUsage,
                CertificateProblemKind.CrlUnknown => ChainValidityReasons.CRLNotVerified,
                CertificateProblemKind.OcspUnknown => ChainValidityReasons.OCSPNotVerified,
                CertificateProblemKind.RevocationUnknown => ChainValidityReasons.CRLNotVerified | ChainValidityReasons.OCSPNotVerified,
                CertificateProblemKind.Revoked => ChainValidityReasons.Revoked,
                CertificateProblemKind.BadSignature => ChainValidityReasons.InvalidSignature,
                CertificateProblemKind.Blocked => ChainValidityReasons.Blocked,
                CertificateProblemKind.NameMismatch => ChainValidityReasons.IdentityMismatch,
                CertificateProblemKind.SignatureAlgorithm => ChainValidityReasons.WeakAlgorithm,
                CertificateProblemKind.Cyclic => ChainValidityReasons.ChainLoop,
                _ => ChainValidityReasons.Failure,
            };
        }
        return reasons;
    }
}
