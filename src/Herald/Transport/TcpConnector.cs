using System.Net;
using System.Net.Sockets;

namespace Herald.Transport;

/// <summary>
/// Opens the TCP connection: resolves the name, orders the addresses by the address family preference, binds the local
/// address and port when set, applies the socket options and tries each address until one answers. With a proxy in the
/// request the connection goes to the proxy, and its handshake opens the tunnel to the server (TcpConnector.Proxy.cs).
/// </summary>
internal sealed partial class TcpConnector : ITransportFactory
{
    /// <summary>The shared instance.</summary>
    public static TcpConnector Instance { get; } = new();

    /// <inheritdoc />
    /// <exception cref="SmtpException">The server's name does not resolve (11001-11004), no address answers (the socket
    /// error), the local address cannot be bound, or <see cref="ConnectRequest.ProxyError"/> is set (118); 201/301 when
    /// the guard stops the call.</exception>
    /// <exception cref="Proxies.ProxyException">The proxy cannot be reached, refuses, or breaks its protocol.</exception>
    public async ValueTask<OpenedTransport> OpenAsync<TIO>(TIO io, ConnectRequest request, OperationGuard guard, Action<string> info)
        where TIO : struct, ISmtpIO
    {
        if (request.ProxyError.Length > 0)
        {
            throw new SmtpException(SmtpErrorCodes.FirewallError, request.ProxyError);
        }
        if (request.ProxyNote.Length > 0)
        {
            info(request.ProxyNote);
        }
        if (request.Proxy is { } proxy)
        {
            return await OpenThroughProxyAsync(io, request, proxy, guard, info).ConfigureAwait(false);
        }
        var addresses = await ResolveAsync(io, request, guard).ConfigureAwait(false);
        Exception? last = null;
        foreach (var address in addresses)
        {
            var (socket, error) = await TryConnectAsync(io, address, request.Port, request, guard, info, "", "").ConfigureAwait(false);
            if (socket is not null)
            {
                var local = (IPEndPoint)socket.LocalEndPoint!;
                return new OpenedTransport(new NetworkStream(socket, ownsSocket: true), socket, address.ToString(),
                    local.Address.ToString(), local.Port);
            }
            last = error;
        }
        throw ConnectFailed(request, last);
    }

    /// <summary>
    /// Opens one TCP connection: a new socket (set as the guard's abort action), the socket options, the local bind,
    /// the connect. A failure to connect is returned (the next address may answer); a stop of the guard is thrown.
    /// </summary>
    /// <param name="io">The I/O adapter.</param>
    /// <param name="address">Where to connect.</param>
    /// <param name="port">The port.</param>
    /// <param name="request">The socket options and local bind.</param>
    /// <param name="guard">The call's guard.</param>
    /// <param name="info">The trace.</param>
    /// <param name="what">What is connected to, in front of the address in the trace ("" for the server).</param>
    /// <param name="during">For a stop of the guard: what the call was doing, or "" to let the engine say it.</param>
    private static async ValueTask<(Socket? Socket, Exception? Error)> TryConnectAsync<TIO>(TIO io, IPAddress address, int port,
        ConnectRequest request, OperationGuard guard, Action<string> info, string what, string during)
        where TIO : struct, ISmtpIO
    {
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        guard.SetAbortAction(socket.Dispose);
        try
        {
            Configure(socket, request.Socket);
            Bind(socket, request, address.AddressFamily);
            info($"Connecting to {what}{address} port {port}");
            await io.ConnectAsync(socket, new IPEndPoint(address, port), guard.Token).ConfigureAwait(false);
            guard.Touch();
            return (socket, null);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            socket.Dispose();
            guard.SetAbortAction(null);
            if (guard.StoppedException(e, during) is { } stopped)
            {
                throw stopped;
            }
            info($"Connecting to {what}{address} failed: {e.Message}");
            return (null, e);
        }
        catch
        {
            socket.Dispose();
            guard.SetAbortAction(null);
            throw;
        }
    }

