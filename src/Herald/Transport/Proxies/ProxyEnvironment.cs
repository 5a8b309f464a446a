using System.Collections;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Herald.Transport.Proxies;

/// <summary>What the environment says about reaching one destination.</summary>
/// <param name="Proxy">The proxy to use, or null to connect directly.</param>
/// <param name="Variable">The variable the proxy came from (or that was unusable); empty when none applies.</param>
/// <param name="Reason">One sentence saying what was chosen and why, for the trace; never contains a password.</param>
/// <param name="IsError">True when a proxy variable is set but its value is not a usable proxy URL.</param>
internal sealed record ProxyChoice(ProxySettings? Proxy, string Variable, string Reason, bool IsError = false);

/// <summary>
/// Picks a proxy from the usual environment variables: <c>all_proxy</c>/<c>ALL_PROXY</c> (meant for every protocol),
/// then <c>https_proxy</c>/<c>HTTPS_PROXY</c> (often the only one set in CI systems), the lower-case spelling first
/// as curl prefers it; empty values count as unset. <c>no_proxy</c>/<c>NO_PROXY</c> lists destinations to reach
/// directly: <c>*</c>, domain names (matching the name and every name under it, with or without a leading dot or
/// <c>*.</c>), IP addresses, CIDR ranges, each optionally with <c>:port</c>. Names are compared as given, never
/// resolved. Pure: the environment is a parameter.
/// </summary>
internal static class ProxyEnvironment
{
    /// <summary>The proxy variables in the order they are consulted.</summary>
    public static IReadOnlyList<string> ProxyVariables { get; } = ["all_proxy", "ALL_PROXY", "https_proxy", "HTTPS_PROXY"];

    /// <summary>The exception variables in the order they are consulted (the first one set is used).</summary>
    public static IReadOnlyList<string> NoProxyVariables { get; } = ["no_proxy", "NO_PROXY"];

