namespace Herald.Cli.Capture;

/// <summary>
/// The argument of <c>MAIL FROM:</c> or <c>RCPT TO:</c>: a path in angle brackets and optional ESMTP parameters
/// (RFC 5321 §4.1.1.2, §4.1.1.3 and §4.1.2).
/// </summary>
internal sealed class EnvelopeArgument
{
    private EnvelopeArgument(string address, IReadOnlyList<KeyValuePair<string, string?>> parameters)
    {
        Address = address;
        Parameters = parameters;
    }

    /// <summary>The address between the brackets, without any source route; empty for <c>&lt;&gt;</c>.</summary>
    public string Address { get; }

    /// <summary>Each parameter as keyword (upper case) and value (null when it had no <c>=</c>), in order.</summary>
    public IReadOnlyList<KeyValuePair<string, string?>> Parameters { get; }

    /// <summary>Parses <paramref name="args"/>, the text after the verb.</summary>
    /// <param name="args">For example <c>FROM:&lt;a@example.com&gt; SIZE=1000</c>.</param>
    /// <param name="prefix"><c>FROM:</c> or <c>TO:</c>.</param>
    /// <param name="result">The parsed argument.</param>
    /// <param name="error">Why parsing failed.</param>
    public static bool TryParse(string args, string prefix, out EnvelopeArgument? result, out string error)
    {
        result = null;
        if (!args.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
        {
            error = $"expected {prefix}<address>";
            return false;
        }
        // RFC 5321 has no space after the colon, but enough clients send one that every server tolerates it.
        var rest = args.AsSpan(prefix.Length).TrimStart(' ');
        if (rest.Length == 0 || rest[0] != '<')
        {
            error = "the address must be enclosed in angle brackets, as in <user@example.com>";
            return false;
        }
        int close = FindClosingBracket(rest);
        if (close < 0)
        {
            error = "the address has no closing '>'";
            return false;
        }
        string path = rest[1..close].ToString();
        var tail = rest[(close + 1)..];
        if (tail.Length > 0 && tail[0] != ' ')
        {
            error = "a space must separate the address from its parameters";
            return false;
        }
        // A source route ("@relay1,@relay2:user@example.com") is obsolete; RFC 5321 §4.1.2 says to accept and ignore it.
        if (path.StartsWith('@'))
        {
            int colon = path.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                error = "the source route in the address is not followed by ':'";
                return false;
            }
            path = path[(colon + 1)..];
        }
        var parameters = new List<KeyValuePair<string, string?>>();
        foreach (var token in tail.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = token.IndexOf('=', StringComparison.Ordinal);
            string keyword = (eq < 0 ? token : token[..eq]).ToUpperInvariant();
            if (keyword.Length == 0)
            {
                error = $"parameter \"{token}\" has no name";
                return false;
            }
            if (parameters.Exists(p => p.Key == keyword))
            {
                error = $"parameter {keyword} is given twice";
                return false;
            }
            parameters.Add(new(keyword, eq < 0 ? null : token[(eq + 1)..]));
        }
        result = new EnvelopeArgument(path, parameters);
        error = "";
        return true;
    }

    /// <summary>The index of the '&gt;' that closes the path, skipping quoted local parts ("a&gt;b"@example.com).</summary>
    private static int FindClosingBracket(ReadOnlySpan<char> text)
    {
        bool quoted = false;
        for (int i = 1; i < text.Length; i++)
        {
            char c = text[i];
            if (quoted && c == '\\')
            {
                i++;
            }
            else if (c == '"')
            {
                quoted = !quoted;
            }
            else if (!quoted && c == '>')
            {
                return i;
            }
        }
        return -1;
    }
}
