namespace Herald;

public partial class SmtpClient
{
    /// <summary>What the server announced in its EHLO reply on the last connection (filled by <see cref="Connect"/>).</summary>
    public SmtpServerInfo ServerInfo { get; } = new();

    /// <summary>The last connection: TLS parameters, chain validation, bytes sent and received.</summary>
    public SmtpConnectionInfo ConnInfo { get; }
}
