using System.Text;
using Herald.Tests.Infrastructure;
using Herald.Tests.Queue;
using Xunit;

namespace Herald.Tests.Facade;

/// <summary>
/// Queue and ProcessQueue: the queue file format (an envelope preamble that keeps Bcc out of every header), "*" for the
/// content itself, the .queued/.sending/.sent/.failed life cycle, and a failure that stops the run without losing a
/// message.
/// </summary>
public sealed class QueueTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("herald-queue-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly DateTimeOffset QueuedAt = new(2026, 11, 22, 10, 0, 0, 123, TimeSpan.Zero);

    private static Smtp Message(string subject = "Queued", string to = "bob@example.com")
    {
        var smtp = new Smtp { QueueClock = new ManualClock(QueuedAt) };
        smtp.Config("Hello=client.test");
        smtp.From = "alice@example.org";
        smtp.SendTo = to;
        smtp.BCc = "eve@example.net";
        smtp.MessageRecipients.Add(new MessageRecipient("carol@example.com", (int)EmailRecipientTypes.rtCc) { Options = "NOTIFY SUCCESS" });
        smtp.Subject = subject;
        smtp.MessageDate = "Sun, 22 Nov 2026 10:00:00 +0000";
        smtp.MessageId = "<q1@client.test>";
        smtp.MessageText = "Queued body.\r\n";
        return smtp;
    }

    private const string ExpectedMessage =
        "From: alice@example.org\r\nTo: bob@example.com\r\nCc: carol@example.com\r\nSubject: Queued\r\n" +
        "Date: Sun, 22 Nov 2026 10:00:00 +0000\r\nMessage-ID: <q1@client.test>\r\n\r\nQueued body.\r\n";

    private static string ExpectedFile(string size) =>
        "HERALD-QUEUE 2\r\nCREATED 2026-11-22T10:00:00.123Z\r\nFROM <alice@example.org>\r\nTO <bob@example.com>\r\n" +
        "BCC <eve@example.net>\r\nCC <carol@example.com> NOTIFY=SUCCESS\r\nSIZE " + size + "\r\n\r\n" + ExpectedMessage;

    [Fact]
    public void QueueStarReturnsTheQueuedContentAndWritesNothing()
    {
        using var smtp = Message();
        Assert.Equal(ExpectedFile(ExpectedMessage.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)), smtp.Queue("*"));
        Assert.Empty(Directory.GetFileSystemEntries(_dir));
    }

    [Fact]
    public async Task QueueWritesANewQueuedFileAndReturnsItsPath()
    {
        using var smtp = Message();
        string first = smtp.Queue(_dir);
        string second = await smtp.QueueAsync(_dir);

        Assert.NotEqual(first, second);
        foreach (var path in new[] { first, second })
        {
            Assert.True(Path.IsPathRooted(path));
            Assert.Equal(_dir, Path.GetDirectoryName(path));
            Assert.EndsWith(".queued", path, StringComparison.Ordinal);
            // The size is filled in after the message is written, over a field of spaces kept for it.
            Assert.Equal(ExpectedFile(ExpectedMessage.Length.ToString(System.Globalization.CultureInfo.InvariantCulture).PadRight(20)),
                File.ReadAllText(path, Encoding.UTF8));
        }
        Assert.Equal(2, Directory.GetFiles(_dir).Length); // no temporary file left behind
    }

    [Fact]
    public void QueuedFilesSortInTheOrderTheyWereQueued()
    {
        // ProcessQueue sends oldest first by name, so names must sort in queue order even within one millisecond.
        using var smtp = Message();
        var queued = new List<string>();
        for (int i = 0; i < 50; i++)
        {
            smtp.Subject = $"Message {i}";
            queued.Add(smtp.Queue(_dir));
        }
        Assert.Equal(queued, queued.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void QueueNeedsAnExistingDirectoryAndACompleteMessage()
    {
        using var smtp = Message();
        var e = Assert.Throws<SmtpException>(() => smtp.Queue(Path.Combine(_dir, "missing")));
        Assert.Equal(SmtpErrorCodes.CannotOpenFile, e.Code);
        Assert.Contains("does not exist", e.Message);
        smtp.From = "";
        Assert.Equal(SmtpErrorCodes.NoSender, Assert.Throws<SmtpException>(() => smtp.Queue(_dir)).Code);
        Assert.Empty(Directory.GetFileSystemEntries(_dir));
    }

    [Fact]
    public void QueueWritesNonAsciiTextAsQuotedPrintable()
    {
        using var smtp = Message();
        smtp.MessageText = "Grüße\r\n";
        string queued = smtp.Queue("*");
        Assert.Contains("Content-Transfer-Encoding: quoted-printable\r\n", queued, StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\nGr=C3=BC=C3=9Fe\r\n", queued, StringComparison.Ordinal);
        Assert.True(Ascii.IsValid(queued));
    }

    private static Smtp Processor(FakeSmtpServer server, bool keep = false)
    {
        var smtp = new Smtp { MailServer = server.Host, MailPort = server.Port };
        smtp.Config("Hello=client.test");
        if (keep)
        {
            smtp.Config("KeepQueue=True");
        }
        return smtp;
    }

    private void QueueTwo()
    {
        using var one = Message("First");
        one.Queue(_dir);
        using var two = Message("Second");
        two.Queue(_dir);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ProcessQueueSendsEveryFileOverOneConnectionAndDeletesIt(bool isAsync)
    {
        QueueTwo();
        await using var server = new FakeSmtpServer();
        var inFlight = new List<string>();
        server.On(".", _ =>
        {
            inFlight.Add(string.Join(",", Directory.GetFiles(_dir).Select(Path.GetExtension).Order()));
            return null;
        });
        using var smtp = Processor(server);

        if (isAsync)
        {
            await smtp.ProcessQueueAsync(_dir);
        }
        else
        {
            smtp.ProcessQueue(_dir);
        }

        Assert.Empty(Directory.GetFiles(_dir));
        // Each file is renamed .sending while in flight; the second is claimed before the end of the first goes out,
        // since its envelope travels in the same write.
        Assert.Equal([".sending,.sending", ".sending"], inFlight);
        var session = Assert.Single(server.Sessions);
        Assert.Equal(2, session.Messages.Count);
        var first = session.Messages[0];
        Assert.Equal("alice@example.org", first.From);
        Assert.Equal(["bob@example.com", "eve@example.net", "carol@example.com"], first.Recipients);
        Assert.Contains("RCPT TO:<carol@example.com>", first.RcptLines); // no DSN offered: the option is dropped
        Assert.Contains("Subject: First\r\n", first.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("eve@example.net", first.Text, StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\nQueued body.\r\n", first.Text, StringComparison.Ordinal);
        Assert.Contains("Subject: Second\r\n", session.Messages[1].Text, StringComparison.Ordinal);
        Assert.False(smtp.Connected);
    }

    [Fact]
    public async Task KeepQueueRenamesSentFilesInsteadOfDeletingThem()
    {
        QueueTwo();
        await using var server = new FakeSmtpServer();
        using var smtp = Processor(server, keep: true);
        await smtp.ProcessQueueAsync(_dir);
        var files = Directory.GetFiles(_dir);
        Assert.Equal(2, files.Length);
        Assert.All(files, f => Assert.EndsWith(".sent", f, StringComparison.Ordinal));
    }

    [Fact]
    public async Task AFailureRenamesTheFileFailedAndStopsTheRun()
    {
        using (var ok = Message("First"))
        {
            ok.Queue(_dir);
        }
        using (var refused = Message("Second", to: "nobody@example.com"))
        {
            refused.Queue(_dir);
        }
        using (var later = Message("Third"))
        {
            later.Queue(_dir);
        }
        await using var server = new FakeSmtpServer();
        server.On("RCPT", cmd =>
            cmd.Argument.Contains("nobody@", StringComparison.Ordinal) ? FakeAction.Reply("550 5.1.1 No such user") : null);
        using var smtp = Processor(server);

        var e = await Assert.ThrowsAsync<SmtpException>(() => smtp.ProcessQueueAsync(_dir));
        Assert.Equal(SmtpErrorCodes.ProtocolError, e.Code);
        Assert.Equal(550, e.ReplyCode);

        var left = Directory.GetFiles(_dir).Select(Path.GetExtension).Order().ToList();
        Assert.Equal([".failed", ".queued"], left); // the first was sent and deleted; the third waits
        Assert.Contains("Subject: Second", File.ReadAllText(Directory.GetFiles(_dir, "*.failed").Single()), StringComparison.Ordinal);
        Assert.Contains("Subject: Third", File.ReadAllText(Directory.GetFiles(_dir, "*.queued").Single()), StringComparison.Ordinal);
        Assert.Single(server.Sessions[0].Messages);
        Assert.False(smtp.Connected);
    }

    [Fact]
    public async Task AFileThatIsNotAQueueFileFails()
    {
        File.WriteAllText(Path.Combine(_dir, "junk.queued"), "From: someone\r\n\r\nnot a queue file\r\n");
        await using var server = new FakeSmtpServer();
        using var smtp = Processor(server);
        var e = Assert.Throws<SmtpException>(() => smtp.ProcessQueue(_dir));
        Assert.Equal(SmtpErrorCodes.CannotOpenFile, e.Code);
        Assert.Contains("junk.queued", e.Message);
        Assert.True(File.Exists(Path.Combine(_dir, "junk.failed")));
    }

    [Fact]
    public async Task OnlyQueuedFilesAreTakenAndAMissingDirectoryIsAnError()
    {
        File.WriteAllText(Path.Combine(_dir, "note.txt"), "not mail");
        File.WriteAllText(Path.Combine(_dir, "old.failed"), "not retried");
        await using var server = new FakeSmtpServer();
        using var smtp = Processor(server);
        smtp.ProcessQueue(_dir);
        Assert.Empty(server.Sessions); // nothing to send, so no connection
        Assert.Equal(2, Directory.GetFiles(_dir).Length);
        Assert.Equal(SmtpErrorCodes.CannotOpenFile, Assert.Throws<SmtpException>(() => smtp.ProcessQueue(Path.Combine(_dir, "none"))).Code);
    }
}
