namespace Herald;

/// <summary>The proxy (firewall) through which the connection to the mail server is opened.</summary>
public class Firewall
{
    private FirewallTypes _type = FirewallTypes.fwNone;

    /// <summary>Creates a firewall description with every field at its default (no proxy).</summary>
    public Firewall()
    {
    }

    /// <summary>Take the proxy settings from the system configuration (environment variables) when available.</summary>
    public bool AutoDetect { get; set; }

    /// <summary>
    /// The kind of proxy. Assigning it also sets <see cref="Port"/> to the usual port for that kind (80 for an HTTP
    /// tunnel, 1080 for SOCKS).
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

    /// <summary>The proxy host name or address.</summary>
    public string Host { get; set; } = "";

    /// <summary>The password for the proxy.</summary>
    public string Password { get; set; } = "";

    /// <summary>The proxy TCP port.</summary>
    public int Port { get; set; }

    /// <summary>The user name for the proxy.</summary>
    public string User { get; set; } = "";

    /// <summary>True when a proxy is configured.</summary>
    internal bool IsActive => _type != FirewallTypes.fwNone || AutoDetect;
}
