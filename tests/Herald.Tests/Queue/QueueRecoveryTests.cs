using System.Text;
using Herald.Queue;
using Herald.Tests.Infrastructure;
using Xunit;

namespace Herald.Tests.Queue;

/// <summary>
/// What a run finds after a crash: files half-written, damaged, or claimed by a worker that died at each step of a
/// send, and a connection lost between the end of the data and its reply. The worker's death is played here by
/// releasing a claim whose journal says how far it got (the tests in <c>QueueProcessTests</c> kill real processes).
/// </summary>
public sealed class QueueRecoveryTests : IDisposable
{
    private readonly QueueFixture _q = new();

    public void Dispose() => _q.Dispose();

    /// <summary>Claims the file of <paramref name="path"/> as a worker would, writes the journal lines a worker that got
    /// that far would have written, and lets go of it as a dying worker does: the file stays <c>.sending</c>.</summary>
    private void ClaimAndDie(string path, params string[] kinds)
    {
        var store = new QueueStore(_q.Dir);
        using var entry = store.TryClaim(Path.GetFileNameWithoutExtension(path))!;
        var now = _q.Clock.GetUtcNow();
        foreach (var kind in kinds)
        {
            entry.Append(durable: true, new QueueRecord(now, kind, kind switch
            {
                QueueRecordKind.Attempt => "1 host=test pid=1",
                QueueRecordKind.Delivered => "1 250 2.0.0 Ok: queued",
                _ => "",
            }));
        }
    }

    [Fact]
    public async Task AHalfWrittenFileIsNeverSentAndIsRemovedOnceItIsOld()
    {
        // What a writer killed in the middle of Queue leaves: a temporary file, never renamed.
        string full = await File.ReadAllTextAsync(_q.Add());
        File.Delete(Directory.GetFiles(_q.Dir).Single());
        string temp = Path.Combine(_q.Dir, "20261122100000000-000000000001-abcdefabcdef.tmp");
        await File.WriteAllTextAsync(temp, full[..(full.Length / 2)]);
        await using var server = new FakeSmtpServer();
        using var smtp = _q.Processor(server);

        smtp.ProcessQueue(_q.Dir);
        Assert.Empty(server.Sessions);
        Assert.True(File.Exists(temp)); // young: its writer may still be at work

        File.SetLastWriteTimeUtc(temp, DateTime.UtcNow.AddHours(-2));
        smtp.ProcessQueue(_q.Dir);
        Assert.Empty(server.Sessions);
        Assert.False(File.Exists(temp));
    }

    [Fact]
    public async Task ATemporaryFileWhoseWriterHoldsItsLockIsLeftAloneHoweverOld()
    {
        string temp = Path.Combine(_q.Dir, "20261122100000000-000000000001-abcdefabcdef.tmp");
        using (var writer = new FileStream(temp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None))
        {
            writer.Write("HERALD-QUEUE 2\r\n"u8);
            File.SetLastWriteTimeUtc(temp, DateTime.UtcNow.AddHours(-2));
            await using var server = new FakeSmtpServer();
            using var smtp = _q.Processor(server);
            smtp.ProcessQueue(_q.Dir);
            Assert.True(File.Exists(temp));
        }
    }

    [Fact]
    public async Task AQueuedFileShorterThanItsHeaderSaysFailsWithoutBeingSent()
    {
        // A file whose rename reached the disk but whose data did not (the case the fsync before the rename prevents).
        string path = _q.Add();
        var bytes = await File.ReadAllBytesAsync(path);
        await File.WriteAllBytesAsync(path, bytes[..^10]);
        await using var server = new FakeSmtpServer();
        using var smtp = _q.Processor(server);

        var e = Assert.Throws<SmtpException>(() => smtp.ProcessQueue(_q.Dir));
        Assert.Equal(SmtpErrorCodes.CannotOpenFile, e.Code);
        Assert.Contains("where its header says", e.Message, StringComparison.Ordinal);
        Assert.Empty(server.Sessions);
        Assert.Equal([".failed"], _q.Extensions());
    }

