using System.Diagnostics;
using Herald.Tests.Loopback;
using Herald.Transport.Proxies;
using Xunit;
using static Herald.Tests.Proxies.ProxyBytes;

namespace Herald.Tests.Proxies;

/// <summary>
/// The call's guard covers the proxy handshake: a proxy that stops answering times out, and Interrupt stops the
/// handshake, with a message that names the proxy and the step. The upper bounds are safety limits; the lower bounds
/// show that the limit, not something else, ended the call.
/// </summary>
[Collection(LoopbackTiming.Name)]
public class ProxyStopTests
{
    private static readonly TimeSpan AlmostOneSecond = TimeSpan.FromMilliseconds(900);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ASocks5ProxyThatStallsTimesOutNamingTheStep(bool isAsync)
    {
        await using var fake = new FakeProxy(async c =>
        {
            await c.ReadAsync(3);
            await c.WriteAsync(Hex("05 00"));
            await c.HangAsync();
        });
        using var call = new ProxyCall(isAsync, timeoutSeconds: 1);
        var clock = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<SmtpException>(() => call.RunAsync(At(fake, ProxyKind.Socks5), "localhost", 25025));
        clock.Stop();
        Assert.Equal(SmtpErrorCodes.Timeout, e.Code);
        Assert.Equal($"The operation timed out during the SOCKS5 handshake with proxy 127.0.0.1:{fake.Port} (waiting for the reply "
            + "to CONNECT localhost:25025): nothing was received from or sent to the server for 1 seconds; the connection was closed.",
            e.Message);
        Assert.InRange(clock.Elapsed, AlmostOneSecond, LoopbackSmtp.SafetyLimit);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AnHttpProxyThatStallsMidHeadTimesOut(bool isAsync)
    {
        await using var fake = new FakeProxy(async c =>
        {
            await c.ReadHeadAsync();
            await c.WriteAsync("HTTP/1.1 200 Connection established\r\n");
            await c.HangAsync();
        });
        using var call = new ProxyCall(isAsync, timeoutSeconds: 1);
        var e = await Assert.ThrowsAsync<SmtpException>(() => call.RunAsync(At(fake, ProxyKind.HttpConnect), "localhost", 25025));
        Assert.Equal(SmtpErrorCodes.Timeout, e.Code);
        Assert.Contains($"during the HTTP handshake with proxy 127.0.0.1:{fake.Port} (waiting for the reply to CONNECT localhost:25025)",
            e.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task InterruptStopsTheHandshake(bool isAsync)
    {
        await using var fake = new FakeProxy(c => c.HangAsync());
        using var call = new ProxyCall(isAsync, timeoutSeconds: 30);
        var clock = Stopwatch.StartNew();
        _ = Task.Run(async () =>
        {
            await Task.Delay(300);
            call.Guard.Interrupt();
        });
        var e = await Assert.ThrowsAsync<SmtpException>(() => call.RunAsync(At(fake, ProxyKind.Socks4), "127.0.0.1", 25));
        Assert.Equal(SmtpErrorCodes.Interrupted, e.Code);
        Assert.Contains($"during the SOCKS4 handshake with proxy 127.0.0.1:{fake.Port} (waiting for the reply to CONNECT 127.0.0.1:25)",
            e.Message);
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(250), LoopbackSmtp.SafetyLimit);
    }
}
