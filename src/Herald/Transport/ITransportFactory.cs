using System.Net.Sockets;

namespace Herald.Transport;

/// <summary>An open transport: the stream to talk over and, for TCP, the socket under it.</summary>
/// <param name="Stream">The stream to the server (through the proxy's tunnel when there is one).</param>
/// <param name="Socket">The TCP socket under the stream, if any.</param>
/// <param name="RemoteAddress">The address connected to: the server's, or the proxy's when tunnelling.</param>
/// <param name="LocalAddress">The local address of the TCP connection.</param>
/// <param name="LocalPort">The local port of the TCP connection.</param>
/// <param name="Tunnel">The proxy's tunnel, or null for a direct connection.</param>
internal readonly record struct OpenedTransport(Stream Stream, Socket? Socket, string RemoteAddress, string LocalAddress, int LocalPort,
    Proxies.ProxyTunnel? Tunnel = null);

/// <summary>Opens the byte stream the engine talks SMTP over.</summary>
internal interface ITransportFactory
{
    /// <summary>Opens a connection to the server described by <paramref name="request"/>.</summary>
    /// <param name="io">The sync or async adapter.</param>
    /// <param name="request">Where to connect, and how.</param>
    /// <param name="guard">The running call's timeout/interrupt guard.</param>
    /// <param name="info">Receives progress notes for the protocol trace.</param>
    ValueTask<OpenedTransport> OpenAsync<TIO>(TIO io, ConnectRequest request, OperationGuard guard, Action<string> info)
        where TIO : struct, ISmtpIO;
}
