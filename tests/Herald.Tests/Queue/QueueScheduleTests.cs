using Herald.Queue;
using Herald.Tests.Infrastructure;
using Xunit;

namespace Herald.Tests.Queue;

/// <summary>
/// What ProcessQueue does with each kind of outcome: a 4xx or a lost connection schedules the next attempt (backoff
/// with jitter, up to the maximum age, then the message fails), a 5xx fails it, and recipients that got a 4xx while
/// others were accepted are the only ones tried again.
/// </summary>
public sealed class QueueScheduleTests : IDisposable
{
    private readonly QueueFixture _q = new();

    public void Dispose() => _q.Dispose();

    private QueuedMessage Only() => Assert.Single(new MailQueue(_q.Dir).List());

    [Fact]
    public async Task ATransientReplySchedulesTheNextAttemptAndTheMessageWaitsForIt()
    {
        string id = Path.GetFileNameWithoutExtension(_q.Add());
        await using var server = new FakeSmtpServer();
        server.On(".", cmd => cmd.Session.Index == 0 ? FakeAction.Reply("451 4.3.0 Try again later") : null);
        using var smtp = _q.Processor(server);

        var e = await Assert.ThrowsAsync<SmtpException>(() => smtp.ProcessQueueAsync(_q.Dir));
        Assert.Equal(451, e.ReplyCode);

        var waiting = Only();
        Assert.Equal(id, waiting.Id);
        Assert.Equal(QueuedMessageState.Queued, waiting.State);
        Assert.Equal(1, waiting.Attempts);
        Assert.Contains("451 4.3.0 Try again later", waiting.LastError, StringComparison.Ordinal);
        // The first wait is QueueRetryDelay (60 s) spread by ±20 %.
        var wait = waiting.NextAttempt!.Value - QueueFixture.Start;
        Assert.InRange(wait.TotalSeconds, 48, 72);
        Assert.Equal(["ATTEMPT", "DATA-END", "RETRY"], waiting.History.Select(h => h.Split(' ')[1]));

        // Not due yet: nothing is sent, not even a connection is made.
        await smtp.ProcessQueueAsync(_q.Dir);
        Assert.Single(server.Sessions);
        Assert.Equal([".queued"], _q.Extensions());

        _q.Clock.Now = waiting.NextAttempt.Value;
        await smtp.ProcessQueueAsync(_q.Dir);
        Assert.Equal(2, server.Sessions.Count);
        Assert.Single(server.Sessions[1].Messages);
        Assert.Empty(_q.Extensions());
    }

    [Fact]
    public async Task EachFailedAttemptDoublesTheWaitUpToTheLongestWait()
    {
        _q.Add();
        await using var server = new FakeSmtpServer();
        server.On(".", _ => FakeAction.Reply("452 4.3.1 Insufficient system storage"));
        using var smtp = _q.Processor(server, "QueueStopOnError=False", "QueueRetryDelay=100", "QueueMaxRetryDelay=300");
        var waits = new List<double>();
        for (int attempt = 1; attempt <= 4; attempt++)
        {
            await smtp.ProcessQueueAsync(_q.Dir);
            var next = Only().NextAttempt!.Value;
            waits.Add((next - _q.Clock.Now).TotalSeconds);
            _q.Clock.Now = next;
        }
        Assert.InRange(waits[0], 80, 120);
        Assert.InRange(waits[1], 160, 240);
        Assert.InRange(waits[2], 240, 360); // 400 s capped at 300 s, then the jitter
        Assert.InRange(waits[3], 240, 360);
        Assert.Equal(4, Only().Attempts);
        Assert.Equal(4, _q.Errors.Count); // without stopping, each failure is reported instead of thrown
    }

    [Fact]
    public async Task APermanentReplyFailsTheMessageWithTheReply()
    {
        _q.Add();
        await using var server = new FakeSmtpServer();
        server.On(".", _ => FakeAction.Reply("554 5.7.1 Message rejected as spam"));
        using var smtp = _q.Processor(server);

        var e = Assert.Throws<SmtpException>(() => smtp.ProcessQueue(_q.Dir));
        Assert.Equal(554, e.ReplyCode);

        var failed = Only();
        Assert.Equal(QueuedMessageState.Failed, failed.State);
        Assert.Contains("554 5.7.1 Message rejected as spam", failed.LastError, StringComparison.Ordinal);
        Assert.StartsWith("FAILED ", failed.History[^1].Split(' ', 2)[1], StringComparison.Ordinal);
        smtp.ProcessQueue(_q.Dir); // a failed message is not tried again
        Assert.Single(server.Sessions);
    }

