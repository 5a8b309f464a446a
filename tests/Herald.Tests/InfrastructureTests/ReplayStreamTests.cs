using System.Text;
using Herald.Tests.Infrastructure;
using Xunit;

namespace Herald.Tests.InfrastructureTests;

public class ReplayStreamTests
{
    private const string Dialogue = """
        S: 220 mx.test ESMTP
        C: EHLO client.test
        S: 250-mx.test
        S: 250 PIPELINING
        C: QUIT
        S: 221 bye
        """;

    private static ReplayStream Create(string text, ReplayMode mode) => new(Transcript.Parse(text, "t.smtp").Sessions[0], mode);

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    private static string ReadAllSync(ReplayStream stream, int bufferSize = 1024)
    {
        var buffer = new byte[bufferSize];
        return Encoding.UTF8.GetString(buffer, 0, stream.Read(buffer));
    }

    [Theory]
    [InlineData(ReplayChunking.Whole, new[] { 19, 29, 9 })]
    [InlineData(ReplayChunking.Line, new[] { 19, 13, 16, 9 })]
    public void ServesServerLinesInTheChunksOfTheMode(ReplayChunking chunking, int[] sizes)
    {
        using var stream = Create(Dialogue, ReplayModes.Of(false, chunking));
        var received = new StringBuilder();
        var buffer = new byte[1024];

        void Drain(int expected)
        {
            int have = 0;
            while (have < expected)
            {
                int n = stream.Read(buffer);
                Assert.True(n > 0);
                received.Append(Encoding.UTF8.GetString(buffer, 0, n));
                have += n;
            }
        }

        Drain(19);
        stream.Write(Bytes("EHLO client.test\r\n"));
        Drain(29);
        stream.Write(Bytes("QUIT\r\n"));
        Drain(9);

        Assert.Equal("220 mx.test ESMTP\r\n250-mx.test\r\n250 PIPELINING\r\n221 bye\r\n", received.ToString());
        Assert.Equal(sizes, stream.ReadSizes);
        stream.AssertComplete();
    }

    [Fact]
    public void ByteModeServesOneBytePerRead()
    {
        using var stream = Create("S: 250 ok\nC: QUIT", ReplayMode.SyncByte);
        var buffer = new byte[64];
        var text = new StringBuilder();

        for (int i = 0; i < 8; i++)
        {
            Assert.Equal(1, stream.Read(buffer));
            text.Append((char)buffer[0]);
        }

        Assert.Equal("250 ok\r\n", text.ToString());
        stream.Write(Bytes("QUIT\r\n"));
        stream.AssertComplete();
    }

    [Fact]
    public void LineModeSplitsAServerLineWithEmbeddedLineEnds()
    {
        using var stream = Create("S~ 250-a\\r\\n250 b\\r\\n", ReplayMode.SyncLine);

        Assert.Equal("250-a\r\n", ReadAllSync(stream));
        Assert.Equal("250 b\r\n", ReadAllSync(stream));
    }

    [Fact]
    public void WholeModeFillsASmallBufferAndServesTheRestNext()
    {
        using var stream = Create("S: 250-first\nS: 250 second\nC: QUIT", ReplayMode.SyncWhole);

        Assert.Equal("250-f", ReadAllSync(stream, 5));
        Assert.Equal("irst\r\n250 second\r\n", ReadAllSync(stream));
    }

    [Fact]
    public async Task AsyncModeServesTheSameBytes()
    {
        await using var stream = Create(Dialogue, ReplayMode.AsyncWhole);
        var buffer = new byte[1024];

        Assert.Equal("220 mx.test ESMTP\r\n", Encoding.UTF8.GetString(buffer, 0, await stream.ReadAsync(buffer)));
        await stream.WriteAsync(Bytes("EHLO client.test\r\n"));
        await stream.FlushAsync();
        Assert.Equal("250-mx.test\r\n250 PIPELINING\r\n", Encoding.UTF8.GetString(buffer, 0, await stream.ReadAsync(buffer)));
        await stream.WriteAsync(Bytes("QUIT\r\n"));
        Assert.Equal(9, await stream.ReadAsync(buffer));
        stream.AssertComplete();
    }

    [Fact]
    public void AWrongClientLineFailsAtOnceShowingExpectedActualAndLine()
    {
        using var stream = Create(Dialogue, ReplayMode.SyncWhole);
        ReadAllSync(stream);

        var e = Assert.Throws<TranscriptException>(() => stream.Write(Bytes("HELO client.test\r\n")));

        Assert.Contains("t.smtp:2 [SyncWhole]", e.Message);
        Assert.Contains("expected: C: EHLO client.test", e.Message);
        Assert.Contains("actual:   \"HELO client.test\\r\\n\"", e.Message);
    }

