using System.Net;
using System.Net.Sockets;
using System.Text;
using Herald.Transport;
using Herald.Transport.Proxies;

namespace Herald.IntegrationTests.Proxies;

/// <summary>
/// Runs Herald's proxy handshake against a real proxy the way the connector does: a TCP connection to the proxy, then
/// <see cref="ProxyHandshake.RunAsync"/> with <see cref="SyncIO"/> or <see cref="AsyncIO"/> under an
/// <see cref="OperationGuard"/> that closes the socket when it fires. Keeps the trace and every socket it opened.
/// </summary>
internal sealed class ProxyPeerCall : IDisposable
{
    private readonly List<Socket> _sockets = [];
    private readonly List<string> _info = [];

    public ProxyPeerCall(bool isAsync)
    {
        IsAsync = isAsync;
        Guard = new OperationGuard(20, absolute: false, CancellationToken.None);
    }

    public bool IsAsync { get; }

    public OperationGuard Guard { get; }

    /// <summary>The handshake as the trace shows it.</summary>
    public string Trace
    {
        get
        {
            lock (_info)
            {
                return string.Join("\n", _info);
            }
        }
    }

    /// <summary>How many connections to the proxy were opened.</summary>
    public int Connections => _sockets.Count;

    /// <summary>Connects to the proxy and asks it for <paramref name="host"/>:<paramref name="port"/>.</summary>
    public async Task<ProxyTunnel> RunAsync(ProxySettings proxy, string host, int port, bool clientSpeaksFirst = false)
    {
        Peers.RequirePeer(proxy.Port);
        var stream = await OpenAsync(proxy);
        void Info(string line)
        {
            lock (_info)
            {
                _info.Add(line);
            }
        }
        var task = IsAsync
            ? ProxyHandshake.RunAsync(new AsyncIO(), proxy, stream, host, port, Guard, Info, clientSpeaksFirst, () => OpenAsync(proxy))
            : ProxyHandshake.RunAsync(new SyncIO(), proxy, stream, host, port, Guard, Info, clientSpeaksFirst, () => OpenAsync(proxy));
        if (!IsAsync && !task.IsCompleted)
        {
            throw new InvalidOperationException("The sync handshake returned before it finished.");
        }
        return await task;
    }

    /// <summary>Reads one line from the tunnel with the API of this call's path.</summary>
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

    private async ValueTask<Stream> OpenAsync(ProxySettings proxy)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        lock (_sockets)
        {
            _sockets.Add(socket);
        }
        Guard.SetAbortAction(socket.Dispose);
        var endPoint = new IPEndPoint(IPAddress.Parse(proxy.Host), proxy.Port);
        if (IsAsync)
        {
            await socket.ConnectAsync(endPoint);
        }
        else
        {
            socket.Connect(endPoint);
        }
        return new NetworkStream(socket, ownsSocket: true);
    }

    public void Dispose()
    {
        foreach (var socket in _sockets)
        {
            socket.Dispose();
        }
        Guard.Dispose();
    }
}
