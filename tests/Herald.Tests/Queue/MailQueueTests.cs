using System.Text;
using Herald.Queue;
using Herald.Tests.Infrastructure;
using Xunit;

namespace Herald.Tests.Queue;

/// <summary>MailQueue: listing a directory in every state, reading a message, putting failed ones back, purging.</summary>
public sealed class MailQueueTests : IDisposable
{
    private readonly QueueFixture _q = new();

    public void Dispose() => _q.Dispose();

    [Fact]
    public async Task ListsEveryStateWithItsDetails()
    {
        _q.Add("Sent");
        _q.Add("Refused", to: "nobody@example.com");
        _q.Add("Deferred", to: "later@example.com");
        await using var server = new FakeSmtpServer();
        server.On("RCPT", cmd =>
            cmd.Argument.Contains("nobody@", StringComparison.Ordinal) ? FakeAction.Reply("550 5.1.1 No such user")
            : cmd.Argument.Contains("later@", StringComparison.Ordinal) ? FakeAction.Reply("451 4.7.1 Greylisted")
            : null);
        using (var smtp = _q.Processor(server, "KeepQueue=True", "QueueStopOnError=False"))
        {
            smtp.ProcessQueue(_q.Dir);
        }
        string waiting = _q.Add("Waiting", bcc: "copy@example.com");

        var list = new MailQueue(_q.Dir).List();

        Assert.Equal([QueuedMessageState.Sent, QueuedMessageState.Failed, QueuedMessageState.Queued, QueuedMessageState.Queued],
            list.Select(m => m.State));
        Assert.Equal(list.Select(m => m.Id).Order(StringComparer.Ordinal), list.Select(m => m.Id));
        Assert.All(list, m => Assert.Equal("alice@example.org", m.From));
        Assert.Contains("550 5.1.1 No such user", list[1].LastError, StringComparison.Ordinal);
        Assert.Contains("451 4.7.1 Greylisted", list[2].LastError, StringComparison.Ordinal);
        Assert.NotNull(list[2].NextAttempt);
        Assert.Equal(1, list[2].Attempts);
        Assert.Equal(0, list[3].Attempts);
        Assert.Equal([("bob@example.com", EmailRecipientTypes.rtTo), ("copy@example.com", EmailRecipientTypes.rtBcc)],
            list[3].Recipients.Select(r => (r.Address, r.Type)));
        Assert.Equal(QueueFixture.Start, list[3].Created);
        Assert.Equal(new FileInfo(waiting).Length - list[3].Size, File.ReadAllText(waiting).IndexOf("From:", StringComparison.Ordinal));

        Assert.Equal(list[1].Id, new MailQueue(_q.Dir).Find(list[1].Id + ".failed")?.Id);
        Assert.Null(new MailQueue(_q.Dir).Find("no-such-id"));
        using var text = new MemoryStream();
        new MailQueue(_q.Dir).CopyMessageTo(list[3].Id, text);
        Assert.StartsWith("From: alice@example.org\r\n", Encoding.UTF8.GetString(text.ToArray()), StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\nBody of Waiting.\r\n", Encoding.UTF8.GetString(text.ToArray()), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARetriedFailedMessageStartsOverButKeepsItsDeliveredRecipients()
    {
        _q.Add(to: "to@example.com", bcc: "gone@example.com");
        await using var server = new FakeSmtpServer();
        // The To is accepted, the Bcc refused for good: with StopOnBccErrors the whole message fails.
        server.On("RCPT", cmd => cmd.Argument.Contains("gone@", StringComparison.Ordinal) && cmd.Session.Index == 0
            ? FakeAction.Reply("550 5.1.1 No such user") : null);
        using var smtp = _q.Processor(server, "StopOnBccErrors=True");
        Assert.Throws<SmtpException>(() => smtp.ProcessQueue(_q.Dir));
        var queue = new MailQueue(_q.Dir);
        var failed = Assert.Single(queue.List());
        Assert.Equal(QueuedMessageState.Failed, failed.State);

        Assert.True(queue.Retry(failed.Id));
        Assert.False(queue.Retry(failed.Id)); // no longer failed
        var back = Assert.Single(queue.List());
        Assert.Equal(QueuedMessageState.Queued, back.State);
        Assert.EndsWith("RESET put back in the queue by hand", back.History[^1], StringComparison.Ordinal);

        smtp.ProcessQueue(_q.Dir);
        Assert.Equal(["to@example.com", "gone@example.com"], server.Sessions[1].Messages.Single().Recipients);
        Assert.Empty(queue.List());
    }

    [Fact]
    public async Task PurgeDeletesOnlyTheStateAsked()
    {
        _q.Add("Sent");
        _q.Add("Refused", to: "nobody@example.com");
        await using var server = new FakeSmtpServer();
        server.On("RCPT", cmd =>
            cmd.Argument.Contains("nobody@", StringComparison.Ordinal) ? FakeAction.Reply("550 5.1.1 No such user") : null);
        using (var smtp = _q.Processor(server, "KeepQueue=True", "QueueStopOnError=False"))
        {
            smtp.ProcessQueue(_q.Dir);
        }
        _q.Add("Waiting");
        var queue = new MailQueue(_q.Dir);

        Assert.Equal(1, queue.Purge(QueuedMessageState.Sent));
        Assert.Equal([".failed", ".queued"], _q.Extensions());
        Assert.Equal(1, queue.RetryAllFailed());
        Assert.Equal(0, queue.Purge(QueuedMessageState.Failed));
        Assert.Throws<ArgumentException>(() => queue.Purge(QueuedMessageState.Queued));
        Assert.Equal([".queued", ".queued"], _q.Extensions());
    }

    [Fact]
    public void AMissingDirectoryIsError303()
    {
        var queue = new MailQueue(Path.Combine(_q.Dir, "none"));
        Assert.Equal(SmtpErrorCodes.CannotOpenFile, Assert.Throws<SmtpException>(() => queue.List()).Code);
        Assert.Equal(SmtpErrorCodes.CannotOpenFile, Assert.Throws<SmtpException>(() => queue.CopyMessageTo("x", Stream.Null)).Code);
    }
}
