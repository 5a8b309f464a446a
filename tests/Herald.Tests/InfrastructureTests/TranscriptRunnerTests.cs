using Herald.Engine;
using Herald.Tests.Infrastructure;
using Herald.Transport;
using Xunit;

namespace Herald.Tests.InfrastructureTests;

public class TranscriptRunnerTests
{
    private static readonly Transcript Basic = Transcript.Parse("""
        S: 220 mx.test ESMTP
        C: EHLO {any}
        S: 250-mx.test
        S: 250 PIPELINING
        C: QUIT
        S: 221 2.0.0 bye
        -- client-close
        """, "basic.smtp");

    [Theory]
    [MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public async Task RunsAnExchangeInEachMode(ReplayMode mode)
    {
        List<Herald.Protocol.SmtpReply>? replies = null;

        await TranscriptRunner.RunEngineAsync(Basic, mode,
            async (settings, isAsync) => replies = await MiniClient.Exchange(settings, isAsync, "EHLO me.test", "QUIT"));

        Assert.NotNull(replies);
        Assert.Equal([220, 250, 221], replies.Select(r => r.Code));
        Assert.Equal(["mx.test", "PIPELINING"], replies[1].Lines);
    }

    [Fact]
    public void TheModeDataListsSixDistinctModes()
    {
        var modes = ((IEnumerable<object[]>)ReplayModes.All).Select(row => (ReplayMode)row[0]).ToList();

        Assert.Equal(6, modes.Distinct().Count());
        Assert.Equal(3, modes.Count(m => m.IsAsync()));
        Assert.All(Enum.GetValues<ReplayChunking>(), c => Assert.Equal(2, modes.Count(m => m.Chunking() == c)));
        Assert.Equal(ReplayMode.AsyncByte, ReplayModes.Of(true, ReplayChunking.Byte));
    }

    [Fact]
    public async Task RunAllModesRunsTheActionSixTimesWithTheRightKindOfIO()
    {
        var seen = new List<(bool IsAsync, ReplayMode Mode)>();

        await TranscriptRunner.RunAllModesAsync(Basic, factory => factory, async (factory, isAsync) =>
        {
            seen.Add((isAsync, factory.Mode));
            var settings = new EngineOptions { Connect = new ConnectRequest { Host = "localhost", Port = 25 }, TransportFactory = factory };
            await MiniClient.Exchange(settings, isAsync, "EHLO me.test", "QUIT");
        });

        Assert.Equal(Enum.GetValues<ReplayMode>(), seen.Select(s => s.Mode));
        Assert.All(seen, s => Assert.Equal(s.Mode.IsAsync(), s.IsAsync));
    }

    [Fact]
    public async Task RunAllModesReportsEveryFailingMode()
    {
        var e = await Assert.ThrowsAsync<TranscriptException>(() => TranscriptRunner.RunAllModesAsync(Basic,
            factory => new EngineOptions { Connect = new ConnectRequest { Host = "localhost", Port = 25 }, TransportFactory = factory },
            (settings, isAsync) => MiniClient.Exchange(settings, isAsync, "EHLO me.test", "NOOP")));

        Assert.Contains("failed in 6 of 6 modes", e.Message);
        Assert.Contains("SyncByte: TranscriptException: basic.smtp:5 [SyncByte]", e.Message);
        Assert.Contains("expected: C: QUIT", e.Message);
    }

    [Fact]
    public async Task AMismatchIsReportedEvenWhenTheClientTurnsItIntoAnotherError()
    {
        var e = await Assert.ThrowsAsync<TranscriptException>(() => TranscriptRunner.RunEngineAsync(Basic, ReplayMode.AsyncLine,
            async (settings, isAsync) =>
            {
                try
                {
                    await MiniClient.Exchange(settings, isAsync, "HELO me.test");
                }
                catch (Exception inner)
                {
                    throw new InvalidOperationException("the client's own wrapping", inner);
                }
            }));

        Assert.Contains("expected: C: EHLO {any}", e.Message);
    }

    [Fact]
    public async Task TheActionsOwnFailureComesThroughWhenTheTranscriptIsFine()
    {
        await Assert.ThrowsAsync<ArithmeticException>(() => TranscriptRunner.RunEngineAsync(Basic, ReplayMode.SyncWhole,
            async (settings, isAsync) =>
            {
                await MiniClient.Exchange(settings, isAsync, "EHLO me.test", "QUIT");
                throw new ArithmeticException("assertion in the test");
            }));
    }

    [Fact]
    public async Task AnUnfinishedTranscriptFailsTheRun()
    {
        var e = await Assert.ThrowsAsync<TranscriptException>(() => TranscriptRunner.RunEngineAsync(Basic, ReplayMode.SyncLine,
            (settings, isAsync) => MiniClient.Exchange(settings, isAsync, "EHLO me.test")));

        Assert.Contains("never wrote \"C: QUIT\"", e.Message);
    }

    [Fact]
    public async Task ASyncActionThatDoesAsyncWorkFails()
    {
        var e = await Assert.ThrowsAsync<TranscriptException>(() => TranscriptRunner.RunEngineAsync(Basic, ReplayMode.SyncWhole,
            async (settings, isAsync) =>
            {
                // Long enough that the runner sees the task still running even on a loaded machine, where 10 ms of
                // delay could end before the runner's check gets the CPU.
                await Task.Delay(500);
                await MiniClient.Exchange(settings, isAsync, "EHLO me.test", "QUIT");
            }));

        Assert.Contains("sync path did asynchronous work", e.Message);
    }

    [Fact]
    public async Task ConfigureSeesTheSettingsBeforeTheAction()
    {
        string? host = null;

        await TranscriptRunner.RunEngineAsync(Basic, ReplayMode.SyncWhole,
            (settings, isAsync) =>
            {
                host = settings.Connect.Host;
                return MiniClient.Exchange(settings, isAsync, "EHLO me.test", "QUIT");
            },
            configure: settings => settings with { Connect = settings.Connect with { Host = "configured.test" } });

        Assert.Equal("configured.test", host);
    }

    [Fact]
    public async Task RunsATranscriptFileByPath()
    {
        string path = Path.Combine(Path.GetTempPath(), $"runner-{Guid.NewGuid():N}.smtp");
        await File.WriteAllTextAsync(path, "S: 220 from a file\nC: QUIT\nS: 221 bye\n");
        try
        {
            await TranscriptRunner.RunEngineAllModesAsync(path, (settings, isAsync) => MiniClient.Exchange(settings, isAsync, "QUIT"));
        }
        finally
        {
            File.Delete(path);
        }
    }
}

public class ReplayTransportFactoryTests
{
    private static readonly Transcript TwoConnections = Transcript.Parse(
        "S: 421 busy\n-- close\n-- next-connection\nS: 220 ready\nC: QUIT\nS: 221 bye", "two.smtp");

