namespace Herald.Transport.Proxies;

/// <summary>The part of a proxy handshake that failed.</summary>
internal enum ProxyStep
{
    /// <summary>Opening the TCP connection to the proxy itself, resolving its name included.</summary>
    Reach,
    /// <summary>Resolving the destination name locally (SOCKS4, and SOCKS5 with local resolution).</summary>
    Resolve,
    /// <summary>The SOCKS5 method negotiation (RFC 1928 §3).</summary>
    MethodSelection,
    /// <summary>Proving who the client is: RFC 1929, or an HTTP 407 answered with credentials.</summary>
    Authentication,
    /// <summary>The request to connect to the destination and the proxy's reply to it.</summary>
    Connect,
    /// <summary>After the proxy's reply: bytes that the proxy should not have sent.</summary>
    AfterReply,
}

/// <summary>
/// A proxy handshake failed: the proxy refused, asked for credentials that were not given, rejected them, broke the
/// protocol, or closed the connection. The message names the proxy, the step and the reason in words; the properties
/// keep the details (the SOCKS reply code or HTTP status, and for HTTP the response's header block and body) for the
/// caller to report. Timeouts, interrupts and cancellation are not reported this way: they raise the exception the
/// <see cref="OperationGuard"/> gives, which names the proxy step.
/// </summary>
internal sealed class ProxyException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="proxy">The proxy.</param>
    /// <param name="target">The destination as <c>host:port</c>.</param>
    /// <param name="step">The step that failed.</param>
    /// <param name="reason">What went wrong, in words, phrased to follow the proxy's name.</param>
    /// <param name="innerException">The underlying failure, if any.</param>
    public ProxyException(ProxySettings proxy, string target, ProxyStep step, string reason, Exception? innerException = null)
        : base($"{proxy.ProtocolName} proxy {proxy.Endpoint} {reason}", innerException)
    {
        Kind = proxy.Kind;
        ProxyHost = proxy.Host;
        ProxyPort = proxy.Port;
        Target = target;
        Step = step;
        Reason = reason;
    }

    /// <summary>The proxy protocol.</summary>
    public ProxyKind Kind { get; }

    /// <summary>The proxy's host.</summary>
    public string ProxyHost { get; }

    /// <summary>The proxy's port.</summary>
    public int ProxyPort { get; }

    /// <summary>The destination the proxy was asked to reach, as <c>host:port</c>.</summary>
    public string Target { get; }

    /// <summary>The step that failed.</summary>
    public ProxyStep Step { get; }

    /// <summary>What went wrong, in words (the message without the proxy's name in front).</summary>
    public string Reason { get; }

    /// <summary>The SOCKS reply code, SOCKS5 method byte or RFC 1929 status, or the HTTP status code; -1 when the
    /// failure was not a reply.</summary>
    public int ReplyCode { get; init; } = -1;

    /// <summary>For HTTP: the status line and header fields of the proxy's response, CRLF-separated; else empty.</summary>
    public string ResponseHeaders { get; init; } = "";

    /// <summary>For HTTP: the body of the proxy's response (at most 64 KiB of it, decoded as UTF-8); else empty.</summary>
    public string ResponseBody { get; init; } = "";
}
