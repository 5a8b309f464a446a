using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Herald.Protocol;
using Herald.Tests.Infrastructure;
using Xunit;

namespace Herald.Tests.Protocol;

public class DotStufferTests
{
    /// <summary>Runs the stuffer over <paramref name="input"/> split into pieces of <paramref name="chunk"/> bytes,
    /// with a destination buffer of <paramref name="window"/> bytes, as the engine does.</summary>
    internal static byte[] Stuff(byte[] input, int chunk = int.MaxValue, int window = 4096)
    {
        var stuffer = new DotStuffer();
        var output = new List<byte>();
        var dest = new byte[Math.Max(window, 5)];
        for (int pos = 0; pos < input.Length;)
        {
            int take = Math.Min(chunk, input.Length - pos);
            int offset = 0;
            while (offset < take)
            {
                int written = stuffer.Encode(input.AsSpan(pos + offset, take - offset), dest, out int used);
                Assert.True(used > 0 || written > 0, "the stuffer must make progress");
                output.AddRange(dest.AsSpan(0, written).ToArray());
                offset += used;
            }
            pos += take;
        }
        int end = stuffer.Finish(dest);
        output.AddRange(dest.AsSpan(0, end).ToArray());
        return output.ToArray();
    }

    private static string StuffText(string text) => Encoding.ASCII.GetString(Stuff(Encoding.ASCII.GetBytes(text)));

    [Theory]
    [InlineData("hello\r\n", "hello\r\n.\r\n")]
    [InlineData(".leading\r\n", "..leading\r\n.\r\n")]
    [InlineData("a\r\n.\r\nb\r\n", "a\r\n..\r\nb\r\n.\r\n")]
    [InlineData(".", "..\r\n.\r\n")]
    [InlineData("no final line end", "no final line end\r\n.\r\n")]
    [InlineData("bare\nlf\n.dot\n", "bare\r\nlf\r\n..dot\r\n.\r\n")]
    [InlineData("bare\rcr\r.x", "bare\r\ncr\r\n..x\r\n.\r\n")]
    [InlineData("mixed\r\n\n\r\r\n", "mixed\r\n\r\n\r\n\r\n.\r\n")]
    [InlineData("", ".\r\n")]
    [InlineData("..two\r\n", "...two\r\n.\r\n")]
    [InlineData("mid.dot .x\r\n", "mid.dot .x\r\n.\r\n")]
    public void StuffsAndNormalises(string input, string expected) => Assert.Equal(expected, StuffText(input));

    [Fact]
    public void ChunkBoundariesDoNotMatter()
    {
        var input = Encoding.ASCII.GetBytes("a\r\n.b\r\n\r\n.\r\nlast\r");
        var whole = Stuff(input);
        for (int chunk = 1; chunk <= input.Length; chunk++)
        {
            for (int window = 2; window < 12; window++)
            {
                Assert.Equal(whole, Stuff(input, chunk, window));
            }
        }
    }

    private static readonly Gen<byte[]> s_messageBytes =
        Gen.Frequency((6, Gen.Elements((byte)'a', (byte)'z', (byte)' ', (byte)0xC3)), (2, Gen.Constant((byte)'.')),
            (1, Gen.Constant((byte)'\r')), (2, Gen.Constant((byte)'\n'))).ArrayOf();

    [Fact]
    public void StuffThenUnstuffGivesTheNormalisedMessage()
    {
        Prop.ForAll(s_messageBytes.ToArbitrary(), Gen.Choose(1, 64).ToArbitrary(), (input, chunk) =>
        {
            var wire = Stuff(input, chunk, window: 7);
            var restored = DotUnstuffer.Unstuff(wire);
            var expected = Normalise(input);
            return restored.AsSpan().SequenceEqual(expected);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(1000));
    }

    [Fact]
    public void StuffedDataNeverContainsAnEarlyTerminator()
    {
        Prop.ForAll(s_messageBytes.ToArbitrary(), input =>
        {
            var wire = Stuff(input);
            var text = Encoding.Latin1.GetString(wire);
            // The only "CRLF.CRLF" (or a leading ".CRLF") is the real end.
            int first = ("\r\n" + text).IndexOf("\r\n.\r\n", StringComparison.Ordinal);
            return first == text.Length - 3 && !text.Replace("\r\n", "", StringComparison.Ordinal).Contains('\r')
                && !text.Replace("\r\n", "", StringComparison.Ordinal).Contains('\n');
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(1000));
    }

    /// <summary>What the server should store: every line end as CRLF and a final CRLF when the input lacked one.</summary>
    private static byte[] Normalise(byte[] input)
    {
        var output = new List<byte>();
        for (int i = 0; i < input.Length; i++)
        {
            byte b = input[i];
            if (b == '\r' || b == '\n')
            {
                output.Add((byte)'\r');
                output.Add((byte)'\n');
                if (b == '\r' && i + 1 < input.Length && input[i + 1] == '\n')
                {
                    i++;
                }
            }
            else
            {
                output.Add(b);
            }
        }
        if (output.Count > 0 && output[^1] != '\n')
        {
            output.Add((byte)'\r');
            output.Add((byte)'\n');
        }
        return output.ToArray();
    }
}
