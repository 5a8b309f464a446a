namespace Herald;

/// <summary>How an <see cref="SmtpPool"/> connection is encrypted.</summary>
public enum SmtpTlsMode
{
    /// <summary>
    /// Implicit TLS on port 465; on any other port STARTTLS whenever the server offers it. The certificate is always
    /// validated, and credentials are never sent in plaintext to a host outside loopback.
    /// </summary>
    Auto = 0,

    /// <summary>STARTTLS (RFC 3207) is required: a server that does not offer it is refused before anything is sent.</summary>
    StartTls = 1,

    /// <summary>TLS from the first byte (RFC 8314 implicit TLS).</summary>
    Implicit = 2,

    /// <summary>Never encrypt.</summary>
    None = 3,
}

/// <summary>
/// The settings of an <see cref="SmtpPool"/>. A plain options class: it binds from configuration
/// (<c>IConfiguration</c>) by property name, and the pool takes a copy when it is created.
/// </summary>
public sealed class SmtpPoolOptions
{
    /// <summary>The server's host name or address.</summary>
    public string Host { get; set; } = "";

    /// <summary>The server's port (587 for submission, 465 for implicit TLS, 25 for relay).</summary>
    public int Port { get; set; } = 587;

    /// <summary>When the connection is encrypted.</summary>
    public SmtpTlsMode Tls { get; set; } = SmtpTlsMode.Auto;

    /// <summary>
    /// A PEM file of CA certificates trusted in addition to the system store (for a server whose certificate a
    /// private CA issued), or empty.
    /// </summary>
    public string TrustedCaFile { get; set; } = "";

    /// <summary>
    /// Accept any server certificate, whoever issued it and whatever name it carries. Anyone on the network path can
    /// then read and change the mail and the password; for tests against throw-away servers only.
    /// </summary>
    public bool DangerousAcceptAnyServerCertificate { get; set; }

    /// <summary>The login name; empty means no authentication.</summary>
    public string UserName { get; set; } = "";

    /// <summary>The password.</summary>
    public string Password { get; set; } = "";

    /// <summary>
    /// SASL mechanisms to use, as the server names them, in order of preference (comma separated): the first one the
    /// server offers is used.
    /// </summary>
    public string AuthMechanisms { get; set; } = "SCRAM-SHA-256,SCRAM-SHA-1,PLAIN,LOGIN";

    /// <summary>The name sent with EHLO; empty for this machine's host name.</summary>
    public string HeloName { get; set; } = "";

    /// <summary>A proxy to connect through, as a URL (<c>socks5://host:1080</c>, <c>socks5h://</c>,
    /// <c>socks4://</c>, <c>socks4a://</c>, <c>http://user:pass@host:port</c>), or empty.</summary>
    public string Proxy { get; set; } = "";

    /// <summary>The most connections open at once (at least 1).</summary>
    public int MaxConnections { get; set; } = 4;

    /// <summary>A connection is closed (QUIT) and a new one opened after this many messages (at least 1).</summary>
    public int MaxMessagesPerConnection { get; set; } = 1000;

    /// <summary>A connection with nothing to send for this long is closed.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>A connection that has been idle for this long is checked with NOOP before it is used again.</summary>
    public TimeSpan HealthCheckAfter { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The most messages started per second, over all connections; 0 for no limit.</summary>
    public double MaxMessagesPerSecond { get; set; }

    /// <summary>How many times a message is tried at most (at least 1).</summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>The delay before the first retry; each retry waits about twice as long as the one before.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest delay between two attempts.</summary>
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long connecting and the greeting may take.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long the server may stay silent while a reply is awaited.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Send with BDAT (RFC 3030) when the server offers CHUNKING.</summary>
    public bool UseChunking { get; set; } = true;

    /// <summary>The largest BDAT chunk in bytes (also the memory a connection uses to hold one).</summary>
    public int ChunkSize { get; set; } = 1 << 20;

    /// <summary>Opens the transport instead of TCP (tests run the pool over scripted streams).</summary>
    internal Transport.ITransportFactory? TransportFactory { get; set; }

    /// <summary>A copy, so a pool keeps the settings it was created with.</summary>
    internal SmtpPoolOptions Clone() => (SmtpPoolOptions)MemberwiseClone();
}
