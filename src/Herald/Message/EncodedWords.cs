using System.Text;

namespace Herald.Message;

/// <summary>Where an encoded word is placed, which decides the characters Q encoding may leave as they are.</summary>
internal enum EncodedWordContext
{
    /// <summary>Unstructured text such as Subject (RFC 2047 §5 rule 1).</summary>
    Text,

    /// <summary>A word of a phrase such as a display name (RFC 2047 §5 rule 3): only letters, digits and
    /// <c>! * + - /</c> stay literal.</summary>
    Phrase,
}

/// <summary>
/// RFC 2047 encoded words (<c>=?charset?B|Q?text?=</c>), the way non-ASCII text travels in headers of a message
/// that is not sent with SMTPUTF8.
/// </summary>
internal static class EncodedWords
{
    /// <summary>The longest an encoded word may be (RFC 2047 §2).</summary>
    public const int MaxWordLength = 75;

    /// <summary>
    /// Encodes all of <paramref name="text"/> as encoded words of at most <paramref name="maxWordLength"/> characters,
    /// joined by single spaces (which decoders drop between encoded words, RFC 2047 §6.2).
    /// </summary>
    /// <param name="text">The text; spaces in it are encoded too, so they survive decoding.</param>
    /// <param name="encoding">The preferred charset (null: UTF-8), as returned by <see cref="Charsets.Resolve"/>.
    /// Text it cannot represent is encoded as UTF-8 instead, so nothing is ever replaced by '?'.</param>
    /// <param name="context">Where the words will stand.</param>
    /// <param name="maxWordLength">The longest word wanted; at least one character always goes into a word.</param>
    /// <returns>The encoded words, or "" for empty text.</returns>
    public static string Encode(string text, Encoding? encoding = null, EncodedWordContext context = EncodedWordContext.Text,
        int maxWordLength = MaxWordLength) => string.Join(' ', EncodeToList(text, encoding, context, maxWordLength));

    /// <summary>Like <see cref="Encode"/>, but returns the words one by one (for folding between them).</summary>
    /// <param name="text">The text.</param>
    /// <param name="encoding">The preferred charset (null: UTF-8).</param>
    /// <param name="context">Where the words will stand.</param>
    /// <param name="maxWordLength">The longest word wanted.</param>
    public static List<string> EncodeToList(string text, Encoding? encoding = null,
        EncodedWordContext context = EncodedWordContext.Text, int maxWordLength = MaxWordLength)
    {
        var words = new List<string>();
        var run = new EncodedWordWriter(text, encoding ?? Charsets.Utf8, context);
        while (!run.Done)
        {
            words.Add(run.Next(maxWordLength, force: true)!);
        }
        return words;
    }

    /// <summary>
    /// True when a whitespace-delimited word of unstructured text cannot be sent as it is: it holds a character
    /// outside printable ASCII, or a <c>=?</c> that a reader could take for the start of an encoded word.
    /// </summary>
    /// <param name="word">The word (no spaces or tabs in it).</param>
    public static bool WordNeedsEncoding(ReadOnlySpan<char> word)
    {
        foreach (var c in word)
        {
            if (c < 0x20 || c > 0x7E)
            {
                return true;
            }
        }
        return word.Contains("=?", StringComparison.Ordinal);
    }

    /// <summary>
    /// Decodes the encoded words in a header value (folded or not). Whitespace between two adjacent encoded words is
    /// dropped (RFC 2047 §6.2); consecutive words in the same charset are joined before decoding, so a character split
    /// across words by a careless sender still comes out whole. Words with an unknown charset or broken encoding are
    /// left as they are.
    /// </summary>
    /// <param name="value">The header value.</param>
    public static string Decode(string value)
    {
        var s = HeaderFolding.Unfold(value);
        var sb = new StringBuilder(s.Length);
        var pending = new List<byte>();
        Encoding? pendingEncoding = null;
        bool afterWord = false;
        int i = 0;
        while (i < s.Length)
        {
            int start = s.IndexOf("=?", i, StringComparison.Ordinal);
            if (start < 0)
            {
                Flush();
                sb.Append(s, i, s.Length - i);
                break;
            }
            if (TryParseWord(s, start, out int end, out var encoding, out var bytes))
            {
                var gap = s.AsSpan(i, start - i);
                if (!(afterWord && gap.IndexOfAnyExcept(' ', '\t') < 0))
                {
                    Flush();
                    sb.Append(gap);
                }
                if (pendingEncoding is not null && pendingEncoding.WebName != encoding.WebName)
                {
                    Flush();
                }
                pendingEncoding = encoding;
                pending.AddRange(bytes);
                afterWord = true;
                i = end;
            }
            else
            {
                Flush();
                sb.Append(s, i, start + 2 - i);
                afterWord = false;
                i = start + 2;
            }
        }
        Flush();
        return sb.ToString();

        void Flush()
        {
            if (pendingEncoding is not null)
            {
                sb.Append(pendingEncoding.GetString(pending.ToArray()));
                pending.Clear();
                pendingEncoding = null;
            }
        }
    }

