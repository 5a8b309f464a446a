using System.Text;
using Herald.Queue;
using Herald.Tests.Infrastructure;
using Herald.Tests.Transcripts;
using Xunit;

namespace Herald.Tests.Queue;

/// <summary>
/// ProcessQueue sends the messages of one session pipelined across message boundaries: the end of one message and the
/// next envelope share a write. What that must not change: the end of a message leaves only after DATA-END is in its
/// journal, a drop between the final dot and its reply leaves that message (and only that one) in doubt, a message
/// whose envelope was in flight but never answered goes back unchanged, and the recipient policy stops a transaction
/// as it always did.
/// </summary>
public sealed class QueuePipeliningTests : IDisposable
{
    private readonly QueueFixture _q = new();

    public void Dispose() => _q.Dispose();

    private (string One, string Two, string Three) AddThree() =>
        (_q.AddRaw("bob@example.com", "one", "first"), _q.AddRaw("carol@example.com", "two", "second"),
         _q.AddRaw("dave@example.com", "three", "third"));

    private QueuedMessage Listed(string id) => new MailQueue(_q.Dir).List().Single(m => m.Id == id);

    private Task ProcessAsync(Smtp smtp, bool isAsync)
    {
        if (isAsync)
        {
            return smtp.ProcessQueueAsync(_q.Dir);
        }
        smtp.ProcessQueue(_q.Dir);
        return Task.CompletedTask;
    }

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task SeveralMessagesGoOverOneConnectionOneWritePerMessage(ReplayMode mode)
    {
        var (one, two, three) = AddThree();
        string[] ids = [one, two, three];
        var written = new StringBuilder();
        var sizeWhenEndLeft = new List<long>(); // the size of message k's file when the write carrying its end left
        return TranscriptRunner.RunAsync("Transcripts/queue-pipelined.smtp", mode, factory =>
        {
            var recorder = new RecordingTransportFactory(factory, bytes =>
            {
                written.Append(Encoding.ASCII.GetString(bytes));
                int ends = Occurrences(written.ToString(), "\r\n.\r\n");
                while (sizeWhenEndLeft.Count < ends)
                {
                    sizeWhenEndLeft.Add(SizeOf(ids[sizeWhenEndLeft.Count]));
                }
            });
            return (Smtp: _q.Processor(recorder, "KeepQueue=True"), Recorder: recorder);
        }, async (client, isAsync) =>
        {
            using var smtp = client.Smtp;
            await ProcessAsync(smtp, isAsync);

            Assert.Equal([".sent", ".sent", ".sent"], _q.Extensions());
            var writes = client.Recorder.Writes;
            const string Next = "\r\n.\r\nRSET\r\nMAIL FROM:<alice@example.org>\r\nRCPT TO:<{0}>\r\nDATA\r\n";
            Assert.Contains(writes, w => w.Contains("first" + string.Format(null, Next, "carol@example.com"), StringComparison.Ordinal));
            Assert.Contains(writes, w => w.Contains("second" + string.Format(null, Next, "dave@example.com"), StringComparison.Ordinal));
            // DATA-END was on disk (in the kernel's hands) before the end of each message was handed to the connection.
            Assert.Equal(3, sizeWhenEndLeft.Count);
            for (int k = 0; k < 3; k++)
            {
                Assert.True(sizeWhenEndLeft[k] >= JournalOffsetPast(ids[k], "DATA-END"),
                    $"the end of message {k + 1} left before its DATA-END was written");
                Assert.Equal(["ATTEMPT", "DATA-END", "DELIVERED"], Listed(ids[k]).History.Select(h => h.Split(' ')[1]));
            }
        });
    }

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task ADropBetweenTheFinalDotAndItsReplyLeavesThatMessageInDoubtAndTheNextUnchanged(ReplayMode mode)
    {
        var (one, two, three) = AddThree();
        return TranscriptRunner.RunAsync("Transcripts/queue-pipelined-drop.smtp", mode, factory => _q.Processor(factory),
            async (smtp, isAsync) =>
            {
                using (smtp)
                {
                    var e = await Assert.ThrowsAsync<SmtpException>(() => ProcessAsync(smtp, isAsync));
                    Assert.Equal(SmtpErrorCodes.CommunicationError, e.Code);
                }

                Assert.Equal([".queued", ".queued", ".queued"], _q.Extensions());
                var first = Listed(one);
                Assert.True(first.MayHaveBeenDeliveredTwice);
                Assert.Equal(1, first.Attempts);
                Assert.Equal(["ATTEMPT", "DATA-END", "IN-DOUBT", "RETRY"], first.History.Select(h => h.Split(' ')[1]));
                Assert.Contains(_q.Notes, n => n.Contains($"{one} may have been delivered twice", StringComparison.Ordinal));
                foreach (var id in new[] { two, three })
                {
                    var untouched = Listed(id);
                    Assert.Equal(0, untouched.Attempts);
                    Assert.Empty(untouched.History);
                    Assert.Null(untouched.NextAttempt);
                    Assert.False(untouched.MayHaveBeenDeliveredTwice);
                }
                Assert.Contains(_q.Notes, n => n.Contains($"{two} went back to the queue unchanged", StringComparison.Ordinal));
                Assert.Single(_q.Notes, n => n.Contains("may have been delivered twice", StringComparison.Ordinal));
            });
    }

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task AfterADropTheUnansweredMessageIsSentAgainAtOnceWhenGoingOn(ReplayMode mode)
    {
        var (one, two, three) = AddThree();
        return TranscriptRunner.RunAsync("Transcripts/queue-pipelined-drop-goes-on.smtp", mode,
            factory => _q.Processor(factory, "QueueStopOnError=False"), async (smtp, isAsync) =>
        {
            using (smtp)
            {
                await ProcessAsync(smtp, isAsync);
            }

            var waiting = Assert.Single(new MailQueue(_q.Dir).List());
            Assert.Equal(one, waiting.Id);
            Assert.True(waiting.MayHaveBeenDeliveredTwice);
            Assert.InRange((waiting.NextAttempt!.Value - QueueFixture.Start).TotalSeconds, 48, 72);
            Assert.Single(_q.Errors); // the first message's failure, reported and passed over
            Assert.DoesNotContain(_q.Notes, n => n.Contains($"{two} may have", StringComparison.Ordinal)
                                                 || n.Contains($"{three} may have", StringComparison.Ordinal));
        });
    }

