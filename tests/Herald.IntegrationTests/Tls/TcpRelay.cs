using System.Net;
using System.Net.Sockets;

namespace Herald.IntegrationTests.Tls;

/// <summary>
/// Listens on a fixed loopback port and copies bytes both ways to a peer's port, so that a peer can be reached on a
/// well-known port (25, 587) that the component treats specially, without reconfiguring the peer. It touches no byte:
/// the peer on the other end is still the one the test talks to.
/// </summary>
internal sealed class TcpRelay : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly int _targetPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;

    private TcpRelay(TcpListener listener, int targetPort)
    {
        _listener = listener;
        _targetPort = targetPort;
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    /// <summary>Starts relaying 127.0.0.1:<paramref name="port"/> to 127.0.0.1:<paramref name="targetPort"/>.</summary>
    /// <exception cref="SocketException">The port is taken, or (below 1024) the tests do not run as root.</exception>
    public static TcpRelay Start(int port, int targetPort)
    {
        var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();
        return new TcpRelay(listener, targetPort);
    }

    /// <summary>Stops listening and closes every relayed connection.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _acceptLoop;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            _ = Task.Run(() => RelayAsync(client));
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        using (client)
        using (var upstream = new TcpClient())
        {
            try
            {
                await upstream.ConnectAsync(IPAddress.Loopback, _targetPort, _stop.Token);
                var a = client.GetStream();
                var b = upstream.GetStream();
                // Whichever side closes first ends the pair.
                await Task.WhenAny(Copy(a, b), Copy(b, a));
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
            }
        }
    }

    private async Task Copy(Stream from, Stream to)
    {
        try
        {
            await from.CopyToAsync(to, _stop.Token);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }
}
