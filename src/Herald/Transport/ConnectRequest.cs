namespace Herald.Transport;

/// <summary>Which IP versions a host name may resolve to, and in which order they are tried.</summary>
internal enum AddressFamilyPreference
{
    /// <summary>IPv4 addresses only.</summary>
    IPv4Only = 0,
    /// <summary>IPv6 addresses only.</summary>
    IPv6Only = 1,
    /// <summary>IPv6 addresses first, then IPv4.</summary>
    IPv6First = 2,
    /// <summary>IPv4 addresses first, then IPv6.</summary>
    IPv4First = 3,
}

/// <summary>TCP options applied to the socket before it connects.</summary>
/// <param name="NoDelay">Disable Nagle's algorithm.</param>
/// <param name="KeepAlive">Send TCP keep-alive probes.</param>
/// <param name="KeepAliveTime">Idle time before the first probe, in milliseconds; 0 for the system default.</param>
/// <param name="KeepAliveInterval">Time between probes, in milliseconds; 0 for the system default.</param>
/// <param name="KeepAliveRetryCount">Unanswered probes before the connection is dropped; 0 for the system default.</param>
/// <param name="Linger">Linger on close for <paramref name="LingerTime"/> seconds (when positive).</param>
/// <param name="LingerTime">Seconds to linger.</param>
/// <param name="ReceiveBufferSize">Socket receive buffer in bytes; 0 for the system default.</param>
/// <param name="SendBufferSize">Socket send buffer in bytes; 0 for the system default.</param>
/// <param name="ReadRateLimit">Bytes per second read from the connection at most (below TLS); 0 for no limit.</param>
/// <param name="WriteRateLimit">Bytes per second written to the connection at most (below TLS); 0 for no limit.</param>
internal sealed record SocketOptions(
    bool NoDelay = false,
    bool KeepAlive = false,
    int KeepAliveTime = 0,
    int KeepAliveInterval = 0,
    int KeepAliveRetryCount = 0,
    bool Linger = true,
    int LingerTime = 0,
    int ReceiveBufferSize = 0,
    int SendBufferSize = 0,
    int ReadRateLimit = 0,
    int WriteRateLimit = 0)
{
    /// <summary>The system defaults.</summary>
    public static SocketOptions Default { get; } = new();
}

/// <summary>
/// Everything the transport needs to open a connection: where to, from where, with which socket options, and the
/// words the caller's messages use. Transport reads nothing else.
/// </summary>
internal sealed record ConnectRequest
{
    /// <summary>The server's host name or address literal (brackets around an IPv6 literal are allowed).</summary>
    public required string Host { get; init; }

    /// <summary>The server's TCP port.</summary>
    public required int Port { get; init; }

    /// <summary>The local address (or host name) to bind, or empty for any.</summary>
    public string LocalHost { get; init; } = "";

    /// <summary>The local port to bind, or 0 for any.</summary>
    public int LocalPort { get; init; }

    /// <summary>Which address families a host name may resolve to.</summary>
    public AddressFamilyPreference AddressFamilies { get; init; } = AddressFamilyPreference.IPv4Only;

    /// <summary>The socket options.</summary>
    public SocketOptions Socket { get; init; } = SocketOptions.Default;

    /// <summary>
    /// The proxy to tunnel through (between the TCP connect and TLS), or null to connect directly. The TCP connection
    /// (with <see cref="LocalHost"/>, <see cref="LocalPort"/> and <see cref="Socket"/>) goes to the proxy; the proxy is
    /// asked for <see cref="Host"/>:<see cref="Port"/>.
    /// </summary>
    public Proxies.ProxySettings? Proxy { get; init; }

    /// <summary>
    /// Why <see cref="Proxy"/> is what it is when that was decided for the caller (found in the environment, or left
    /// out because the server is on a bypass list): one sentence, traced before connecting. Empty for nothing to say.
    /// </summary>
    public string ProxyNote { get; init; } = "";

    /// <summary>
    /// Why the configured proxy cannot be used (a malformed proxy variable in the environment, a proxy type without a
    /// host): connecting then fails with 118 and this reason, rather than silently going direct. Empty when usable.
    /// </summary>
    public string ProxyError { get; init; } = "";

    /// <summary>
    /// True when the client sends the first bytes on the connection (implicit TLS: the ClientHello), so bytes that a
    /// proxy sends after its reply cannot be the server's and are refused. False when the server's greeting may follow
    /// the proxy's reply at once (plain SMTP, STARTTLS). Set by the engine from the TLS mode.
    /// </summary>
    public bool ClientSpeaksFirst { get; init; }

    /// <summary>The caller's words for its settings, used in error messages.</summary>
    public SettingTerms Terms { get; init; } = SettingTerms.Neutral;
}