    [Fact]
    public async Task ARejectedToRecipientStopsTheMessageAsASingleSendDoes()
    {
        // Two recipients, one refused: by default (StopOnToErrors) the whole message fails rather than going to the
        // other. DATA was already accepted in the pipelined group, so the connection is closed to abandon it.
        string refused = Path.GetFileNameWithoutExtension(_q.Add("Refused", to: "ok@example.com, gone@example.com"));
        _q.Add("Next");
        await using var server = new FakeSmtpServer();
        server.On("RCPT", cmd =>
            cmd.Argument.Contains("gone@", StringComparison.Ordinal) ? FakeAction.Reply("550 5.1.1 No such user") : null);
        using var smtp = _q.Processor(server, "QueueStopOnError=False");

        await smtp.ProcessQueueAsync(_q.Dir);

        Assert.Equal(2, server.Sessions.Count);
        Assert.Empty(server.Sessions[0].Messages); // nothing was delivered to ok@example.com
        Assert.Single(server.Sessions[1].Messages);
        var failed = Assert.Single(new MailQueue(_q.Dir).List());
        Assert.Equal(refused, failed.Id);
        Assert.Equal(QueuedMessageState.Failed, failed.State);
        Assert.Contains("The server rejected the To recipient <gone@example.com>: 550 5.1.1 No such user", failed.LastError,
            StringComparison.Ordinal);
        Assert.Contains("the connection was closed to abandon the message", failed.LastError, StringComparison.Ordinal);
        Assert.DoesNotContain(_q.Notes, n => n.Contains("may have been delivered twice", StringComparison.Ordinal));
        Assert.Single(_q.Errors); // reported once, as the message's failure
    }

