using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Herald.Tests.Proxies;

/// <summary>
/// A scriptable proxy on 127.0.0.1 for handshake tests: every accepted connection runs the script, which reads and
/// writes raw bytes (<see cref="FakeProxyConnection"/>), so a test can answer with any reply, split it, add bytes after
/// it, stall or close. Each connection records every byte it received. Disposing closes everything and waits for the
/// scripts; a script that failed for a reason other than the client going away is reported by
/// <see cref="ThrowIfScriptFailed"/>.
/// </summary>
internal sealed class FakeProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Func<FakeProxyConnection, Task> _script;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<FakeProxyConnection> _connections = [];
    private readonly List<Task> _tasks = [];
    private readonly Task _acceptLoop;
    private Exception? _scriptFailure;

    /// <summary>Starts listening.</summary>
    /// <param name="script">What to do with each connection.</param>
    public FakeProxy(Func<FakeProxyConnection, Task> script)
    {
        _script = script;
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    /// <summary>The port the proxy listens on.</summary>
    public int Port { get; }

    /// <summary>The connections accepted so far, in order.</summary>
    public IReadOnlyList<FakeProxyConnection> Connections
    {
        get
        {
            lock (_connections)
            {
                return [.. _connections];
            }
        }
    }

    /// <summary>Throws the first exception a script ended with, other than the client closing the connection.</summary>
    public void ThrowIfScriptFailed()
    {
        lock (_connections)
        {
            if (_scriptFailure is not null)
            {
                throw new InvalidOperationException("The fake proxy's script failed: " + _scriptFailure.Message, _scriptFailure);
            }
        }
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            lock (_connections)
            {
                var connection = new FakeProxyConnection(socket, _connections.Count, _stop.Token);
                _connections.Add(connection);
                _tasks.Add(Task.Run(() => RunScriptAsync(connection)));
            }
        }
    }

    private async Task RunScriptAsync(FakeProxyConnection connection)
    {
        try
        {
            await _script(connection).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException
            or EndOfStreamException)
        {
            // The client closed the connection or the test ended: not a script failure.
        }
        catch (Exception e)
        {
            lock (_connections)
            {
                _scriptFailure ??= e;
            }
        }
        finally
        {
            connection.Close();
        }
    }

    /// <summary>Stops listening, closes every connection and waits for the scripts.</summary>
    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        Task[] tasks;
        lock (_connections)
        {
            foreach (var c in _connections)
            {
                c.Close();
            }
            tasks = [.. _tasks];
        }
        await _acceptLoop.ConfigureAwait(false);
        await Task.WhenAll(tasks).ConfigureAwait(false);
        _stop.Dispose();
    }
}

/// <summary>One connection to the <see cref="FakeProxy"/>, as its script sees it.</summary>
internal sealed class FakeProxyConnection
{
    private readonly Socket _socket;
    private readonly CancellationToken _stop;
    private readonly List<byte> _received = [];
    private readonly TaskCompletionSource _clientClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal FakeProxyConnection(Socket socket, int index, CancellationToken stop)
    {
        _socket = socket;
        _socket.NoDelay = true;
        Index = index;
        _stop = stop;
    }

    /// <summary>0 for the first connection, 1 for the next, ...</summary>
    public int Index { get; }

    /// <summary>Every byte received from the client so far.</summary>
    public byte[] Received
    {
        get
        {
            lock (_received)
            {
                return [.. _received];
            }
        }
    }

    /// <summary>Everything received so far, as Latin-1 text.</summary>
    public string ReceivedText => Encoding.Latin1.GetString(Received);

    /// <summary>Completes when the client closes its end (seen by a read returning 0).</summary>
    public Task ClientClosed => _clientClosed.Task;

    /// <summary>Reads exactly <paramref name="count"/> bytes.</summary>
    /// <exception cref="EndOfStreamException">The client closed the connection first.</exception>
    public async Task<byte[]> ReadAsync(int count)
    {
        var buffer = new byte[count];
        int got = 0;
        while (got < count)
        {
            int n = await _socket.ReceiveAsync(buffer.AsMemory(got), SocketFlags.None, _stop).ConfigureAwait(false);
            if (n == 0)
            {
                _clientClosed.TrySetResult();
                throw new EndOfStreamException($"The client closed the connection after {got} of {count} bytes.");
            }
            Record(buffer.AsSpan(got, n));
            got += n;
        }
        return buffer;
    }

    /// <summary>Reads an HTTP request head: everything up to and including the empty line.</summary>
    public async Task<string> ReadHeadAsync()
    {
        var head = new List<byte>();
        while (head.Count < 4 || !head.TakeLast(4).SequenceEqual("\r\n\r\n"u8.ToArray()))
        {
            head.Add((await ReadAsync(1).ConfigureAwait(false))[0]);
        }
        return Encoding.Latin1.GetString(head.ToArray());
    }

    /// <summary>Sends bytes in one write.</summary>
    public async Task WriteAsync(params byte[] bytes)
    {
        int sent = 0;
        while (sent < bytes.Length)
        {
            sent += await _socket.SendAsync(bytes.AsMemory(sent), SocketFlags.None, _stop).ConfigureAwait(false);
        }
    }

    /// <summary>Sends Latin-1 text in one write.</summary>
    public Task WriteAsync(string text) => WriteAsync(Encoding.Latin1.GetBytes(text));

    /// <summary>Reads and records whatever the client sends until it closes the connection (or the proxy is disposed).
    /// A stalling proxy.</summary>
    public async Task HangAsync()
    {
        var buffer = new byte[1024];
        while (true)
        {
            int n = await _socket.ReceiveAsync(buffer, SocketFlags.None, _stop).ConfigureAwait(false);
            if (n == 0)
            {
                _clientClosed.TrySetResult();
                return;
            }
            Record(buffer.AsSpan(0, n));
        }
    }

    /// <summary>
    /// Connects to 127.0.0.1:<paramref name="port"/> and copies bytes both ways until either side closes (what a proxy
    /// does once it has granted a tunnel). The client's bytes are recorded as before.
    /// </summary>
    /// <param name="port">The destination port on loopback.</param>
    public async Task RelayToLoopbackAsync(int port)
    {
        using var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await upstream.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), _stop).ConfigureAwait(false);
        async Task CopyAsync(Socket from, Socket to, bool record)
        {
            var buffer = new byte[16 * 1024];
            try
            {
                while (true)
                {
                    int n = await from.ReceiveAsync(buffer, SocketFlags.None, _stop).ConfigureAwait(false);
                    if (n == 0)
                    {
                        break;
                    }
                    if (record)
                    {
                        Record(buffer.AsSpan(0, n));
                    }
                    await to.SendAsync(buffer.AsMemory(0, n), SocketFlags.None, _stop).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
            {
                // One side went away; the other is closed below.
            }
            try
            {
                to.Shutdown(SocketShutdown.Send);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
            }
        }
        var up = CopyAsync(_socket, upstream, record: true);
        var down = CopyAsync(upstream, _socket, record: false);
        await Task.WhenAny(up, down).ConfigureAwait(false);
        // Either side closing ends the tunnel, as with a real proxy.
        Close();
        upstream.Dispose();
        await Task.WhenAll(up, down).ConfigureAwait(false);
    }

    /// <summary>Closes the connection (a FIN).</summary>
    public void Close()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
        _socket.Dispose();
    }

    private void Record(ReadOnlySpan<byte> bytes)
    {
        lock (_received)
        {
            _received.AddRange(bytes);
        }
    }
}
