using Herald.Engine;
using Herald.Transport;

namespace Herald.Bench.Loopback;

/// <summary>
/// Gives the engine a <see cref="CannedSmtpStream"/> instead of a socket. Connections come one after another, so one
/// stream serves them all, restarted at each open: a benchmark that connects per message then counts only the
/// client's allocations.
/// </summary>
/// <param name="yieldOnRead">Passed to the stream (see <see cref="CannedSmtpStream.YieldOnRead"/>).</param>
internal sealed class CannedTransportFactory(bool yieldOnRead) : ITransportFactory
{
    /// <summary>The stream, once a connection was opened.</summary>
    public CannedSmtpStream? Current { get; private set; }

    /// <inheritdoc />
    public ValueTask<OpenedTransport> OpenAsync<TIO>(TIO io, ConnectRequest settings, OperationGuard guard, Action<string> info)
        where TIO : struct, ISmtpIO
    {
        if (Current is null)
        {
            Current = new CannedSmtpStream(yieldOnRead);
        }
        else
        {
            Current.Restart();
        }
        return new(new OpenedTransport(Current, null, "127.0.0.1", "127.0.0.1", 50025));
    }
}
