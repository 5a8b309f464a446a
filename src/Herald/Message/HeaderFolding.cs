using System.Text;

namespace Herald.Message;

/// <summary>Line-length limits of header fields (RFC 5322 §2.1.1, §2.2.3) and unfolding.</summary>
internal static class HeaderFolding
{
    /// <summary>The longest a line may be, not counting its CRLF (RFC 5322 §2.1.1).</summary>
    public const int HardLimit = 998;

    /// <summary>
    /// The line length folding aims at. With folding off, or a MaxHeaderLength of zero or less, only the hard limit
    /// applies; a MaxHeaderLength above the hard limit is lowered to it.
    /// </summary>
    /// <param name="foldHeaders">The FoldHeaders setting.</param>
    /// <param name="maxHeaderLength">The MaxHeaderLength setting.</param>
    public static int EffectiveLimit(bool foldHeaders, int maxHeaderLength) =>
        !foldHeaders || maxHeaderLength <= 0 ? HardLimit : Math.Min(maxHeaderLength, HardLimit);

    /// <summary>Removes every CRLF (or bare LF) that is followed by a space or tab (RFC 5322 §2.2.3).</summary>
    /// <param name="text">Folded text.</param>
    public static string Unfold(string text)
    {
        if (text.IndexOf('\n') < 0)
        {
            return text;
        }
        var sb = new StringBuilder(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] == '\r' && i + 2 < text.Length && text[i + 1] == '\n' && text[i + 2] is ' ' or '\t')
            {
                i++;
                continue;
            }
            if (text[i] == '\n' && i + 1 < text.Length && text[i + 1] is ' ' or '\t')
            {
                continue;
            }
            sb.Append(text[i]);
        }
        return sb.ToString();
    }
}

/// <summary>
/// Writes one header field, folding it (CRLF inserted before a space or tab) when a line would pass the limit.
/// Folds happen only where the caller allows them, so a fold never lands inside an encoded word or an address, and
/// never produces a line of only whitespace (RFC 5322 §3.2.2). A piece that cannot be folded stays on a long line,
/// but a line longer than <see cref="HeaderFolding.HardLimit"/> is refused.
/// </summary>
internal sealed class HeaderFieldWriter
{
    private readonly StringBuilder _text = new();   // the field as it goes on the wire, without the final CRLF
    private readonly StringBuilder _value = new();  // the value, unfolded
    private readonly string _name;
    private readonly int _limit;
    private readonly string _what;
    private int _lineLength;                        // characters on the current line
    private bool _lineHasContent;                   // false at the start of a line and right after "Name: "

    /// <summary>Starts a field <c>Name: </c>.</summary>
    /// <param name="name">The field name.</param>
    /// <param name="limit">The line length to fold at (see <see cref="HeaderFolding.EffectiveLimit"/>).</param>
    /// <param name="what">The setting the value comes from, for error messages.</param>
    public HeaderFieldWriter(string name, int limit, string what)
    {
        _name = name;
        _limit = limit;
        _what = what;
        _text.Append(name).Append(": ");
        _lineLength = _text.Length;
    }

    /// <summary>
    /// Appends <paramref name="whitespace"/> then <paramref name="word"/>, folding before the whitespace when the
    /// line would pass the limit. With no whitespace, or an empty word, no fold is made.
    /// </summary>
    /// <param name="whitespace">Spaces or tabs before the word ("" for none).</param>
    /// <param name="word">Text that is never split.</param>
    public void Append(string whitespace, string word)
    {
        if (CanFold(whitespace, word) && _lineLength + whitespace.Length + word.Length > _limit)
        {
            NewLine();
        }
        Write(whitespace, word);
    }

    /// <summary>
    /// Appends a group of pieces that should stay on one line (an address). When the group does not fit on the
    /// current line, the line is folded before it; when it does not fit on a line of its own either, the group is
    /// folded between its pieces as well.
    /// </summary>
    /// <param name="pieces">Whitespace and text of each piece; the first one's whitespace separates the group from
    /// what came before.</param>
    public void AppendGroup(IReadOnlyList<(string Whitespace, string Text)> pieces)
    {
        int width = 0;
        foreach (var (ws, text) in pieces)
        {
            width += ws.Length + text.Length;
        }
        if (CanFold(pieces[0].Whitespace, pieces[0].Text) && _lineLength + width > _limit)
        {
            NewLine();
        }
        bool foldInside = _lineLength + width > _limit;
        for (int i = 0; i < pieces.Count; i++)
        {
            if (i > 0 && foldInside)
            {
                Append(pieces[i].Whitespace, pieces[i].Text);
            }
            else
            {
                Write(pieces[i].Whitespace, pieces[i].Text);
            }
        }
    }

