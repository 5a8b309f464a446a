using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Herald.Message;
using Xunit;

namespace Herald.Tests.Message;

public class QuotedPrintableTests
{
    private static string Encode(string text, bool binary = false) =>
        Encoding.ASCII.GetString(QuotedPrintable.Encode(Encoding.UTF8.GetBytes(text), binary));

    [Fact]
    public void Printable_ascii_passes_through_and_equals_and_non_ascii_are_encoded()
    {
        Assert.Equal("a=3Db caf=C3=A9 ~!", Encode("a=b café ~!"));
    }

    [Fact]
    public void Crlf_stays_a_hard_line_break()
    {
        Assert.Equal("line one\r\nline two\r\n", Encode("line one\r\nline two\r\n"));
    }

    [Theory]
    [InlineData("end \r\nnext", "end=20\r\nnext")]
    [InlineData("end\t\r\nnext", "end=09\r\nnext")]
    [InlineData("trailing  ", "trailing =20")]
    [InlineData("a b", "a b")]
    [InlineData(" ", "=20")]
    public void Whitespace_at_the_end_of_a_line_or_of_the_data_is_encoded(string input, string expected)
    {
        Assert.Equal(expected, Encode(input));
    }

    [Fact]
    public void Long_lines_get_soft_breaks_and_no_line_passes_76_characters()
    {
        var encoded = Encode(new string('x', 200));
        var lines = encoded.Split("\r\n");
        Assert.Equal(3, lines.Length);
        Assert.Equal(new string('x', 75) + "=", lines[0]);
        Assert.Equal(new string('x', 75) + "=", lines[1]);
        Assert.Equal(new string('x', 50), lines[2]);
    }

    [Fact]
    public void An_encoded_byte_is_never_split_by_a_soft_break()
    {
        var encoded = Encode(new string('x', 74) + "é");
        Assert.Equal(new string('x', 74) + "=\r\n=C3=A9", encoded);
    }

    [Fact]
    public void Text_mode_turns_bare_lf_and_bare_cr_into_crlf()
    {
        Assert.Equal("a\r\nb\r\nc\r\n\r\nd", Encode("a\nb\rc\r\n\nd"));
        Assert.Equal("x=20\r\ny", Encode("x \ny"));
    }

    [Fact]
    public void Binary_mode_encodes_bare_cr_and_lf_and_keeps_crlf()
    {
        Assert.Equal("a=0Ab=0Dc\r\nd=0D", Encode("a\nb\rc\r\nd\r", binary: true));
        Assert.Equal("x =0D", Encode("x \r", binary: true));
        Assert.Equal("x=20\r\n", Encode("x \r\n", binary: true));
    }

    [Fact]
    public void Encode_stops_when_the_destination_has_less_than_the_minimum_room()
    {
        var encoder = QuotedPrintable.CreateEncoder();
        var destination = new byte[QuotedPrintableEncoder.MinDestinationLength - 1];
        Assert.Equal(0, encoder.Encode("abc"u8, destination, out int consumed));
        Assert.Equal(0, consumed);
    }

    [Fact]
    public void Decode_handles_soft_breaks_lower_case_hex_stray_equals_and_trailing_whitespace()
    {
        var decoded = QuotedPrintable.Decode("caf=c3=a9 =\r\nsuite  \r\na=ZZ=\nb=4"u8);
        Assert.Equal("café suite\r\na=ZZb=4", Encoding.UTF8.GetString(decoded));
    }

    [Fact]
    public void Property_binary_round_trip_over_any_bytes_and_any_chunking()
    {
        Prop.ForAll(MessageGenerators.Bytes(), ArbMap.Default.ArbFor<int[]>(), Gen.Choose(16, 80).ToArbitrary(),
            (data, cuts, room) =>
            {
                var whole = QuotedPrintable.Encode(data, binary: true);
                var chunked = EncodeInChunks(data, cuts, room, binary: true);
                return whole.SequenceEqual(chunked)
                    && QuotedPrintable.Decode(whole).SequenceEqual(data)
                    && IsWellFormed(whole);
            }).Check(Config.QuickThrowOnFailure.WithMaxTest(500).WithEndSize(600));
    }

    [Fact]
    public void Property_text_round_trip_gives_the_text_with_line_ends_made_crlf()
    {
        Prop.ForAll(MessageGenerators.Bytes(), ArbMap.Default.ArbFor<int[]>(), Gen.Choose(16, 80).ToArbitrary(),
            (data, cuts, room) =>
            {
                var whole = QuotedPrintable.Encode(data);
                var chunked = EncodeInChunks(data, cuts, room, binary: false);
                return whole.SequenceEqual(chunked)
                    && QuotedPrintable.Decode(whole).SequenceEqual(NormalizeLineEnds(data))
                    && IsWellFormed(whole);
            }).Check(Config.QuickThrowOnFailure.WithMaxTest(500).WithEndSize(600));
    }

    // Feeds the encoder chunk by chunk through a small destination, the way a body streams to the connection.
    private static byte[] EncodeInChunks(byte[] data, int[] cuts, int room, bool binary)
    {
        var encoder = QuotedPrintable.CreateEncoder(binary);
        var output = new List<byte>();
        var buffer = new byte[room];
        foreach (var chunk in MessageGenerators.Chunk(data, cuts))
        {
            ReadOnlySpan<byte> rest = chunk;
            while (rest.Length > 0)
            {
                int written = encoder.Encode(rest, buffer, out int consumed);
                Assert.True(consumed > 0, "no progress with enough room");
                output.AddRange(buffer[..written]);
                rest = rest[consumed..];
            }
        }
        output.AddRange(buffer[..encoder.Finish(buffer)]);
        return output.ToArray();
    }

    // RFC 2045 §6.7: only printable ASCII, space, tab and CRLF; lines of at most 76 characters; no whitespace at the
    // end of a line; '=' only as a soft break or before two upper-case hex digits.
    private static bool IsWellFormed(byte[] encoded)
    {
        var text = Encoding.ASCII.GetString(encoded);
        foreach (var line in text.Split("\r\n"))
        {
            if (line.Length > QuotedPrintableEncoder.MaxLineLength || line.EndsWith(' ') || line.EndsWith('\t')
                || line.Any(c => c is '\r' or '\n' || (c < 0x20 && c != '\t') || c > 0x7E))
            {
                return false;
            }
            for (int i = 0; i < line.Length; i++)
            {
                if (line[i] == '=' && i != line.Length - 1
                    && !(i + 2 < line.Length && Uri.IsHexDigit(line[i + 1]) && Uri.IsHexDigit(line[i + 2])
                         && !char.IsLower(line[i + 1]) && !char.IsLower(line[i + 2])))
                {
                    return false;
                }
            }
        }
        return true;
    }

    private static byte[] NormalizeLineEnds(byte[] data)
    {
        var output = new List<byte>(data.Length);
        for (int i = 0; i < data.Length; i++)
        {
            if (data[i] == '\r')
            {
                if (i + 1 < data.Length && data[i + 1] == '\n')
                {
                    i++;
                }
                output.AddRange("\r\n"u8);
            }
            else if (data[i] == '\n')
            {
                output.AddRange("\r\n"u8);
            }
            else
            {
                output.Add(data[i]);
            }
        }
        return output.ToArray();
    }
}
