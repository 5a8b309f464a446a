using Herald.Queue;
using Herald.Tests.Infrastructure;
using Xunit;

namespace Herald.Tests.Queue;

/// <summary>
/// Several ProcessQueue calls on one directory, several workers in one call, and stopping a run: each message is sent
/// exactly once, and a run that stops loses nothing.
/// </summary>
public sealed class QueueConcurrencyTests : IDisposable
{
    private readonly QueueFixture _q = new();

    public void Dispose() => _q.Dispose();

    [Fact]
    public async Task TwoCallsRacingForOneFileSendItOnce()
    {
        for (int round = 0; round < 20; round++)
        {
            _q.Add($"Round {round}");
            await using var server = new FakeSmtpServer();
            using var a = _q.Processor(server);
            using var b = _q.Processor(server);
            using var start = new Barrier(2);
            var runs = new[] { a, b }.Select(smtp => Task.Run(() =>
            {
                start.SignalAndWait();
                smtp.ProcessQueue(_q.Dir);
            })).ToArray();
            await Task.WhenAll(runs);

            Assert.Equal(1, Assert.Single(QueueFixture.Deliveries(server)).Value);
            Assert.Empty(_q.Extensions());
        }
    }

    [Fact]
    public async Task ManyCallsWithManyWorkersDrainOneDirectoryAndSendEachMessageOnce()
    {
        var ids = Enumerable.Range(0, 120).Select(i => QueueFixture.MessageIdOf(_q.Add($"Message {i}"))).ToHashSet();
        await using var server = new FakeSmtpServer();
        server.On(".", cmd => FakeAction.Delay(TimeSpan.FromMilliseconds(2), cmd.BuiltIn()));
        var components = Enumerable.Range(0, 4).Select(_ => _q.Processor(server, "QueueWorkers=3")).ToList();
        try
        {
            // Two run asynchronously, two with blocking I/O on threads of their own.
            await Task.WhenAll(
                components[0].ProcessQueueAsync(_q.Dir),
                components[1].ProcessQueueAsync(_q.Dir),
                Task.Run(() => components[2].ProcessQueue(_q.Dir)),
                Task.Run(() => components[3].ProcessQueue(_q.Dir)));
        }
        finally
        {
            components.ForEach(c => c.Dispose());
        }

        var deliveries = QueueFixture.Deliveries(server);
        Assert.Equal(ids.Order(), deliveries.Keys.Order());
        Assert.All(deliveries, d => Assert.Equal(1, d.Value));
        Assert.Empty(_q.Extensions());
        Assert.True(server.Sessions.Count > 1, "the work was shared between sessions");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task WorkersSendAtTheSameTimeEachOverItsOwnSession(bool isAsync)
    {
        for (int i = 0; i < 12; i++)
        {
            _q.Add($"Message {i}");
        }
        await using var server = new FakeSmtpServer();
        // The server is slow to accept, so one worker alone could not have taken every message before the others began.
        server.On(".", cmd => FakeAction.Delay(TimeSpan.FromMilliseconds(100), cmd.BuiltIn()));
        using var smtp = _q.Processor(server, "QueueWorkers=4");

        if (isAsync)
        {
            await smtp.ProcessQueueAsync(_q.Dir);
        }
        else
        {
            smtp.ProcessQueue(_q.Dir);
        }

        Assert.Equal(12, QueueFixture.Deliveries(server).Count);
        Assert.Equal(4, server.Sessions.Count);
        Assert.All(server.Sessions, s =>
        {
            Assert.NotEmpty(s.Messages); // every worker sent over its own session
            Assert.Contains("QUIT", s.Lines);
        });
        Assert.False(smtp.Connected);
    }

    [Fact]
    public async Task CancellingFinishesTheMessagesInFlightAndLeavesTheRestQueued()
    {
        for (int i = 0; i < 4; i++)
        {
            _q.Add($"Message {i}");
        }
        await using var server = new FakeSmtpServer();
        using var cancel = new CancellationTokenSource();
        server.On(".", cmd =>
        {
            cancel.Cancel(); // asked to stop while the first message waits for its reply
            return FakeAction.Delay(TimeSpan.FromMilliseconds(300), cmd.BuiltIn());
        });
        using var smtp = _q.Processor(server);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => smtp.ProcessQueueAsync(_q.Dir, cancel.Token));

        // The second message's envelope went out with the end of the first, so it was in flight too and was finished;
        // no other was started.
        Assert.Equal(2, QueueFixture.Deliveries(server).Count);
        Assert.All(server.Sessions.Single().Messages, m => Assert.Equal(250, m.FinalReplyCode));
        Assert.Equal([".queued", ".queued"], _q.Extensions());
        Assert.Contains("QUIT", server.Sessions[0].Lines);
    }

    [Fact]
    public async Task InterruptingCutsTheMessageInFlightOffAndPutsItBack()
    {
        string id = Path.GetFileNameWithoutExtension(_q.Add());
        await using var server = new FakeSmtpServer();
        using var smtp = _q.Processor(server);
        server.On(".", _ =>
        {
            smtp.Interrupt(); // the end of the data has gone out: the server may have the message
            return FakeAction.Hang;
        });

        var e = Assert.Throws<SmtpException>(() => smtp.ProcessQueue(_q.Dir));

        Assert.Equal(SmtpErrorCodes.Interrupted, e.Code);
        var back = Assert.Single(new MailQueue(_q.Dir).List());
        Assert.Equal(QueuedMessageState.Queued, back.State);
        Assert.Equal(QueueFixture.Start, back.NextAttempt); // due again at once
        Assert.True(back.MayHaveBeenDeliveredTwice);
        Assert.Contains(_q.Notes, n => n.Contains($"{id} may have been delivered twice", StringComparison.Ordinal));
    }
}
