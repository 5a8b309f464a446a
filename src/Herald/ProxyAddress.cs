using System.Diagnostics.CodeAnalysis;
using Herald.Transport.Proxies;

namespace Herald;

/// <summary>
/// A proxy given as a URL in curl's spellings, for an application that takes its proxy as one string (an option, a
/// configuration value, <c>ALL_PROXY</c>): <c>socks4://</c>, <c>socks4a://</c>, <c>socks5://</c> (the server's name
/// is resolved on this machine), <c>socks5h://</c> (the proxy resolves it) and <c>http://</c> (a tunnel through
/// CONNECT), with an optional percent-encoded <c>user:password@</c> and a port (1080 for SOCKS, 80 for HTTP when
/// absent). A value without a scheme is an HTTP proxy, as in curl. <see cref="ApplyTo"/> turns it into the component's
/// <see cref="Smtp.Firewall"/> settings.
/// </summary>
public sealed class ProxyAddress
{
    private readonly ProxySettings _settings;

    private ProxyAddress(ProxySettings settings)
    {
        _settings = settings;
    }

    /// <summary>The user name from the URL; empty when it has none.</summary>
    public string User => _settings.User;

    /// <summary>The password from the URL (or <see cref="WithPassword"/>); empty when it has none. It is never part of
    /// <see cref="ToString"/>.</summary>
    public string Password => _settings.Password;

    /// <summary>Reads a proxy URL.</summary>
    /// <param name="url">The URL, e.g. <c>socks5h://user@proxy.example:1080</c>.</param>
    /// <param name="proxy">The proxy, when the URL is usable; else null.</param>
    /// <param name="error">Why the URL is not usable, in words that never repeat its password; empty when it is.</param>
    /// <returns>True when the URL is usable.</returns>
    public static bool TryParse(string? url, [NotNullWhen(true)] out ProxyAddress? proxy, out string error)
    {
        proxy = ProxyUrl.TryParse(url, out var settings, out error) ? new ProxyAddress(settings!) : null;
        return proxy is not null;
    }

    /// <summary>
    /// Chooses the proxy for one destination from environment variables, as curl does: the first of <c>all_proxy</c>,
    /// <c>ALL_PROXY</c>, <c>https_proxy</c> and <c>HTTPS_PROXY</c> that is set and not empty, unless the first of
    /// <c>no_proxy</c> and <c>NO_PROXY</c> that is set lists the destination (<c>*</c>, a domain and the names under
    /// it, an IP address or CIDR range, each optionally with <c>:port</c>; names are compared as given, never
    /// resolved). The variables are a parameter, so an application decides which of them it honours.
    /// </summary>
    /// <param name="environment">The variables, by name (compared with regard to case, as on Unix).</param>
    /// <param name="host">The mail server's host name or address.</param>
    /// <param name="port">The mail server's port.</param>
    /// <returns>The choice and the reason for it.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="environment"/> or <paramref name="host"/> is null.</exception>
    public static ProxyDetection Detect(IReadOnlyDictionary<string, string?> environment, string host, int port)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(host);
        var choice = ProxyEnvironment.Detect(environment, host, port);
        return new ProxyDetection(choice.Proxy is null ? null : new ProxyAddress(choice.Proxy), choice.Variable, choice.Reason,
            choice.IsError);
    }

    /// <summary>The same proxy with another password, for one kept apart from the URL (an environment variable).</summary>
    /// <param name="password">The password.</param>
    /// <returns>The proxy with <paramref name="password"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="password"/> is null.</exception>
    public ProxyAddress WithPassword(string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        return new ProxyAddress(_settings with { Password = password });
    }

    /// <summary>
    /// Sets <paramref name="smtp"/>'s <see cref="Smtp.Firewall"/> to this proxy: its type, host, port, user and
    /// password. For <c>socks5h://</c> it also marks <see cref="Smtp.MailServer"/> with the leading <c>*</c> that has a
    /// SOCKS5 proxy resolve the name, so set MailServer first.
    /// </summary>
    /// <param name="smtp">The component, not connected.</param>
    /// <exception cref="ArgumentNullException"><paramref name="smtp"/> is null.</exception>
    /// <exception cref="SmtpException">When the component is connected, as for setting MailServer.</exception>
    public void ApplyTo(Smtp smtp)
    {
        ArgumentNullException.ThrowIfNull(smtp);
        var firewall = smtp.Firewall;
        firewall.FirewallType = _settings.Kind switch
        {
            ProxyKind.Socks4 => FirewallTypes.fwSOCKS4,
            ProxyKind.Socks4a => FirewallTypes.fwSOCKS4A,
            ProxyKind.Socks5 => FirewallTypes.fwSOCKS5,
            _ => FirewallTypes.fwTunnel,
        };
        firewall.Host = _settings.Host;
        firewall.Port = _settings.Port;
        firewall.User = _settings.User;
        firewall.Password = _settings.Password;
        if (_settings is { Kind: ProxyKind.Socks5, ResolveLocally: false } && !smtp.MailServer.StartsWith('*'))
        {
            smtp.MailServer = "*" + smtp.MailServer;
        }
    }

    /// <summary>The proxy as a URL with the password masked (<c>socks5h://user:****@host:1080</c>), fit for a log.</summary>
    /// <returns>The URL.</returns>
    public override string ToString() => _settings.ToDisplayUrl();
}

/// <summary>What <see cref="ProxyAddress.Detect"/> found in the environment for one destination.</summary>
public sealed class ProxyDetection
{
    internal ProxyDetection(ProxyAddress? proxy, string variable, string reason, bool isError)
    {
        Proxy = proxy;
        Variable = variable;
        Reason = reason;
        IsError = isError;
    }

    /// <summary>The proxy to go through, or null to connect directly.</summary>
    public ProxyAddress? Proxy { get; }

    /// <summary>The variable that decided (the proxy's, the one that was unusable, or the no_proxy one that matched); empty
    /// when none is set.</summary>
    public string Variable { get; }

    /// <summary>One sentence saying what was chosen and why, for a trace or a message; it never holds a password.</summary>
    public string Reason { get; }

    /// <summary>True when a proxy variable is set but not to a usable proxy URL (<see cref="Reason"/> says why): an
    /// application should stop rather than go around the proxy.</summary>
    public bool IsError { get; }
}