    /// <summary>Decodes <paramref name="token"/> when it is exactly one encoded word.</summary>
    /// <param name="token">A whitespace-delimited token.</param>
    /// <param name="text">The decoded text.</param>
    public static bool TryDecodeWord(string token, out string text)
    {
        if (token.StartsWith("=?", StringComparison.Ordinal) && TryParseWord(token, 0, out int end, out var enc, out var bytes)
            && end == token.Length)
        {
            text = enc.GetString(bytes);
            return true;
        }
        text = "";
        return false;
    }

    // Parses "=?charset[*lang]?B|Q?text?=" at s[start]; end is the index after "?=".
    private static bool TryParseWord(string s, int start, out int end, out Encoding encoding, out byte[] bytes)
    {
        end = 0;
        encoding = Charsets.Utf8;
        bytes = [];
        int p = start + 2;
        int q1 = s.IndexOf('?', p);
        if (q1 <= p || q1 + 3 >= s.Length || s[q1 + 2] != '?')
        {
            return false;
        }
        var charset = s.AsSpan(p, q1 - p);
        if (charset.IndexOfAny(" \t=") >= 0)
        {
            return false;
        }
        int star = charset.IndexOf('*'); // RFC 2231 §5 language suffix
        if (star >= 0)
        {
            charset = charset[..star];
        }
        char mode = char.ToUpperInvariant(s[q1 + 1]);
        if (mode is not ('B' or 'Q'))
        {
            return false;
        }
        int textStart = q1 + 3;
        int q2 = s.IndexOf('?', textStart);
        if (q2 < 0 || q2 + 1 >= s.Length || s[q2 + 1] != '=')
        {
            return false;
        }
        var encoded = s.AsSpan(textStart, q2 - textStart);
        if (encoded.IndexOfAny(' ', '\t') >= 0)
        {
            return false;
        }
        var found = charset.Length == 0 ? null : Charsets.TryGet(charset.ToString());
        if (found is null)
        {
            return false;
        }
        byte[]? decoded = mode == 'B' ? DecodeB(encoded) : DecodeQ(encoded);
        if (decoded is null)
        {
            return false;
        }
        encoding = found;
        bytes = decoded;
        end = q2 + 2;
        return true;
    }

    private static byte[]? DecodeB(ReadOnlySpan<char> text)
    {
        // Some senders drop the '=' padding; put it back rather than refuse the word.
        var padded = (text.Length % 4) switch
        {
            0 => text.ToString(),
            2 => text.ToString() + "==",
            3 => text.ToString() + "=",
            _ => null,
        };
        if (padded is null)
        {
            return null;
        }
        var buffer = new byte[padded.Length / 4 * 3];
        return Convert.TryFromBase64String(padded, buffer, out int n) ? buffer[..n] : null;
    }

    private static byte[]? DecodeQ(ReadOnlySpan<char> text)
    {
        var output = new List<byte>(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '_')
            {
                output.Add((byte)' '); // RFC 2047 §4.2 rule 2
            }
            else if (c == '=')
            {
                if (i + 2 >= text.Length || !IsHex(text[i + 1]) || !IsHex(text[i + 2]))
                {
                    return null;
                }
                output.Add((byte)Convert.ToInt32(text.Slice(i + 1, 2).ToString(), 16));
                i += 2;
            }
            else if (c > 0x7E)
            {
                return null;
            }
            else
            {
                output.Add((byte)c);
            }
        }
        return output.ToArray();
    }

    private static bool IsHex(char c) => char.IsAsciiHexDigit(c);
}
