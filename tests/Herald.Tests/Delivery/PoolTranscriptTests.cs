using Herald.Tests.Infrastructure;
using Herald.Tests.Transcripts;
using Xunit;

namespace Herald.Tests.Delivery;

/// <summary>
/// The pool replayed against scripted servers: pipelining across message boundaries (one round trip per message), a
/// refused recipient in the middle of a stream, a 421 mid-stream (reconnect, resend only what was not accepted), the
/// window in which a message may have been delivered, and CHUNKING. The pool is asynchronous only.
/// </summary>
public class PoolTranscriptTests
{
    internal static SmtpPool NewPool(ReplayTransportFactory factory, RecordingTransportFactory? recorder = null,
        TimeSpan? retryDelay = null) => new(new SmtpPoolOptions
    {
        Host = "localhost",
        Port = 25,
        HeloName = "client.test",
        MaxConnections = 1,
        RetryBaseDelay = retryDelay ?? TimeSpan.FromMilliseconds(10),
        RetryMaxDelay = retryDelay ?? TimeSpan.FromMilliseconds(50),
        HealthCheckAfter = TimeSpan.FromMinutes(5),
        TransportFactory = (Herald.Transport.ITransportFactory?)recorder ?? factory,
    });

    internal static Stream Message(string subject, string body) =>
        new MemoryStream(System.Text.Encoding.ASCII.GetBytes($"Subject: {subject}\r\n\r\n{body}\r\n"));

    /// <summary>Queues the messages before the pool starts, so the transcript's order holds, and waits for all.</summary>
    internal static async Task<DeliveryResult[]> SendAll(SmtpPool pool, params (string To, string Subject, string Body)[] messages)
    {
        pool.Pause();
        var tasks = messages.Select(m => pool.SendAsync("alice@example.org", m.To.Split(','), Message(m.Subject, m.Body))).ToList();
        pool.Resume();
        var results = await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(20));
        await pool.DisposeAsync();
        return results;
    }

    private static readonly (string, string, string)[] Three =
        [("bob@example.com", "one", "first"), ("carol@example.com", "two", "second"), ("dave@example.com", "three", "third")];

    [Theory, MemberData(nameof(ReplayModes.Async), MemberType = typeof(ReplayModes))]
    public Task TheEndOfOneMessageAndTheNextEnvelopeShareAWrite(ReplayMode mode) =>
        TranscriptRunner.RunAsync("Transcripts/pool-pipelined.smtp", mode, factory =>
        {
            var recorder = new RecordingTransportFactory(factory);
            return (Pool: NewPool(factory, recorder), Recorder: recorder);
        }, async (client, _) =>
        {
            var results = await SendAll(client.Pool, Three);
            Assert.All(results, r => Assert.Equal(DeliveryStatus.Delivered, r.Status));
            Assert.Equal(["AAA1", "AAA2", "AAA3"], results.Select(r => r.QueueId));
            // One write per message after the first: the end of a message and the next envelope travel together.
            var writes = client.Recorder.Writes;
            Assert.Contains(writes, w => w.StartsWith(".\r\nMAIL FROM:<alice@example.org>\r\nRCPT TO:<carol@example.com>\r\nDATA\r\n",
                StringComparison.Ordinal) || w.Contains("first\r\n.\r\nMAIL FROM:", StringComparison.Ordinal));
            Assert.Contains(writes, w => w.Contains("second\r\n.\r\nMAIL FROM:", StringComparison.Ordinal)
                || w.StartsWith(".\r\nMAIL FROM:<alice@example.org>\r\nRCPT TO:<dave@example.com>", StringComparison.Ordinal));
        });

    [Theory, MemberData(nameof(ReplayModes.Async), MemberType = typeof(ReplayModes))]
    public Task ARefusedRecipientDisturbsNoOtherMessage(ReplayMode mode) =>
        // The transient refusal's retry waits a second, so it comes after the stream of the three messages has ended
        // (with a few milliseconds, a loaded machine could let it join the stream, which the transcript does not show).
        TranscriptRunner.RunAsync("Transcripts/pool-rcpt-rejected.smtp", mode,
            factory => NewPool(factory, retryDelay: TimeSpan.FromSeconds(2)), async (pool, _) =>
        {
            var results = await SendAll(pool, ("bob@example.com", "one", "first"),
                ("carol@example.com,nobody@example.com,later@example.com", "two", "second"), ("dave@example.com", "three", "third"));
            Assert.Equal(DeliveryStatus.Delivered, results[0].Status);
            Assert.Equal(DeliveryStatus.Delivered, results[2].Status);
            var two = results[1];
            Assert.Equal(DeliveryStatus.PartiallyDelivered, two.Status);
            Assert.Equal(2, two.Attempts);
            Assert.Equal([true, false, true], two.Recipients.Select(r => r.Accepted));
            Assert.Equal((550, "5.1.1"), (two.Recipients[1].ReplyCode, two.Recipients[1].EnhancedStatusCode));
            Assert.Equal("B4", two.QueueId);
        });

    [Theory, MemberData(nameof(ReplayModes.Async), MemberType = typeof(ReplayModes))]
    public Task A421MidStreamReconnectsAndResendsOnlyWhatWasNotAccepted(ReplayMode mode) =>
        TranscriptRunner.RunAsync("Transcripts/pool-421.smtp", mode, factory => NewPool(factory), async (pool, _) =>
        {
            var results = await SendAll(pool, Three);
            Assert.Equal(["C1", "C2", "C3"], results.Select(r => r.QueueId));
            Assert.Equal([1, 2, 1], results.Select(r => r.Attempts));
            Assert.All(results, r => Assert.Equal(DeliveryStatus.Delivered, r.Status));
        });

    [Theory, MemberData(nameof(ReplayModes.Async), MemberType = typeof(ReplayModes))]
    public Task ADropAfterTheEndOfTheDataIsReportedAndNotRetried(ReplayMode mode) =>
        TranscriptRunner.RunAsync("Transcripts/pool-uncertain.smtp", mode, factory => NewPool(factory), async (pool, _) =>
        {
            var result = Assert.Single(await SendAll(pool, ("bob@example.com", "one", "first")));
            Assert.Equal(DeliveryStatus.MayHaveBeenDelivered, result.Status);
            Assert.Equal(1, result.Attempts);
            Assert.NotEmpty(result.Error);
        });

    [Theory, MemberData(nameof(ReplayModes.Async), MemberType = typeof(ReplayModes))]
    public Task OneChunkMessagesTravelWholeAndOverlap(ReplayMode mode) =>
        TranscriptRunner.RunAsync("Transcripts/pool-bdat.smtp", mode, factory => NewPool(factory), async (pool, _) =>
        {
            var results = await SendAll(pool, Three);
            Assert.Equal(["D1", "D2", "D3"], results.Select(r => r.QueueId));
        });
}
