using System.Net.Sockets;
using Herald.Engine;

namespace Herald.Transport;

/// <summary>An open transport: the stream to talk over and, for TCP, the socket under it.</summary>
internal readonly record struct OpenedTransport(Stream Stream, Socket? Socket, string RemoteAddress, string LocalAddress, int LocalPort);

/// <summary>Opens the byte stream the engine talks SMTP over.</summary>
internal interface ITransportFactory
{
    /// <summary>Opens a connection to the server described by <paramref name="settings"/>.</summary>
    ValueTask<OpenedTransport> OpenAsync<TIO>(TIO io, EngineSettings settings, OperationGuard guard, Action<string> info)
        where TIO : struct, ISmtpIO;
}