    /// <summary>
    /// Appends <paramref name="whitespace"/> and then the encoded words of <paramref name="run"/>, each sized to the
    /// room left on its line (at most 75 characters), with a single space between words.
    /// </summary>
    /// <param name="whitespace">Whitespace before the first word.</param>
    /// <param name="run">The text to encode.</param>
    public void AppendEncoded(string whitespace, EncodedWordWriter run)
    {
        var separator = whitespace;
        while (!run.Done)
        {
            int room = Math.Min(EncodedWords.MaxWordLength, _limit - _lineLength - separator.Length);
            var word = room > 0 ? run.Next(room, force: false) : null;
            if (word is null && CanFold(separator, "x"))
            {
                NewLine();
                room = Math.Min(EncodedWords.MaxWordLength, _limit - separator.Length);
                word = run.Next(room, force: false);
            }
            word ??= run.Next(EncodedWords.MaxWordLength, force: true)!;
            Write(separator, word);
            separator = " ";
        }
    }

    /// <summary>
    /// Appends unstructured text (RFC 5322 §3.2.5): words that are printable ASCII go as they are; runs of words
    /// that are not (or that are too long for any line) become encoded words, the whitespace between them encoded
    /// along, since decoders drop whitespace between adjacent encoded words.
    /// </summary>
    /// <param name="text">The text.</param>
    /// <param name="charset">The preferred charset for encoded words.</param>
    public void AppendUnstructured(string text, Encoding charset)
    {
        int longestPlainWord = HeaderFolding.HardLimit - _name.Length - 3;
        // Whitespace at the very end travels with the last word (inside its encoded words when it is encoded), so
        // that it never needs a line of its own and never pushes a line past the limit unnoticed.
        int contentEnd = text.AsSpan().LastIndexOfAnyExcept(' ', '\t') + 1;
        if (contentEnd == 0)
        {
            Write(text, "");
            return;
        }
        int i = 0;
        int runStart = -1;          // start of the current stretch to encode
        int runEnd = -1;            // end of its last word
        string runWhitespace = "";  // whitespace before the stretch
        while (i < contentEnd)
        {
            int wsEnd = i;
            while (text[wsEnd] is ' ' or '\t')
            {
                wsEnd++;
            }
            int wordEnd = wsEnd;
            while (wordEnd < text.Length && text[wordEnd] is not (' ' or '\t'))
            {
                wordEnd++;
            }
            var word = text.AsSpan(wsEnd, wordEnd - wsEnd);
            if (wordEnd == contentEnd)
            {
                wordEnd = text.Length;
            }
            if (EncodedWords.WordNeedsEncoding(word) || word.Length > longestPlainWord)
            {
                if (runStart < 0)
                {
                    runStart = wsEnd;
                    runWhitespace = text[i..wsEnd];
                }
                runEnd = wordEnd;
            }
            else
            {
                FlushRun();
                Append(text[i..wsEnd], text[wsEnd..wordEnd]);
            }
            i = wordEnd;
        }
        FlushRun();

        void FlushRun()
        {
            if (runStart >= 0)
            {
                AppendEncoded(runWhitespace, new EncodedWordWriter(text[runStart..runEnd], charset, EncodedWordContext.Text));
                runStart = -1;
            }
        }
    }

    /// <summary>
    /// Appends a value the header carries as it is (Date, Message-ID, ...), folding at its spaces and tabs.
    /// </summary>
    /// <param name="text">The value.</param>
    public void AppendVerbatim(string text)
    {
        int i = 0;
        while (i < text.Length)
        {
            int wsEnd = i;
            while (wsEnd < text.Length && text[wsEnd] is ' ' or '\t')
            {
                wsEnd++;
            }
            int wordEnd = wsEnd;
            while (wordEnd < text.Length && text[wordEnd] is not (' ' or '\t'))
            {
                wordEnd++;
            }
            Append(text[i..wsEnd], text[wsEnd..wordEnd]);
            i = wordEnd;
        }
    }

    /// <summary>The value, unfolded.</summary>
    public string Value => _value.ToString();

    /// <summary>The field as it goes on the wire, ending in CRLF.</summary>
    public string Text => _text.ToString() + "\r\n";

    private bool CanFold(string whitespace, string word) => _lineHasContent && whitespace.Length > 0 && word.Length > 0;

    private void NewLine()
    {
        _text.Append("\r\n");
        _lineLength = 0;
        _lineHasContent = false;
    }

    private void Write(string whitespace, string word)
    {
        _text.Append(whitespace).Append(word);
        _value.Append(whitespace).Append(word);
        _lineLength += whitespace.Length + word.Length;
        _lineHasContent |= word.Length > 0;
        if (_lineLength > HeaderFolding.HardLimit)
        {
            throw new SmtpException(SmtpErrorCodes.InvalidArgument,
                $"{_what} is too long for the {_name} header: a line would pass {HeaderFolding.HardLimit} characters " +
                "(RFC 5322 §2.1.1) and there is no space where it could be folded; shorten it or add spaces.");
        }
    }
}
