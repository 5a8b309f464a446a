using System.Net;
using System.Net.Sockets;
using System.Text;
using Herald.Tests.Infrastructure;
using Herald.Transport;
using Herald.Transport.Proxies;
using Xunit;

namespace Herald.Tests.Proxies;

/// <summary>
/// Runs one proxy handshake the way the connector will: connects a socket to the proxy, hands the stream to
/// <see cref="ProxyHandshake.RunAsync"/> with <see cref="SyncIO"/> or <see cref="AsyncIO"/> under an
/// <see cref="OperationGuard"/> whose abort action closes the socket, and collects the trace. The sync path must
/// complete before the call returns, and its stream fails the test on any asynchronous member (and the reverse).
/// </summary>
internal sealed class ProxyCall : IDisposable
{
    private readonly List<Stream> _streams = [];
    private readonly List<string> _info = [];

    /// <summary>Prepares a call.</summary>
    /// <param name="isAsync">Which path to run.</param>
    /// <param name="timeoutSeconds">The guard's inactivity limit.</param>
    public ProxyCall(bool isAsync, int timeoutSeconds = 20)
    {
        IsAsync = isAsync;
        Guard = new OperationGuard(timeoutSeconds, absolute: false, CancellationToken.None);
    }

    /// <summary>The path.</summary>
    public bool IsAsync { get; }

    /// <summary>The call's guard.</summary>
    public OperationGuard Guard { get; }

    /// <summary>The trace lines so far.</summary>
    public IReadOnlyList<string> Info
    {
        get
        {
            lock (_info)
            {
                return [.. _info];
            }
        }
    }

    /// <summary>The whole trace, one line each.</summary>
    public string Trace => string.Join("\n", Info);

    /// <summary>How many connections to the proxy were opened.</summary>
    public int Connections => _streams.Count;

    /// <summary>Connects to the proxy and runs the handshake to <paramref name="host"/>:<paramref name="port"/>.</summary>
    public Task<ProxyTunnel> RunAsync(ProxySettings proxy, string host, int port, bool clientSpeaksFirst = false,
        bool canReconnect = true) =>
        RunOnAsync(Open(proxy), proxy, host, port, clientSpeaksFirst, canReconnect ? () => new ValueTask<Stream>(Open(proxy)) : null);

    /// <summary>Runs the handshake on a stream the test made (a replay).</summary>
    public async Task<ProxyTunnel> RunOnAsync(Stream stream, ProxySettings proxy, string host, int port, bool clientSpeaksFirst = false,
        Func<ValueTask<Stream>>? reconnect = null)
    {
        void Info(string line)
        {
            lock (_info)
            {
                _info.Add(line);
            }
        }
        var task = IsAsync
            ? ProxyHandshake.RunAsync(new AsyncIO(), proxy, stream, host, port, Guard, Info, clientSpeaksFirst, reconnect)
            : ProxyHandshake.RunAsync(new SyncIO(), proxy, stream, host, port, Guard, Info, clientSpeaksFirst, reconnect);
        if (!IsAsync)
        {
            Assert.True(task.IsCompleted, "The sync path returned before it finished.");
        }
        return await task;
    }

    /// <summary>Runs the handshake and expects it to fail with a <see cref="ProxyException"/>.</summary>
    public async Task<ProxyException> FailsAsync(ProxySettings proxy, string host, int port, bool clientSpeaksFirst = false,
        bool canReconnect = true) =>
        await Assert.ThrowsAsync<ProxyException>(() => RunAsync(proxy, host, port, clientSpeaksFirst, canReconnect));

    /// <summary>Reads one line (up to LF) from the tunnel with the API of this call's path.</summary>
    public async Task<string> ReadLineAsync(Stream stream)
    {
        var line = new List<byte>();
        var one = new byte[1];
        while (line.Count == 0 || line[^1] != '\n')
        {
            int n = IsAsync ? await stream.ReadAsync(one) : stream.Read(one);
            if (n == 0)
            {
                break;
            }
            line.Add(one[0]);
        }
        return Encoding.Latin1.GetString(line.ToArray());
    }

    /// <summary>Fails when the trace or an exception message shows the secret.</summary>
    public void AssertNeverShows(string secret, Exception? error = null)
    {
        Assert.DoesNotContain(secret, Trace, StringComparison.Ordinal);
        if (error is not null)
        {
            Assert.DoesNotContain(secret, error.ToString(), StringComparison.Ordinal);
        }
    }

    private CheckedNetworkStream Open(ProxySettings proxy)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        socket.Connect(new IPEndPoint(IPAddress.Parse(proxy.Host), proxy.Port));
        var stream = new CheckedNetworkStream(socket, IsAsync);
        Guard.SetAbortAction(socket.Dispose);
        lock (_streams)
        {
            _streams.Add(stream);
        }
        return stream;
    }

    /// <summary>Closes every connection and the guard.</summary>
    public void Dispose()
    {
        foreach (var stream in _streams)
        {
            stream.Dispose();
        }
        Guard.Dispose();
    }
}

/// <summary>Byte helpers for the handshake tests.</summary>
internal static class ProxyBytes
{
    /// <summary>Bytes from hex, spaces ignored: <c>"05 01 00"</c>.</summary>
    public static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));

    /// <summary>ASCII bytes.</summary>
    public static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);

    /// <summary>Concatenates byte arrays.</summary>
    public static byte[] Join(params byte[][] parts) => [.. parts.SelectMany(p => p)];

    /// <summary>A SOCKS proxy description pointing at a fake proxy.</summary>
    public static ProxySettings At(FakeProxy fake, ProxyKind kind) => new(kind, "127.0.0.1", fake.Port);

    /// <summary>Runs a handshake on a replayed transcript in one mode, checks the transcript was played completely,
    /// and returns the tunnel.</summary>
    public static async Task<(ProxyTunnel Tunnel, ProxyCall Call)> ReplayAsync(string transcript, ReplayMode mode, ProxySettings proxy,
        string host, int port, bool clientSpeaksFirst = false)
    {
        var sessions = Transcript.Parse(transcript).Sessions;
        var streams = sessions.Select(s => new ReplayStream(s, mode)).ToList();
        int next = 1;
        var call = new ProxyCall(mode.IsAsync());
        ProxyTunnel tunnel;
        try
        {
            tunnel = await call.RunOnAsync(streams[0], proxy, host, port, clientSpeaksFirst,
                () => new ValueTask<Stream>(streams[next++]));
        }
        catch (ProxyException)
        {
            // The failure must come where the transcript ends: every byte listed was written and read, no more.
            call.Dispose();
            foreach (var s in streams)
            {
                s.AssertComplete();
            }
            throw;
        }
        foreach (var s in streams)
        {
            s.AssertComplete();
        }
        return (tunnel, call);
    }

    /// <summary>Expects a replayed handshake to fail with a <see cref="ProxyException"/>; the transcript must have been
    /// followed up to the failure.</summary>
    public static async Task<ProxyException> ReplayFailsAsync(string transcript, ReplayMode mode, ProxySettings proxy,
        string host, int port)
    {
        var e = await Assert.ThrowsAsync<ProxyException>(() => ReplayAsync(transcript, mode, proxy, host, port));
        return e;
    }
}
