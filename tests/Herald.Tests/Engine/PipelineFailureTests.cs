using System.Security.Cryptography.X509Certificates;
using System.Text;
using Herald.Engine;
using Herald.Tests.Delivery;
using Herald.Tests.Infrastructure;
using Herald.Transport;
using Xunit;

namespace Herald.Tests.Engine;

/// <summary>
/// A session that fails during cross-message pipelining (<see cref="SmtpEngine.SendPipelinedAsync"/>): every job that
/// was taken is completed exactly once, a job whose end was never written is reported as not sent (and its end never
/// goes out afterwards), and a job whose end was written is reported as possibly delivered.
/// </summary>
public class PipelineFailureTests
{
    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task WhenPreparingTheNextJobFailsTheQueuedEndOfTheLastOneNeverGoesOut(ReplayMode mode) =>
        TranscriptRunner.RunEngineAsync("Transcripts/pipeline-prepare-fails.smtp", mode, async (options, isAsync) =>
        {
            var (failure, completed) = await SendTwoAsync(options, isAsync);

            Assert.IsType<InvalidOperationException>(failure);
            Assert.Equal([("one", JobOutcome.Deferred), ("two", JobOutcome.Deferred)], completed.Select(j => (Name(j), j.Outcome)));
            Assert.All(completed, j => Assert.Same(failure, j.Failure));
        }, WithHello);

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task WhenPreparingTheNextJobFailsAWholeChunkAlreadySentMayHaveBeenDelivered(ReplayMode mode) =>
        TranscriptRunner.RunEngineAsync("Transcripts/pipeline-prepare-fails-bdat.smtp", mode, async (options, isAsync) =>
        {
            var (failure, completed) = await SendTwoAsync(options, isAsync);

            Assert.IsType<InvalidOperationException>(failure);
            Assert.Equal([("one", JobOutcome.Uncertain), ("two", JobOutcome.Deferred)], completed.Select(j => (Name(j), j.Outcome)));
        }, WithHello);

    [Theory, MemberData(nameof(ReplayModes.Async), MemberType = typeof(ReplayModes))]
    public Task ADropAfterTwoWholeChunksLeavesBothPossiblyDelivered(ReplayMode mode) =>
        TranscriptRunner.RunAsync("Transcripts/pool-bdat-drop.smtp", mode, factory => PoolTranscriptTests.NewPool(factory),
            async (pool, _) =>
            {
                var results = await PoolTranscriptTests.SendAll(pool,
                    ("bob@example.com", "one", "first"), ("carol@example.com", "two", "second"));
                Assert.All(results, r => Assert.Equal(DeliveryStatus.MayHaveBeenDelivered, r.Status));
                Assert.All(results, r => Assert.Equal(1, r.Attempts));
            });

    // As the pool sends: no rejected recipient stops a transaction, so a one-chunk message may go with its envelope.
    private static EngineOptions WithHello(EngineOptions options) =>
        options with { Hello = "client.test", StopOnRejected = RecipientKinds.None, SendRset = false };

    private static string Name(MailJob job) => (string)job.Tag!;

    /// <summary>
    /// Sends a good message "one", then hands out "two", whose source fails while it is being prepared (measured for
    /// SIZE or for one chunk). Returns the failure and the jobs in the order they were completed.
    /// </summary>
    private static async Task<(Exception Failure, List<MailJob> Completed)> SendTwoAsync(EngineOptions options, bool isAsync)
    {
        using var call = new EngineCall(new SilentEngineEvents());
        using var scope = call.Begin(options, CancellationToken.None, call);
        var jobs = new Queue<MailJob>(
        [
            Job("one", new BytesMessageSource(Encoding.ASCII.GetBytes("Subject: one\r\n\r\nfirst\r\n"), hasBody: true)),
            Job("two", new BrokenSource()),
        ]);
        var completed = new List<MailJob>();
        MailJob? Take() => jobs.Count > 0 ? jobs.Dequeue() : null;
        void Done(MailJob job) => completed.Add(job);
        var failure = await Record.ExceptionAsync(async () =>
        {
            if (isAsync)
            {
                await call.WithSessionAsync(new AsyncIO(), scope, call.Engine, (io, guard, engine) => Send(engine, io, guard));
            }
            else
            {
                var task = call.WithSessionAsync(new SyncIO(), scope, call.Engine, (io, guard, engine) => Send(engine, io, guard));
                Assert.True(task.IsCompleted);
                await task;
            }
        });
        Assert.Empty(jobs);
        Assert.NotNull(failure);
        return (failure, completed);

        async ValueTask<bool> Send<TIO>(SmtpEngine engine, TIO io, OperationGuard guard) where TIO : struct, ISmtpIO
        {
            await engine.SendPipelinedAsync(io, guard, Take, Done);
            return true;
        }
    }

    private static MailJob Job(string name, MessageSource source) =>
        new(new Envelope("alice@example.org", [new EnvelopeRecipient("bob@example.com", RecipientKind.To, "")]), source) { Tag = name };

    /// <summary>A message whose source breaks as soon as it is read or measured.</summary>
    private sealed class BrokenSource : MessageSource
    {
        public override long Length => -1;

        public override bool HasBody => true;

        public override ValueTask<long> MeasureAsync<TIO>(TIO io, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("The source broke.");

        public override ValueTask<int> ReadAsync<TIO>(TIO io, Memory<byte> buffer, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("The source broke.");
    }
}