    [Fact]
    public void AWrongByteFailsWhenItIsWrittenNotAtTheEndOfTheLine()
    {
        using var stream = Create(Dialogue, ReplayMode.SyncWhole);
        ReadAllSync(stream);
        stream.Write(Bytes("EHLO "));

        var e = Assert.Throws<TranscriptException>(() => stream.Write(Bytes("x")));

        Assert.Contains("actual:   \"EHLO x\" (no line end yet)", e.Message);
    }

    [Fact]
    public void AFailureTheClientSwallowsIsStillReported()
    {
        using var stream = Create(Dialogue, ReplayMode.SyncWhole);
        ReadAllSync(stream);
        try
        {
            stream.Write(Bytes("NOOP\r\n"));
        }
        catch (TranscriptException)
        {
            // What code under test might do with an exception it does not understand.
        }

        Assert.Throws<TranscriptException>(() => stream.Write(Bytes("EHLO client.test\r\n")));
        Assert.Contains("expected: C: EHLO", Assert.Throws<TranscriptException>(stream.ThrowIfFailed).Message);
        Assert.Contains("expected: C: EHLO", Assert.Throws<TranscriptException>(stream.AssertComplete).Message);
        Assert.NotNull(stream.Failure);
    }

    [Theory]
    [InlineData(ReplayMode.SyncWhole)]
    [InlineData(ReplayMode.AsyncByte)]
    public async Task AnEarlyReadFailsInsteadOfHanging(ReplayMode mode)
    {
        using var stream = Create(Dialogue, mode);
        var buffer = new byte[64];
        await DrainAsync(stream, mode, 19);

        var read = Task.Run(async () => mode.IsAsync() ? await stream.ReadAsync(buffer) : stream.Read(buffer));
        var e = await Assert.ThrowsAsync<TranscriptException>(() => read.WaitAsync(TimeSpan.FromSeconds(5)));

        Assert.Contains("t.smtp:2", e.Message);
        Assert.Contains("read too early", e.Message);
        Assert.Contains("\"C: EHLO client.test\"", e.Message);
    }

    [Fact]
    public void AReadAfterHalfALineSaysTheLineIsUnfinished()
    {
        using var stream = Create(Dialogue, ReplayMode.SyncWhole);
        ReadAllSync(stream);
        stream.Write(Bytes("EHLO cli"));

        var e = Assert.Throws<TranscriptException>(() => ReadAllSync(stream));

        Assert.Contains("must first finish writing", e.Message);
    }

    [Fact]
    public void WritingBeforeReadingTheReplyFails()
    {
        using var stream = Create("S: 220 hi\nC: MAIL FROM:<a@b>\nS: 250 ok\nC: RCPT TO:<c@d>\nS: 250 ok", ReplayMode.SyncWhole);
        ReadAllSync(stream);
        stream.Write(Bytes("MAIL FROM:<a@b>\r\n"));

        var e = Assert.Throws<TranscriptException>(() => stream.Write(Bytes("RCPT TO:<c@d>\r\n")));

        Assert.Contains("t.smtp:3", e.Message);
        Assert.Contains("before reading \"S: 250 ok\"", e.Message);
    }

    [Fact]
    public void PipelinedLinesListedTogetherMayBeWrittenInOneGo()
    {
        using var stream = Create("C: MAIL FROM:<a@b>\nC: RCPT TO:<c@d>\nS: 250 ok\nS: 250 ok", ReplayMode.SyncWhole);

        stream.Write(Bytes("MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\n"));

        Assert.Equal("250 ok\r\n250 ok\r\n", ReadAllSync(stream));
        stream.AssertComplete();
    }

    [Theory]
    [InlineData("ReadAsync")]
    [InlineData("WriteAsync")]
    [InlineData("FlushAsync")]
    [InlineData("DisposeAsync")]
    [InlineData("BeginRead")]
    public async Task TheSyncModesRejectEveryAsynchronousMember(string member)
    {
        var stream = Create("C: QUIT\nS: 221 bye", ReplayMode.SyncLine);
        var buffer = new byte[16];
        Func<Task> call = member switch
        {
            "ReadAsync" => async () => _ = await stream.ReadAsync(buffer),
            "WriteAsync" => async () => await stream.WriteAsync(Bytes("QUIT\r\n")),
            "FlushAsync" => () => stream.FlushAsync(),
            "DisposeAsync" => async () => await stream.DisposeAsync(),
            _ => () => Task.Factory.FromAsync(stream.BeginRead, stream.EndRead, buffer, 0, buffer.Length, null),
        };

        var e = await Assert.ThrowsAsync<TranscriptException>(call);

        Assert.Contains($"{member} was called in a sync mode", e.Message);
        Assert.Same(stream.Failure, stream.Failure);
        Assert.Throws<TranscriptException>(stream.ThrowIfFailed);
    }

