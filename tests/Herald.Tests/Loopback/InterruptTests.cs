using Herald.Tests.Infrastructure;
using Xunit;
using static Herald.Tests.Loopback.LoopbackSmtp;

namespace Herald.Tests.Loopback;

/// <summary>
/// Stopping a call: Interrupt from another thread and from event handlers (301), cancellation of the async methods,
/// the busy rule (166, Idle), and the component working again afterwards.
/// </summary>
public class InterruptTests
{
    /// <summary>Starts a send that the server leaves hanging at MAIL, and waits until the server has the MAIL line.</summary>
    private static async Task<Task> StartHangingSend(FakeSmtpServer server, Smtp smtp, bool isAsync, CancellationToken token = default)
    {
        server.On("MAIL", FirstConnection(FakeAction.Hang));
        var sending = isAsync ? smtp.SendAsync(token) : OnOwnThread(smtp.Send);
        var session = await server.WaitForSessionAsync(0, SafetyLimit);
        await session.WaitForLineAsync(l => l.StartsWith("MAIL ", StringComparison.Ordinal), SafetyLimit);
        return sending;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task InterruptFromAnotherThreadStopsTheCallWith301(bool isAsync)
    {
        await using var server = new FakeSmtpServer();
        using var smtp = Create(server);
        var sending = await StartHangingSend(server, smtp, isAsync);

        Assert.False(smtp.Idle);
        smtp.Interrupt();
        var e = await Assert.ThrowsAsync<SmtpException>(() => sending).WaitAsync(SafetyLimit);
        Assert.Equal(SmtpErrorCodes.Interrupted, e.Code);
        Assert.True(smtp.Idle);
        Assert.False(smtp.Connected);

        await Send(smtp, isAsync);
        Assert.Single(server.Sessions[1].Messages);
    }

    [Fact]
    public async Task InterruptWithNothingRunningDoesNothing()
    {
        await using var server = new FakeSmtpServer();
        using var smtp = Create(server);
        smtp.Interrupt();
        await smtp.InterruptAsync();
        await Send(smtp, isAsync: true);
        Assert.Single(server.Sessions[0].Messages);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ASecondCallWhileOneRunsIsBusy(bool isAsync)
    {
        await using var server = new FakeSmtpServer();
        using var smtp = Create(server);
        var sending = await StartHangingSend(server, smtp, isAsync);

        Assert.False(smtp.Idle);
        Assert.Equal(SmtpErrorCodes.Busy, Assert.Throws<SmtpException>(smtp.Send).Code);
        Assert.Equal(SmtpErrorCodes.Busy, (await Assert.ThrowsAsync<SmtpException>(() => smtp.ConnectAsync())).Code);
        Assert.Equal(SmtpErrorCodes.Busy, Assert.Throws<SmtpException>(() => smtp.Verify("bob")).Code);
        Assert.Equal(SmtpErrorCodes.Busy, Assert.Throws<SmtpException>(smtp.Disconnect).Code);

        smtp.Interrupt();
        await Assert.ThrowsAsync<SmtpException>(() => sending).WaitAsync(SafetyLimit);
        Assert.True(smtp.Idle);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task InterruptFromTheTraceHandlerStopsBeforeTheEnvelopeLeaves(bool isAsync)
    {
        await using var server = new FakeSmtpServer();
        using var smtp = Create(server);
        bool armed = true;
        smtp.OnPITrail += (_, e) =>
        {
            if (armed && e.Direction == 0 && e.Message.StartsWith("MAIL", StringComparison.Ordinal))
            {
                armed = false;
                smtp.Interrupt();
            }
        };

        var e = await SendFails(smtp, isAsync);
        Assert.Equal(SmtpErrorCodes.Interrupted, e.Code);
        var session = server.Sessions[0];
        await session.Ended.WaitAsync(SafetyLimit);
        Assert.DoesNotContain(session.Lines, l => l.StartsWith("MAIL", StringComparison.Ordinal));

        await Send(smtp, isAsync);
        Assert.Single(server.Sessions[1].Messages);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task InterruptFromTheTransferHandlerAbandonsTheMessage(bool isAsync)
    {
        await using var server = new FakeSmtpServer();
        using var smtp = Create(server);
        smtp.MessageText = string.Concat(Enumerable.Repeat("A line of the body.\r\n", 20_000));
        bool armed = true;
        smtp.OnTransfer += (_, _) =>
        {
            if (armed)
            {
                armed = false;
                smtp.Interrupt();
            }
        };

        var e = await SendFails(smtp, isAsync);
        Assert.Equal(SmtpErrorCodes.Interrupted, e.Code);
        var session = server.Sessions[0];
        await session.Ended.WaitAsync(SafetyLimit);
        Assert.Empty(session.Messages); // the data never ended, so nothing was delivered

        await Send(smtp, isAsync);
        Assert.Single(server.Sessions[1].Messages);
    }

    [Fact]
    public async Task CancellingTheTokenStopsTheCallWithOperationCanceled()
    {
        await using var server = new FakeSmtpServer();
        using var smtp = Create(server);
        using var cts = new CancellationTokenSource();
        var sending = await StartHangingSend(server, smtp, isAsync: true, cts.Token);

        await cts.CancelAsync();
        var e = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sending).WaitAsync(SafetyLimit);
        Assert.Equal(cts.Token, e.CancellationToken);
        Assert.True(smtp.Idle);
        Assert.False(smtp.Connected);

        await smtp.SendAsync();
        Assert.Single(server.Sessions[1].Messages);
    }

    [Fact]
    public async Task AnAlreadyCancelledTokenStopsTheCallBeforeItStarts()
    {
        await using var server = new FakeSmtpServer();
        using var smtp = Create(server);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => smtp.SendAsync(new CancellationToken(canceled: true)));
        Assert.True(smtp.Idle);
        await smtp.SendAsync();
        Assert.Single(server.Sessions[^1].Messages);
    }
}