    private static ValueTask<OpenedTransport> Open(ReplayTransportFactory factory, bool isAsync)
    {
        using var guard = new OperationGuard(0, absolute: false, CancellationToken.None);
        var settings = new ConnectRequest { Host = "localhost", Port = 2525 };
        return isAsync
            ? factory.OpenAsync(new AsyncIO(), settings, guard, _ => { })
            : factory.OpenAsync(new SyncIO(), settings, guard, _ => { });
    }

    [Fact]
    public async Task HandsOutOneStreamPerConnectionWithNoSocket()
    {
        var factory = new ReplayTransportFactory(TwoConnections, ReplayMode.SyncWhole) { RemoteAddress = "192.0.2.7" };

        var first = await Open(factory, isAsync: false);
        var second = await Open(factory, isAsync: false);

        Assert.Null(first.Socket);
        Assert.Equal("192.0.2.7", first.RemoteAddress);
        Assert.Equal(2, factory.Streams.Count);
        Assert.Same(factory.Streams[1], second.Stream);
        var buffer = new byte[64];
        Assert.Equal("421 busy\r\n", System.Text.Encoding.ASCII.GetString(buffer, 0, first.Stream.Read(buffer)));
        Assert.Equal("220 ready\r\n", System.Text.Encoding.ASCII.GetString(buffer, 0, second.Stream.Read(buffer)));
    }

    [Fact]
    public async Task OpeningMoreConnectionsThanTheTranscriptHasFails()
    {
        var factory = new ReplayTransportFactory(TwoConnections, ReplayMode.AsyncWhole);
        await Open(factory, isAsync: true);
        await Open(factory, isAsync: true);

        var e = await Assert.ThrowsAsync<TranscriptException>(async () => await Open(factory, isAsync: true));

        Assert.Contains("opened connection 3, but the transcript has only 2", e.Message);
        Assert.Throws<TranscriptException>(factory.ThrowIfFailed);
    }

    [Theory]
    [InlineData(ReplayMode.SyncLine, true)]
    [InlineData(ReplayMode.AsyncLine, false)]
    public async Task ConnectingWithTheWrongKindOfIOFails(ReplayMode mode, bool isAsync)
    {
        var factory = new ReplayTransportFactory(TwoConnections, mode);

        var e = await Assert.ThrowsAsync<TranscriptException>(async () => await Open(factory, isAsync));

        Assert.Contains($"in {mode} mode", e.Message);
    }

    [Fact]
    public async Task AssertCompleteWantsEveryConnectionOpened()
    {
        var factory = new ReplayTransportFactory(TwoConnections, ReplayMode.SyncWhole);
        var first = await Open(factory, isAsync: false);
        _ = first.Stream.Read(new byte[64]);

        var e = Assert.Throws<TranscriptException>(factory.AssertComplete);

        Assert.Contains("opened 1 connection(s) of 2", e.Message);
    }

    [Fact]
    public async Task StreamsOfLaterConnectionsNameTheirConnection()
    {
        var factory = new ReplayTransportFactory(TwoConnections, ReplayMode.SyncWhole);
        await Open(factory, isAsync: false);
        var second = await Open(factory, isAsync: false);

        var e = Assert.Throws<TranscriptException>(() => second.Stream.Write("QUIT\r\n"u8));

        Assert.Contains("two.smtp:4 [SyncWhole, connection 2]", e.Message);
    }
}
