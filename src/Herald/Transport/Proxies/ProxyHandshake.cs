namespace Herald.Transport.Proxies;

/// <summary>The result of a proxy handshake: the stream that now reaches the server, and what the proxy said.</summary>
/// <param name="Stream">The stream to talk to the server over: the one passed in, or a new one when an HTTP proxy
/// needed a new connection to take the credentials. Nothing of it has been read past the proxy's reply.</param>
/// <param name="ReplyCode">The success code: SOCKS4 90, SOCKS5 0, or the HTTP status (2xx).</param>
/// <param name="BoundAddress">For SOCKS: the address the proxy reports for its side of the connection to the server
/// (as <c>host:port</c>; some proxies report 0.0.0.0:0). Empty for HTTP.</param>
/// <param name="ResponseHeaders">For HTTP: the status line and header fields of the proxy's 2xx response,
/// CRLF-separated. Empty for SOCKS.</param>
internal sealed record ProxyTunnel(Stream Stream, int ReplyCode, string BoundAddress, string ResponseHeaders);

/// <summary>
/// Runs the proxy handshake between the TCP connection to the proxy and the SMTP session (and TLS, when used). Written
/// once for sync and async over <see cref="ISmtpIO"/>: with <see cref="SyncIO"/> every call completes before it
/// returns.
/// </summary>
internal static class ProxyHandshake
{
    /// <summary>
    /// Asks the proxy, over the already connected <paramref name="stream"/>, to connect to
    /// <paramref name="host"/>:<paramref name="port"/>, and reads exactly its reply.
    /// </summary>
    /// <param name="io">The I/O adapter.</param>
    /// <param name="proxy">The proxy.</param>
    /// <param name="stream">The connected stream to the proxy (a <see cref="System.Net.Sockets.NetworkStream"/> in
    /// production, which lets <paramref name="clientSpeaksFirst"/> see bytes already waiting).</param>
    /// <param name="host">The SMTP server: a host name, or an IPv4 or IPv6 address (brackets allowed).</param>
    /// <param name="port">The SMTP server's port.</param>
    /// <param name="guard">The call's guard: its token goes to every I/O call, each step touches it, and a timeout or
    /// interrupt during the handshake raises its error naming the proxy step.</param>
    /// <param name="info">Receives the handshake as readable lines; passwords are never shown.</param>
    /// <param name="clientSpeaksFirst">True when the next bytes on the tunnel must come from the client (implicit
    /// TLS: the ClientHello): bytes already waiting after the proxy's reply are then refused. False when the server's
    /// greeting may follow at once (plain SMTP, STARTTLS), since those bytes cannot be told from the proxy's.</param>
    /// <param name="reconnect">For HTTP: opens a new connection to the proxy (with the same guard and I/O adapter) when
    /// the proxy ends the connection after a 407; the old stream is disposed first. Null when not possible.</param>
    /// <param name="families">Which address families the server's name may resolve to when it is resolved on this
    /// machine (SOCKS4, and SOCKS5 with <see cref="ProxySettings.ResolveLocally"/>); null for IPv4 first, then IPv6.
    /// </param>
    /// <param name="terms">The caller's words for its settings, for messages about that preference.</param>
    /// <returns>The tunnel.</returns>
    /// <exception cref="ProxyException">The proxy refused, asked for credentials that were not given, rejected them,
    /// broke its protocol, sent bytes after its reply, or closed the connection; or the destination cannot be expressed
    /// in the proxy's protocol.</exception>
    /// <exception cref="SmtpException">The guard stopped the call: 201 timeout or 301 interrupted; the message names
    /// the proxy step.</exception>
    /// <exception cref="OperationCanceledException">The caller's token was cancelled.</exception>
    public static async ValueTask<ProxyTunnel> RunAsync<TIO>(TIO io, ProxySettings proxy, Stream stream, string host, int port,
        OperationGuard guard, Action<string> info, bool clientSpeaksFirst, Func<ValueTask<Stream>>? reconnect = null,
        AddressFamilyPreference? families = null, SettingTerms? terms = null)
        where TIO : struct, ISmtpIO
    {
        if (!ProxyTarget.TryCreate(host, port, out var target, out string error))
        {
            throw new ProxyException(proxy, ProxyTarget.Format(host, port), ProxyStep.Connect, $"cannot be asked to connect: {error}");
        }
        var exchange = new ProxyExchange(proxy, target, stream, guard, info, families, terms);
        var tunnel = proxy.Kind switch
        {
            ProxyKind.Socks4 or ProxyKind.Socks4a => await Socks4Handshake.RunAsync(io, exchange).ConfigureAwait(false),
            ProxyKind.Socks5 => await Socks5Handshake.RunAsync(io, exchange).ConfigureAwait(false),
            _ => await HttpConnectHandshake.RunAsync(io, exchange, reconnect).ConfigureAwait(false),
        };
        if (clientSpeaksFirst)
        {
            exchange.RefuseBytesAfterReply($"CONNECT {target}");
        }
        return tunnel;
    }
}
