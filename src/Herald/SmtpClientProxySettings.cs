using Herald.Transport.Proxies;

namespace Herald;

/// <summary>
/// The proxy a <see cref="SmtpClient"/> connects through (its <see cref="SmtpClient.Proxy"/> property): SOCKS4,
/// SOCKS5 or an HTTP <c>CONNECT</c> tunnel. TLS, when used, runs through the tunnel and is checked against the SMTP
/// server's name, never the proxy's. Read when a connection starts.
/// </summary>
public sealed class SmtpClientProxySettings
{
    private string _address = "";
    private int _port;
    private ProxyType _type = ProxyType.None;
    private ProxyAuthentication _authentication = ProxyAuthentication.Basic;
    private string _username = "";
    private string _password = "";
    private string _requestHeaders = "";
    private IReadOnlyList<KeyValuePair<string, string>> _headers = [];

    /// <summary>Connect through the proxy (default false). <see cref="ProxyType"/> and <see cref="Address"/> must be
    /// set too.</summary>
    public bool UseProxy { get; set; }

    /// <summary>The proxy's host name or address.</summary>
    /// <exception cref="SmtpException">10022 when the value holds CR, LF or NUL.</exception>
    public string Address
    {
        get => _address;
        set => _address = Line(value, "Proxy.Address").Trim();
    }

    /// <summary>The proxy's port; 0 (the default) for the usual one: 1080 for SOCKS, 80 for HTTP.</summary>
    /// <exception cref="SmtpException">10022 outside 0-65535.</exception>
    public int Port
    {
        get => _port;
        set => _port = value is >= 0 and <= 65535 ? value
            : throw new SmtpException(SmtpErrorCodes.InvalidArgument, $"Proxy.Port {value} is not a TCP port (0-65535).");
    }

    /// <summary>The kind of proxy (default <see cref="Herald.ProxyType.None"/>).</summary>
    /// <exception cref="SmtpException">10022 for a value that is not a member of the enumeration.</exception>
    public ProxyType ProxyType
    {
        get => _type;
        set => _type = Enum.IsDefined(value) ? value
            : throw new SmtpException(SmtpErrorCodes.InvalidArgument, $"Proxy.ProxyType {(int)value} is not a defined value.");
    }

    /// <summary>
    /// How the client proves itself to an HTTP proxy: Basic (the default), sent after the proxy answers 407. Herald does
    /// not implement Digest or NTLM proxy authentication (setting them fails with 10045). SOCKS5 always uses RFC 1929
    /// user name and password when <see cref="Username"/> is set.
    /// </summary>
    /// <exception cref="SmtpException">10045 for Digest and NTLM; 10022 for an undefined value.</exception>
    public ProxyAuthentication Authentication
    {
        get => _authentication;
        set => _authentication = value switch
        {
            ProxyAuthentication.Basic => value,
            ProxyAuthentication.Digest or ProxyAuthentication.Ntlm => throw new SmtpException(SmtpErrorCodes.NotSupported,
                $"Proxy.Authentication {value} is not implemented: Herald authenticates to HTTP proxies with Basic only " +
                "(use it over a trusted network, or a SOCKS5 proxy)."),
            _ => throw new SmtpException(SmtpErrorCodes.InvalidArgument, $"Proxy.Authentication {(int)value} is not a defined value."),
        };
    }

    /// <summary>The user name for the proxy, or "" for none.</summary>
    /// <exception cref="SmtpException">10022 when the value holds CR, LF or NUL.</exception>
    public string Username
    {
        get => _username;
        set => _username = Line(value, "Proxy.Username");
    }

    /// <summary>The password for the proxy. Never traced.</summary>
    /// <exception cref="SmtpException">10022 when the value holds CR, LF or NUL.</exception>
    public string Password
    {
        get => _password;
        set => _password = Line(value, "Proxy.Password");
    }

    /// <summary>
    /// Extra header fields for the HTTP <c>CONNECT</c> request, one <c>Name: value</c> per line (CRLF or LF); a
    /// <c>Host</c> or <c>Proxy-Authorization</c> field replaces the one Herald would send.
    /// </summary>
    /// <exception cref="SmtpException">10022 when a line is not a header field.</exception>
    public string RequestHeaders
    {
        get => _requestHeaders;
        set
        {
            var headers = new List<KeyValuePair<string, string>>();
            foreach (var raw in (value ?? "").Split('\n'))
            {
                string line = raw.TrimEnd('\r');
                if (line.Trim().Length == 0)
                {
                    continue;
                }
                int colon = line.IndexOf(':', StringComparison.Ordinal);
                string name = colon > 0 ? line[..colon].Trim() : "";
                if (!HttpProxyResponse.IsToken(name) || line.Contains('\0', StringComparison.Ordinal))
                {
                    throw new SmtpException(SmtpErrorCodes.InvalidArgument,
                        $"Proxy.RequestHeaders: \"{line}\" is not a header field (Name: value).");
                }
                headers.Add(new(name, line[(colon + 1)..].Trim()));
            }
            _headers = headers;
            _requestHeaders = value ?? "";
        }
    }

    /// <summary>The status line and header fields of the HTTP proxy's last answer to <c>CONNECT</c> (CRLF-separated), or ""
    /// (no HTTP proxy on the last connection).</summary>
    public string ResponseHeaders { get; internal set; } = "";

    /// <summary>The body of the HTTP proxy's last refusal (at most 64 KiB, as UTF-8), or "".</summary>
    public string ResponseBody { get; internal set; } = "";

    /// <summary>Reach the proxy over IPv6 as well as IPv4 (IPv6 first); false (the default) for IPv4 only.</summary>
    public bool UseIPv6 { get; set; }

    /// <summary>Checks that a proxy that is switched on is described well enough to connect through.</summary>
    /// <exception cref="SmtpException">10022 when the proxy is switched on but its type or address is missing.</exception>
    internal void Validate()
    {
        if (UseProxy && (_type == ProxyType.None || _address.Length == 0))
        {
            throw new SmtpException(SmtpErrorCodes.InvalidArgument,
                "Proxy.UseProxy is true, but Proxy.ProxyType or Proxy.Address is not set; set both (or UseProxy to false).");
        }
    }

    /// <summary>The proxy for a connection, or null when none is used (or it is incomplete: see <see cref="Validate"/>).</summary>
    internal ProxySettings? ToSettings(string userAgent)
    {
        if (!UseProxy || _type == ProxyType.None || _address.Length == 0)
        {
            return null;
        }
        var kind = _type switch
        {
            ProxyType.Socks4 => ProxyKind.Socks4,
            ProxyType.Socks5 => ProxyKind.Socks5,
            _ => ProxyKind.HttpConnect,
        };
        var headers = _headers;
        if (kind == ProxyKind.HttpConnect && userAgent.Length > 0
            && !headers.Any(h => h.Key.Equals("User-Agent", StringComparison.OrdinalIgnoreCase)))
        {
            headers = [.. headers, new("User-Agent", userAgent)];
        }
        return new ProxySettings(kind, _address, _port > 0 ? _port : ProxySettings.DefaultPort(kind))
        {
            User = _username,
            Password = _password,
            RequestHeaders = headers,
            ResolveLocally = false,
        };
    }

    private static string Line(string? value, string what)
    {
        Protocol.LineValidation.EnsureSingleLine(value, what);
        return value ?? "";
    }
}
