using System.Net;
using System.Net.Sockets;

namespace Herald.Transport;

/// <summary>
/// Opens the TCP connection: resolves the name, orders the addresses by the address family preference, binds the local
/// address and port when set, applies the socket options and tries each address until one answers.
/// </summary>
internal sealed class TcpConnector : ITransportFactory
{
    /// <summary>The shared instance.</summary>
    public static TcpConnector Instance { get; } = new();

    /// <inheritdoc />
    public async ValueTask<OpenedTransport> OpenAsync<TIO>(TIO io, ConnectRequest request, OperationGuard guard, Action<string> info)
        where TIO : struct, ISmtpIO
    {
        var addresses = await ResolveAsync(io, request, guard).ConfigureAwait(false);
        Exception? last = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            guard.SetAbortAction(socket.Dispose);
            try
            {
                Configure(socket, request.Socket);
                Bind(socket, request, address.AddressFamily);
                info($"Connecting to {address} port {request.Port}");
                await io.ConnectAsync(socket, new IPEndPoint(address, request.Port), guard.Token).ConfigureAwait(false);
                guard.Touch();
                var local = (IPEndPoint)socket.LocalEndPoint!;
                return new OpenedTransport(new NetworkStream(socket, ownsSocket: true), socket, address.ToString(),
                    local.Address.ToString(), local.Port);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
            {
                socket.Dispose();
                guard.SetAbortAction(null);
                if (guard.StoppedException(e) is { } stopped)
                {
                    throw stopped;
                }
                info($"Connecting to {address} failed: {e.Message}");
                last = e;
            }
        }
        throw ConnectFailed(request, last);
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
        var v4 = found.Where(a => a.AddressFamily == AddressFamily.InterNetwork);
        var v6 = found.Where(a => a.AddressFamily == AddressFamily.InterNetworkV6);
        var preference = request.AddressFamilies;
        var ordered = preference switch
        {
            AddressFamilyPreference.IPv6Only => v6.ToArray(),
            AddressFamilyPreference.IPv6First => v6.Concat(v4).ToArray(),
            AddressFamilyPreference.IPv4First => v4.Concat(v6).ToArray(),
            _ => v4.ToArray(),
        };
        if (ordered.Length == 0)
        {
            string family = preference == AddressFamilyPreference.IPv6Only ? "IPv6" : "IPv4";
            throw new SmtpException(SmtpErrorCodes.HostNotFound,
                $"The mail server name \"{host}\" has no {family} address ({request.Terms.AddressFamily(preference)}); " +
                $"{request.Terms.TryBothFamilies} to try both families.");
        }
        return ordered;
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