    [Theory]
    [InlineData("Read")]
    [InlineData("Write")]
    [InlineData("Flush")]
    [InlineData("ReadByte")]
    [InlineData("WriteByte")]
    public void TheAsyncModesRejectEveryBlockingMember(string member)
    {
        using var stream = Create("S: 220 hi\nC: QUIT", ReplayMode.AsyncWhole);
        Action call = member switch
        {
            "Read" => () => _ = stream.Read(new byte[16]),
            "Write" => () => stream.Write(Bytes("QUIT\r\n")),
            "Flush" => stream.Flush,
            "ReadByte" => () => stream.ReadByte(),
            _ => () => stream.WriteByte((byte)'Q'),
        };

        var e = Assert.Throws<TranscriptException>(call);

        Assert.Contains("was called in an async mode", e.Message);
        Assert.Throws<TranscriptException>(stream.ThrowIfFailed);
    }

    [Fact]
    public void WildcardLinesAcceptVaryingValuesAndCatchAWrongStartEarly()
    {
        const string Text = "C: EHLO {any}\nS: 250 ok\nC: Message-ID: <{any}@{any}>";
        using var good = Create(Text, ReplayMode.SyncByte);
        foreach (byte b in Bytes("EHLO my-host.example\r\n"))
        {
            good.WriteByte(b);
        }
        for (int i = 0; i < "250 ok\r\n".Length; i++)
        {
            Assert.NotEqual(-1, good.ReadByte());
        }
        good.Write(Bytes("Message-ID: <20260101.1@my-host.example>\r\n"));
        good.AssertComplete();

        using var bad = Create(Text, ReplayMode.SyncByte);
        bad.Write(Bytes("EH"));
        var e = Assert.Throws<TranscriptException>(() => bad.Write(Bytes("X")));
        Assert.Contains("expected: C: EHLO {any}", e.Message);
    }

    [Fact]
    public void AWildcardLineIsCheckedAsAWholeAtItsLineEnd()
    {
        using var stream = Create("C: Message-ID: <{any}@{any}>", ReplayMode.SyncWhole);
        stream.Write(Bytes("Message-ID: <no-at-sign"));

        var e = Assert.Throws<TranscriptException>(() => stream.Write(Bytes(">\r\n")));

        Assert.Contains("actual:   \"Message-ID: <no-at-sign>\\r\\n\"", e.Message);
    }

    [Fact]
    public void RawClientBytesWithoutALineEndMatchExactly()
    {
        using var stream = Create("C~ BDAT 5 LAST\\r\\nhello\nS: 250 ok", ReplayMode.SyncWhole);

        stream.Write(Bytes("BDAT 5 LAST\r\nhe"));
        stream.Write(Bytes("llo"));

        Assert.Equal("250 ok\r\n", ReadAllSync(stream));
        stream.AssertComplete();
    }

    [Fact]
    public void AfterTheServerClosesReadsReturnZeroAndUnlistedWritesBreakThePipe()
    {
        using var stream = Create("S: 421 going away\n-- close", ReplayMode.SyncWhole);
        ReadAllSync(stream);

        Assert.Equal(0, stream.Read(new byte[16]));
        Assert.Equal(0, stream.Read(new byte[16]));
        var e = Assert.Throws<IOException>(() => stream.Write(Bytes("QUIT\r\n")));

        Assert.Contains("Broken pipe", e.Message);
        Assert.Null(stream.Failure);
        stream.AssertComplete();
    }

    [Fact]
    public void WritesListedAfterTheServerClosesAreChecked()
    {
        using var stream = Create("S: 421 bye\n-- close\nC: QUIT\n-- client-close", ReplayMode.SyncWhole);
        ReadAllSync(stream);
        Assert.Equal(0, stream.Read(new byte[16]));

        stream.Write(Bytes("QUIT\r\n"));
        Assert.Equal(0, stream.Read(new byte[16]));
        Assert.Throws<IOException>(() => stream.Write(Bytes("NOOP\r\n")));
        stream.Dispose();

        stream.AssertComplete();
    }

    [Fact]
    public void ClientCloseMustHappen()
    {
        var stream = Create("C: QUIT\nS: 221 bye\n-- client-close", ReplayMode.SyncWhole);
        stream.Write(Bytes("QUIT\r\n"));
        ReadAllSync(stream);

        var e = Assert.Throws<TranscriptException>(stream.AssertComplete);
        Assert.Contains("t.smtp:3", e.Message);
        Assert.Contains("did not close the connection", e.Message);

        stream.Dispose();
        stream.AssertComplete();
    }

