using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Herald.Transport.Proxies;

/// <summary>
/// What every proxy handshake shares: the stream to the proxy, exact reads and writes that turn failures into
/// <see cref="ProxyException"/> (or into the guard's timeout or interrupt error, naming the step), the trace, and
/// local name resolution. One exchange serves one handshake.
/// </summary>
internal sealed class ProxyExchange
{
    private readonly Action<string> _info;
    private readonly AddressFamilyPreference? _families;
    private readonly SettingTerms _terms;

    /// <summary>Starts an exchange.</summary>
    /// <param name="proxy">The proxy.</param>
    /// <param name="target">The destination.</param>
    /// <param name="stream">The connected stream to the proxy.</param>
    /// <param name="guard">The guard of the call: its token goes to every I/O call, and progress touches it.</param>
    /// <param name="info">Receives one readable line per handshake event; never a password.</param>
    /// <param name="families">Which address families the destination name may resolve to when it is resolved here;
    /// null for IPv4 first, then IPv6.</param>
    /// <param name="terms">The caller's words for its settings, for messages about that preference.</param>
    public ProxyExchange(ProxySettings proxy, ProxyTarget target, Stream stream, OperationGuard guard, Action<string> info,
        AddressFamilyPreference? families = null, SettingTerms? terms = null)
    {
        Proxy = proxy;
        Target = target;
        Stream = stream;
        Guard = guard;
        _info = info;
        _families = families;
        _terms = terms ?? SettingTerms.Neutral;
    }

    /// <summary>The proxy.</summary>
    public ProxySettings Proxy { get; }

    /// <summary>The destination.</summary>
    public ProxyTarget Target { get; }

    /// <summary>The stream to the proxy (replaced when an HTTP proxy needs a new connection).</summary>
    public Stream Stream { get; set; }

    /// <summary>The guard of the call.</summary>
    public OperationGuard Guard { get; }

    /// <summary>Writes one trace line, prefixed with the proxy's protocol and address.</summary>
    /// <param name="text">The event.</param>
    public void Info(string text) => _info($"{Proxy.ProtocolName} proxy {Proxy.Endpoint}: {text}");

    /// <summary>Makes the exception for a failed step.</summary>
    /// <param name="step">The step.</param>
    /// <param name="reason">What went wrong, phrased to follow the proxy's name.</param>
    /// <param name="inner">The underlying failure.</param>
    public ProxyException Fail(ProxyStep step, string reason, Exception? inner = null) =>
        new(Proxy, Target.ToString(), step, reason, inner);

    /// <summary>Sends bytes and flushes them.</summary>
    /// <param name="io">The I/O adapter.</param>
    /// <param name="data">The bytes.</param>
    /// <param name="step">The step, for errors.</param>
    /// <param name="what">What the bytes are, e.g. "the CONNECT request".</param>
    public async ValueTask WriteAsync<TIO>(TIO io, ReadOnlyMemory<byte> data, ProxyStep step, string what)
        where TIO : struct, ISmtpIO
    {
        try
        {
            await io.WriteAsync(Stream, data, Guard.Token).ConfigureAwait(false);
            await io.FlushAsync(Stream, Guard.Token).ConfigureAwait(false);
            Guard.Touch();
        }
        catch (Exception e) when (IsIoFailure(e))
        {
            throw Translate(e, step, $"sending {what}");
        }
    }

    /// <summary>
    /// Reads exactly <c>buffer.Length</c> bytes: never more, so that nothing after the proxy's reply is consumed.
    /// </summary>
    /// <param name="io">The I/O adapter.</param>
    /// <param name="buffer">Where the bytes go.</param>
    /// <param name="step">The step, for errors.</param>
    /// <param name="what">What is awaited, e.g. "the reply to CONNECT".</param>
    /// <param name="before">How many bytes of the same reply were read before this call, for the message.</param>
    /// <exception cref="ProxyException">The proxy closed the connection first.</exception>
    public async ValueTask ReadExactAsync<TIO>(TIO io, Memory<byte> buffer, ProxyStep step, string what, int before = 0)
        where TIO : struct, ISmtpIO
    {
        int got = 0;
        while (got < buffer.Length)
        {
            int n = await ReadSomeAsync(io, buffer[got..], step, what).ConfigureAwait(false);
            if (n == 0)
            {
                throw Fail(step, before + got == 0
                    ? $"closed the connection while the client was waiting for {what}"
                    : $"closed the connection in the middle of {what} (after {before + got} bytes)");
            }
            got += n;
        }
    }

    /// <summary>Reads what is there, up to <c>buffer.Length</c> bytes; 0 at the end of the stream.</summary>
    /// <param name="io">The I/O adapter.</param>
    /// <param name="buffer">Where the bytes go.</param>
    /// <param name="step">The step, for errors.</param>
    /// <param name="what">What is awaited.</param>
    public async ValueTask<int> ReadSomeAsync<TIO>(TIO io, Memory<byte> buffer, ProxyStep step, string what)
        where TIO : struct, ISmtpIO
    {
        try
        {
            int n = await io.ReadAsync(Stream, buffer, Guard.Token).ConfigureAwait(false);
            if (n > 0)
            {
                Guard.Touch();
            }
            return n;
        }
        catch (Exception e) when (IsIoFailure(e))
        {
            throw Translate(e, step, $"waiting for {what}");
        }
    }

