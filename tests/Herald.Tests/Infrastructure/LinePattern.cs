using System.Text;

namespace Herald.Tests.Infrastructure;

/// <summary>
/// An expected client line with <c>{any}</c> wildcards (a value that changes per run: the EHLO name, a Message-ID,
/// a Date). Each <c>{any}</c> matches any run of bytes, possibly empty, that holds no CR or LF; the rest of the line
/// must match exactly, and the line must end with CRLF.
/// </summary>
internal sealed class LinePattern
{
    /// <summary>The wildcard token.</summary>
    public const string AnyToken = "{any}";

    // The literal pieces between wildcards; the last one carries the CRLF. There is always one more piece than
    // there are wildcards.
    private readonly byte[][] _pieces;

    /// <summary>Builds the pattern for <paramref name="text"/> (a line without its CRLF).</summary>
    public LinePattern(string text)
    {
        Text = text;
        var parts = text.Split(AnyToken);
        parts[^1] += "\r\n";
        _pieces = [.. parts.Select(Encoding.UTF8.GetBytes)];
    }

    /// <summary>The pattern as written in the transcript.</summary>
    public string Text { get; }

    /// <summary>True when <paramref name="text"/> contains the wildcard token.</summary>
    public static bool HasWildcard(string text) => text.Contains(AnyToken, StringComparison.Ordinal);

    /// <summary>
    /// False as soon as <paramref name="prefix"/> (the start of a line still being written) can no longer match,
    /// so a wrong line fails when its first wrong byte arrives rather than at its end.
    /// </summary>
    public bool CouldStartWith(ReadOnlySpan<byte> prefix)
    {
        var first = _pieces[0];
        int n = Math.Min(first.Length, prefix.Length);
        return prefix[..n].SequenceEqual(first.AsSpan(0, n));
    }

    /// <summary>True when <paramref name="line"/> (one whole line, CRLF included) matches.</summary>
    public bool Matches(ReadOnlySpan<byte> line)
    {
        // Literal pieces never hold CR or LF, so any CR or LF other than the final CRLF would have to fall inside
        // a wildcard, which is not allowed.
        if (line.Length < 2 || line[..^2].IndexOfAny((byte)'\r', (byte)'\n') >= 0)
        {
            return false;
        }
        var first = _pieces[0];
        var last = _pieces[^1];
        if (_pieces.Length == 1)
        {
            return line.SequenceEqual(first);
        }
        if (line.Length < first.Length + last.Length || !line.StartsWith(first) || !line.EndsWith(last))
        {
            return false;
        }
        // With only "match anything" wildcards, taking the leftmost place for each middle piece never loses a match.
        var rest = line[first.Length..^last.Length];
        for (int i = 1; i < _pieces.Length - 1; i++)
        {
            int at = rest.IndexOf(_pieces[i]);
            if (at < 0)
            {
                return false;
            }
            rest = rest[(at + _pieces[i].Length)..];
        }
        return true;
    }
}
