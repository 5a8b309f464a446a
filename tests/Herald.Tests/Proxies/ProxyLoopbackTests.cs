using System.Text;
using Herald.Transport.Proxies;
using Xunit;
using static Herald.Tests.Proxies.ProxyBytes;

namespace Herald.Tests.Proxies;

/// <summary>
/// Handshakes over real sockets against the fake proxy, sync and async: the tunnel starts exactly after the proxy's
/// reply, bytes the proxy adds after it are refused when the client speaks next, and a proxy that closes is reported
/// with the step.
/// </summary>
public class ProxyLoopbackTests
{
    private const string Greeting = "220 fake.test ESMTP\r\n";

    /// <summary>A SOCKS5 proxy without authentication that grants any CONNECT and then sends <paramref name="after"/>
    /// in the same write as its reply.</summary>
    internal static Func<FakeProxyConnection, Task> Socks5Granting(byte[] after) => async c =>
    {
        await c.ReadAsync(3);
        await c.WriteAsync(Hex("05 00"));
        var head = await c.ReadAsync(4);
        int length = head[3] switch { 1 => 4, 4 => 16, _ => (await c.ReadAsync(1))[0] };
        await c.ReadAsync(length + 2);
        await c.WriteAsync(Join(Hex("05 00 00 01 7F 00 00 01 C3 50"), after));
        await c.HangAsync();
    };

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TheServersGreetingIsReadThroughTheTunnelAfterExactlyTheSocks5Reply(bool isAsync)
    {
        await using var fake = new FakeProxy(Socks5Granting(Ascii(Greeting)));
        using var call = new ProxyCall(isAsync);
        var tunnel = await call.RunAsync(At(fake, ProxyKind.Socks5), "localhost", 25025);
        Assert.Equal(Greeting, await call.ReadLineAsync(tunnel.Stream));
        Assert.Equal(Join(Hex("05 01 00 05 01 00 03 09"), Ascii("localhost"), Hex("61 C1")), fake.Connections[0].Received);
        fake.ThrowIfScriptFailed();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Socks4aSendsTheNameOverTheWire(bool isAsync)
    {
        await using var fake = new FakeProxy(async c =>
        {
            await c.ReadAsync(8);
            while ((await c.ReadAsync(1))[0] != 0)
            {
            }
            while ((await c.ReadAsync(1))[0] != 0)
            {
            }
            await c.WriteAsync(Join(Hex("00 5A 00 00 00 00 00 00"), Ascii(Greeting)));
            await c.HangAsync();
        });
        using var call = new ProxyCall(isAsync);
        var tunnel = await call.RunAsync(At(fake, ProxyKind.Socks4a) with { User = "peer" }, "localhost", 25025);
        Assert.Equal(Greeting, await call.ReadLineAsync(tunnel.Stream));
        Assert.Equal(Join(Hex("04 01 61 C1 00 00 00 01"), Ascii("peer"), Hex("00"), Ascii("localhost"), Hex("00")),
            fake.Connections[0].Received);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task BytesAfterTheSocks5ReplyAreRefusedWhenTheClientSpeaksFirst(bool isAsync)
    {
        await using var fake = new FakeProxy(Socks5Granting(Ascii("250 forged\r\n")));
        using var call = new ProxyCall(isAsync);
        var e = await call.FailsAsync(At(fake, ProxyKind.Socks5), "127.0.0.1", 25465, clientSpeaksFirst: true);
        Assert.Equal(ProxyStep.AfterReply, e.Step);
        Assert.Equal($"SOCKS5 proxy 127.0.0.1:{fake.Port} sent more bytes after its reply to CONNECT 127.0.0.1:25465, before the "
            + "client's first message; bytes received after a proxy's reply are refused, since they would be taken as the server's",
            e.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task WithoutExtraBytesAClientSpeaksFirstTunnelIsAccepted(bool isAsync)
    {
        await using var fake = new FakeProxy(Socks5Granting([]));
        using var call = new ProxyCall(isAsync);
        var tunnel = await call.RunAsync(At(fake, ProxyKind.Socks5), "127.0.0.1", 25465, clientSpeaksFirst: true);
        Assert.Equal(0, tunnel.ReplyCode);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task BytesAfterTheSocks4ReplyAreRefusedWhenTheClientSpeaksFirst(bool isAsync)
    {
        await using var fake = new FakeProxy(async c =>
        {
            await c.ReadAsync(9);
            await c.WriteAsync(Join(Hex("00 5A 00 00 00 00 00 00"), Ascii("X")));
            await c.HangAsync();
        });
        using var call = new ProxyCall(isAsync);
        var e = await call.FailsAsync(At(fake, ProxyKind.Socks4), "127.0.0.1", 25465, clientSpeaksFirst: true);
        Assert.Equal(ProxyStep.AfterReply, e.Step);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task BytesAfterTheHttpResponseAreRefusedWhenTheClientSpeaksFirst(bool isAsync)
    {
        await using var fake = new FakeProxy(async c =>
        {
            await c.ReadHeadAsync();
            await c.WriteAsync("HTTP/1.1 200 Connection established\r\n\r\n\x16\x03\x01");
            await c.HangAsync();
        });
        using var call = new ProxyCall(isAsync);
        var e = await call.FailsAsync(At(fake, ProxyKind.HttpConnect), "127.0.0.1", 25465, clientSpeaksFirst: true);
        Assert.Equal(ProxyStep.AfterReply, e.Step);
        Assert.StartsWith($"HTTP proxy 127.0.0.1:{fake.Port} sent more bytes after its reply", e.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AnHttpTunnelStartsRightAfterTheEmptyLine(bool isAsync)
    {
        await using var fake = new FakeProxy(async c =>
        {
            await c.ReadHeadAsync();
            // The head, the empty line and the server's greeting arrive in one segment.
            await c.WriteAsync("HTTP/1.1 200 Connection established\r\nVia: 1.1 fake\r\n\r\n" + Greeting);
            await c.HangAsync();
        });
        using var call = new ProxyCall(isAsync);
        var tunnel = await call.RunAsync(At(fake, ProxyKind.HttpConnect), "localhost", 25025);
        Assert.Equal(Greeting, await call.ReadLineAsync(tunnel.Stream));
        Assert.Equal("HTTP/1.1 200 Connection established\r\nVia: 1.1 fake", tunnel.ResponseHeaders);
        Assert.Equal("CONNECT localhost:25025 HTTP/1.1\r\nHost: localhost:25025\r\n\r\n", fake.Connections[0].ReceivedText);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AProxyThatClosesDuringTheHandshakeIsReportedWithTheStep(bool isAsync)
    {
        await using var fake = new FakeProxy(async c =>
        {
            await c.ReadAsync(3);
            await c.WriteAsync(Hex("05 00"));
            await c.ReadAsync(10);
            c.Close();
        });
        using var call = new ProxyCall(isAsync);
        var e = await call.FailsAsync(At(fake, ProxyKind.Socks5), "192.0.2.25", 25);
        Assert.Equal(ProxyStep.Connect, e.Step);
        Assert.Equal($"SOCKS5 proxy 127.0.0.1:{fake.Port} closed the connection while the client was waiting for the reply to "
            + "CONNECT 192.0.2.25:25", e.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AnHttpProxyThatClosesMidHeadIsReported(bool isAsync)
    {
        await using var fake = new FakeProxy(async c =>
        {
            await c.ReadHeadAsync();
            await c.WriteAsync("HTTP/1.1 200 Conn");
            c.Close();
        });
        using var call = new ProxyCall(isAsync);
        var e = await call.FailsAsync(At(fake, ProxyKind.HttpConnect), "localhost", 25);
        Assert.Equal($"HTTP proxy 127.0.0.1:{fake.Port} closed the connection in the middle of the reply to CONNECT localhost:25 "
            + "(after 17 bytes)", e.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TheSocks5PasswordNeverReachesTheTraceOrTheError(bool isAsync)
    {
        const string secret = "Very$ecret-123";
        await using var fake = new FakeProxy(async c =>
        {
            await c.ReadAsync(4);
            await c.WriteAsync(Hex("05 02"));
            var head = await c.ReadAsync(2);
            await c.ReadAsync(head[1]);
            await c.ReadAsync((await c.ReadAsync(1))[0]);
            await c.WriteAsync(Hex("01 01"));
            await c.HangAsync();
        });
        using var call = new ProxyCall(isAsync);
        var e = await call.FailsAsync(At(fake, ProxyKind.Socks5) with { User = "carol", Password = secret }, "localhost", 25);
        Assert.Equal(ProxyStep.Authentication, e.Step);
        call.AssertNeverShows(secret, e);
        // It did go to the proxy (RFC 1929 carries it in clear).
        Assert.Contains(secret, Encoding.ASCII.GetString(fake.Connections[0].Received), StringComparison.Ordinal);
    }
}
