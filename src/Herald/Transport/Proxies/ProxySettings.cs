using System.Text;

namespace Herald.Transport.Proxies;

/// <summary>The proxy protocols the transport speaks.</summary>
internal enum ProxyKind
{
    /// <summary>SOCKS4: the client resolves the destination and sends an IPv4 address.</summary>
    Socks4,
    /// <summary>SOCKS4a: the destination name is sent to the proxy, which resolves it.</summary>
    Socks4a,
    /// <summary>SOCKS5 (RFC 1928), with user name and password authentication (RFC 1929) when a user is set.</summary>
    Socks5,
    /// <summary>An HTTP proxy asked to open a tunnel with <c>CONNECT</c> (RFC 9110 §9.3.6).</summary>
    HttpConnect,
}

/// <summary>
/// Which proxy to go through and how: an immutable description that the connect request carries. The transport
/// connects to <see cref="Host"/>:<see cref="Port"/>, then runs the handshake of <see cref="Kind"/> towards the
/// SMTP server (<see cref="ProxyHandshake"/>); TLS, when used, starts only after that and is checked against the
/// SMTP server's name, never the proxy's.
/// </summary>
internal sealed record ProxySettings
{
    /// <summary>Describes a proxy.</summary>
    /// <param name="kind">The proxy protocol.</param>
    /// <param name="host">The proxy's host name or address (an IPv6 address may be given in brackets).</param>
    /// <param name="port">The proxy's TCP port, 1-65535.</param>
    /// <exception cref="ArgumentException">The host is empty or the port is out of range.</exception>
    public ProxySettings(ProxyKind kind, string host, int port)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(host);
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        if (!Enum.IsDefined(kind))
        {
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown proxy kind.");
        }
        Kind = kind;
        Host = host.Length > 1 && host[0] == '[' && host[^1] == ']' ? host[1..^1] : host;
        Port = port;
    }

    /// <summary>The port a proxy of this kind listens on when none is given: 80 for HTTP, 1080 for SOCKS.</summary>
    /// <param name="kind">The proxy protocol.</param>
    public static int DefaultPort(ProxyKind kind) => kind == ProxyKind.HttpConnect ? 80 : 1080;

    /// <summary>The proxy protocol.</summary>
    public ProxyKind Kind { get; }

    /// <summary>The proxy's host name or address, without brackets.</summary>
    public string Host { get; }

    /// <summary>The proxy's TCP port.</summary>
    public int Port { get; }

    /// <summary>
    /// The user name: RFC 1929 for SOCKS5, Basic for HTTP, the user id field for SOCKS4/4a. Empty means no
    /// credentials.
    /// </summary>
    public string User { get; init; } = "";

    /// <summary>The password (SOCKS5 and HTTP; SOCKS4 has none). Never written to a trace or a message.</summary>
    public string Password { get; init; } = "";

    /// <summary>Extra header fields sent with the HTTP <c>CONNECT</c> request, in order. A field named <c>Host</c> or
    /// <c>Proxy-Authorization</c> replaces the one the handshake would send.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> RequestHeaders { get; init; } = [];

    /// <summary>
    /// For SOCKS5: true to resolve the destination name locally and send an address (curl's <c>socks5://</c>), false
    /// to send the name for the proxy to resolve (<c>socks5h://</c>). SOCKS4 always resolves locally, SOCKS4a and
    /// HTTP never do; an address literal is always sent as an address.
    /// </summary>
    public bool ResolveLocally { get; init; }

    /// <summary>
    /// For HTTP: send Basic credentials with the first <c>CONNECT</c> rather than only after the proxy answers 407.
    /// Saves a round trip (and, with proxies that close after a 407, a connection) at the cost of showing the password
    /// to a proxy that would not have asked for it.
    /// </summary>
    public bool PreemptiveBasicAuth { get; init; }

    /// <summary>
    /// Which address families the proxy's own host name may resolve to, and in which order; null to use the connect
    /// request's preference (which also governs local resolution of the server's name).
    /// </summary>
    public AddressFamilyPreference? AddressFamilies { get; init; }

    /// <summary>
    /// Where this description came from when it was not the caller's own settings, e.g. <c>the environment variable
    /// all_proxy</c>; empty otherwise. Messages then point the user there rather than at the settings.
    /// </summary>
    public string Source { get; init; } = "";

    /// <summary>True when a user name is set.</summary>
    public bool HasCredentials => User.Length > 0;

    /// <summary>True when the destination name goes to the proxy, false when the client resolves it.</summary>
    public bool ProxyResolvesNames => Kind switch
    {
        ProxyKind.Socks4 => false,
        ProxyKind.Socks5 => !ResolveLocally,
        _ => true,
    };

    /// <summary>The proxy as <c>host:port</c> (an IPv6 address in brackets), as messages show it.</summary>
    public string Endpoint => ProxyTarget.Format(Host, Port);

    /// <summary>The protocol's name as messages show it: SOCKS4, SOCKS4a, SOCKS5 or HTTP.</summary>
    public string ProtocolName => Kind switch
    {
        ProxyKind.Socks4 => "SOCKS4",
        ProxyKind.Socks4a => "SOCKS4a",
        ProxyKind.Socks5 => "SOCKS5",
        _ => "HTTP",
    };

    /// <summary>
    /// The proxy as a curl-style URL (<c>socks5h://user:****@host:1080</c>), with the password masked; what traces and
    /// messages may show.
    /// </summary>
    public string ToDisplayUrl()
    {
        string scheme = Kind switch
        {
            ProxyKind.Socks4 => "socks4",
            ProxyKind.Socks4a => "socks4a",
            ProxyKind.Socks5 => ResolveLocally ? "socks5" : "socks5h",
            _ => "http",
        };
        string credentials = HasCredentials
            ? Uri.EscapeDataString(User) + (Password.Length > 0 ? ":****" : "") + "@"
            : "";
        return $"{scheme}://{credentials}{Endpoint}";
    }

    // The generated ToString would print the password; a settings object that ends up in a log must not.
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("Url = ").Append(ToDisplayUrl());
        if (RequestHeaders.Count > 0)
        {
            builder.Append(", RequestHeaders = ").Append(RequestHeaders.Count);
        }
        if (PreemptiveBasicAuth)
        {
            builder.Append(", PreemptiveBasicAuth = True");
        }
        if (AddressFamilies is { } families)
        {
            builder.Append(", AddressFamilies = ").Append(families);
        }
        if (Source.Length > 0)
        {
            builder.Append(", Source = ").Append(Source);
        }
        return true;
    }
}
