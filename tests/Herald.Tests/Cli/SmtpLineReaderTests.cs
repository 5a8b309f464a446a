using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Herald.Cli.Capture;
using Xunit;

namespace Herald.Tests.Cli;

public class SmtpLineReaderTests
{
    /// <summary>A stream that hands out at most <c>chunk</c> bytes per read, to split lines anywhere.</summary>
    private sealed class Trickle(byte[] data, int chunk) : MemoryStream(data)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(chunk, buffer.Length)], cancellationToken);
    }

    private static async Task<List<string>> ReadAll(string input, int chunk, int max, bool crlfOnly, int buffer = 64)
    {
        int waits = 0;
        var reader = new SmtpLineReader(new Trickle(Encoding.Latin1.GetBytes(input), chunk), buffer, _ =>
        {
            waits++;
            return ValueTask.CompletedTask;
        });
        var lines = new List<string>();
        while (true)
        {
            var r = await reader.ReadLineAsync(max, crlfOnly, CancellationToken.None);
            if (r.Status == LineStatus.EndOfStream)
            {
                Assert.True(waits > 0);
                return lines;
            }
            lines.Add(r.Status == LineStatus.TooLong ? "<too long>" : Encoding.Latin1.GetString(r.Bytes.Span));
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(1000)]
    public async Task CommandLinesEndAtLfWithOrWithoutCr(int chunk) =>
        Assert.Equal(["EHLO x", "NOOP", "", "bare\rcr"],
            await ReadAll("EHLO x\r\nNOOP\n\r\nbare\rcr\r\npartial", chunk, 20, crlfOnly: false));

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(1000)]
    public async Task DataLinesEndOnlyAtCrlf(int chunk) =>
        Assert.Equal(["a\nb", ".", "\n.\n"], await ReadAll("a\nb\r\n.\r\n\n.\n\r\n", chunk, 20, crlfOnly: true));

    [Theory]
    [InlineData(1, false)]
    [InlineData(5, false)]
    [InlineData(1000, false)]
    [InlineData(1, true)]
    [InlineData(1000, true)]
    public async Task LongLinesAreSkippedWholeAndReadingGoesOn(int chunk, bool crlfOnly)
    {
        string longLine = new('x', 300); // several times the 64-byte buffer
        Assert.Equal(["ok", "<too long>", "<too long>", "12345", "after"],
            await ReadAll($"ok\r\n{longLine}\r\n123456\r\n12345\r\nafter\r\n", chunk, 5, crlfOnly));
    }

    [Fact]
    public async Task ACrAtTheEndOfADiscardedStretchStillPairsWithItsLf()
    {
        // The CR lands exactly where the reader throws bytes away; the LF in the next read must still end the line.
        string input = new string('y', 61) + "\r" + "\nnext\r\n";
        foreach (int chunk in new[] { 1, 62, 63 })
        {
            Assert.Equal(["<too long>", "next"], await ReadAll(input, chunk, 10, crlfOnly: true));
        }
    }

    [Fact]
    public void AnyChunkingGivesTheSameLines()
    {
        var gen = from parts in Gen.ArrayOf(Gen.Elements("a", "b", ".", "\r", "\n", "\r\n", "xyzxyzxyzxyz"))
                  from chunk in Gen.Choose(1, 20)
                  from crlfOnly in Gen.Elements(true, false)
                  select (Text: string.Concat(parts), Chunk: chunk, CrlfOnly: crlfOnly);
        Prop.ForAll(gen.ToArbitrary(), c =>
        {
            var whole = ReadAll(c.Text, 10_000, 30, c.CrlfOnly).GetAwaiter().GetResult();
            var pieces = ReadAll(c.Text, c.Chunk, 30, c.CrlfOnly).GetAwaiter().GetResult();
            return whole.SequenceEqual(pieces);
        }).QuickCheckThrowOnFailure();
    }
}
