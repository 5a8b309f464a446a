namespace Herald.Cli.Options;

/// <summary>
/// Reads the values of a repeatable address option (<c>--to a@x --to "b@y, Name &lt;c@z&gt;"</c>): each value may hold
/// a comma-separated list, and commas inside quotes, angle brackets or comments do not split it.
/// </summary>
internal static class AddressList
{
    /// <summary>Splits and checks every value.</summary>
    /// <param name="values">The option's values as given.</param>
    /// <param name="option">The option's name, for messages.</param>
    /// <returns>Each address as written (display name kept), trimmed.</returns>
    /// <exception cref="CliException">64 when an entry is not a valid address.</exception>
    public static IReadOnlyList<string> Parse(IEnumerable<string>? values, string option)
    {
        var result = new List<string>();
        foreach (var value in values ?? [])
        {
            foreach (var entry in Split(value))
            {
                string address = AddrSpec(entry);
                if (MailboxSyntax.Check(address) is { } why)
                {
                    throw CliException.Usage($"Invalid address \"{entry}\" in {option}: {why}.");
                }
                result.Add(entry);
            }
        }
        return result;
    }

    /// <summary>The bare address of an entry: what is inside the angle brackets, or the whole entry.</summary>
    /// <param name="entry">For example <c>Jane &lt;jane@example.com&gt;</c> or <c>jane@example.com</c>.</param>
    public static string AddrSpec(string entry)
    {
        int open = entry.LastIndexOf('<');
        int close = entry.LastIndexOf('>');
        return open >= 0 && close > open ? entry[(open + 1)..close].Trim() : entry.Trim();
    }

    private static IEnumerable<string> Split(string value)
    {
        if (value.AsSpan().ContainsAny('\r', '\n', '\0'))
        {
            throw CliException.Usage("An address cannot contain a line break or NUL character.");
        }
        int depthAngle = 0, depthComment = 0, start = 0;
        bool quoted = false;
        for (int i = 0; i <= value.Length; i++)
        {
            char c = i < value.Length ? value[i] : ',';
            if (quoted)
            {
                if (c == '\\')
                {
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                continue;
            }
            switch (c)
            {
                case '"':
                    quoted = true;
                    break;
                case '<':
                    depthAngle++;
                    break;
                case '>':
                    depthAngle = Math.Max(0, depthAngle - 1);
                    break;
                case '(':
                    depthComment++;
                    break;
                case ')':
                    depthComment = Math.Max(0, depthComment - 1);
                    break;
                case ',' when depthAngle == 0 && depthComment == 0:
                    string entry = value[start..Math.Min(i, value.Length)].Trim();
                    if (entry.Length > 0)
                    {
                        yield return entry;
                    }
                    start = i + 1;
                    break;
            }
        }
        if (quoted)
        {
            throw CliException.Usage($"Unbalanced quote in address list \"{value}\".");
        }
    }
}
