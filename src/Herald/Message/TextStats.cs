namespace Herald.Message;

/// <summary>The Content-Transfer-Encoding of a text body (RFC 2045 §6).</summary>
internal enum TextTransfer
{
    /// <summary>ASCII lines of at most 998 octets, without NUL: sent as they are.</summary>
    SevenBit,

    /// <summary>UTF-8 lines of at most 998 octets, without NUL, to a server that offers 8BITMIME (RFC 6152).</summary>
    EightBit,

    /// <summary>Anything else: quoted-printable, 7-bit and at most 76 characters a line (RFC 2045 §6.7).</summary>
    QuotedPrintable,
}

/// <summary>What a text body looks like once its line ends are CRLF and it is UTF-8 encoded.</summary>
/// <param name="Octets">Its length in octets.</param>
/// <param name="LongestLine">The longest line in octets, CRLF not counted.</param>
/// <param name="NonAscii">True when it holds a character above 127.</param>
/// <param name="HasNul">True when it holds NUL, which neither 7bit nor 8bit data may carry (RFC 2045 §2.7-2.8).</param>
/// <param name="EndsWithLineBreak">True when it ends with a line break.</param>
internal readonly record struct TextStats(long Octets, int LongestLine, bool NonAscii, bool HasNul, bool EndsWithLineBreak)
{
    /// <summary>Measures <paramref name="text"/>: CR, LF and CRLF each count as one CRLF; an unpaired surrogate counts as
    /// the three octets of U+FFFD, which is what <see cref="Charsets.Utf8"/> writes for it.</summary>
    /// <param name="text">The body.</param>
    public static TextStats Of(string text)
    {
        long octets = 0;
        int line = 0;
        int longest = 0;
        bool nonAscii = false;
        bool nul = false;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c is '\r' or '\n')
            {
                if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
                {
                    i++;
                }
                octets += 2;
                longest = Math.Max(longest, line);
                line = 0;
                continue;
            }
            int n;
            if (c < 0x80)
            {
                n = 1;
                nul |= c == '\0';
            }
            else
            {
                nonAscii = true;
                if (c < 0x800)
                {
                    n = 2;
                }
                else if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                {
                    n = 4;
                    i++;
                }
                else
                {
                    n = 3;
                }
            }
            octets += n;
            line += n;
        }
        longest = Math.Max(longest, line);
        return new TextStats(octets, longest, nonAscii, nul, text.Length > 0 && text[^1] is '\r' or '\n');
    }

    /// <summary>The encoding that sends the text unchanged, by <see cref="Choose"/>.</summary>
    /// <param name="eightBitMime">True when the server offers 8BITMIME.</param>
    public TextTransfer Transfer(bool eightBitMime) => Choose(LongestLine, NonAscii, HasNul, eightBitMime);

    /// <summary>
    /// The one rule for the transfer encoding of a text body, whoever measured it (the MIME writer, the Smtp facade's
    /// MessageText, the command line's streamed body file): 7bit when it is ASCII, 8bit when it is not and the server
    /// takes 8-bit data (RFC 6152), quoted-printable otherwise, or when a line is longer than 998 octets (RFC 5322
    /// §2.1.1), or when NUL occurs (RFC 2045 §2.7-2.8 allow it in neither 7bit nor 8bit data).
    /// </summary>
    /// <param name="longestLine">The longest line in octets, line break not counted.</param>
    /// <param name="nonAscii">True when a byte or character above 127 occurs.</param>
    /// <param name="hasNul">True when NUL occurs.</param>
    /// <param name="eightBitMime">True when the server offers 8BITMIME (false when it is not known).</param>
    /// <returns>The encoding.</returns>
    public static TextTransfer Choose(long longestLine, bool nonAscii, bool hasNul, bool eightBitMime) =>
        hasNul || longestLine > HeaderFolding.HardLimit ? TextTransfer.QuotedPrintable
        : !nonAscii ? TextTransfer.SevenBit
        : eightBitMime ? TextTransfer.EightBit
        : TextTransfer.QuotedPrintable;
}
