using System.Text;
using FsCheck;
using FsCheck.Fluent;

namespace Herald.Tests.Message;

/// <summary>FsCheck generators shared by the message tests.</summary>
internal static class MessageGenerators
{
    /// <summary>One Unicode scalar value, weighted towards the interesting ranges.</summary>
    public static Gen<string> Scalar(bool allowControls) => Gen.Frequency(
        (6, Gen.Choose(0x21, 0x7E).Select(Char)),                 // printable ASCII, including = ? _ " ( )
        (3, Gen.Elements(" ", "  ", "\t")),
        (3, Gen.Choose(0xA0, 0xFF).Select(Char)),                 // Latin-1
        (3, Gen.Choose(0x100, 0xD7FF).Select(Char)),              // rest of the BMP below the surrogates
        (1, Gen.Choose(0xE000, 0xFFFD).Select(Char)),
        (2, Gen.Choose(0x10000, 0x10FFFF).Select(Char)),          // astral: surrogate pairs
        (1, Gen.Elements("=?", "?=", "=?utf-8?q?x?=", "_")),
        (allowControls ? 1 : 0, Gen.Choose(1, 0x1F).Where(c => c is not (9 or 10 or 13)).Select(Char)));

    /// <summary>Text such as a person might put in a Subject: no CR, LF or NUL.</summary>
    public static Arbitrary<string> HeaderText(bool allowControls = true) =>
        Gen.Sized(size => Gen.ListOf(Scalar(allowControls), Math.Min(size * 3, 400)))
            .Select(parts => string.Concat(parts))
            .ToArbitrary();

    /// <summary>Arbitrary text including CR, LF and NUL.</summary>
    public static Arbitrary<string> AnyText() =>
        Gen.Sized(size => Gen.ListOf(Gen.Frequency(
                (8, Scalar(allowControls: true)),
                (1, Gen.Elements("\r", "\n", "\r\n", "\0")))))
            .Select(parts => string.Concat(parts))
            .ToArbitrary();

    /// <summary>Arbitrary bytes, weighted towards line ends, spaces and '='.</summary>
    public static Arbitrary<byte[]> Bytes() =>
        Gen.ArrayOf(Gen.Frequency(
                (6, Gen.Choose(0, 255).Select(i => (byte)i)),
                (4, Gen.Choose(0x20, 0x7E).Select(i => (byte)i)),
                (2, Gen.Elements((byte)' ', (byte)'\t', (byte)'=', (byte)'.')),
                (2, Gen.Elements((byte)'\r', (byte)'\n'))))
            .ToArbitrary();

    private static string Char(int codePoint) => char.ConvertFromUtf32(codePoint);

    /// <summary>Splits <paramref name="data"/> at the given cut points (taken modulo its length).</summary>
    public static List<byte[]> Chunk(byte[] data, int[] cuts)
    {
        var points = cuts.Select(c => data.Length == 0 ? 0 : Math.Abs(c % (data.Length + 1))).Append(0).Append(data.Length)
            .Distinct().Order().ToArray();
        var chunks = new List<byte[]>();
        for (int i = 1; i < points.Length; i++)
        {
            chunks.Add(data[points[i - 1]..points[i]]);
        }
        return chunks;
    }

    /// <summary>UTF-8 bytes of ASCII text.</summary>
    public static byte[] Ascii(string s) => Encoding.ASCII.GetBytes(s);
}
