using Herald.Queue;
using Herald.Tests.Infrastructure;
using Xunit;

namespace Herald.Tests.Queue;

/// <summary>
/// The queue against real process deaths and signals, with <c>herald</c> as the child process: a writer killed
/// half-way, a worker killed while it holds a message (before and after the end of the data), and
/// <c>herald queue run --watch</c> as a service (picking up new files, stopping on SIGTERM after the message in flight).
/// </summary>
public sealed class QueueProcessTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly QueueFixture _q = new();

    public void Dispose() => _q.Dispose();

    private string[] Run(FakeSmtpServer server, params string[] more) =>
        ["queue", "run", "--server", $"{server.Host}:{server.Port}", "--tls", "none", "--queue-dir", _q.Dir, .. more];

    private static async Task WaitUntilAsync(Func<bool> condition, string what, HeraldProcess? process = null)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Waited in vain for {what}.{(process is null ? "" : " herald's stderr:\n" + process.Error)}");
            }
            await Task.Delay(10);
        }
    }

    [Fact]
    public async Task AWriterKilledHalfWayLeavesNothingThatIsSent()
    {
        string body = Path.Combine(_q.Dir, "..", Path.GetFileName(_q.Dir) + "-body.txt");
        // Big enough that writing and syncing it takes a while to kill the writer in.
        await File.WriteAllLinesAsync(body,
            Enumerable.Range(0, 400_000).Select(i => $"Line {i} of a long message body, plain ASCII text."));
        try
        {
            bool killedWhileWriting = false;
            for (int attempt = 0; attempt < 5 && !killedWhileWriting; attempt++)
            {
                using var writer = HeraldProcess.Start("queue", "add", "--from", "alice@example.org", "--to", "bob@example.com",
                    "--subject", "Big", "--body-file", body, "--queue-dir", _q.Dir);
                var deadline = DateTime.UtcNow + Patience;
                while (!writer.HasExited && DateTime.UtcNow < deadline && !Directory.EnumerateFiles(_q.Dir, "*.tmp").Any())
                {
                    Thread.Sleep(1);
                }
                if (!writer.HasExited && Directory.EnumerateFiles(_q.Dir, "*.tmp").Any())
                {
                    writer.Kill();
                    killedWhileWriting = !Directory.EnumerateFiles(_q.Dir, "*.queued").Any();
                }
                if (!killedWhileWriting)
                {
                    // Too quick this time (the file was complete before the kill): start over.
                    await writer.WaitForExitAsync(Patience);
                    foreach (var f in Directory.GetFiles(_q.Dir))
                    {
                        File.Delete(f);
                    }
                }
            }
            Assert.True(killedWhileWriting, "the writer could not be killed while it was writing");
            Assert.Equal([".tmp"], _q.Extensions());

            await using var server = new FakeSmtpServer();
            using var smtp = _q.Processor(server);
            smtp.ProcessQueue(_q.Dir);
            Assert.Empty(server.Sessions);
            Assert.Empty(new MailQueue(_q.Dir).List());
        }
        finally
        {
            File.Delete(body);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TheMessageOfAKilledWorkerIsTakenOverAndSent(bool afterTheEndOfTheData)
    {
        string id = Path.GetFileNameWithoutExtension(_q.Add());
        string messageId = QueueFixture.MessageIdOf(_q.Dir + "/" + id + ".queued");
        await using var server = new FakeSmtpServer();
        // The first session stops answering: before the data (no 354), or after the end of it (no reply to the dot).
        server.On(afterTheEndOfTheData ? "." : "DATA", cmd => cmd.Session.Index == 0 ? FakeAction.Hang : null);
        using var worker = HeraldProcess.Start(Run(server));
        await WaitUntilAsync(() => server.Sessions.Count > 0 &&
            server.Sessions[0].Lines.Contains("DATA") && (!afterTheEndOfTheData || server.Sessions[0].Messages.Count == 1),
            "the worker to be stuck in its send", worker);
        string sending = Path.Combine(_q.Dir, id + ".sending");
        Assert.True(File.Exists(sending));
        Assert.True(QueueFileSystem.IsLocked(sending));

        // While the worker lives, another run leaves its message alone.
        using var other = _q.Processor(server);
        other.ProcessQueue(_q.Dir);
        Assert.Single(server.Sessions);
        Assert.True(File.Exists(sending));

        worker.Kill();
        Assert.False(QueueFileSystem.IsLocked(sending)); // the kernel let go of the dead worker's lock

        other.ProcessQueue(_q.Dir);

        Assert.Empty(_q.Extensions());
        Assert.Single(server.Sessions[1].Messages);
        Assert.Equal(afterTheEndOfTheData ? 2 : 1, QueueFixture.Deliveries(server)[messageId]);
        Assert.Equal(afterTheEndOfTheData, _q.Notes.Any(n => n.Contains($"{id} may have been delivered twice", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task AWatchingRunPicksUpNewMessagesAndStopsOnSigtermAfterTheMessageInFlight()
    {
        await using var server = new FakeSmtpServer();
        var received = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        server.On(".", cmd =>
        {
            if (cmd.Message!.Text.Contains("Subject: Second", StringComparison.Ordinal))
            {
                received.TrySetResult();
                return FakeAction.Delay(TimeSpan.FromSeconds(1), cmd.BuiltIn()); // still in flight when SIGTERM comes
            }
            return null;
        });
        // A poll far longer than the test: a new file must be noticed as it appears.
        using var worker = HeraldProcess.Start(Run(server, "--watch", "--poll", "600"));
        await worker.WaitForErrorAsync("watching", Patience);

        string first = _q.Add("First");
        await WaitUntilAsync(() => QueueFixture.Deliveries(server).Count == 1 && !File.Exists(first),
            "the first message to be sent", worker);

        string second = _q.Add("Second");
        await received.Task.WaitAsync(Patience);
        worker.Terminate();

        Assert.Equal(0, await worker.WaitForExitAsync(Patience));
        Assert.Contains("herald: queue: stopped.", worker.Error, StringComparison.Ordinal);
        Assert.Equal(2, QueueFixture.Deliveries(server).Count);
        Assert.Equal(250, server.Sessions.SelectMany(s => s.Messages).Last().FinalReplyCode);
        Assert.False(File.Exists(second));
        Assert.Empty(_q.Extensions()); // finished, not left .sending or put back
        Assert.Contains("QUIT", server.Sessions.Last().Lines);
    }
}
