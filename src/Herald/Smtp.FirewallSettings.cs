using Herald.Transport;
using Herald.Transport.Proxies;

namespace Herald;

/// <summary>The component's proxy (firewall) settings, and how they become the connect request's proxy.</summary>
internal sealed partial class SmtpSettings
{
    /// <summary>Firewall: the proxy, as the Firewall property and the Firewall* config settings hold it.</summary>
    public Firewall Firewall { get; set; } = new();

    /// <summary>FirewallData: extra header lines for the HTTP CONNECT request of a tunnelling proxy.</summary>
    public string FirewallData { get; set; } = "";

    /// <summary>ProxyExceptionsList: semicolon-separated hosts and addresses reached without the proxy.</summary>
    public string ProxyExceptions { get; set; } = "";

    /// <summary>Where Firewall.AutoDetect reads the environment; tests replace it.</summary>
    public Func<IReadOnlyDictionary<string, string?>> Environment { get; set; } = ProxyEnvironment.Current;

    /// <summary>What the connect request carries about the proxy.</summary>
    /// <param name="Proxy">The proxy, or null to connect directly.</param>
    /// <param name="Note">Why, when that was decided for the user (auto-detection, the exceptions list); else empty.</param>
    /// <param name="Error">Why the configured proxy cannot be used; connecting then fails with 118. Else empty.</param>
    internal readonly record struct ProxyRoute(ProxySettings? Proxy, string Note, string Error);

    /// <summary>
    /// Decides how to reach the server: through the proxy the environment names when Firewall.AutoDetect is on (and
    /// one is set there), else through the proxy the Firewall settings describe, else directly; a server on the
    /// ProxyExceptionsList (or, for a detected proxy, on NO_PROXY) is reached directly. Reads the environment only
    /// when auto-detection is on. Never throws: a setting that cannot work becomes <see cref="ProxyRoute.Error"/>.
    /// </summary>
    /// <param name="host">The server's name as the request carries it (without the leading <c>*</c>).</param>
    /// <param name="unresolved">True when MailServer started with <c>*</c>: a SOCKS proxy is sent the name to
    /// resolve.</param>
    internal ProxyRoute RouteProxy(string host, bool unresolved)
    {
        var firewall = Firewall;
        bool configured = firewall.FirewallType != FirewallTypes.fwNone;
        ProxySettings? proxy = null;
        string note = "";
        if (firewall.AutoDetect)
        {
            var choice = ProxyEnvironment.Detect(Environment(), host, Port);
            if (choice.IsError)
            {
                return new ProxyRoute(null, "", $"Firewall.AutoDetect is on, but the environment names no usable proxy: {choice.Reason} "
                    + $"Correct or unset {choice.Variable}, or set Firewall.AutoDetect to False.");
            }
            if (choice.Proxy is null && choice.Variable.Length > 0)
            {
                // NO_PROXY names the server: the environment's own rule for reaching it directly.
                return new ProxyRoute(null, "Firewall.AutoDetect: " + choice.Reason, "");
            }
            if (choice.Proxy is not null)
            {
                proxy = choice.Proxy with { Source = $"the environment variable {choice.Variable}" };
                if (!proxy.HasCredentials && firewall.User.Length > 0)
                {
                    proxy = proxy with { User = firewall.User, Password = firewall.Password };
                }
                note = "Firewall.AutoDetect: " + choice.Reason;
            }
            else
            {
                note = "Firewall.AutoDetect: " + (configured
                    ? $"none of {string.Join(", ", ProxyEnvironment.ProxyVariables)} is set; using the Firewall settings."
                    : choice.Reason);
            }
        }
        if (proxy is null && configured)
        {
            var (explicitProxy, error) = FromFirewall(firewall);
            if (error.Length > 0)
            {
                return new ProxyRoute(null, note, error);
            }
            proxy = explicitProxy;
        }
        if (proxy is null)
        {
            return new ProxyRoute(null, note, "");
        }
        if (ProxyExceptions.Trim().Length > 0
            && ProxyEnvironment.Bypasses(ProxyExceptions.Replace(';', ','), host, Port, out string entry))
        {
            return new ProxyRoute(null, Join(note, $"Connecting to {ProxyTarget.Format(host, Port)} directly: the "
                + $"ProxyExceptionsList entry \"{entry}\" matches it (otherwise {proxy.ToDisplayUrl()} would be used)."), "");
        }
        if (unresolved && proxy.Kind == ProxyKind.Socks4)
        {
            // SOCKS4 carries only addresses; the 4a extension is how a SOCKS4 proxy is sent a name.
            proxy = new ProxySettings(ProxyKind.Socks4a, proxy.Host, proxy.Port)
            {
                User = proxy.User,
                Password = proxy.Password,
                AddressFamilies = proxy.AddressFamilies,
                Source = proxy.Source,
            };
        }
        else if (unresolved && proxy.Kind == ProxyKind.Socks5)
        {
            proxy = proxy with { ResolveLocally = false };
        }
        if (proxy.Kind == ProxyKind.HttpConnect && FirewallData.Trim().Length > 0)
        {
            var (headers, error) = ParseFirewallData(FirewallData);
            if (error.Length > 0)
            {
                return new ProxyRoute(null, note, error);
            }
            proxy = proxy with { RequestHeaders = headers };
        }
        return new ProxyRoute(proxy, note, "");
    }

