using System.Text;

namespace Herald.Transport.Proxies;

/// <summary>
/// The status line and header fields of an HTTP proxy's response (RFC 9112 §4, §5), parsed from the bytes up to and
/// including the empty line. Pure: no I/O.
/// </summary>
internal sealed class HttpProxyResponse
{
    private HttpProxyResponse(int minorVersion, int status, string reason, string head,
        IReadOnlyList<KeyValuePair<string, string>> headers)
    {
        MinorVersion = minorVersion;
        Status = status;
        Reason = reason;
        Head = head;
        Headers = headers;
    }

    /// <summary>The minor HTTP version (0 for HTTP/1.0, 1 for HTTP/1.1).</summary>
    public int MinorVersion { get; }

    /// <summary>The three-digit status code.</summary>
    public int Status { get; }

    /// <summary>The reason phrase (may be empty).</summary>
    public string Reason { get; }

    /// <summary>The status line and header lines as received, CRLF-separated, without the final empty line.</summary>
    public string Head { get; }

    /// <summary>The header fields in order, values trimmed; folded lines are joined with a space.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; }

    /// <summary>The status code and reason, e.g. <c>407 Proxy Authentication Required</c>.</summary>
    public string StatusText =>
        Reason.Length > 0 ? $"{Status} {Reason}" : Status.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// True when the connection stays open after this response's body (RFC 9112 §9.3): HTTP/1.1 unless
    /// <c>Connection</c> (or the older <c>Proxy-Connection</c>) says <c>close</c>; HTTP/1.0 only with <c>keep-alive</c>.
    /// </summary>
    public bool KeepsConnection =>
        MinorVersion >= 1 ? !HasToken("Connection", "close") && !HasToken("Proxy-Connection", "close")
        : HasToken("Connection", "keep-alive") || HasToken("Proxy-Connection", "keep-alive");

    /// <summary>The values of every field with this name, in order.</summary>
    /// <param name="name">The field name (compared ignoring case).</param>
    public IEnumerable<string> Values(string name) =>
        Headers.Where(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value);

    /// <summary>True when a comma-separated list field holds the token (ignoring case).</summary>
    /// <param name="name">The field name.</param>
    /// <param name="token">The token.</param>
    public bool HasToken(string name, string token) =>
        Values(name).SelectMany(v => v.Split(',')).Any(t => t.Trim().Equals(token, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// The authentication schemes a 407 offers in <c>Proxy-Authenticate</c> (RFC 9110 §11.7.1), e.g. <c>Basic</c>,
    /// <c>Negotiate</c>. A challenge's parameters may contain commas, so only a token followed by a space or the end of
    /// an element, and not by <c>=</c>, counts as a scheme.
    /// </summary>
    public IReadOnlyList<string> AuthSchemes()
    {
        var schemes = new List<string>();
        foreach (string value in Values("Proxy-Authenticate"))
        {
            foreach (string element in value.Split(','))
            {
                string e = element.Trim();
                int end = 0;
                while (end < e.Length && IsTokenChar(e[end]))
                {
                    end++;
                }
                if (end > 0 && (end == e.Length || e[end] == ' ') && !e[end..].TrimStart().StartsWith('='))
                {
                    schemes.Add(e[..end]);
                }
            }
        }
        return schemes;
    }

    /// <summary>Parses the head of a response.</summary>
    /// <param name="head">The bytes up to and including the empty line that ends the header section.</param>
    /// <param name="response">The response, when it parses.</param>
    /// <param name="error">Why it does not, in words.</param>
    public static bool TryParse(ReadOnlySpan<byte> head, out HttpProxyResponse? response, out string error)
    {
        response = null;
        // RFC 9110 §5.5: field values are octets; Latin-1 keeps each one as a character.
        string text = Encoding.Latin1.GetString(head);
        // RFC 9112 §2.2 lets a recipient accept a bare LF as a line end.
        var lines = text.Split('\n').Select(l => l.EndsWith('\r') ? l[..^1] : l).ToList();
        while (lines.Count > 0 && lines[^1].Length == 0)
        {
            lines.RemoveAt(lines.Count - 1);
        }
        if (lines.Count == 0 || !TryParseStatusLine(lines[0], out int minor, out int status, out string reason))
        {
            error = $"answered with {ProxyExchange.Show(Encoding.Latin1.GetBytes(lines.Count > 0 ? Clip(lines[0]) : ""))}, "
                + "which is not an HTTP status line";
            return false;
        }
        var headers = new List<KeyValuePair<string, string>>();
        for (int i = 1; i < lines.Count; i++)
        {
            string line = lines[i];
            if (line.Length > 0 && line[0] is ' ' or '\t' && headers.Count > 0)
            {
                // RFC 9112 §5.2: obsolete line folding; a recipient may replace it with a space.
                var last = headers[^1];
                headers[^1] = new(last.Key, (last.Value + " " + line.Trim()).Trim());
                continue;
            }
            int colon = line.IndexOf(':');
            if (colon <= 0 || line.AsSpan(0, colon).ContainsAnyExcept(TokenChars))
            {
                error = $"sent the header line {ProxyExchange.Show(Encoding.Latin1.GetBytes(Clip(line)))}, which is not a field";
                return false;
            }
            headers.Add(new(line[..colon], line[(colon + 1)..].Trim(' ', '\t')));
        }
        response = new HttpProxyResponse(minor, status, reason, string.Join("\r\n", lines), headers);
        error = "";
        return true;
    }

    /// <summary>True for a character allowed in an HTTP token (RFC 9110 §5.6.2).</summary>
    /// <param name="c">The character.</param>
    public static bool IsTokenChar(char c) => TokenChars.Contains(c);

    /// <summary>True when the text is a non-empty token.</summary>
    /// <param name="text">The text.</param>
    public static bool IsToken(string text) => text.Length > 0 && !text.AsSpan().ContainsAnyExcept(TokenChars);

    private static readonly System.Buffers.SearchValues<char> TokenChars = System.Buffers.SearchValues.Create(
        "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");

    // RFC 9112 §4: HTTP-version SP status-code SP [ reason-phrase ]; a missing final SP is tolerated.
    private static bool TryParseStatusLine(string line, out int minor, out int status, out string reason)
    {
        minor = 0;
        status = 0;
        reason = "";
        if (line.Length < 12 || !line.StartsWith("HTTP/1.", StringComparison.Ordinal) || !char.IsAsciiDigit(line[7])
            || line[8] != ' ' || !char.IsAsciiDigit(line[9]) || !char.IsAsciiDigit(line[10]) || !char.IsAsciiDigit(line[11])
            || line.Length > 12 && line[12] != ' ')
        {
            return false;
        }
        minor = line[7] - '0';
        status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
        reason = line.Length > 13 ? line[13..].Trim() : "";
        return status >= 100;
    }

    private static string Clip(string s) => s.Length > 80 ? s[..80] : s;
}
