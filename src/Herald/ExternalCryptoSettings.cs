namespace Herald;

/// <summary>
/// External signing of the TLS client key (<see cref="SmtpClient.ExternalCrypto"/>): the private key of the client
/// certificate would stay with a signing service and each TLS handshake signature be asked of it. The platform TLS
/// behind .NET's SslStream signs with a key object of its own (an OpenSSL or CNG key) and cannot hand the signature to
/// application code, so only <see cref="ExternalCryptoMode.Default"/> and <see cref="ExternalCryptoMode.Disabled"/> can
/// be set; the other properties are the parameters of the external modes and are kept as given.
/// </summary>
public sealed class ExternalCryptoSettings
{
    private ExternalCryptoMode _mode = ExternalCryptoMode.Default;
    private ExternalCryptoMethod _method = ExternalCryptoMethod.Pkcs1;

    /// <summary>The mode: Default or Disabled (no external signing). Generic, DCAuth and DCAuthJSON fail with 10045.</summary>
    /// <exception cref="SmtpException">10045 for an external mode; 10022 for an undefined value.</exception>
    public ExternalCryptoMode Mode
    {
        get => _mode;
        set => _mode = value switch
        {
            ExternalCryptoMode.Default or ExternalCryptoMode.Disabled => value,
            ExternalCryptoMode.Generic or ExternalCryptoMode.DCAuth or ExternalCryptoMode.DCAuthJSON =>
                throw new SmtpException(SmtpErrorCodes.NotSupported,
                    $"ExternalCrypto.Mode {value} cannot be honoured: the platform TLS behind .NET's SslStream signs the " +
                    "handshake with a key object of its own and cannot pass the signature to an external signer. Put the " +
                    "client certificate with its private key in ClientCerts instead."),
            _ => throw new SmtpException(SmtpErrorCodes.InvalidArgument, $"ExternalCrypto.Mode {(int)value} is not a defined value."),
        };
    }

    /// <summary>The signature format an external signer would produce (a parameter of the external modes).</summary>
    /// <exception cref="SmtpException">10022 for an undefined value.</exception>
    public ExternalCryptoMethod Method
    {
        get => _method;
        set => _method = Enum.IsDefined(value) ? value
            : throw new SmtpException(SmtpErrorCodes.InvalidArgument, $"ExternalCrypto.Method {(int)value} is not a defined value.");
    }

    /// <summary>Parameters passed to the signing service as they are (a parameter of the external modes).</summary>
    public string CustomParams { get; set; } = "";

    /// <summary>Data echoed back by the signing service (a parameter of the external modes).</summary>
    public string Data { get; set; } = "";

    /// <summary>Whether the signing service computes the hash itself (a parameter of the external modes).</summary>
    public bool ExternalHashCalculation { get; set; }

    /// <summary>The hash algorithm of the signature request, e.g. SHA256 (a parameter of the external modes).</summary>
    public string HashAlgorithm { get; set; } = "SHA256";

    /// <summary>The id of the key that authenticates requests to the signing service (a parameter of the external
    /// modes).</summary>
    public string KeyID { get; set; } = "";

    /// <summary>The key that authenticates requests to the signing service (a parameter of the external modes).</summary>
    public string KeySecret { get; set; } = "";

    /// <summary>The public key algorithm to assume when no certificate is known before signing (a parameter of the
    /// external modes).</summary>
    public string PublicKeyAlgorithm { get; set; } = "";
}
