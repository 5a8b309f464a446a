using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text;

namespace Herald.Throughput;

/// <summary>
/// A TCP relay on 127.0.0.1 that holds every byte for <see cref="Delay"/> in each direction before passing it on, as
/// a link with that one-way latency would: bytes keep their order and a burst keeps its shape, and nothing waits for
/// anything else (it is a delay line, not a stop-and-wait). Each direction of each connection has a reader thread and
/// a writer thread; the writer sleeps until about a millisecond before a chunk is due and yields the processor for
/// the rest, so the delay is kept to within tens of microseconds without burning a core.
/// </summary>
internal sealed class DelayProxy : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _upstream;
    private readonly List<Socket> _sockets = [];
    private readonly Thread _acceptor;
    private volatile bool _stopped;

    /// <summary>Starts relaying to <paramref name="host"/>:<paramref name="port"/>.</summary>
    public DelayProxy(string host, int port)
    {
        _upstream = new IPEndPoint(IPAddress.Parse(host), port);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _acceptor = new Thread(Accept) { IsBackground = true, Name = "delay-proxy accept" };
        _acceptor.Start();
    }

    /// <summary>The port to connect to instead of the server's.</summary>
    public int Port { get; }

    /// <summary>The one-way delay for connections accepted from now on.</summary>
    public TimeSpan Delay { get; set; }

    /// <summary>
    /// Turns counted so far: the times the client sent something after the server had said something since the
    /// client's previous bytes. A client that waits for each reply turns once per command; one that pipelines turns
    /// once per group. The count does not depend on timing: two writes of the client that the relay happens to read
    /// together were independent of any reply anyway.
    /// </summary>
    public long Turns => Interlocked.Read(ref _turns);

    private long _turns;

    /// <summary>
    /// The time of one command's round trip through the proxy at the current delay: the median of 20 NOOPs on one
    /// session (after the greeting and EHLO), so it includes the server's answer and the relay's own overhead.
    /// </summary>
    public TimeSpan MeasureTurn()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        socket.Connect(IPAddress.Loopback, Port);
        var buffer = new byte[4096];
        ReadReply(socket, buffer);
        socket.Send("EHLO turn.bench.example\r\n"u8);
        ReadReply(socket, buffer);
        var turns = new List<double>();
        for (int i = 0; i < 20; i++)
        {
            long start = Stopwatch.GetTimestamp();
            socket.Send("NOOP\r\n"u8);
            ReadReply(socket, buffer);
            turns.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
        socket.Send("QUIT\r\n"u8);
        ReadReply(socket, buffer);
        turns.Sort();
        return TimeSpan.FromMilliseconds(turns[turns.Count / 2]);
    }

    // Reads until the last line of a reply ("250 ..." rather than "250-...").
    private static void ReadReply(Socket socket, byte[] buffer)
    {
        var text = new StringBuilder();
        while (true)
        {
            int n = socket.Receive(buffer);
            if (n == 0)
            {
                throw new IOException("The server closed the connection during the turn measurement.");
            }
            text.Append(Encoding.ASCII.GetString(buffer, 0, n));
            string s = text.ToString();
            if (s.EndsWith("\r\n", StringComparison.Ordinal))
            {
                string last = s.TrimEnd('\r', '\n').Split("\r\n")[^1];
                if (last.Length < 4 || last[3] == ' ')
                {
                    return;
                }
            }
        }
    }

    private void Accept()
    {
        while (!_stopped)
        {
            Socket client;
            try
            {
                client = _listener.AcceptSocket();
            }
            catch (SocketException) when (_stopped)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                server.Connect(_upstream);
            }
            catch (SocketException)
            {
                client.Dispose();
                server.Dispose();
                continue;
            }
            // The relay must not add Nagle's wait of its own: what it reads, it writes at the due time.
            client.NoDelay = true;
            server.NoDelay = true;
            lock (_sockets)
            {
                _sockets.Add(client);
                _sockets.Add(server);
            }
            var delay = Delay;
            var spoke = new StrongBox<int>(); // 1 when the server's bytes reached the client since the client's last bytes
            Relay(client, server, delay, "up", received: () =>
            {
                if (Interlocked.Exchange(ref spoke.Value, 0) == 1)
                {
                    Interlocked.Increment(ref _turns);
                }
            }, delivered: null);
            Relay(server, client, delay, "down", received: null, delivered: () => Volatile.Write(ref spoke.Value, 1));
        }
    }

    private static void Relay(Socket from, Socket to, TimeSpan delay, string name, Action? received, Action? delivered)
    {
        var queue = new BlockingCollection<(long Due, byte[]? Bytes)>();
        long ticks = (long)(delay.TotalSeconds * Stopwatch.Frequency);
        new Thread(() =>
        {
            var buffer = new byte[64 * 1024];
            try
            {
                while (true)
                {
                    int n = from.Receive(buffer);
                    if (n == 0)
                    {
                        break;
                    }
                    received?.Invoke();
                    queue.Add((Stopwatch.GetTimestamp() + ticks, buffer.AsSpan(0, n).ToArray()));
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // closed under us
            }
            queue.Add((Stopwatch.GetTimestamp() + ticks, null));
            queue.CompleteAdding();
        }) { IsBackground = true, Name = $"delay-proxy {name} read" }.Start();
        new Thread(() =>
        {
            try
            {
                foreach (var (due, bytes) in queue.GetConsumingEnumerable())
                {
                    WaitUntil(due);
                    if (bytes is null)
                    {
                        to.Shutdown(SocketShutdown.Send);
                        return;
                    }
                    // Marked before the send: once the bytes are out, the client may answer before this thread runs again.
                    delivered?.Invoke();
                    to.Send(bytes);
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // closed under us
            }
        }) { IsBackground = true, Name = $"delay-proxy {name} write" }.Start();
    }

    private static void WaitUntil(long due)
    {
        while (true)
        {
            long remaining = due - Stopwatch.GetTimestamp();
            if (remaining <= 0)
            {
                return;
            }
            // Sleep(1) overshoots by a few tens of microseconds on Linux, so it is safe down to 1.2 ms before the due time.
            if (remaining * 10_000 / Stopwatch.Frequency >= 12)
            {
                Thread.Sleep(1);
            }
            else
            {
                Thread.Yield();
            }
        }
    }

    /// <summary>Stops accepting and closes every relayed connection.</summary>
    public void Dispose()
    {
        _stopped = true;
        _listener.Stop();
        lock (_sockets)
        {
            foreach (var socket in _sockets)
            {
                socket.Dispose();
            }
        }
    }
}