    [Fact]
    public async Task InterruptingPutsBackTheMessageInFlightAndTheNextEnvelopeUnchanged()
    {
        string one = Path.GetFileNameWithoutExtension(_q.Add("One"));
        string two = Path.GetFileNameWithoutExtension(_q.Add("Two"));
        await using var server = new FakeSmtpServer();
        using var smtp = _q.Processor(server);
        server.On(".", _ =>
        {
            smtp.Interrupt(); // the end of the first message has arrived, and the second's envelope with it
            return FakeAction.Hang;
        });

        var e = Assert.Throws<SmtpException>(() => smtp.ProcessQueue(_q.Dir));

        Assert.Equal(SmtpErrorCodes.Interrupted, e.Code);
        Assert.Equal([".queued", ".queued"], _q.Extensions());
        var first = Listed(one);
        Assert.True(first.MayHaveBeenDeliveredTwice);
        Assert.Equal(QueueFixture.Start, first.NextAttempt); // due again at once
        var second = Listed(two);
        Assert.Equal(0, second.Attempts);
        Assert.Empty(second.History);
    }

    [Fact]
    public async Task AnAbsoluteTimeoutBoundsEachMessageRatherThanTheWholeSession()
    {
        for (int i = 0; i < 3; i++)
        {
            _q.Add($"Message {i}");
        }
        await using var server = new FakeSmtpServer();
        server.On(".", cmd => FakeAction.Delay(TimeSpan.FromMilliseconds(900), cmd.BuiltIn()));
        using var smtp = _q.Processor(server, "AbsoluteTimeout=True");
        smtp.Timeout = 2;

        await smtp.ProcessQueueAsync(_q.Dir); // about 2.7 s over one session, under 1 s per message

        Assert.Equal(3, Assert.Single(server.Sessions).Messages.Count);
        Assert.Empty(_q.Extensions());
    }

    [Fact]
    public async Task ASilentServerTimesOutTheMessageInFlightAndPutsTheNextEnvelopeBackUnchanged()
    {
        string one = Path.GetFileNameWithoutExtension(_q.Add("One"));
        string two = Path.GetFileNameWithoutExtension(_q.Add("Two"));
        await using var server = new FakeSmtpServer();
        server.On(".", _ => FakeAction.Hang);
        using var smtp = _q.Processor(server, "QueueRetryDelay=0");
        smtp.Timeout = 1;

        var e = await Assert.ThrowsAsync<SmtpException>(() => smtp.ProcessQueueAsync(_q.Dir));

        Assert.Equal(SmtpErrorCodes.Timeout, e.Code);
        var first = Listed(one);
        Assert.True(first.MayHaveBeenDeliveredTwice);
        Assert.Equal(1, first.Attempts);
        var second = Listed(two);
        Assert.Equal(0, second.Attempts);
        Assert.Empty(second.History);
    }

    private long SizeOf(string id) => new FileInfo(Directory.GetFiles(_q.Dir, id + ".*").Single()).Length;

    /// <summary>The offset just past the journal line of <paramref name="kind"/> in the message's file.</summary>
    private long JournalOffsetPast(string id, string kind)
    {
        byte[] file = File.ReadAllBytes(Directory.GetFiles(_q.Dir, id + ".*").Single());
        string text = Encoding.Latin1.GetString(file);
        int at = text.IndexOf($" {kind}", StringComparison.Ordinal);
        Assert.True(at >= 0, $"no {kind} in {id}");
        return text.IndexOf('\n', at) + 1;
    }

    private static int Occurrences(string text, string part)
    {
        int count = 0;
        for (int at = text.IndexOf(part, StringComparison.Ordinal); at >= 0; at = text.IndexOf(part, at + 1, StringComparison.Ordinal))
        {
            count++;
        }
        return count;
    }
}