    /// <summary>
    /// Resolves the destination name on this machine, for a proxy that is sent an address: the first address of the
    /// families the caller's preference allows, in its order (IPv4 first when there is none); SOCKS4 takes only IPv4.
    /// </summary>
    /// <param name="io">The I/O adapter.</param>
    /// <param name="ipv4Only">True for SOCKS4, which carries only IPv4 addresses.</param>
    /// <exception cref="ProxyException">The name does not resolve, or not to a usable address.</exception>
    public async ValueTask<IPAddress> ResolveAsync<TIO>(TIO io, bool ipv4Only) where TIO : struct, ISmtpIO
    {
        var preference = _families ?? AddressFamilyPreference.IPv4First;
        if (ipv4Only && preference == AddressFamilyPreference.IPv6Only)
        {
            throw Fail(ProxyStep.Resolve,
                $"was not asked to connect to {Target}: {Proxy.ProtocolName} carries only IPv4 addresses, and only IPv6 is "
                + $"allowed ({_terms.AddressFamily(preference)}); {_terms.TryBothFamilies}, or use SOCKS5");
        }
        IPAddress[] found;
        try
        {
            found = await io.ResolveAsync(Target.Name, Guard.Token).ConfigureAwait(false);
            Guard.Touch();
        }
        catch (SocketException e)
        {
            throw Fail(ProxyStep.Resolve,
                $"was not asked to connect: the destination name \"{Target.Host}\" could not be resolved on this machine ({e.Message})", e);
        }
        catch (OperationCanceledException e)
            when (Guard.StoppedException(e, $" while resolving \"{Target.Host}\" for the {Proxy.ProtocolName} proxy") is { } stopped)
        {
            throw stopped;
        }
        var v4 = found.Where(a => a.AddressFamily == AddressFamily.InterNetwork);
        var v6 = found.Where(a => a.AddressFamily == AddressFamily.InterNetworkV6);
        var ordered = ipv4Only ? v4 : preference switch
        {
            AddressFamilyPreference.IPv4Only => v4,
            AddressFamilyPreference.IPv6Only => v6,
            AddressFamilyPreference.IPv6First => v6.Concat(v4),
            _ => v4.Concat(v6),
        };
        var address = ordered.FirstOrDefault();
        if (address is null)
        {
            throw Fail(ProxyStep.Resolve, ipv4Only
                ? $"was not asked to connect: \"{Target.Host}\" has no IPv4 address, and SOCKS4 carries only IPv4 addresses "
                  + "(SOCKS4a or SOCKS5 let the proxy resolve the name)"
                : found.Length == 0 || _families is null
                    ? $"was not asked to connect: \"{Target.Host}\" has no IP address"
                    : $"was not asked to connect: \"{Target.Host}\" has no address of the allowed family "
                      + $"({_terms.AddressFamily(preference)}); {_terms.TryBothFamilies} to try both families");
        }
        Info($"resolved {Target.Host} to {address} on this machine");
        return address;
    }

    /// <summary>
    /// Refuses bytes that are already waiting after the proxy's reply when the client is to speak next (a TLS
    /// ClientHello): they did not come from the server in answer to anything, so they are the proxy's, and taking them
    /// as the server's would let the proxy speak for it (as bytes buffered after a STARTTLS 220, RFC 3207 §6).
    /// </summary>
    /// <remarks>
    /// Only bytes that have arrived can be seen without waiting; the check asks the socket (the handshake read exactly
    /// the reply, so anything in the receive queue came after it). Bytes sent in the same segment as the reply are
    /// always caught. Bytes that arrive later would meet the TLS handshake, which fails on them.
    /// </remarks>
    /// <param name="reply">What the reply answered, for the message.</param>
    /// <exception cref="ProxyException">Bytes are waiting.</exception>
    public void RefuseBytesAfterReply(string reply)
    {
        bool waiting;
        try
        {
            waiting = Stream is NetworkStream { DataAvailable: true };
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException)
        {
            throw Fail(ProxyStep.AfterReply, $"closed the connection right after its reply to {reply}", e);
        }
        if (waiting)
        {
            throw Fail(ProxyStep.AfterReply,
                $"sent more bytes after its reply to {reply}, before the client's first message; "
                + "bytes received after a proxy's reply are refused, since they would be taken as the server's");
        }
    }

    /// <summary>Shows bytes that should have been a protocol reply, for a message: printable ASCII as text, else hex.</summary>
    /// <param name="bytes">The bytes.</param>
    public static string Show(ReadOnlySpan<byte> bytes)
    {
        bool text = bytes.Length > 0;
        foreach (byte b in bytes)
        {
            text &= b is >= 0x20 and < 0x7F or (byte)'\r' or (byte)'\n';
        }
        if (text)
        {
            return "\"" + Encoding.ASCII.GetString(bytes).Replace("\r", "\\r", StringComparison.Ordinal)
                .Replace("\n", "\\n", StringComparison.Ordinal) + "\"";
        }
        return "0x" + Convert.ToHexString(bytes);
    }

    private Exception Translate(Exception e, ProxyStep step, string doing) =>
        Guard.StoppedException(e, $" during the {Proxy.ProtocolName} handshake with proxy {Proxy.Endpoint} ({doing})")
        ?? Fail(step, $"failed while {doing}: {e.Message}", e);

    private static bool IsIoFailure(Exception e) =>
        e is IOException or SocketException or ObjectDisposedException or OperationCanceledException;
}
