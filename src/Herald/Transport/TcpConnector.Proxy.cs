using System.Net;
using System.Net.Sockets;
using Herald.Transport.Proxies;

namespace Herald.Transport;

internal sealed partial class TcpConnector
{
    /// <summary>
    /// Connects to the proxy (its name resolved with the proxy's or the request's address family preference, each
    /// address tried in turn, with the request's local bind and socket options), then runs the proxy's handshake towards
    /// the server. TLS, when used, starts on the returned tunnel afterwards, checked against the server's name.
    /// </summary>
    private static async ValueTask<OpenedTransport> OpenThroughProxyAsync<TIO>(TIO io, ConnectRequest request, ProxySettings proxy,
        OperationGuard guard, Action<string> info) where TIO : struct, ISmtpIO
    {
        string target = ProxyTarget.Format(request.Host.Trim('[', ']'), request.Port);
        var addresses = await ResolveProxyAsync(io, request, proxy, target, guard).ConfigureAwait(false);
        string what = $"the {proxy.ProtocolName} proxy at ";
        string during = $" while connecting to the {proxy.ProtocolName} proxy {proxy.Endpoint}";
        Exception? last = null;
        foreach (var address in addresses)
        {
            var (socket, error) = await TryConnectAsync(io, address, proxy.Port, request, guard, info, what, during).ConfigureAwait(false);
            if (socket is not null)
            {
                return await HandshakeAsync(io, request, proxy, target, address, socket, guard, info).ConfigureAwait(false);
            }
            last = error;
        }
        throw new ProxyException(proxy, target, ProxyStep.Reach, $"could not be reached: {last?.Message ?? "no address to try"}", last);
    }

    private static async ValueTask<OpenedTransport> HandshakeAsync<TIO>(TIO io, ConnectRequest request, ProxySettings proxy,
        string target, IPAddress address, Socket socket, OperationGuard guard, Action<string> info) where TIO : struct, ISmtpIO
    {
        // The socket in use: a proxy that ends the connection after its 407 gets a new one for the credentials.
        var current = socket;
        async ValueTask<Stream> ReconnectAsync()
        {
            string what = $"the {proxy.ProtocolName} proxy at ";
            string during = $" while connecting again to the {proxy.ProtocolName} proxy {proxy.Endpoint}";
            var (next, error) = await TryConnectAsync(io, address, proxy.Port, request, guard, info, what, during).ConfigureAwait(false);
            if (next is null)
            {
                throw new ProxyException(proxy, target, ProxyStep.Authentication,
                    $"could not be reached again to be sent the credentials: {error!.Message}", error);
            }
            current = next;
            return new NetworkStream(next, ownsSocket: true);
        }
        try
        {
            var tunnel = await ProxyHandshake.RunAsync(io, proxy, new NetworkStream(socket, ownsSocket: true), request.Host,
                request.Port, guard, info, request.ClientSpeaksFirst, ReconnectAsync, request.AddressFamilies, request.Terms)
                .ConfigureAwait(false);
            var local = (IPEndPoint)current.LocalEndPoint!;
            return new OpenedTransport(tunnel.Stream, current, address.ToString(), local.Address.ToString(), local.Port, tunnel);
        }
        catch
        {
            socket.Dispose();
            current.Dispose();
            guard.SetAbortAction(null);
            throw;
        }
    }

    private static async ValueTask<IPAddress[]> ResolveProxyAsync<TIO>(TIO io, ConnectRequest request, ProxySettings proxy,
        string target, OperationGuard guard) where TIO : struct, ISmtpIO
    {
        if (IPAddress.TryParse(proxy.Host, out var literal))
        {
            return [literal];
        }
        IPAddress[] found;
        try
        {
            found = await io.ResolveAsync(proxy.Host, guard.Token).ConfigureAwait(false);
            guard.Touch();
        }
        catch (SocketException e)
        {
            throw new ProxyException(proxy, target, ProxyStep.Reach,
                $"could not be reached: its name could not be resolved ({e.Message})", e);
        }
        catch (OperationCanceledException e)
            when (guard.StoppedException(e, $" while resolving the name of the {proxy.ProtocolName} proxy {proxy.Endpoint}") is { } stopped)
        {
            throw stopped;
        }
        var preference = proxy.AddressFamilies ?? request.AddressFamilies;
        var ordered = Order(found, preference);
        if (ordered.Length == 0)
        {
            string family = preference == AddressFamilyPreference.IPv6Only ? "IPv6" : "IPv4";
            throw new ProxyException(proxy, target, ProxyStep.Reach,
                $"could not be reached: its name has no {family} address ({request.Terms.AddressFamily(preference)}); "
                + $"{request.Terms.TryBothFamilies} to try both families");
        }
        return ordered;
    }
}