    private static async ValueTask<IPAddress[]> ResolveAsync<TIO>(TIO io, ConnectRequest request, OperationGuard guard)
        where TIO : struct, ISmtpIO
    {
        string host = request.Host;
        IPAddress[] found;
        if (IPAddress.TryParse(host.Trim('[', ']'), out var literal))
        {
            // An address literal is used as given, whatever UseIPv6 says about names.
            return [literal];
        }
        try
        {
            found = await io.ResolveAsync(host, guard.Token).ConfigureAwait(false);
            guard.Touch();
        }
        catch (SocketException e)
        {
            int code = (int)e.SocketErrorCode is >= 11001 and <= 11004 ? (int)e.SocketErrorCode : SmtpErrorCodes.HostNotFound;
            throw new SmtpException(code, $"The mail server name \"{host}\" could not be resolved ({e.Message}). Check {request.Terms.Server}.", e);
        }
        var preference = request.AddressFamilies;
        var ordered = Order(found, preference);
        if (ordered.Length == 0)
        {
            string family = preference == AddressFamilyPreference.IPv6Only ? "IPv6" : "IPv4";
            throw new SmtpException(SmtpErrorCodes.HostNotFound,
                $"The mail server name \"{host}\" has no {family} address ({request.Terms.AddressFamily(preference)}); " +
                $"{request.Terms.TryBothFamilies} to try both families.");
        }
        return ordered;
    }

    /// <summary>The addresses the preference allows, in the order it gives.</summary>
    private static IPAddress[] Order(IPAddress[] found, AddressFamilyPreference preference)
    {
        var v4 = found.Where(a => a.AddressFamily == AddressFamily.InterNetwork);
        var v6 = found.Where(a => a.AddressFamily == AddressFamily.InterNetworkV6);
        return preference switch
        {
            AddressFamilyPreference.IPv6Only => v6.ToArray(),
            AddressFamilyPreference.IPv6First => v6.Concat(v4).ToArray(),
            AddressFamilyPreference.IPv4First => v4.Concat(v6).ToArray(),
            _ => v4.ToArray(),
        };
    }

    private static void Configure(Socket socket, SocketOptions s)
    {
        socket.NoDelay = s.NoDelay;
        if (s.ReceiveBufferSize > 0)
        {
            socket.ReceiveBufferSize = s.ReceiveBufferSize;
        }
        if (s.SendBufferSize > 0)
        {
            socket.SendBufferSize = s.SendBufferSize;
        }
        socket.LingerState = new LingerOption(s.Linger && s.LingerTime > 0, s.LingerTime);
        bool keepAlive = s.KeepAlive || s.KeepAliveTime > 0 || s.KeepAliveInterval > 0 || s.KeepAliveRetryCount > 0;
        if (keepAlive)
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
            // The socket options take seconds; the request carries milliseconds.
            if (s.KeepAliveTime > 0)
            {
                socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime, Math.Max(1, s.KeepAliveTime / 1000));
            }
            if (s.KeepAliveInterval > 0)
            {
                socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval, Math.Max(1, s.KeepAliveInterval / 1000));
            }
            if (s.KeepAliveRetryCount > 0)
            {
                socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount, s.KeepAliveRetryCount);
            }
        }
    }

    private static void Bind(Socket socket, ConnectRequest s, AddressFamily family)
    {
        if (s.LocalHost.Length == 0 && s.LocalPort == 0)
        {
            return;
        }
        IPAddress local;
        if (s.LocalHost.Length == 0)
        {
            local = family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any;
        }
        else if (!IPAddress.TryParse(s.LocalHost, out local!))
        {
            local = Dns.GetHostAddresses(s.LocalHost).FirstOrDefault(a => a.AddressFamily == family)
                ?? throw new SmtpException(SmtpErrorCodes.InvalidArgument,
                    $"{s.Terms.LocalHost} \"{s.LocalHost}\" has no address of the family needed to reach the server.");
        }
        try
        {
            socket.Bind(new IPEndPoint(local, s.LocalPort));
        }
        catch (SocketException e)
        {
            throw new SmtpException((int)e.SocketErrorCode,
                $"Could not bind the local end of the connection to {local} port {s.LocalPort}: {e.Message}. Check {s.Terms.LocalHost} and {s.Terms.LocalPort}.", e);
        }
    }

    private static SmtpException ConnectFailed(ConnectRequest s, Exception? last)
    {
        int code = last is SocketException se ? (int)se.SocketErrorCode : SmtpErrorCodes.CommunicationError;
        string why = last?.Message ?? "no address to try";
        return new SmtpException(code,
            $"Could not connect to {s.Host} port {s.Port}: {why}. Check {s.Terms.Server} and {s.Terms.Port}, and that the server is running.", last);
    }
}