    [Fact]
    public void ReadingWhereTheClientShouldCloseFails()
    {
        using var stream = Create("C: QUIT\n-- client-close", ReplayMode.SyncWhole);
        stream.Write(Bytes("QUIT\r\n"));

        var e = Assert.Throws<TranscriptException>(() => ReadAllSync(stream));

        Assert.Contains("should close the connection", e.Message);
    }

    [Fact]
    public void ReadingOrWritingPastTheEndFails()
    {
        using var reader = Create("C: QUIT", ReplayMode.SyncWhole);
        reader.Write(Bytes("QUIT\r\n"));
        Assert.Contains("after the end of the transcript", Assert.Throws<TranscriptException>(() => ReadAllSync(reader)).Message);

        using var writer = Create("S: 221 bye", ReplayMode.SyncWhole);
        ReadAllSync(writer);
        var e = Assert.Throws<TranscriptException>(() => writer.Write(Bytes("NOOP\r\n")));
        Assert.Contains("t.smtp (past its end)", e.Message);
        Assert.Contains("\"NOOP\\r\\n\"", e.Message);
    }

    [Fact]
    public void AssertCompleteNamesWhatWasLeftUndone()
    {
        using var unread = Create(Dialogue, ReplayMode.SyncWhole);
        ReadAllSync(unread);
        unread.Write(Bytes("EHLO client.test\r\n"));
        Assert.Contains("never read \"S: 250-mx.test\"", Assert.Throws<TranscriptException>(unread.AssertComplete).Message);

        using var unwritten = Create(Dialogue, ReplayMode.SyncWhole);
        ReadAllSync(unwritten);
        Assert.Contains("never wrote \"C: EHLO client.test\"", Assert.Throws<TranscriptException>(unwritten.AssertComplete).Message);

        using var partial = Create(Dialogue, ReplayMode.SyncWhole);
        ReadAllSync(partial);
        partial.Write(Bytes("EHLO"));
        Assert.Contains("wrote only part of", Assert.Throws<TranscriptException>(partial.AssertComplete).Message);

        var closed = Create(Dialogue, ReplayMode.SyncWhole);
        ReadAllSync(closed);
        closed.Dispose();
        Assert.Contains("closed the connection first", Assert.Throws<TranscriptException>(closed.AssertComplete).Message);
    }

    [Fact]
    public void UseAfterCloseThrowsObjectDisposed()
    {
        var stream = Create(Dialogue, ReplayMode.SyncWhole);
        stream.Dispose();

        Assert.Throws<ObjectDisposedException>(() => ReadAllSync(stream));
        Assert.Throws<ObjectDisposedException>(() => stream.Write(Bytes("EHLO client.test\r\n")));
        Assert.True(stream.IsClosed);
    }

    [Fact]
    public async Task SilenceBlocksASyncReadUntilTheConnectionIsClosed()
    {
        var stream = Create("C: DATA\n-- silence\n-- client-close", ReplayMode.SyncWhole);
        stream.Write(Bytes("DATA\r\n"));

        var read = Task.Run(() => ReadAllSync(stream));
        await Task.Delay(100);
        Assert.False(read.IsCompleted);
        stream.Dispose();

        await Assert.ThrowsAsync<IOException>(() => read.WaitAsync(TimeSpan.FromSeconds(5)));
        stream.AssertComplete();
    }

    [Fact]
    public async Task SilenceEndsAnAsyncReadWhenItIsCancelled()
    {
        await using var stream = Create("C: DATA\n-- silence", ReplayMode.AsyncLine);
        await stream.WriteAsync(Bytes("DATA\r\n"));
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => stream.ReadAsync(new byte[16], cts.Token).AsTask().WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Null(stream.Failure);
        stream.AssertComplete();
    }

    [Theory]
    [InlineData(ReplayMode.SyncWhole)]
    [InlineData(ReplayMode.AsyncWhole)]
    public async Task SilenceFailsTheTestWhenNothingEverStopsTheRead(ReplayMode mode)
    {
        using var stream = Create("-- silence", mode);
        stream.SilenceLimit = TimeSpan.FromMilliseconds(100);
        var buffer = new byte[16];

        var e = await Assert.ThrowsAsync<TranscriptException>(async () =>
        {
            if (mode.IsAsync())
            {
                _ = await stream.ReadAsync(buffer);
            }
            else
            {
                _ = stream.Read(buffer);
            }
        });

        Assert.Contains("waited 0.1 s for a reply that never comes", e.Message);
    }

    private static async Task DrainAsync(ReplayStream stream, ReplayMode mode, int count)
    {
        var buffer = new byte[64];
        for (int have = 0; have < count;)
        {
            have += mode.IsAsync() ? await stream.ReadAsync(buffer) : stream.Read(buffer);
        }
    }
}
