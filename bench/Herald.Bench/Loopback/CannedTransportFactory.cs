using Herald.Engine;
using Herald.Transport;

namespace Herald.Bench.Loopback;

/// <summary>Gives the engine a new <see cref="CannedSmtpStream"/> for each connection instead of a socket.</summary>
/// <param name="yieldOnRead">Passed to every stream (see <see cref="CannedSmtpStream.YieldOnRead"/>).</param>
internal sealed class CannedTransportFactory(bool yieldOnRead) : ITransportFactory
{
    /// <summary>The stream of the latest connection.</summary>
    public CannedSmtpStream? Current { get; private set; }

    /// <inheritdoc />
    public ValueTask<OpenedTransport> OpenAsync<TIO>(TIO io, EngineSettings settings, OperationGuard guard, Action<string> info)
        where TIO : struct, ISmtpIO
    {
        Current = new CannedSmtpStream(yieldOnRead);
        return new(new OpenedTransport(Current, null, "127.0.0.1", "127.0.0.1", 50025));
    }
}
