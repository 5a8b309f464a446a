using System.Text;

namespace Herald.Protocol;

/// <summary>
/// Turns the server's bytes into <see cref="SmtpReply"/> objects. It is resumable: input may arrive in pieces of any
/// size, split anywhere (even inside a line), and the parser keeps the partial line until the rest arrives.
/// </summary>
/// <remarks>
/// Grammar (RFC 5321 §4.2): each line is three digits, then a space (last line), a hyphen (more lines follow) or
/// nothing at all (a bare code, which real servers send, e.g. <c>334</c>), then text, then CRLF. A lone LF is also
/// accepted as a line end. Every line of a multi-line reply must carry the same code. Lines longer than
/// <see cref="MaxLineLength"/> and replies of more than <see cref="MaxLines"/> lines are rejected so a hostile server
/// cannot make the client buffer without limit.
/// </remarks>
internal sealed class SmtpReplyParser
{
    /// <summary>Default cap on the number of lines in one reply.</summary>
    public const int DefaultMaxLines = 10_000;

    private readonly byte[] _line;
    private readonly string _limitName;   // the setting that raises MaxLineLength, named in the error
    private int _lineLength;
    private int _code = -1;
    private readonly List<string> _lines = [];

    /// <summary>Creates a parser.</summary>
    /// <param name="maxLineLength">Longest accepted line in bytes, without the line end.</param>
    /// <param name="maxLines">Most lines accepted in one reply.</param>
    /// <param name="limitName">The name of the setting that sets <paramref name="maxLineLength"/>, quoted in the error
    /// when a line is too long so the user knows what to raise.</param>
    public SmtpReplyParser(int maxLineLength = 2048, int maxLines = DefaultMaxLines, string limitName = "line length limit")
    {
        if (maxLineLength < 4)
        {
            throw new ArgumentOutOfRangeException(nameof(maxLineLength));
        }
        MaxLineLength = maxLineLength;
        MaxLines = maxLines;
        _limitName = limitName;
        _line = new byte[maxLineLength + 1]; // + 1: room for the CR of the line end
    }

    /// <summary>Longest accepted line in bytes.</summary>
    public int MaxLineLength { get; }

    /// <summary>Most lines accepted in one reply.</summary>
    public int MaxLines { get; }

    /// <summary>True when part of a reply has been read and the rest is still awaited.</summary>
    public bool InReply => _lineLength > 0 || _lines.Count > 0;

    /// <summary>Forgets any partial reply.</summary>
    public void Reset()
    {
        _lineLength = 0;
        _code = -1;
        _lines.Clear();
    }

    /// <summary>
    /// Consumes bytes until one reply is complete or the input runs out.
    /// </summary>
    /// <param name="data">Bytes received from the server.</param>
    /// <param name="consumed">How many bytes of <paramref name="data"/> were used. Bytes after a complete reply are
    /// left for the next call.</param>
    /// <returns>The completed reply, or null when more input is needed.</returns>
    /// <exception cref="SmtpProtocolException">The bytes are not a valid reply, or exceed a cap.</exception>
    public SmtpReply? Feed(ReadOnlySpan<byte> data, out int consumed)
    {
        consumed = 0;
        while (consumed < data.Length)
        {
            var rest = data[consumed..];
            int lf = rest.IndexOf((byte)'\n');
            int take = lf < 0 ? rest.Length : lf;
            if (_lineLength + take > MaxLineLength + 1) // +1: a CR that precedes the LF is not part of the line
            {
                throw new SmtpProtocolException(
                    $"The server sent a reply line longer than {MaxLineLength} bytes ({_limitName}).");
            }
            rest[..take].CopyTo(_line.AsSpan(_lineLength));
            _lineLength += take;
            if (lf < 0)
            {
                consumed = data.Length;
                return null;
            }
            consumed += lf + 1;
            var reply = CompleteLine();
            if (reply is not null)
            {
                return reply;
            }
        }
        return null;
    }

    private SmtpReply? CompleteLine()
    {
        var line = _line.AsSpan(0, _lineLength);
        if (line.Length > 0 && line[^1] == '\r')
        {
            line = line[..^1];
        }
        if (line.Length > MaxLineLength)
        {
            throw new SmtpProtocolException(
                $"The server sent a reply line longer than {MaxLineLength} bytes ({_limitName}).");
        }
        _lineLength = 0;
        if (line.Length < 3 || !IsReplyDigit(line[0], '2', '5') || !IsReplyDigit(line[1], '0', '9') || !IsReplyDigit(line[2], '0', '9'))
        {
            throw new SmtpProtocolException($"The server sent a line that is not an SMTP reply: \"{Printable(line)}\".");
        }
        int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
        bool last;
        ReadOnlySpan<byte> text;
        if (line.Length == 3)
        {
            last = true; // bare code, RFC 5321 §4.2
            text = default;
        }
        else if (line[3] == ' ')
        {
            last = true;
            text = line[4..];
        }
        else if (line[3] == '-')
        {
            last = false;
            text = line[4..];
        }
        else
        {
            throw new SmtpProtocolException($"The server sent a reply line with a bad separator after the code: \"{Printable(line)}\".");
        }
        if (_code >= 0 && code != _code)
        {
            throw new SmtpProtocolException(
                $"The server changed the reply code inside a multi-line reply ({_code} then {code}).");
        }
        _code = code;
        if (_lines.Count >= MaxLines)
        {
            throw new SmtpProtocolException($"The server sent a reply of more than {MaxLines} lines.");
        }
        _lines.Add(Encoding.UTF8.GetString(text));
        if (!last)
        {
            return null;
        }
        var reply = new SmtpReply(code, _lines.ToArray());
        _lines.Clear();
        _code = -1;
        return reply;
    }

    private static bool IsReplyDigit(byte b, char min, char max) => b >= min && b <= max;

    private static string Printable(ReadOnlySpan<byte> line)
    {
        var shown = line.Length > 80 ? line[..80] : line;
        var sb = new StringBuilder(shown.Length);
        foreach (byte b in shown)
        {
            sb.Append(b is >= 0x20 and < 0x7F ? (char)b : '?');
        }
        if (line.Length > 80)
        {
            sb.Append("...");
        }
        return sb.ToString();
    }
}
