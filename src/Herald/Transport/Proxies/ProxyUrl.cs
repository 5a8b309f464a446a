using System.Globalization;

namespace Herald.Transport.Proxies;

/// <summary>
/// Reads a proxy given as a URL in curl's spellings: <c>socks4://</c>, <c>socks4a://</c>, <c>socks5://</c> (the
/// client resolves names), <c>socks5h://</c> (the proxy resolves them), <c>http://</c> (CONNECT), with optional
/// percent-encoded <c>user:password@</c> and a port (1080 for SOCKS, 80 for HTTP when absent). A value without a scheme
/// is an HTTP proxy, as in curl. Pure: no I/O.
/// </summary>
internal static class ProxyUrl
{
    /// <summary>Parses a proxy URL.</summary>
    /// <param name="url">The URL, e.g. <c>socks5h://user:p%40ss@proxy.example:1080</c>.</param>
    /// <param name="proxy">The proxy, when the URL is usable.</param>
    /// <param name="error">Why it is not, in words that never repeat the password; empty when it is.</param>
    public static bool TryParse(string? url, out ProxySettings? proxy, out string error)
    {
        proxy = null;
        string text = (url ?? "").Trim();
        if (text.Length == 0)
        {
            error = "the proxy URL is empty";
            return false;
        }
        string scheme = "http";
        int schemeEnd = text.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd >= 0)
        {
            scheme = text[..schemeEnd].ToLowerInvariant();
            text = text[(schemeEnd + 3)..];
        }
        ProxyKind kind;
        bool resolveLocally = false;
        switch (scheme)
        {
            case "socks4":
                kind = ProxyKind.Socks4;
                resolveLocally = true;
                break;
            case "socks4a":
                kind = ProxyKind.Socks4a;
                break;
            case "socks5":
                kind = ProxyKind.Socks5;
                resolveLocally = true;
                break;
            case "socks5h":
                kind = ProxyKind.Socks5;
                break;
            case "http":
                kind = ProxyKind.HttpConnect;
                break;
            case "https":
                error = "https:// proxies (TLS to the proxy itself) are not supported; use http:// for an HTTP proxy "
                    + "(the SMTP session is still protected by its own TLS)";
                return false;
            default:
                error = $"the proxy scheme \"{scheme}\" is not known; use socks4://, socks4a://, socks5://, socks5h:// or http://";
                return false;
        }

        int pathStart = text.IndexOfAny(['/', '?', '#']);
        if (pathStart >= 0)
        {
            if (text[pathStart..] != "/")
            {
                error = "a proxy URL has no path, query or fragment; give only scheme://[user[:password]@]host[:port]";
                return false;
            }
            text = text[..pathStart];
        }
        string user = "";
        string password = "";
        int at = text.LastIndexOf('@');
        if (at >= 0)
        {
            string userInfo = text[..at];
            text = text[(at + 1)..];
            int colon = userInfo.IndexOf(':');
            // RFC 3986 §3.2.1: user and password are percent-encoded; ':' separates them, so it can be in the password.
            user = Uri.UnescapeDataString(colon >= 0 ? userInfo[..colon] : userInfo);
            password = colon >= 0 ? Uri.UnescapeDataString(userInfo[(colon + 1)..]) : "";
        }

        string host;
        string portText = "";
        if (text.StartsWith('['))
        {
            int close = text.IndexOf(']');
            if (close < 0)
            {
                error = "the proxy's IPv6 address lacks its closing bracket";
                return false;
            }
            host = text[1..close];
            string rest = text[(close + 1)..];
            if (rest.Length > 0)
            {
                if (rest[0] != ':')
                {
                    error = "unexpected text after the proxy's IPv6 address";
                    return false;
                }
                portText = rest[1..];
            }
            if (!System.Net.IPAddress.TryParse(host, out _))
            {
                error = $"\"{host}\" in brackets is not an IPv6 address";
                return false;
            }
        }
        else
        {
            int colon = text.LastIndexOf(':');
            host = colon >= 0 ? text[..colon] : text;
            portText = colon >= 0 ? text[(colon + 1)..] : "";
            if (host.Contains(':'))
            {
                error = "an IPv6 proxy address goes in brackets, e.g. socks5://[::1]:1080";
                return false;
            }
        }
        if (host.Length == 0)
        {
            error = "the proxy URL names no host";
            return false;
        }
        int port = ProxySettings.DefaultPort(kind);
        if (portText.Length > 0
            && (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535))
        {
            error = $"the proxy port \"{portText}\" is not a number from 1 to 65535";
            return false;
        }
        proxy = new ProxySettings(kind, host, port) { User = user, Password = password, ResolveLocally = resolveLocally };
        error = "";
        return true;
    }
}
