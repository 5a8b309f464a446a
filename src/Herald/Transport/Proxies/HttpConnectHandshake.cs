using System.Net.Sockets;
using System.Text;

namespace Herald.Transport.Proxies;

/// <summary>
/// The HTTP CONNECT exchange (RFC 9110 §9.3.6, RFC 9112): the request with <c>Host</c>, optional Basic
/// <c>Proxy-Authorization</c> (RFC 7617) and the caller's extra fields; the response read up to its empty line and no
/// further, so the tunnel starts exactly after it. A 407 is answered once with the credentials, on a new connection
/// when the proxy ends the first one. A refusal's header block and body are kept in the exception.
/// </summary>
internal static class HttpConnectHandshake
{
    /// <summary>The longest response head accepted.</summary>
    public const int MaxHeadBytes = 32 * 1024;

    /// <summary>The most body bytes of a refusal that are read and kept.</summary>
    public const int MaxBodyBytes = 64 * 1024;

    // A proxy has no reason to send interim responses to CONNECT; a few are skipped (RFC 9110 §15.2), a stream is not.
    private const int MaxInterimResponses = 8;

    /// <summary>Sends CONNECT, answers a 407 once when there are credentials, and returns the tunnel on a 2xx.</summary>
    /// <param name="io">The I/O adapter.</param>
    /// <param name="x">The exchange.</param>
    /// <param name="reconnect">Opens a new connection to the proxy, for a proxy that ends the connection after its 407;
    /// null when that is not possible.</param>
    /// <exception cref="ProxyException">The proxy refused, asked for credentials that were not given, rejected them,
    /// or did not answer with HTTP.</exception>
    public static async ValueTask<ProxyTunnel> RunAsync<TIO>(TIO io, ProxyExchange x, Func<ValueTask<Stream>>? reconnect)
        where TIO : struct, ISmtpIO
    {
        var proxy = x.Proxy;
        CheckRequestHeaders(x);
        bool ownAuthorization = proxy.RequestHeaders.Any(h => IsNamed(h.Key, "Proxy-Authorization"));
        bool useCredentials = proxy.HasCredentials && !ownAuthorization;
        if (useCredentials)
        {
            CheckBasicCredentials(x);
        }
        bool sendCredentials = useCredentials && proxy.PreemptiveBasicAuth;
        string authority = Authority(x.Target);
        // At most two rounds: the second only after a 407, with the credentials.
        while (true)
        {
            byte[] request = BuildRequest(x, authority, sendCredentials);
            try
            {
                await x.WriteAsync(io, request, ProxyStep.Connect, $"CONNECT {authority}").ConfigureAwait(false);
            }
            finally
            {
                Array.Clear(request);
            }
            var response = await ReadResponseAsync(io, x, authority).ConfigureAwait(false);
            if (response.Status is >= 200 and < 300)
            {
                // RFC 9110 §9.3.6: a 2xx to CONNECT has no body, whatever Content-Length says; the tunnel starts here.
                x.Info($"tunnel to {x.Target} open ({response.StatusText})");
                return new ProxyTunnel(x.Stream, response.Status, "", response.Head);
            }
            var (body, complete) = await ReadBodyAsync(io, x, response).ConfigureAwait(false);
            bool answer = response.Status == 407 && useCredentials && !sendCredentials && OffersBasic(response);
            if (!answer)
            {
                throw Refusal(x, response, body, sendCredentials, ownAuthorization);
            }
            sendCredentials = true;
            if (complete && response.KeepsConnection)
            {
                x.Info("the proxy asks for credentials (407); sending them on the same connection");
                continue;
            }
            if (reconnect is null)
            {
                throw new ProxyException(proxy, x.Target.ToString(), ProxyStep.Authentication,
                    $"asked for credentials ({response.StatusText}) and ended the connection, and no new connection to it "
                    + "can be opened here") { ReplyCode = response.Status, ResponseHeaders = response.Head, ResponseBody = body };
            }
            x.Info("the proxy asks for credentials (407) and ends the connection; sending them on a new connection");
            try
            {
                x.Stream.Dispose();
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
            {
                // The proxy closed it already.
            }
            x.Stream = await reconnect().ConfigureAwait(false);
        }
    }

    /// <summary>The request target in authority form (RFC 9112 §3.2.3): <c>host:port</c>, IPv6 in brackets.</summary>
    /// <param name="target">The destination.</param>
    public static string Authority(ProxyTarget target) =>
        target.Address is { } address ? ProxyTarget.Format(address.ToString(), target.Port) : $"{target.Name}:{target.Port}";

    private static byte[] BuildRequest(ProxyExchange x, string authority, bool sendCredentials)
    {
        var proxy = x.Proxy;
        var text = new StringBuilder();
        void Line(string line, string shown)
        {
            text.Append(line).Append("\r\n");
            x.Info("> " + shown);
        }
        Line($"CONNECT {authority} HTTP/1.1", $"CONNECT {authority} HTTP/1.1");
        if (!proxy.RequestHeaders.Any(h => IsNamed(h.Key, "Host")))
        {
            // RFC 9112 §3.2.3: the Host field of a CONNECT carries the same authority.
            Line($"Host: {authority}", $"Host: {authority}");
        }
        if (sendCredentials)
        {
            string token = Convert.ToBase64String(Encoding.UTF8.GetBytes(proxy.User + ":" + proxy.Password));
            Line($"Proxy-Authorization: Basic {token}", $"Proxy-Authorization: Basic **** (user \"{proxy.User}\")");
        }
        foreach (var (name, value) in proxy.RequestHeaders)
        {
            Line($"{name}: {value}", $"{name}: {Masked(name, value)}");
        }
        text.Append("\r\n");
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    // Fields that carry credentials show only their scheme.
    private static string Masked(string name, string value)
    {
        if (!IsNamed(name, "Proxy-Authorization") && !IsNamed(name, "Authorization") && !IsNamed(name, "Cookie"))
        {
            return value;
        }
        int space = value.IndexOf(' ');
        return space > 0 ? value[..space] + " ****" : "****";
    }

    private static async ValueTask<HttpProxyResponse> ReadResponseAsync<TIO>(TIO io, ProxyExchange x, string authority)
        where TIO : struct, ISmtpIO
    {
        for (int interim = 0; ; interim++)
        {
            byte[] head = await ReadHeadAsync(io, x, authority).ConfigureAwait(false);
            if (!HttpProxyResponse.TryParse(head, out var response, out string error))
            {
                throw x.Fail(ProxyStep.Connect, error);
            }
            foreach (string line in response!.Head.Split("\r\n"))
            {
                x.Info("< " + line);
            }
            if (response.Status >= 200 || response.Status == 101 || interim == MaxInterimResponses)
            {
                return response;
            }
        }
    }

    /// <summary>
    /// Reads the response head up to and including its empty line, never beyond: each read asks for no more bytes
    /// than the shortest way the head could still end (a bare LF line end is accepted, RFC 9112 §2.2), so the first
    /// tunnel byte stays unread. A proxy's head is a few hundred bytes, so the extra system calls cost little.
    /// </summary>
    private static async ValueTask<byte[]> ReadHeadAsync<TIO>(TIO io, ProxyExchange x, string authority)
        where TIO : struct, ISmtpIO
    {
        string what = $"the reply to CONNECT {authority}";
        var buffer = new byte[512];
        int length = 0;
        while (true)
        {
            int need = length < 5 ? 5 - length : BytesToEnd(buffer.AsSpan(0, length));
            if (need == 0)
            {
                return buffer[..length];
            }
            if (length + need > MaxHeadBytes)
            {
                throw x.Fail(ProxyStep.Connect, $"sent a response head longer than {MaxHeadBytes / 1024} KiB");
            }
            if (length + need > buffer.Length)
            {
                Array.Resize(ref buffer, Math.Min(buffer.Length * 2, MaxHeadBytes));
            }
            int n = await x.ReadSomeAsync(io, buffer.AsMemory(length, need), ProxyStep.Connect, what).ConfigureAwait(false);
            if (n == 0)
            {
                throw x.Fail(ProxyStep.Connect, length == 0
                    ? $"closed the connection while the client was waiting for {what}"
                    : $"closed the connection in the middle of {what} (after {length} bytes)");
            }
            length += n;
            if (length >= 5 && length - n < 5 && !buffer.AsSpan(0, 5).SequenceEqual("HTTP/"u8))
            {
                // Not HTTP (a SOCKS proxy, an SMTP greeting): say so now rather than wait for an empty line.
                throw x.Fail(ProxyStep.Connect,
                    $"answered CONNECT with {ProxyExchange.Show(buffer.AsSpan(0, 5))}..., which is not HTTP; is it an HTTP proxy?");
            }
        }
    }

    /// <summary>How many more bytes the head needs at least: 0 when it has ended.</summary>
    internal static int BytesToEnd(ReadOnlySpan<byte> head)
    {
        if (head.EndsWith("\n\n"u8) || head.EndsWith("\n\r\n"u8))
        {
            return 0;
        }
        return head.EndsWith("\n"u8) || head.EndsWith("\n\r"u8) ? 1 : 2;
    }

    /// <summary>
    /// Reads a refusal's body (RFC 9112 §6.3): by Content-Length, chunked, or to the end of the connection, keeping
    /// at most <see cref="MaxBodyBytes"/>. Returns the text and whether the body was read whole (so that the connection
    /// could carry another request).
    /// </summary>
    private static async ValueTask<(string Body, bool Complete)> ReadBodyAsync<TIO>(TIO io, ProxyExchange x, HttpProxyResponse response)
        where TIO : struct, ISmtpIO
    {
        if (response.Status is < 200 or 204 or 304)
        {
            return ("", true);
        }
        string what = $"the body of the {response.Status} response";
        var body = new MemoryStream();
        bool complete;
        try
        {
            var codings = response.Values("Transfer-Encoding").SelectMany(v => v.Split(',')).Select(c => c.Trim()).ToList();
            var lengths = response.Values("Content-Length").SelectMany(v => v.Split(',')).Select(c => c.Trim()).Distinct().ToList();
            if (codings.Count > 0)
            {
                if (codings[^1].Equals("chunked", StringComparison.OrdinalIgnoreCase))
                {
                    complete = await ReadChunkedAsync(io, x, body, what).ConfigureAwait(false);
                }
                else
                {
                    // RFC 9112 §6.3: any other final coding is delimited by the end of the connection.
                    await ReadToEndAsync(io, x, body, what).ConfigureAwait(false);
                    complete = false;
                }
            }
            else if (lengths.Count == 1 && long.TryParse(lengths[0], System.Globalization.NumberStyles.None,
                System.Globalization.CultureInfo.InvariantCulture, out long contentLength))
            {
                int keep = (int)Math.Min(contentLength, MaxBodyBytes);
                var bytes = new byte[keep];
                await x.ReadExactAsync(io, bytes, ProxyStep.Connect, what).ConfigureAwait(false);
                body.Write(bytes);
                complete = contentLength <= MaxBodyBytes;
            }
            else if (lengths.Count > 0)
            {
                // RFC 9112 §6.3: an invalid Content-Length leaves the framing unknown; the connection cannot be reused.
                complete = false;
            }
            else
            {
                await ReadToEndAsync(io, x, body, what).ConfigureAwait(false);
                complete = false;
            }
        }
        catch (ProxyException)
        {
            // The refusal itself is what matters; a body cut short is kept as far as it came.
            complete = false;
        }
        string text = Encoding.UTF8.GetString(body.GetBuffer(), 0, (int)body.Length);
        if (body.Length > 0)
        {
            x.Info($"< ({body.Length} bytes of body{(complete ? "" : ", kept as far as read")})");
        }
        return (text, complete);
    }

    private static async ValueTask ReadToEndAsync<TIO>(TIO io, ProxyExchange x, MemoryStream body, string what)
        where TIO : struct, ISmtpIO
    {
        var chunk = new byte[4096];
        while (body.Length < MaxBodyBytes)
        {
            int n = await x.ReadSomeAsync(io, chunk.AsMemory(0, (int)Math.Min(chunk.Length, MaxBodyBytes - body.Length)),
                ProxyStep.Connect, what).ConfigureAwait(false);
            if (n == 0)
            {
                return;
            }
            body.Write(chunk, 0, n);
        }
    }

    // RFC 9112 §7.1: chunk-size [ext] CRLF data CRLF ... 0 CRLF trailers CRLF.
    private static async ValueTask<bool> ReadChunkedAsync<TIO>(TIO io, ProxyExchange x, MemoryStream body, string what)
        where TIO : struct, ISmtpIO
    {
        while (true)
        {
            string sizeLine = await ReadLineAsync(io, x, what).ConfigureAwait(false);
            int semicolon = sizeLine.IndexOf(';');
            string hex = (semicolon >= 0 ? sizeLine[..semicolon] : sizeLine).Trim();
            if (!long.TryParse(hex, System.Globalization.NumberStyles.AllowHexSpecifier,
                System.Globalization.CultureInfo.InvariantCulture, out long size) || size < 0)
            {
                return false;
            }
            if (size == 0)
            {
                while ((await ReadLineAsync(io, x, what).ConfigureAwait(false)).Length > 0)
                {
                    // Trailer fields are of no use here.
                }
                return true;
            }
            if (body.Length + size > MaxBodyBytes)
            {
                var rest = new byte[MaxBodyBytes - body.Length];
                await x.ReadExactAsync(io, rest, ProxyStep.Connect, what).ConfigureAwait(false);
                body.Write(rest);
                return false;
            }
            var data = new byte[size];
            await x.ReadExactAsync(io, data, ProxyStep.Connect, what).ConfigureAwait(false);
            body.Write(data);
            if ((await ReadLineAsync(io, x, what).ConfigureAwait(false)).Length != 0)
            {
                return false;
            }
        }
    }

    private static async ValueTask<string> ReadLineAsync<TIO>(TIO io, ProxyExchange x, string what) where TIO : struct, ISmtpIO
    {
        var line = new List<byte>();
        var one = new byte[1];
        while (true)
        {
            await x.ReadExactAsync(io, one, ProxyStep.Connect, what).ConfigureAwait(false);
            if (one[0] == '\n')
            {
                return Encoding.Latin1.GetString(line.ToArray()).TrimEnd('\r');
            }
            if (line.Count == 1024)
            {
                throw x.Fail(ProxyStep.Connect, $"sent a line longer than 1024 bytes in {what}");
            }
            line.Add(one[0]);
        }
    }

    private static bool OffersBasic(HttpProxyResponse response)
    {
        var schemes = response.AuthSchemes();
        // Without a Proxy-Authenticate field (RFC 9110 §11.7.1 requires one) Basic is still worth one try.
        return schemes.Count == 0 || schemes.Contains("Basic", StringComparer.OrdinalIgnoreCase);
    }

    private static ProxyException Refusal(ProxyExchange x, HttpProxyResponse response, string body, bool sentCredentials,
        bool ownAuthorization)
    {
        var proxy = x.Proxy;
        string status = response.StatusText;
        (ProxyStep step, string reason) = response.Status switch
        {
            407 when ownAuthorization => (ProxyStep.Authentication,
                $"rejected the Proxy-Authorization field given with the request headers ({status})"),
            407 when sentCredentials => (ProxyStep.Authentication, $"rejected the user name and password of \"{proxy.User}\" ({status})"),
            407 when !proxy.HasCredentials => (ProxyStep.Authentication,
                $"requires authentication ({status}{Offers(response)}), and no user name and password was given"),
            407 => (ProxyStep.Authentication,
                $"asks for authentication with {string.Join(", ", response.AuthSchemes())} ({status}); only Basic is supported"),
            // Some proxies (tinyproxy among them) answer wrong credentials with 401 rather than 407.
            401 when sentCredentials => (ProxyStep.Authentication, $"rejected the user name and password of \"{proxy.User}\" ({status})"),
            _ => (ProxyStep.Connect, $"refused CONNECT to {x.Target}: {status}"),
        };
        return new ProxyException(proxy, x.Target.ToString(), step, reason)
        {
            ReplyCode = response.Status,
            ResponseHeaders = response.Head,
            ResponseBody = body,
        };
    }

    private static string Offers(HttpProxyResponse response)
    {
        var challenges = response.Values("Proxy-Authenticate").ToList();
        return challenges.Count > 0 ? "; it offers " + string.Join(", ", challenges) : "";
    }

    private static void CheckRequestHeaders(ProxyExchange x)
    {
        foreach (var (name, value) in x.Proxy.RequestHeaders)
        {
            if (!HttpProxyResponse.IsToken(name))
            {
                throw x.Fail(ProxyStep.Connect, $"cannot be sent the request header {ProxyExchange.Show(Encoding.UTF8.GetBytes(name))}: "
                    + "a field name is a token (letters, digits and !#$%&'*+-.^_`|~, RFC 9110 §5.1)");
            }
            if (value.Any(c => c is < ' ' and not '\t' or '\x7F'))
            {
                // The value is not shown: such fields often carry a secret.
                throw x.Fail(ProxyStep.Connect,
                    $"cannot be sent the request header \"{name}\": its value contains a line break or another control character");
            }
        }
    }

    private static void CheckBasicCredentials(ProxyExchange x)
    {
        // RFC 7617 §2: the user-id cannot contain a colon, and neither part may contain control characters.
        if (x.Proxy.User.Contains(':') || x.Proxy.User.Any(char.IsControl) || x.Proxy.Password.Any(char.IsControl))
        {
            throw x.Fail(ProxyStep.Authentication,
                "cannot be sent the credentials with Basic authentication: the user name must not contain a colon, "
                + "and neither the user name nor the password may contain control characters (RFC 7617 §2)");
        }
    }

    private static bool IsNamed(string name, string expected) => name.Trim().Equals(expected, StringComparison.OrdinalIgnoreCase);
}
