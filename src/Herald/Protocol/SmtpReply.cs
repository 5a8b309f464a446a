using System.Text;

namespace Herald.Protocol;

/// <summary>
/// One complete server reply: a three-digit code and one or more lines of text (RFC 5321 §4.2). A multi-line reply
/// carries the same code on every line.
/// </summary>
public sealed class SmtpReply
{
    /// <summary>Creates a reply.</summary>
    /// <param name="code">The three-digit reply code.</param>
    /// <param name="lines">The text of each line, without the code and separator (may be empty strings).</param>
    public SmtpReply(int code, IReadOnlyList<string> lines)
    {
        if (code is < 200 or > 599)
        {
            throw new ArgumentOutOfRangeException(nameof(code), code, "An SMTP reply code is between 200 and 599.");
        }
        Code = code;
        Lines = lines.Count == 0 ? [""] : lines;
        if (EnhancedStatusCode.TryParse(Lines[0], out var enhanced, out _) && enhanced.Class == code / 100)
        {
            EnhancedCode = enhanced;
        }
    }

    /// <summary>The three-digit reply code.</summary>
    public int Code { get; }

    /// <summary>The text of each line without the reply code and separator.</summary>
    public IReadOnlyList<string> Lines { get; }

    /// <summary>The RFC 3463 enhanced status code from the first line, when the server sent one whose class matches.</summary>
    public EnhancedStatusCode? EnhancedCode { get; }

    /// <summary>True for 2xx (completed).</summary>
    public bool IsSuccess => Code is >= 200 and < 300;

    /// <summary>True for 3xx (intermediate: more input is expected).</summary>
    public bool IsIntermediate => Code is >= 300 and < 400;

    /// <summary>True for 4xx (transient failure).</summary>
    public bool IsTransientFailure => Code is >= 400 and < 500;

    /// <summary>True for 5xx (permanent failure).</summary>
    public bool IsPermanentFailure => Code >= 500;

    /// <summary>The text of every line with any enhanced status code removed, lines joined by a space.</summary>
    public string Message
    {
        get
        {
            var sb = new StringBuilder();
            foreach (var line in Lines)
            {
                var text = line.AsSpan();
                if (EnhancedCode is not null && EnhancedStatusCode.TryParse(text, out _, out int len))
                {
                    text = text[len..].TrimStart(' ');
                }
                if (sb.Length > 0)
                {
                    sb.Append(' ');
                }
                sb.Append(text);
            }
            return sb.ToString();
        }
    }

    /// <summary>The reply as the server sent it: every line with its code, lines separated by CRLF.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        for (int i = 0; i < Lines.Count; i++)
        {
            if (i > 0)
            {
                sb.Append("\r\n");
            }
            sb.Append(FormatLine(i));
        }
        return sb.ToString();
    }

    /// <summary>The wire form of line <paramref name="index"/> (code, separator and text).</summary>
    /// <param name="index">Zero-based line number.</param>
    public string FormatLine(int index)
    {
        bool last = index == Lines.Count - 1;
        // A bare code (RFC 5321 §4.2 allows a reply with no text) is shown without a trailing space.
        return last && Lines[index].Length == 0 ? Code.ToString(System.Globalization.CultureInfo.InvariantCulture)
            : $"{Code}{(last ? ' ' : '-')}{Lines[index]}";
    }
}