    // IPWorks semantics: MailServer is resolved on this machine unless it starts with "*", for SOCKS4 and SOCKS5
    // alike; SOCKS4A exists to send the name, and an HTTP proxy is always sent the name.
    private static (ProxySettings? Proxy, string Error) FromFirewall(Firewall firewall)
    {
        var type = firewall.FirewallType;
        ProxyKind kind;
        switch (type)
        {
            case FirewallTypes.fwTunnel:
                kind = ProxyKind.HttpConnect;
                break;
            case FirewallTypes.fwSOCKS4:
                kind = ProxyKind.Socks4;
                break;
            case FirewallTypes.fwSOCKS5:
                kind = ProxyKind.Socks5;
                break;
            case FirewallTypes.fwSOCKS4A:
                kind = ProxyKind.Socks4a;
                break;
            default:
                return (null, $"Firewall.FirewallType {(int)type} is not a proxy type; use fwTunnel, fwSOCKS4, fwSOCKS5, fwSOCKS4A "
                    + "or fwNone.");
        }
        string host = firewall.Host.Trim();
        if (host.Length == 0)
        {
            return (null, $"Firewall.FirewallType is {type} but Firewall.Host is empty, so there is no proxy to connect to"
                + (firewall.AutoDetect ? " (and Firewall.AutoDetect found none in the environment)" : "")
                + ": set Firewall.Host to the proxy's name or address, or FirewallType to fwNone to connect directly.");
        }
        if (firewall.Port is < 1 or > 65535)
        {
            return (null, $"Firewall.Port {firewall.Port} is not a valid TCP port (1-65535) for the proxy {host}.");
        }
        var proxy = new ProxySettings(kind, host, firewall.Port)
        {
            User = firewall.User,
            Password = firewall.Password,
            ResolveLocally = kind == ProxyKind.Socks5,
        };
        return (proxy, "");
    }

    /// <summary>FirewallData: one <c>Name: value</c> header field per line (CRLF or LF); empty lines are skipped.</summary>
    private static (IReadOnlyList<KeyValuePair<string, string>> Headers, string Error) ParseFirewallData(string data)
    {
        var headers = new List<KeyValuePair<string, string>>();
        string[] lines = data.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i];
            if (line.Trim().Length == 0)
            {
                continue;
            }
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                // The value is not repeated: such lines often carry credentials.
                return ([], $"FirewallData line {i + 1} is not a header field: each line must read \"Name: value\".");
            }
            headers.Add(new(line[..colon].Trim(), line[(colon + 1)..].Trim()));
        }
        return (headers, "");
    }

    private static string Join(string first, string second) => first.Length == 0 ? second : first + " " + second;
}
