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

    /// <summary>The proxy to tunnel through (between the TCP connect and TLS), or null to connect directly.</summary>
    public Proxies.ProxySettings? Proxy { get; init; }

    /// <summary>The caller's words for its settings, used in error messages.</summary>
    public SettingTerms Terms { get; init; } = SettingTerms.Neutral;
}
