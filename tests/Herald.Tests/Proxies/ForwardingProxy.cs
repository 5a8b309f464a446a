using System.Buffers.Binary;
using System.Net;
using System.Text;
using Herald.Transport.Proxies;

namespace Herald.Tests.Proxies;

/// <summary>
/// A working proxy of one kind on 127.0.0.1, built on <see cref="FakeProxy"/>: it answers the handshake as a real
/// proxy would (SOCKS4/4a, SOCKS5 with optional RFC 1929 credentials, HTTP CONNECT with optional Basic credentials),
/// records the destination each client asked for exactly as it was sent (a name or an address), and then relays to
/// that port on loopback, so a client reaches a <see cref="Infrastructure.FakeSmtpServer"/> through it. It can be told
/// to refuse, and an HTTP proxy can end the connection after its 407 as tinyproxy does.
/// </summary>
internal sealed class ForwardingProxy : IAsyncDisposable
{
    private readonly FakeProxy _proxy;
    private readonly List<string> _requests = [];

    /// <summary>Starts the proxy.</summary>
    /// <param name="kind">The protocol it speaks (SOCKS4 also answers SOCKS4a requests, as most SOCKS4 proxies do).</param>
    /// <param name="user">The user name it requires (SOCKS5, HTTP), or null for none.</param>
    /// <param name="password">The password it requires with <paramref name="user"/>.</param>
    public ForwardingProxy(ProxyKind kind, string? user = null, string? password = null)
    {
        Kind = kind;
        User = user;
        Password = password;
        _proxy = new FakeProxy(c => kind switch
        {
            ProxyKind.Socks4 or ProxyKind.Socks4a => Socks4Async(c),
            ProxyKind.Socks5 => Socks5Async(c),
            _ => HttpAsync(c),
        });
    }

    /// <summary>The protocol.</summary>
    public ProxyKind Kind { get; }

    /// <summary>The user name required, or null.</summary>
    public string? User { get; }

    /// <summary>The password required.</summary>
    public string? Password { get; }

    /// <summary>The port it listens on.</summary>
    public int Port => _proxy.Port;

    /// <summary>Refuse every request: SOCKS4 reply 91, SOCKS5 reply 2, HTTP 403 with a page.</summary>
    public bool Refuse { get; set; }

    /// <summary>HTTP: end the connection after a 407, as tinyproxy does.</summary>
    public bool CloseAfter407 { get; set; }

    /// <summary>The connections accepted, with every byte the client sent (the SMTP session after the handshake).</summary>
    public IReadOnlyList<FakeProxyConnection> Connections => _proxy.Connections;

    /// <summary>The destinations asked for, as sent: <c>name:port</c>, <c>address:port</c> or (HTTP) the authority.</summary>
    public IReadOnlyList<string> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>Throws when a script failed for a reason other than the client going away.</summary>
    public void ThrowIfScriptFailed() => _proxy.ThrowIfScriptFailed();

    private void Requested(string destination)
    {
        lock (_requests)
        {
            _requests.Add(destination);
        }
    }

    private async Task Socks4Async(FakeProxyConnection c)
    {
        var head = await c.ReadAsync(8);
        int port = BinaryPrimitives.ReadUInt16BigEndian(head.AsSpan(2));
        await ReadZeroTerminatedAsync(c); // user id
        string destination = head[4] == 0 && head[5] == 0 && head[6] == 0 && head[7] != 0
            ? await ReadZeroTerminatedAsync(c)
            : new IPAddress(head.AsSpan(4, 4)).ToString();
        Requested($"{destination}:{port}");
        if (Refuse)
        {
            await c.WriteAsync(ProxyBytes.Hex("00 5B 00 00 00 00 00 00"));
            return;
        }
        await c.WriteAsync(ProxyBytes.Hex("00 5A 00 00 00 00 00 00"));
        await c.RelayToLoopbackAsync(port);
    }

    private async Task Socks5Async(FakeProxyConnection c)
    {
        var greeting = await c.ReadAsync(2);
        var methods = await c.ReadAsync(greeting[1]);
        byte method = User is null ? (byte)0x00 : (byte)0x02;
        if (Array.IndexOf(methods, method) < 0)
        {
            await c.WriteAsync(ProxyBytes.Hex("05 FF"));
            return;
        }
        await c.WriteAsync(5, method);
        if (method == 0x02)
        {
            var version = await c.ReadAsync(2);
            string user = Encoding.UTF8.GetString(await c.ReadAsync(version[1]));
            string password = Encoding.UTF8.GetString(await c.ReadAsync((await c.ReadAsync(1))[0]));
            bool ok = user == User && password == Password;
            await c.WriteAsync(1, ok ? (byte)0 : (byte)1);
            if (!ok)
            {
                return;
            }
        }
        var request = await c.ReadAsync(4);
        string destination = request[3] switch
        {
            1 => new IPAddress(await c.ReadAsync(4)).ToString(),
            4 => "[" + new IPAddress(await c.ReadAsync(16)) + "]",
            _ => Encoding.ASCII.GetString(await c.ReadAsync((await c.ReadAsync(1))[0])),
        };
        int port = BinaryPrimitives.ReadUInt16BigEndian(await c.ReadAsync(2));
        Requested($"{destination}:{port}");
        if (Refuse)
        {
            await c.WriteAsync(ProxyBytes.Hex("05 02 00 01 00 00 00 00 00 00"));
            return;
        }
        await c.WriteAsync(ProxyBytes.Hex("05 00 00 01 7F 00 00 01 00 00"));
        await c.RelayToLoopbackAsync(port);
    }

    private async Task HttpAsync(FakeProxyConnection c)
    {
        while (true)
        {
            string head = await c.ReadHeadAsync();
            string[] lines = head.Split("\r\n");
            string authority = lines[0].Split(' ')[1];
            Requested(authority);
            string expected = User is null ? "" : "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{User}:{Password}"));
            string? given = lines.FirstOrDefault(l => l.StartsWith("Proxy-Authorization:", StringComparison.OrdinalIgnoreCase))?
                .Split(':', 2)[1].Trim();
            if (User is not null && given != expected)
            {
                const string page = "<html><body>Proxy credentials, please.</body></html>";
                await c.WriteAsync("HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"fake\"\r\n"
                    + $"Content-Type: text/html\r\nContent-Length: {page.Length}\r\n"
                    + (CloseAfter407 ? "Connection: close\r\n" : "") + "\r\n" + page);
                if (CloseAfter407 || given is not null)
                {
                    return;
                }
                continue;
            }
            if (Refuse)
            {
                const string page = "<html><body>Destination not allowed here.</body></html>";
                await c.WriteAsync($"HTTP/1.1 403 Forbidden\r\nContent-Type: text/html\r\nContent-Length: {page.Length}\r\n\r\n{page}");
                return;
            }
            await c.WriteAsync("HTTP/1.1 200 Connection established\r\n\r\n");
            int port = int.Parse(authority[(authority.LastIndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
            await c.RelayToLoopbackAsync(port);
            return;
        }
    }

    private static async Task<string> ReadZeroTerminatedAsync(FakeProxyConnection c)
    {
        var bytes = new List<byte>();
        while (true)
        {
            byte b = (await c.ReadAsync(1))[0];
            if (b == 0)
            {
                return Encoding.ASCII.GetString(bytes.ToArray());
            }
            bytes.Add(b);
        }
    }

    /// <summary>Stops the proxy and its relays.</summary>
    public ValueTask DisposeAsync() => _proxy.DisposeAsync();
}
