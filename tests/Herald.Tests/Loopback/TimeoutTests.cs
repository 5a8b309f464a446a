using System.Diagnostics;
using Herald.Tests.Infrastructure;
using Xunit;
using static Herald.Tests.Loopback.LoopbackSmtp;

namespace Herald.Tests.Loopback;

/// <summary>
/// Timeout (inactivity by default, the whole call with AbsoluteTimeout) and ConnectionTimeout against a real socket.
/// The upper bounds here are safety limits far above the configured second; the lower bounds show that the limit, not
/// something else, ended the call.
/// </summary>
[Collection(LoopbackTiming.Name)]
public class TimeoutTests
{
    private static readonly TimeSpan AlmostOneSecond = TimeSpan.FromMilliseconds(900);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AServerThatStopsAnsweringTimesOutAfterTheInactivityLimit(bool isAsync)
    {
        await using var server = new FakeSmtpServer();
        server.On("MAIL", FirstConnection(FakeAction.Hang));
        using var smtp = Create(server);
        smtp.Timeout = 1;

        var clock = Stopwatch.StartNew();
        var e = await SendFails(smtp, isAsync);
        clock.Stop();
        Assert.Equal(SmtpErrorCodes.Timeout, e.Code);
        Assert.Contains("1 seconds", e.Message);
        Assert.InRange(clock.Elapsed, AlmostOneSecond, SafetyLimit);
        Assert.False(smtp.Connected);
        Assert.True(smtp.Idle);

        await Send(smtp, isAsync); // the component works again on a new connection
        Assert.Single(server.Sessions[1].Messages);
    }

    /// <summary>A server that answers each of six steps after 500 ms: slow, but never quiet for two seconds.</summary>
    private static FakeSmtpServer SlowServer()
    {
        var server = new FakeSmtpServer();
        server.Capabilities.Remove("PIPELINING");
        var pause = TimeSpan.FromMilliseconds(500);
        server.OnConnect = _ => FakeAction.DelayedReply(pause, "220 fake.test ESMTP slow");
        foreach (var verb in new[] { "EHLO", "MAIL", "RCPT", "DATA", "." })
        {
            server.On(verb, cmd => FakeAction.Delay(pause, cmd.BuiltIn()));
        }
        return server;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ASlowButSteadyServerDoesNotTripTheInactivityLimit(bool isAsync)
    {
        await using var server = SlowServer();
        using var smtp = Create(server);
        smtp.Timeout = 2;

        var clock = Stopwatch.StartNew();
        await Send(smtp, isAsync);
        Assert.True(clock.Elapsed > TimeSpan.FromSeconds(2.5), "the exchange itself takes longer than the limit");
        Assert.Single(server.Sessions[0].Messages);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AbsoluteTimeoutBoundsTheWholeCall(bool isAsync)
    {
        await using var server = SlowServer();
        using var smtp = Create(server);
        smtp.Timeout = 2;
        smtp.Config("AbsoluteTimeout=True");

        var clock = Stopwatch.StartNew();
        var e = await SendFails(smtp, isAsync);
        clock.Stop();
        Assert.Equal(SmtpErrorCodes.Timeout, e.Code);
        Assert.Contains("AbsoluteTimeout", e.Message);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(1.9), SafetyLimit);
        Assert.Empty(server.Sessions[0].Messages);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AbsoluteTimeoutCountsTheGreetingToo(bool isAsync)
    {
        // 1.2 s to greet and 1.2 s to answer MAIL: 2.4 s in all, over the 2 s limit, though neither wait alone is.
        await using var server = new FakeSmtpServer();
        server.OnConnect = _ => FakeAction.DelayedReply(TimeSpan.FromMilliseconds(1200), "220 fake.test ESMTP slow");
        server.On("MAIL", cmd => FakeAction.Delay(TimeSpan.FromMilliseconds(1200), cmd.BuiltIn()));
        using var smtp = Create(server);
        smtp.Timeout = 2;
        smtp.Config("AbsoluteTimeout=True");

        var clock = Stopwatch.StartNew();
        var e = await SendFails(smtp, isAsync);
        Assert.Equal(SmtpErrorCodes.Timeout, e.Code);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(1.9), SafetyLimit);
        Assert.Empty(server.Sessions[0].Messages);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ConnectionTimeoutLimitsAServerThatAcceptsButNeverGreets(bool isAsync)
    {
        await using var server = new FakeSmtpServer { OnConnect = _ => FakeAction.Hang };
        using var smtp = Create(server);
        smtp.Timeout = 30;
        smtp.Config("ConnectionTimeout=1");

        var clock = Stopwatch.StartNew();
        var e = await ConnectFails(smtp, isAsync);
        clock.Stop();
        Assert.Equal(SmtpErrorCodes.Timeout, e.Code);
        Assert.InRange(clock.Elapsed, AlmostOneSecond, SafetyLimit);
        Assert.False(smtp.Connected);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ConnectionTimeoutDoesNotLimitTheSessionAfterTheGreeting(bool isAsync)
    {
        await using var server = new FakeSmtpServer();
        server.On("MAIL", cmd => FakeAction.Delay(TimeSpan.FromMilliseconds(1500), cmd.BuiltIn()));
        using var smtp = Create(server);
        smtp.Timeout = 10;
        smtp.Config("ConnectionTimeout=1");

        await Send(smtp, isAsync);
        Assert.Single(server.Sessions[0].Messages);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task WithoutConnectionTimeoutTheTimeoutCoversTheGreeting(bool isAsync)
    {
        await using var server = new FakeSmtpServer { OnConnect = _ => FakeAction.Hang };
        using var smtp = Create(server);
        smtp.Timeout = 1;

        var clock = Stopwatch.StartNew();
        var e = await ConnectFails(smtp, isAsync);
        Assert.Equal(SmtpErrorCodes.Timeout, e.Code);
        Assert.InRange(clock.Elapsed, AlmostOneSecond, SafetyLimit);
    }
}
