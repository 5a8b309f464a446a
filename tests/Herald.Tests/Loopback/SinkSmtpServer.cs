using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Herald.Tests.Loopback;

/// <summary>
/// A minimal SMTP server that counts message data instead of keeping it, for messages too big to hold in memory, and
/// that can listen on IPv6 as well (the fake server listens on 127.0.0.1 only). It answers EHLO without extensions
/// but 8BITMIME, accepts every sender and recipient, and records per connection the client's address, the command
/// lines and the number of data bytes of each message as they came over the wire (dot-stuffed, up to and including
/// the final ".").
/// </summary>
internal sealed class SinkSmtpServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<SinkSession> _sessions = [];
    private readonly List<Task> _tasks = [];
    private readonly Task _acceptLoop;

    /// <summary>Starts listening on <paramref name="address"/> at <paramref name="port"/> (0: any free port).</summary>
    /// <exception cref="SocketException">The address and port cannot be bound.</exception>
    public SinkSmtpServer(IPAddress address, int port = 0)
    {
        _listener = new TcpListener(address, port);
        _listener.Start();
        Address = address;
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    /// <summary>The address listened on.</summary>
    public IPAddress Address { get; }

    /// <summary>The port listened on.</summary>
    public int Port { get; }

    /// <summary>The connections accepted so far.</summary>
    public IReadOnlyList<SinkSession> Sessions
    {
        get
        {
            lock (_sessions)
            {
                return [.. _sessions];
            }
        }
    }

    /// <summary>Stops listening and closes every connection.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        Task[] tasks;
        lock (_sessions)
        {
            foreach (var s in _sessions)
            {
                s.Client.Dispose();
            }
            tasks = [_acceptLoop, .. _tasks];
        }
        await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(10));
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            var session = new SinkSession(client);
            lock (_sessions)
            {
                _sessions.Add(session);
                _tasks.Add(Task.Run(() => RunAsync(session)));
            }
        }
    }

    private async Task RunAsync(SinkSession session)
    {
        try
        {
            var stream = session.Client.GetStream();
            var input = new Input(stream);
            await Write(stream, "220 sink.test ESMTP\r\n");
            while (await input.ReadLineAsync(_stop.Token) is { } line)
            {
                session.AddLine(line);
                string verb = (line.Split(' ', 2)[0]).ToUpperInvariant();
                switch (verb)
                {
                    case "EHLO":
                        await Write(stream, "250-sink.test\r\n250 8BITMIME\r\n");
                        break;
                    case "DATA":
                        await Write(stream, "354 Go ahead\r\n");
                        session.AddMessage(await input.SkipDataAsync(_stop.Token));
                        await Write(stream, "250 2.0.0 Ok\r\n");
                        break;
                    case "QUIT":
                        await Write(stream, "221 2.0.0 Bye\r\n");
                        return;
                    default:
                        await Write(stream, "250 2.0.0 Ok\r\n");
                        break;
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
        }
        finally
        {
            session.Client.Dispose();
        }

        Task Write(NetworkStream stream, string text) => stream.WriteAsync(Encoding.ASCII.GetBytes(text), _stop.Token).AsTask();
    }

    /// <summary>Buffered reading of command lines and of message data.</summary>
    private sealed class Input(NetworkStream stream)
    {
        private readonly byte[] _buffer = new byte[64 * 1024];
        private int _start;
        private int _end;

        public async Task<string?> ReadLineAsync(CancellationToken token)
        {
            var line = new List<byte>();
            while (true)
            {
                if (_start == _end && !await FillAsync(token))
                {
                    return null;
                }
                int lf = _buffer.AsSpan(_start, _end - _start).IndexOf((byte)'\n');
                int take = lf < 0 ? _end - _start : lf + 1;
                line.AddRange(_buffer.AsSpan(_start, take));
                _start += take;
                if (lf >= 0)
                {
                    return Encoding.UTF8.GetString([.. line]).TrimEnd('\r', '\n');
                }
            }
        }

        /// <summary>Reads message data up to CRLF.CRLF without keeping it; returns its length.</summary>
        public async Task<long> SkipDataAsync(CancellationToken token)
        {
            // 0 inside a line, 1 after CR inside a line, 2 at a line start, 3 after "." at a line start, 4 after ".\r".
            int state = 2;
            long count = 0;
            while (true)
            {
                if (_start == _end && !await FillAsync(token))
                {
                    throw new IOException("The client closed the connection during DATA.");
                }
                var span = _buffer.AsSpan(_start, _end - _start);
                int i = 0;
                while (i < span.Length)
                {
                    if (state == 0)
                    {
                        int cr = span[i..].IndexOf((byte)'\r');
                        if (cr < 0)
                        {
                            i = span.Length;
                            break;
                        }
                        i += cr + 1;
                        state = 1;
                        continue;
                    }
                    byte b = span[i++];
                    state = (state, b) switch
                    {
                        (1, (byte)'\n') => 2,
                        (1, (byte)'\r') => 1,
                        (2, (byte)'.') => 3,
                        (3, (byte)'\r') => 4,
                        (4, (byte)'\n') => 5,
                        (_, (byte)'\r') => 1,
                        _ => 0,
                    };
                    if (state == 5)
                    {
                        _start += i;
                        return count + i;
                    }
                }
                count += span.Length;
                _start = _end;
            }
        }

        private async Task<bool> FillAsync(CancellationToken token)
        {
            _start = 0;
            _end = await stream.ReadAsync(_buffer, token);
            return _end > 0;
        }
    }
}

/// <summary>One connection to a <see cref="SinkSmtpServer"/>.</summary>
internal sealed class SinkSession(TcpClient client)
{
    private readonly List<string> _lines = [];
    private readonly List<long> _messages = [];

    public TcpClient Client { get; } = client;

    /// <summary>The client's address and port.</summary>
    public IPEndPoint RemoteEndPoint { get; } = (IPEndPoint)client.Client.RemoteEndPoint!;

    /// <summary>The command lines received.</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    /// <summary>The wire length of each message's data, final "." line included.</summary>
    public IReadOnlyList<long> MessageLengths
    {
        get
        {
            lock (_messages)
            {
                return [.. _messages];
            }
        }
    }

    internal void AddLine(string line)
    {
        lock (_lines)
        {
            _lines.Add(line);
        }
    }

    internal void AddMessage(long length)
    {
        lock (_messages)
        {
            _messages.Add(length);
        }
    }
}
