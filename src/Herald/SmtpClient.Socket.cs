namespace Herald;

public partial class SmtpClient
{
    /// <summary>Socket settings: the timeout (milliseconds), the local end, IPv6, speed limits, name resolution.</summary>
    public SmtpClientSocketSettings Socket { get; } = new();

    /// <summary>External signing of the TLS client key, which the platform TLS cannot do (see
    /// <see cref="ExternalCryptoSettings"/>).</summary>
    public ExternalCryptoSettings ExternalCrypto { get; } = new();
}