    /// <summary>The process environment as a dictionary, for <see cref="Detect"/>.</summary>
    public static IReadOnlyDictionary<string, string?> Current()
    {
        var result = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            result[(string)entry.Key] = entry.Value as string;
        }
        return result;
    }

    /// <summary>Chooses the proxy for a destination.</summary>
    /// <param name="environment">The environment variables (names are case-sensitive, as on Unix).</param>
    /// <param name="host">The SMTP server's host name or address.</param>
    /// <param name="port">The SMTP server's port.</param>
    public static ProxyChoice Detect(IReadOnlyDictionary<string, string?> environment, string host, int port)
    {
        string destination = ProxyTarget.Format(host.Trim('[', ']'), port);
        string? variable = FirstSet(environment, ProxyVariables);
        if (variable is null)
        {
            return new ProxyChoice(null, "", $"Connecting to {destination} directly: none of {string.Join(", ", ProxyVariables)} is set.");
        }
        if (!ProxyUrl.TryParse(environment[variable], out var proxy, out string error))
        {
            return new ProxyChoice(null, variable, $"{variable} is set, but not to a usable proxy URL: {error}.", IsError: true);
        }
        string? noProxyVariable = FirstSet(environment, NoProxyVariables);
        if (noProxyVariable is not null && Bypasses(environment[noProxyVariable]!, host, port, out string entry))
        {
            return new ProxyChoice(null, noProxyVariable,
                $"Connecting to {destination} directly: the {noProxyVariable} entry \"{entry}\" matches it "
                + $"(otherwise {proxy!.ToDisplayUrl()} from {variable} would be used).");
        }
        return new ProxyChoice(proxy, variable, $"Connecting to {destination} through the proxy {proxy!.ToDisplayUrl()} from {variable}.");
    }

    /// <summary>True when a <c>NO_PROXY</c> list says the destination is reached directly.</summary>
    /// <param name="noProxy">The list: entries separated by commas or white space.</param>
    /// <param name="host">The destination host (a name or an address; IPv6 with or without brackets).</param>
    /// <param name="port">The destination port.</param>
    /// <param name="matched">The entry that matched, as written.</param>
    public static bool Bypasses(string noProxy, string host, int port, out string matched)
    {
        string target = Normalize(host);
        ProxyTarget.IsAddressLiteral(target, out var targetAddress);
        foreach (string raw in noProxy.Split([',', ' ', '\t', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries))
        {
            matched = raw;
            if (raw == "*")
            {
                return true;
            }
            if (!SplitPort(raw, out string pattern, out int? entryPort) || entryPort is { } p && p != port)
            {
                continue;
            }
            if (targetAddress is not null)
            {
                if (MatchesAddress(pattern, targetAddress))
                {
                    return true;
                }
                continue;
            }
            string domain = Normalize(pattern.StartsWith("*.", StringComparison.Ordinal) ? pattern[2..] : pattern.TrimStart('.'));
            if (domain.Length > 0 && (target == domain || target.EndsWith("." + domain, StringComparison.Ordinal)))
            {
                return true;
            }
        }
        matched = "";
        return false;
    }

    // Empty values count as unset, as in curl.
    private static string? FirstSet(IReadOnlyDictionary<string, string?> environment, IReadOnlyList<string> names) =>
        names.FirstOrDefault(n => environment.TryGetValue(n, out var value) && !string.IsNullOrWhiteSpace(value));

    // "host", "host:25", "1.2.3.4:25", "[::1]:25", "::1" (a bare IPv6 address has no port), "10.0.0.0/8".
    private static bool SplitPort(string entry, out string pattern, out int? port)
    {
        port = null;
        pattern = entry;
        if (entry.StartsWith('['))
        {
            int close = entry.IndexOf(']');
            if (close < 0)
            {
                return false;
            }
            pattern = entry[1..close];
            string rest = entry[(close + 1)..];
            if (rest.Length == 0)
            {
                return true;
            }
            if (rest[0] != ':' || !TryPort(rest[1..], out int p))
            {
                return false;
            }
            port = p;
            return true;
        }
        int colon = entry.LastIndexOf(':');
        if (colon > 0 && entry.IndexOf(':') == colon)
        {
            if (!TryPort(entry[(colon + 1)..], out int p))
            {
                return false;
            }
            pattern = entry[..colon];
            port = p;
        }
        return true;
    }

    private static bool TryPort(string text, out int port) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port is >= 1 and <= 65535;

    private static bool MatchesAddress(string pattern, IPAddress address)
    {
        int slash = pattern.IndexOf('/');
        if (slash < 0)
        {
            return IPAddress.TryParse(pattern, out var single) && Same(single, address);
        }
        if (!IPAddress.TryParse(pattern[..slash], out var network)
            || !int.TryParse(pattern[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int bits))
        {
            return false;
        }
        if (address.IsIPv4MappedToIPv6 && network.AddressFamily == AddressFamily.InterNetwork)
        {
            address = address.MapToIPv4();
        }
        if (network.AddressFamily != address.AddressFamily || bits > network.GetAddressBytes().Length * 8)
        {
            return false;
        }
        byte[] a = address.GetAddressBytes();
        byte[] n = network.GetAddressBytes();
        for (int i = 0; i < a.Length && bits > 0; i++, bits -= 8)
        {
            int mask = bits >= 8 ? 0xFF : 0xFF << (8 - bits) & 0xFF;
            if ((a[i] & mask) != (n[i] & mask))
            {
                return false;
            }
        }
        return true;
    }

    private static bool Same(IPAddress a, IPAddress b) =>
        a.Equals(b) || a.IsIPv4MappedToIPv6 && a.MapToIPv4().Equals(b) || b.IsIPv4MappedToIPv6 && b.MapToIPv4().Equals(a);

    private static string Normalize(string host) => host.Trim().Trim('[', ']').TrimEnd('.').ToLowerInvariant();
}
