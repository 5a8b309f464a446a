using System.Text;
using Herald.Cli.Options;
using Herald.Message;
using Xunit;

namespace Herald.Tests.Cli;

/// <summary>
/// The command line's own quoted-printable stream for large text bodies: the same bytes as the library's encoder in
/// text mode, whatever the input and however the reader asks for it.
/// </summary>
public class QuotedPrintableReadStreamTests
{
    private static byte[] Library(byte[] input)
    {
        var encoder = new QuotedPrintableEncoder(binary: false);
        var output = new MemoryStream();
        var buffer = new byte[64];
        int offset = 0;
        while (offset < input.Length)
        {
            int n = encoder.Encode(input.AsSpan(offset), buffer, out int consumed);
            output.Write(buffer, 0, n);
            offset += consumed;
        }
        output.Write(buffer, 0, encoder.Finish(buffer));
        return output.ToArray();
    }

    private static byte[] Cli(byte[] input, int readSize)
    {
        using var stream = new QuotedPrintableReadStream(new MemoryStream(input));
        var output = new MemoryStream();
        var buffer = new byte[readSize];
        int n;
        while ((n = stream.Read(buffer, 0, buffer.Length)) > 0)
        {
            output.Write(buffer, 0, n);
        }
        return output.ToArray();
    }

    [Theory]
    [InlineData("")]
    [InlineData("plain ascii\r\nsecond line\n")]
    [InlineData("trailing space \r\ntrailing tab\t\nlast space ")]
    [InlineData("Grüße, naïve café = 100%\r\n")]
    [InlineData("bare\rcr and\r\n\r\nblank lines\n\n")]
    public void Known_texts_encode_as_the_library_encodes_them(string text)
    {
        byte[] input = Encoding.UTF8.GetBytes(text);

        Assert.Equal(Encoding.ASCII.GetString(Library(input)), Encoding.ASCII.GetString(Cli(input, 7)));
    }

    [Fact]
    public void Random_bytes_and_long_lines_encode_as_the_library_encodes_them_whatever_the_read_size()
    {
        var random = new Random(20261205);
        byte[] alphabet = "ab =\t \r\n.\0\u00e9"u8.ToArray();
        for (int round = 0; round < 200; round++)
        {
            var input = new byte[random.Next(0, 3000)];
            for (int i = 0; i < input.Length; i++)
            {
                input[i] = random.Next(4) == 0 ? (byte)random.Next(256) : alphabet[random.Next(alphabet.Length)];
            }
            byte[] expected = Library(input);

            Assert.Equal(expected, Cli(input, 1 + random.Next(200)));
        }
    }

    [Fact]
    public void Lines_are_at_most_76_characters()
    {
        byte[] input = Encoding.UTF8.GetBytes(new string('é', 500) + "\n" + new string('x', 500));

        string encoded = Encoding.ASCII.GetString(Cli(input, 4096));

        Assert.All(encoded.Split("\r\n"), line => Assert.True(line.Length <= 76, line));
    }
}