    [Fact]
    public async Task AJournalLineCutShortByACrashIsIgnoredAndCutOff()
    {
        string path = _q.Add();
        await File.AppendAllTextAsync(path, "@2026-11-22T10:00:00.500Z ATTEMPT 1 host=x pi");
        await using var server = new FakeSmtpServer();
        using var smtp = _q.Processor(server, "KeepQueue=True");

        smtp.ProcessQueue(_q.Dir);

        Assert.Single(server.Sessions[0].Messages);
        string sent = await File.ReadAllTextAsync(Path.ChangeExtension(path, ".sent"));
        Assert.DoesNotContain("pi@", sent, StringComparison.Ordinal);
        var journal = sent[sent.IndexOf("\r\n@", StringComparison.Ordinal)..].Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["ATTEMPT", "DATA-END", "DELIVERED"], journal.Select(l => l.Split(' ')[1]));
        Assert.Equal(1, Assert.Single(new MailQueue(_q.Dir).List()).Attempts);
    }

    [Fact]
    public async Task ASendingFileWhoseWorkerIsAliveIsLeftAlone()
    {
        string path = _q.Add();
        var store = new QueueStore(_q.Dir);
        await using var server = new FakeSmtpServer();
        using var smtp = _q.Processor(server);
        using (var held = store.TryClaim(Path.GetFileNameWithoutExtension(path)))
        {
            Assert.NotNull(held);
            smtp.ProcessQueue(_q.Dir);
            Assert.Empty(server.Sessions);
            Assert.Equal([".sending"], _q.Extensions());
            Assert.True(Assert.Single(new MailQueue(_q.Dir).List()).IsBeingSent);
        }
        smtp.ProcessQueue(_q.Dir);
        Assert.Single(server.Sessions[0].Messages);
        Assert.Empty(_q.Extensions());
    }

    [Fact]
    public async Task AWorkerThatDiedBeforeTheEndOfTheDataLeavesAMessageThatIsSentAgainWithoutDoubt()
    {
        string path = _q.Add();
        ClaimAndDie(path, QueueRecordKind.Attempt);
        await using var server = new FakeSmtpServer();
        using var smtp = _q.Processor(server);

        smtp.ProcessQueue(_q.Dir);

        Assert.Single(server.Sessions[0].Messages);
        Assert.Empty(_q.Extensions());
        Assert.Contains(_q.Notes, n => n.Contains("stopped before the end of the message", StringComparison.Ordinal));
        Assert.DoesNotContain(_q.Notes, n => n.Contains("may have been delivered twice", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AWorkerThatDiedAfterTheEndOfTheDataLeavesAMessageThatIsSentAgainAndSaysSo()
    {
        string path = _q.Add();
        string id = Path.GetFileNameWithoutExtension(path);
        ClaimAndDie(path, QueueRecordKind.Attempt, QueueRecordKind.DataEnd);
        await using var server = new FakeSmtpServer();
        using var smtp = _q.Processor(server, "KeepQueue=True");

        smtp.ProcessQueue(_q.Dir);

        Assert.Single(server.Sessions[0].Messages);
        Assert.Contains(_q.Notes, n => n.Contains($"{id} may have been delivered twice", StringComparison.Ordinal));
        var sent = Assert.Single(new MailQueue(_q.Dir).List());
        Assert.True(sent.MayHaveBeenDeliveredTwice);
        Assert.Equal(2, sent.Attempts);
    }

    [Fact]
    public async Task AnAcceptanceRecordedBeforeTheWorkerDiedIsNotSentAgain()
    {
        string kept = _q.Add("Kept");
        string deleted = _q.Add("Deleted");
        ClaimAndDie(kept, QueueRecordKind.Attempt, QueueRecordKind.DataEnd, QueueRecordKind.Delivered);
        ClaimAndDie(deleted, QueueRecordKind.Attempt, QueueRecordKind.DataEnd, QueueRecordKind.Delivered);
        await using var server = new FakeSmtpServer();
        using (var keep = _q.Processor(server, "KeepQueue=True"))
        {
            // Recovery takes every dead worker's file at once: both are finished, the kept one as .sent.
            keep.ProcessQueue(_q.Dir);
        }
        Assert.Empty(server.Sessions);
        Assert.Equal([".sent", ".sent"], _q.Extensions());
        Assert.Equal(2, _q.Notes.Count(n => n.Contains("had been delivered when the worker sending it stopped", StringComparison.Ordinal)));
        Assert.DoesNotContain(_q.Notes, n => n.Contains("may have been delivered twice", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ALostConnectionAfterTheEndOfTheDataIsLoggedAndTheMessageSentAgain()
    {
        string id = Path.GetFileNameWithoutExtension(_q.Add());
        await using var server = new FakeSmtpServer();
        // The server takes the message and the connection drops before its reply: the one window the protocol leaves.
        server.On(".", cmd => cmd.Session.Index == 0 ? FakeAction.Drop : null);
        using var smtp = _q.Processor(server, "QueueRetryDelay=0");

        var e = await Assert.ThrowsAsync<SmtpException>(() => smtp.ProcessQueueAsync(_q.Dir));
        Assert.Equal(SmtpErrorCodes.CommunicationError, e.Code);
        Assert.Contains(_q.Notes, n => n.Contains($"{id} may have been delivered twice", StringComparison.Ordinal));
        Assert.True(Assert.Single(new MailQueue(_q.Dir).List()).MayHaveBeenDeliveredTwice);

        await smtp.ProcessQueueAsync(_q.Dir);
        Assert.Equal(2, Assert.Single(QueueFixture.Deliveries(server)).Value);
        Assert.Empty(_q.Extensions());
    }

    [Fact]
    public async Task ALostConnectionBeforeTheEndOfTheDataLeavesNoDoubt()
    {
        _q.Add();
        await using var server = new FakeSmtpServer();
        server.On("DATA", cmd => cmd.Session.Index == 0 ? FakeAction.Drop : null);
        using var smtp = _q.Processor(server, "QueueRetryDelay=0");

        await Assert.ThrowsAsync<SmtpException>(() => smtp.ProcessQueueAsync(_q.Dir));
        await smtp.ProcessQueueAsync(_q.Dir);

        Assert.Equal(1, Assert.Single(QueueFixture.Deliveries(server)).Value);
        Assert.DoesNotContain(_q.Notes, n => n.Contains("may have been delivered twice", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AFileInTheFirstFormatIsSentAsBefore()
    {
        // Exactly what the queue wrote before its files had a journal.
        const string message = "From: alice@example.org\r\nTo: bob@example.com\r\nSubject: Old\r\n" +
                                "Message-ID: <old@client.test>\r\n\r\nGr\u00fc\u00dfe\r\n";
        // Named as the queue named files then: the time it was queued (a minute before the fixture's clock) comes first.
        string path = Path.Combine(_q.Dir, "20261122095900000-000000000001-0123456789ab.queued");
        await File.WriteAllTextAsync(path,
            "HERALD-QUEUE 1\r\nFROM <alice@example.org>\r\nTO <bob@example.com>\r\nBCC <eve@example.net>\r\n\r\n" + message,
            new UTF8Encoding(false));
        var listed = Assert.Single(new MailQueue(_q.Dir).List());
        Assert.Equal(1, listed.FormatVersion);
        Assert.Equal(QueueFixture.Start.AddMinutes(-1), listed.Created);
        await using var server = new FakeSmtpServer();
        server.On(".", cmd => cmd.Session.Index == 0 ? FakeAction.Reply("451 4.3.0 Later") : null);
        using var smtp = _q.Processor(server, "QueueRetryDelay=0");

        // A retry needs a journal: the file is rewritten in the current format under a new name, and the old one goes.
        await Assert.ThrowsAsync<SmtpException>(() => smtp.ProcessQueueAsync(_q.Dir));
        var upgraded = Assert.Single(new MailQueue(_q.Dir).List());
        Assert.Equal("20261122095900000-000000000001-0123456789ab-v2", upgraded.Id);
        Assert.Equal(QueueFile.CurrentVersion, upgraded.FormatVersion);
        Assert.Equal(1, upgraded.Attempts);

        await smtp.ProcessQueueAsync(_q.Dir);
        var sent = server.Sessions[1].Messages.Single();
        Assert.Equal(message, sent.Text);
        Assert.Equal(["bob@example.com", "eve@example.net"], sent.Recipients);
        Assert.Contains("BODY=8BITMIME", sent.MailLine, StringComparison.Ordinal);
        Assert.Empty(_q.Extensions());
    }

    private const string OldFile = "HERALD-QUEUE 1\r\nFROM <alice@example.org>\r\nTO <bob@example.com>\r\n\r\nSubject: Old\r\n\r\nHi\r\n";

    [Fact]
    public async Task AnUpgradeThatACrashInterruptedIsNotSentTwice()
    {
        // The new file was written and renamed, then the worker died before deleting the old one.
        string old = Path.Combine(_q.Dir, "20260101120000000-000000000001-0123456789ab.queued");
        await File.WriteAllTextAsync(old, OldFile);
        var store = new QueueStore(_q.Dir);
        var claimed = store.TryClaim("20260101120000000-000000000001-0123456789ab")!;
        using (var upgraded = store.Upgrade(claimed))
        {
            Assert.NotNull(upgraded);
        }
        await File.WriteAllTextAsync(old, OldFile);
        await using var server = new FakeSmtpServer();
        using var smtp = _q.Processor(server);

        smtp.ProcessQueue(_q.Dir);

        Assert.Single(server.Sessions.Single().Messages);
        Assert.Empty(_q.Extensions());
    }
}
