using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Herald.Transport.Proxies;

/// <summary>
/// The destination a proxy is asked to reach: an address literal or a host name in its ASCII (IDNA) form, and a port.
/// </summary>
internal readonly record struct ProxyTarget
{
    private ProxyTarget(string host, int port, IPAddress? address, string name)
    {
        Host = host;
        Port = port;
        Address = address;
        Name = name;
    }

    /// <summary>The host as the caller gave it (without brackets), for messages.</summary>
    public string Host { get; }

    /// <summary>The TCP port.</summary>
    public int Port { get; }

    /// <summary>The address when the host is an address literal, else null.</summary>
    public IPAddress? Address { get; }

    /// <summary>The host name in ASCII (an internationalised name in its <c>xn--</c> form); empty for a literal.</summary>
    public string Name { get; }

    /// <summary>The destination as messages show it: <c>host:port</c>, an IPv6 address in brackets.</summary>
    public override string ToString() => Format(Host, Port);

    /// <summary>Formats <c>host:port</c>, putting an IPv6 address in brackets (RFC 3986 §3.2.2).</summary>
    /// <param name="host">A host name or address.</param>
    /// <param name="port">The port.</param>
    public static string Format(string host, int port) =>
        host.Contains(':') && !host.StartsWith('[') ? $"[{host}]:{port}" : $"{host}:{port}";

    /// <summary>Checks and classifies a destination.</summary>
    /// <param name="host">A host name, an IPv4 address in dotted form, or an IPv6 address (brackets allowed).</param>
    /// <param name="port">The port, 1-65535.</param>
    /// <param name="target">The destination, when valid.</param>
    /// <param name="error">Why it is not valid, in words; empty when it is.</param>
    public static bool TryCreate(string host, int port, out ProxyTarget target, out string error)
    {
        target = default;
        string bare = host.Length > 1 && host[0] == '[' && host[^1] == ']' ? host[1..^1] : host;
        if (bare.Length == 0)
        {
            error = "no destination host was given";
            return false;
        }
        if (port is < 1 or > 65535)
        {
            error = $"the destination port {port} is not between 1 and 65535";
            return false;
        }
        if (IsAddressLiteral(bare, out var address))
        {
            target = new ProxyTarget(bare, port, address, "");
            error = "";
            return true;
        }
        string name = bare.EndsWith('.') ? bare[..^1] : bare;
        if (!name.All(char.IsAscii))
        {
            try
            {
                name = new IdnMapping().GetAscii(name);
            }
            catch (ArgumentException)
            {
                error = $"the destination \"{host}\" is not a valid internationalised host name";
                return false;
            }
        }
        // RFC 1035 §2.3.4 caps a name at 255 octets; SOCKS4a and SOCKS5 carry it in at most 255. Underscores are
        // tolerated because some internal names use them; anything else could break the request that carries it.
        if (name.Length is 0 or > 255 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_'))
        {
            error = $"the destination \"{host}\" is not a valid host name";
            return false;
        }
        target = new ProxyTarget(bare, port, null, name);
        error = "";
        return true;
    }

    /// <summary>
    /// True for an IPv6 address or an IPv4 address in dotted-quad form. <see cref="IPAddress.TryParse(string, out IPAddress)"/>
    /// alone also takes forms such as <c>127.1</c> or a bare number, which as a destination are meant as names.
    /// </summary>
    /// <param name="host">The host, without brackets.</param>
    /// <param name="address">The address.</param>
    public static bool IsAddressLiteral(string host, out IPAddress? address)
    {
        bool dottedQuad = host.Count(c => c == '.') == 3 && host.All(c => c == '.' || char.IsAsciiDigit(c));
        if (IPAddress.TryParse(host, out var parsed) && (parsed.AddressFamily == AddressFamily.InterNetworkV6 || dottedQuad))
        {
            address = parsed;
            return true;
        }
        address = null;
        return false;
    }
}
