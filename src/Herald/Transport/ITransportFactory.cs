using System.Net.Sockets;

namespace Herald.Transport;

/// <summary>An open transport: the stream to talk over and, for TCP, the socket under it.</summary>
internal readonly record struct OpenedTransport(Stream Stream, Socket? Socket, string RemoteAddress, string LocalAddress, int LocalPort);

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
