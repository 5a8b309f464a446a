namespace Herald.Message;

/// <summary>
/// Quoted-printable (RFC 2045 §6.7): whole-buffer helpers around the streaming <see cref="QuotedPrintableEncoder"/>,
/// and a decoder (for tests and for reading captured messages).
/// </summary>
internal static class QuotedPrintable
{
    /// <summary>Creates a streaming encoder.</summary>
    /// <param name="binary">True to keep bare CR and LF as data (encoded) instead of treating them as line breaks.</param>
    public static QuotedPrintableEncoder CreateEncoder(bool binary = false) => new(binary);

    /// <summary>Encodes a whole buffer.</summary>
    /// <param name="data">The bytes.</param>
    /// <param name="binary">See <see cref="CreateEncoder"/>.</param>
    public static byte[] Encode(ReadOnlySpan<byte> data, bool binary = false)
    {
        var encoder = new QuotedPrintableEncoder(binary);
        var output = new List<byte>(data.Length + data.Length / 4 + 16);
        Span<byte> buffer = stackalloc byte[1024];
        while (data.Length > 0)
        {
            int written = encoder.Encode(data, buffer, out int consumed);
            output.AddRange(buffer[..written]);
            data = data[consumed..];
        }
        output.AddRange(buffer[..encoder.Finish(buffer)]);
        return output.ToArray();
    }

    /// <summary>
    /// Decodes quoted-printable: soft breaks (<c>=</c> at the end of a line) are removed, <c>=XX</c> (either case)
    /// becomes the byte, whitespace at the end of a line is dropped (RFC 2045 §6.7 rule 3: a relay may have added it),
    /// and each line break becomes CRLF. A '=' that starts no valid sequence is kept as it is.
    /// </summary>
    /// <param name="encoded">The encoded bytes.</param>
    public static byte[] Decode(ReadOnlySpan<byte> encoded)
    {
        var output = new List<byte>(encoded.Length);
        while (true)
        {
            int lf = encoded.IndexOf((byte)'\n');
            bool lastLine = lf < 0;
            var line = lastLine ? encoded : encoded[..lf];
            if (!lastLine && line.Length > 0 && line[^1] == (byte)'\r')
            {
                line = line[..^1];
            }
            while (line.Length > 0 && line[^1] is (byte)' ' or (byte)'\t')
            {
                line = line[..^1];
            }
            bool soft = line.Length > 0 && line[^1] == (byte)'=';
            if (soft)
            {
                line = line[..^1];
            }
            for (int i = 0; i < line.Length; i++)
            {
                if (line[i] == (byte)'=' && i + 2 < line.Length && IsHex(line[i + 1]) && IsHex(line[i + 2]))
                {
                    output.Add((byte)(HexValue(line[i + 1]) << 4 | HexValue(line[i + 2])));
                    i += 2;
                }
                else
                {
                    output.Add(line[i]);
                }
            }
            if (lastLine)
            {
                return output.ToArray();
            }
            if (!soft)
            {
                output.Add((byte)'\r');
                output.Add((byte)'\n');
            }
            encoded = encoded[(lf + 1)..];
        }
    }

    private static bool IsHex(byte b) => char.IsAsciiHexDigit((char)b);

    private static int HexValue(byte b) => b <= '9' ? b - '0' : (b | 0x20) - 'a' + 10;
}