    [Fact]
    public async Task AMessageStillFailingAtTheMaximumAgeFails()
    {
        _q.Add();
        await using var server = new FakeSmtpServer();
        server.On(".", _ => FakeAction.Reply("451 4.3.0 Try again later"));
        using var smtp = _q.Processor(server, "QueueStopOnError=False", "QueueMaxAge=3600");

        // Close to the deadline, the next attempt is due at the deadline itself rather than after it.
        _q.Clock.Now = QueueFixture.Start.AddSeconds(3590);
        await smtp.ProcessQueueAsync(_q.Dir);
        Assert.Equal(QueueFixture.Start.AddSeconds(3600), Only().NextAttempt);

        _q.Clock.Now = QueueFixture.Start.AddSeconds(3600);
        await smtp.ProcessQueueAsync(_q.Dir);
        var failed = Only();
        Assert.Equal(QueuedMessageState.Failed, failed.State);
        Assert.Contains("longer than the maximum age of 1 hours", failed.LastError, StringComparison.Ordinal);
        Assert.Contains("451 4.3.0", failed.LastError, StringComparison.Ordinal);
        Assert.Equal(2, server.Sessions.Count);
    }

    [Fact]
    public async Task OnlyTheRecipientsThatGotATransientRefusalAreTriedAgain()
    {
        _q.Add(to: "to@example.com", bcc: "busy@example.com, gone@example.com, ok@example.com");
        await using var server = new FakeSmtpServer();
        server.On("RCPT", cmd =>
            cmd.Argument.Contains("busy@", StringComparison.Ordinal) && cmd.Session.Index == 0 ? FakeAction.Reply("450 4.2.1 Mailbox busy")
            : cmd.Argument.Contains("gone@", StringComparison.Ordinal) ? FakeAction.Reply("550 5.1.1 No such user")
            : null);
        using var smtp = _q.Processor(server, "QueueRetryDelay=0");

        await smtp.ProcessQueueAsync(_q.Dir); // the transaction succeeded: nothing to throw
        var first = Assert.Single(server.Sessions[0].Messages);
        Assert.Equal(["to@example.com", "ok@example.com"], first.Recipients);
        var partial = Only();
        Assert.Equal(QueuedMessageState.Queued, partial.State);
        Assert.Equal(
            [
                QueuedRecipientStatus.Delivered, QueuedRecipientStatus.Pending,
                QueuedRecipientStatus.Rejected, QueuedRecipientStatus.Delivered,
            ],
            partial.Recipients.Select(r => r.Status));
        Assert.Contains("450 4.2.1 Mailbox busy", partial.Recipients[1].LastReply, StringComparison.Ordinal);
        Assert.Contains("550 5.1.1", partial.Recipients[2].LastReply, StringComparison.Ordinal);

        await smtp.ProcessQueueAsync(_q.Dir);
        var second = Assert.Single(server.Sessions[1].Messages);
        Assert.Equal(["RCPT TO:<busy@example.com>"], second.RcptLines); // only the one still pending
        Assert.Equal(first.Content, second.Content);
        Assert.Empty(_q.Extensions());
    }

    [Fact]
    public async Task AConnectionThatCannotBeMadeLeavesTheMessageQueuedWithTheReason()
    {
        _q.Add();
        int port;
        using (var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        }
        using var smtp = new Smtp { MailServer = "127.0.0.1", MailPort = port, QueueClock = _q.Clock };
        smtp.Config("QueueStopOnError=False"); // even when going on, no session means the run ends with the error

        var e = await Assert.ThrowsAnyAsync<SmtpException>(() => smtp.ProcessQueueAsync(_q.Dir));
        var waiting = Only();
        Assert.Equal(QueuedMessageState.Queued, waiting.State);
        Assert.Equal(1, waiting.Attempts);
        Assert.Equal(e.Message, waiting.LastError);
        Assert.NotNull(waiting.NextAttempt);
        Assert.DoesNotContain(waiting.History, h => h.Contains("DATA-END", StringComparison.Ordinal));
    }

    [Fact]
    public async Task GoingOnAfterAFailureSendsTheOthersAndReportsIt()
    {
        _q.Add("First");
        _q.Add("Second", to: "nobody@example.com");
        _q.Add("Third");
        await using var server = new FakeSmtpServer();
        server.On("RCPT", cmd =>
            cmd.Argument.Contains("nobody@", StringComparison.Ordinal) ? FakeAction.Reply("550 5.1.1 No such user") : null);
        using var smtp = _q.Processor(server, "QueueStopOnError=False");

        smtp.ProcessQueue(_q.Dir);

        Assert.Equal(2, server.Sessions.Single().Messages.Count);
        Assert.Equal([".failed"], _q.Extensions());
        var error = Assert.Single(_q.Errors);
        Assert.Contains("nobody@example.com", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ByDefaultTheFirstFailureStopsTheRun()
    {
        _q.Add("First", to: "nobody@example.com");
        _q.Add("Second");
        await using var server = new FakeSmtpServer();
        server.On("RCPT", cmd =>
            cmd.Argument.Contains("nobody@", StringComparison.Ordinal) ? FakeAction.Reply("450 4.2.0 Greylisted") : null);
        using var smtp = _q.Processor(server);

        var e = await Assert.ThrowsAsync<SmtpException>(() => smtp.ProcessQueueAsync(_q.Dir));
        Assert.Equal(450, e.ReplyCode);
        Assert.Empty(server.Sessions.Single().Messages);
        Assert.Equal([".queued", ".queued"], _q.Extensions()); // the first waits for its retry, the second was not started
        Assert.Empty(_q.Errors);
    }
}
