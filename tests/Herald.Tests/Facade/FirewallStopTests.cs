using System.Diagnostics;
using Herald.Tests.Infrastructure;
using Herald.Tests.Loopback;
using Herald.Tests.Proxies;
using Herald.Transport.Proxies;
using Xunit;
using static Herald.Tests.Loopback.LoopbackSmtp;

namespace Herald.Tests.Facade;

/// <summary>
/// Timeout and Interrupt cover the proxy step of the Smtp component's connection: the error names the proxy step,
/// and the component connects again afterwards. The upper bounds are safety limits; the lower bounds show that the
/// limit, not something else, ended the call.
/// </summary>
[Collection(LoopbackTiming.Name)]
public class FirewallStopTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AStallingProxyTimesOutNamingTheProxyStepAndTheComponentRecovers(bool isAsync)
    {
        await using var server = new FakeSmtpServer();
        await using var stalling = new FakeProxy(async c =>
        {
            await c.ReadAsync(3);
            await c.WriteAsync(ProxyBytes.Hex("05 00"));
            await c.HangAsync();
        });
        using var smtp = Create(server);
        smtp.MailServer = "*localhost";
        smtp.Timeout = 1;
        smtp.Firewall.FirewallType = FirewallTypes.fwSOCKS5;
        smtp.Firewall.Host = "127.0.0.1";
        smtp.Firewall.Port = stalling.Port;
        var clock = Stopwatch.StartNew();

        var e = await SendFails(smtp, isAsync);

        Assert.Equal(SmtpErrorCodes.Timeout, e.Code);
        Assert.Equal($"The operation timed out during the SOCKS5 handshake with proxy 127.0.0.1:{stalling.Port} (waiting for the reply "
            + $"to CONNECT localhost:{server.Port}): nothing was received from or sent to the server for 1 seconds; the connection "
            + "was closed.", e.Message);
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(900), SafetyLimit);
        Assert.False(smtp.Connected);
        Assert.True(smtp.Idle);

        await using var working = new ForwardingProxy(ProxyKind.Socks5);
        smtp.Firewall.Port = working.Port;
        smtp.Timeout = 20;
        await Send(smtp, isAsync);
        Assert.Single(server.Sessions[0].Messages);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ConnectionTimeoutCoversTheProxyHandshake(bool isAsync)
    {
        await using var server = new FakeSmtpServer();
        await using var silent = new FakeProxy(c => c.HangAsync());
        using var smtp = Create(server);
        smtp.Timeout = 30;
        smtp.Config("ConnectionTimeout=1");
        smtp.Firewall.FirewallType = FirewallTypes.fwTunnel;
        smtp.Firewall.Host = "127.0.0.1";
        smtp.Firewall.Port = silent.Port;
        var e = await ConnectFails(smtp, isAsync);
        Assert.Equal(SmtpErrorCodes.Timeout, e.Code);
        Assert.Contains($"during the HTTP handshake with proxy 127.0.0.1:{silent.Port} (waiting for the reply to CONNECT 127.0.0.1:"
            + $"{server.Port})", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task InterruptStopsTheProxyHandshakeWith301(bool isAsync)
    {
        await using var server = new FakeSmtpServer();
        await using var silent = new FakeProxy(c => c.HangAsync());
        using var smtp = Create(server);
        smtp.Timeout = 30;
        smtp.Firewall.FirewallType = FirewallTypes.fwSOCKS4;
        smtp.Firewall.Host = "127.0.0.1";
        smtp.Firewall.Port = silent.Port;
        smtp.OnPITrail += (_, e) =>
        {
            // Interrupt from the trace handler as soon as the CONNECT request is on its way.
            if (e.Direction == 2 && e.Message.Contains("SOCKS4 proxy", StringComparison.Ordinal) && e.Message.Contains(": CONNECT "))
            {
                smtp.Interrupt();
            }
        };
        var sending = isAsync ? smtp.SendAsync() : OnOwnThread(smtp.Send);
        var e = await Assert.ThrowsAsync<SmtpException>(() => sending).WaitAsync(SafetyLimit);
        Assert.Equal(SmtpErrorCodes.Interrupted, e.Code);
        Assert.Contains($"during the SOCKS4 handshake with proxy 127.0.0.1:{silent.Port}", e.Message, StringComparison.Ordinal);
        Assert.True(smtp.Idle);
        Assert.False(smtp.Connected);
    }
}
