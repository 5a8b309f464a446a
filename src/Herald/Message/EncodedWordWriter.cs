using System.Text;

namespace Herald.Message;

/// <summary>
/// Cuts one stretch of text into RFC 2047 encoded words, one word at a time, so that a caller that folds lines can
/// ask for a word that fits the room left on the current line. B or Q is chosen once for the whole stretch (whichever
/// is shorter; Q on a tie, being readable). Words always hold whole characters (RFC 2047 §5: an encoded word must not
/// split a character, and a UTF-16 surrogate pair is one character), and each word is encoded on its own, so a stateful
/// charset such as iso-2022-jp starts and ends every word in its initial state.
/// </summary>
internal sealed class EncodedWordWriter
{
    private readonly string _text;
    private readonly Encoding _encoding;
    private readonly string _prefix;              // "=?charset?B?" or "=?charset?Q?"
    private readonly bool _base64;
    private readonly EncodedWordContext _context;
    private int _position;                        // next char of _text to encode

    /// <summary>Prepares to encode <paramref name="text"/>.</summary>
    /// <param name="text">The text.</param>
    /// <param name="preferred">The charset to use when it can represent all of the text; otherwise UTF-8.</param>
    /// <param name="context">Where the words will stand.</param>
    public EncodedWordWriter(string text, Encoding preferred, EncodedWordContext context)
    {
        _text = text;
        _encoding = Charsets.CanEncode(preferred, text) ? preferred : Charsets.Utf8;
        _context = context;
        var all = _encoding.GetBytes(text);
        int qLength = 0;
        foreach (var b in all)
        {
            qLength += QLength(b);
        }
        _base64 = Base64Length(all.Length) < qLength;
        _prefix = "=?" + Charsets.Label(_encoding) + (_base64 ? "?B?" : "?Q?");
    }

    /// <summary>True when all the text has been written.</summary>
    public bool Done => _position >= _text.Length;

    /// <summary>The charset actually used (the preferred one, or UTF-8 as the fallback).</summary>
    public Encoding Encoding => _encoding;

    /// <summary>True when the words use B (base64) encoding, false for Q.</summary>
    public bool IsBase64 => _base64;

    /// <summary>
    /// Returns the next encoded word, holding as many characters as fit in <paramref name="maxLength"/>.
    /// </summary>
    /// <param name="maxLength">The longest the word may be.</param>
    /// <param name="force">When true, a word with one character is returned even if it is longer than
    /// <paramref name="maxLength"/>; when false, null is returned in that case.</param>
    public string? Next(int maxLength, bool force)
    {
        if (Done)
        {
            return null;
        }
        int overhead = _prefix.Length + 2;
        int end = _position;
        byte[]? bytes = null;
        while (end < _text.Length)
        {
            int next = end + CharLength(_text, end);
            var candidate = _encoding.GetBytes(_text, _position, next - _position);
            if (overhead + EncodedLength(candidate) > maxLength)
            {
                break;
            }
            end = next;
            bytes = candidate;
        }
        if (bytes is null)
        {
            if (!force)
            {
                return null;
            }
            end = _position + CharLength(_text, _position);
            bytes = _encoding.GetBytes(_text, _position, end - _position);
        }
        _position = end;
        var sb = new StringBuilder(overhead + EncodedLength(bytes));
        sb.Append(_prefix);
        if (_base64)
        {
            sb.Append(Convert.ToBase64String(bytes));
        }
        else
        {
            foreach (var b in bytes)
            {
                AppendQ(sb, b);
            }
        }
        return sb.Append("?=").ToString();
    }

    private static int CharLength(string s, int index) =>
        char.IsHighSurrogate(s[index]) && index + 1 < s.Length && char.IsLowSurrogate(s[index + 1]) ? 2 : 1;

    private static int Base64Length(int byteCount) => (byteCount + 2) / 3 * 4;

    private int EncodedLength(byte[] bytes)
    {
        if (_base64)
        {
            return Base64Length(bytes.Length);
        }
        int n = 0;
        foreach (var b in bytes)
        {
            n += QLength(b);
        }
        return n;
    }

    private int QLength(byte b) => b == (byte)' ' || IsQLiteral(b) ? 1 : 3;

    private bool IsQLiteral(byte b)
    {
        if (_context == EncodedWordContext.Phrase)
        {
            // RFC 2047 §5 rule 3.
            return char.IsAsciiLetterOrDigit((char)b) || b is (byte)'!' or (byte)'*' or (byte)'+' or (byte)'-' or (byte)'/';
        }
        // RFC 2047 §4.2: printable ASCII except '=', '?' and '_' (which stands for a space).
        return b is > 0x20 and < 0x7F and not ((byte)'=' or (byte)'?' or (byte)'_');
    }

    private void AppendQ(StringBuilder sb, byte b)
    {
        if (b == (byte)' ')
        {
            sb.Append('_');
        }
        else if (IsQLiteral(b))
        {
            sb.Append((char)b);
        }
        else
        {
            sb.Append('=').Append(HexDigits[b >> 4]).Append(HexDigits[b & 0xF]);
        }
    }

    private const string HexDigits = "0123456789ABCDEF";
}
