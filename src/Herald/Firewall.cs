namespace Herald;

/// <summary>
/// The proxy (firewall) through which the connection to the mail server is opened: an HTTP proxy asked for a tunnel
/// with <c>CONNECT</c> (<see cref="FirewallTypes.fwTunnel"/>), or a SOCKS4, SOCKS4A or SOCKS5 proxy. The SMTP session,
/// TLS included, runs through the tunnel; the proxy sees only the destination and, for SOCKS5 and HTTP, the proxy
/// credentials. Config settings FirewallData (extra HTTP request headers) and ProxyExceptionsList (servers reached
/// directly) complete it.
/// </summary>
public class Firewall
{
    private FirewallTypes _type = FirewallTypes.fwNone;

    /// <summary>Creates a firewall description with every field at its default (no proxy).</summary>
    public Firewall()
    {
    }

    /// <summary>
    /// Take the proxy from the system configuration: the environment variables <c>all_proxy</c>, <c>ALL_PROXY</c>,
    /// <c>https_proxy</c>, <c>HTTPS_PROXY</c> (the first one set), written as curl takes them
    /// (<c>socks5h://user:password@host:1080</c>, <c>http://host:3128</c>; <c>socks5://</c> and <c>socks4://</c>
    /// resolve the server's name on this machine), with <c>no_proxy</c>/<c>NO_PROXY</c> naming servers reached
    /// directly. When none is set, the other fields apply. The OnPITrail event (direction 2) says which proxy was
    /// chosen and why before each connection. A variable that is set but is not a proxy URL fails the connection
    /// with 118 rather than going around the proxy. <see cref="User"/> and <see cref="Password"/> are used with a
    /// detected proxy whose URL carries no credentials.
    /// </summary>
    public bool AutoDetect { get; set; }

    /// <summary>
    /// The kind of proxy (<see cref="FirewallTypes.fwNone"/>: none). Assigning it also sets <see cref="Port"/> to the
    /// usual port for that kind (80 for an HTTP tunnel, 1080 for SOCKS).
    /// </summary>
    public FirewallTypes FirewallType
    {
        get => _type;
        set
        {
            _type = value;
            Port = value switch
            {
                FirewallTypes.fwTunnel => 80,
                FirewallTypes.fwSOCKS4 or FirewallTypes.fwSOCKS5 or FirewallTypes.fwSOCKS4A => 1080,
                _ => 0,
            };
        }
    }

    /// <summary>
    /// The proxy's host name or address (an IPv6 address may be given in brackets). A name is resolved when
    /// connecting, with the component's UseIPv6 preference; a name that does not resolve fails the connection with
    /// 118. A <see cref="FirewallType"/> without a host fails the connection with 118 rather than connecting directly.
    /// </summary>
    public string Host { get; set; } = "";

    /// <summary>
    /// The password for the proxy (SOCKS5 user name/password authentication, RFC 1929, or HTTP Basic authentication;
    /// SOCKS4 has none). Never written to the trace or an error message. Rejected credentials fail the connection
    /// with 118.
    /// </summary>
    public string Password { get; set; } = "";

    /// <summary>The proxy's TCP port; set automatically when <see cref="FirewallType"/> is assigned.</summary>
    public int Port { get; set; }

    /// <summary>
    /// The user name for the proxy: offered to a SOCKS5 proxy (RFC 1929), sent as HTTP Basic credentials when an HTTP
    /// proxy asks for them (407), or sent as the SOCKS4 user id. Empty for none.
    /// </summary>
    public string User { get; set; } = "";
}
