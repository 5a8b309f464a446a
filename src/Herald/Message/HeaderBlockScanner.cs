using System.Text;

namespace Herald.Message;

/// <summary>One header field found by <see cref="HeaderBlockScanner"/>.</summary>
/// <param name="Name">The field name (RFC 5322 §3.6.8: printable ASCII other than ':').</param>
/// <param name="Start">The offset of the field's first byte in the scanned data.</param>
/// <param name="End">The offset just after its last line end (continuation lines included).</param>
internal readonly record struct ScannedField(string Name, int Start, int End);

/// <summary>Why the header block ended.</summary>
internal enum HeaderBlockEnd
{
    /// <summary>Not yet: more data is needed.</summary>
    None,
    /// <summary>An empty line, the separator RFC 5322 §2.1 puts between header and body.</summary>
    Separator,
    /// <summary>A line that is neither a field nor a continuation: the body starts there without a separator.</summary>
    BodyLine,
    /// <summary>The data ended inside the header block (a message without a body).</summary>
    EndOfInput,
}

/// <summary>
/// Finds the header block of a message that was written elsewhere (a file, standard input) and the fields in it,
/// line by line over its raw bytes, without decoding anything. It is fed the same growing buffer again and again (the
/// data read so far, always from the start of the message) and resumes at the first line it has not classified, so
/// the header block is read exactly once however it arrives.
/// </summary>
/// <remarks>
/// Lines end with LF or CRLF. A line is a field when it starts with a field name followed by optional spaces or tabs
/// and a colon (RFC 5322 §3.6.8, with the obsolete white space before the colon of §4.5); a line starting with a space
/// or tab continues the field before it (§2.2.3). An empty line ends the block; so does any other line, which then
/// starts the body. A first line in the mbox form <c>From sender date</c> is not part of the message: it is reported
/// in <see cref="SkippedPrefix"/>, as sendmail drops it.
/// </remarks>
internal sealed class HeaderBlockScanner
{
    private readonly List<ScannedField> _fields = [];
    private int _position;          // the start of the first line not yet classified
    private int _fieldStart = -1;   // the open field's first byte, or -1
    private string _fieldName = "";

    /// <summary>The fields found so far, in order.</summary>
    public IReadOnlyList<ScannedField> Fields => _fields;

    /// <summary>Why the block ended, or <see cref="HeaderBlockEnd.None"/> while it has not.</summary>
    public HeaderBlockEnd Ending { get; private set; }

    /// <summary>Once the block has ended: the offset where the body starts (after the separator line, if any).</summary>
    public int End { get; private set; }

    /// <summary>Once the block has ended with <see cref="HeaderBlockEnd.Separator"/>: the offset of the empty line.</summary>
    public int SeparatorStart { get; private set; }

    /// <summary>The length of a leading mbox <c>From </c> line (its line end included), or 0.</summary>
    public int SkippedPrefix { get; private set; }

    /// <summary>True once the block's end was found.</summary>
    public bool IsComplete => Ending != HeaderBlockEnd.None;

    /// <summary>
    /// Classifies the complete lines of <paramref name="data"/> that were not classified yet.
    /// </summary>
    /// <param name="data">The message's bytes read so far, from its first byte.</param>
    /// <param name="final">True when no more data follows (the last line may then lack its line end).</param>
    /// <returns>True once the end of the header block is known.</returns>
    public bool Scan(ReadOnlySpan<byte> data, bool final)
    {
        while (!IsComplete)
        {
            int lineStart = _position;
            if (lineStart == data.Length)
            {
                if (final)
                {
                    Finish(HeaderBlockEnd.EndOfInput, data.Length);
                }
                return IsComplete;
            }
            int lf = data[lineStart..].IndexOf((byte)'\n');
            if (lf < 0 && !final)
            {
                return false;
            }
            int next = lf < 0 ? data.Length : lineStart + lf + 1;
            var line = data[lineStart..(lf < 0 ? data.Length : lineStart + lf)];
            if (line.Length > 0 && line[^1] == '\r')
            {
                line = line[..^1];
            }
            if (lineStart == 0 && IsMboxLine(line))
            {
                SkippedPrefix = next;
            }
            else if (line.IsEmpty)
            {
                SeparatorStart = lineStart;
                Finish(HeaderBlockEnd.Separator, next);
                return true;
            }
            else if (line[0] is (byte)' ' or (byte)'\t')
            {
                if (_fieldStart < 0)
                {
                    Finish(HeaderBlockEnd.BodyLine, lineStart); // white space before any field: no header block
                    return true;
                }
            }
            else if (FieldName(line) is { } name)
            {
                CloseField(lineStart);
                _fieldStart = lineStart;
                _fieldName = name;
            }
            else
            {
                Finish(HeaderBlockEnd.BodyLine, lineStart);
                return true;
            }
            _position = next;
        }
        return true;
    }

    /// <summary>The field name a line starts with (the text before the colon, without trailing white space), or null
    /// when the line is not a field.</summary>
    /// <param name="line">One line without its line end.</param>
    public static string? FieldName(ReadOnlySpan<byte> line)
    {
        int i = 0;
        while (i < line.Length && line[i] is >= (byte)'!' and <= (byte)'~' and not (byte)':')
        {
            i++;
        }
        if (i == 0)
        {
            return null;
        }
        int j = i;
        while (j < line.Length && line[j] is (byte)' ' or (byte)'\t')
        {
            j++;
        }
        return j < line.Length && line[j] == ':' ? Encoding.ASCII.GetString(line[..i]) : null;
    }

    // "From alice@example.org Mon Jan  1 00:00:00 2024": the separator of an mbox file, which a message saved from one
    // may still start with. "From:" and the obsolete "From :" are the header field.
    private static bool IsMboxLine(ReadOnlySpan<byte> line)
    {
        if (!line.StartsWith("From "u8))
        {
            return false;
        }
        int rest = line[5..].IndexOfAnyExcept((byte)' ', (byte)'\t');
        return rest >= 0 && line[5 + rest] != ':';
    }

    private void CloseField(int end)
    {
        if (_fieldStart >= 0)
        {
            _fields.Add(new ScannedField(_fieldName, _fieldStart, end));
            _fieldStart = -1;
        }
    }

    private void Finish(HeaderBlockEnd ending, int end)
    {
        CloseField(ending == HeaderBlockEnd.Separator ? SeparatorStart : end);
        Ending = ending;
        End = end;
    }
}
