using System.Text;

namespace Herald.Message;

/// <summary>One header field the user supplied through OtherHeaders.</summary>
/// <param name="Name">The field name as written.</param>
/// <param name="Value">The value, unfolded, without the whitespace that follows the colon.</param>
/// <param name="Text">The field as it goes on the wire: the user's lines with CRLF line ends.</param>
internal sealed record UserHeaderField(string Name, string Value, string Text);

/// <summary>
/// Reads the OtherHeaders property: <c>Name: value</c> lines separated by CRLF or LF, continuation lines starting
/// with a space or tab. Blank lines are skipped (one in the middle of the header block would end it and turn the rest
/// into body). The user's own folding is kept as written; a physical line longer than 998 characters is folded at its
/// whitespace (RFC 5322 §2.1.1), and refused when it has none. A leading line break means the lines replace the
/// computed header block.
/// </summary>
internal static class OtherHeadersParser
{
    private const string What = "OtherHeaders";

    /// <summary>Parses <paramref name="otherHeaders"/>.</summary>
    /// <param name="otherHeaders">The property value.</param>
    /// <returns>Whether the block replaces the computed one, and the fields in order.</returns>
    /// <exception cref="SmtpException">Code 10022 for a NUL or a CR not followed by LF, a line without a colon, an
    /// invalid field name, a continuation line with no field before it, or a line that cannot be folded under 998
    /// characters.</exception>
    public static (bool Replace, List<UserHeaderField> Fields) Parse(string? otherHeaders)
    {
        var fields = new List<UserHeaderField>();
        if (string.IsNullOrEmpty(otherHeaders))
        {
            return (false, fields);
        }
        for (int i = 0; i < otherHeaders.Length; i++)
        {
            if (otherHeaders[i] == '\0' || (otherHeaders[i] == '\r' && (i + 1 == otherHeaders.Length || otherHeaders[i + 1] != '\n')))
            {
                throw new SmtpException(SmtpErrorCodes.InvalidArgument,
                    $"{What} contains a NUL or a CR that is not part of a CRLF line break; remove it.");
            }
        }
        bool replace = otherHeaders.StartsWith('\n') || otherHeaders.StartsWith("\r\n", StringComparison.Ordinal);
        string? name = null;
        var text = new StringBuilder();
        var value = new StringBuilder();
        foreach (var raw in otherHeaders.Split('\n'))
        {
            var line = raw.EndsWith('\r') ? raw[..^1] : raw;
            if (line.AsSpan().IndexOfAnyExcept(' ', '\t') < 0)
            {
                continue;
            }
            if (line[0] is ' ' or '\t')
            {
                if (name is null)
                {
                    throw new SmtpException(SmtpErrorCodes.InvalidArgument,
                        $"{What} starts with a continuation line ('{Shorten(line)}') that belongs to no header field; " +
                        "remove its leading whitespace or put a 'Name: value' line before it.");
                }
                AppendLine(text, line);
                value.Append(line);
                continue;
            }
            Flush();
            int colon = line.IndexOf(':');
            if (colon < 0)
            {
                throw new SmtpException(SmtpErrorCodes.InvalidArgument,
                    $"{What} line '{Shorten(line)}' has no colon; write each header as 'Name: value'.");
            }
            name = line[..colon];
            if (!IsFieldName(name))
            {
                throw new SmtpException(SmtpErrorCodes.InvalidArgument,
                    $"{What} line '{Shorten(line)}' has an invalid field name '{Shorten(name)}'; a name is printable " +
                    "ASCII without spaces or colons (RFC 5322 §3.6.8).");
            }
            AppendLine(text, line);
            value.Append(line, colon + 1, line.Length - colon - 1);
        }
        Flush();
        return (replace, fields);

        void Flush()
        {
            if (name is not null)
            {
                fields.Add(new UserHeaderField(name, value.ToString().TrimStart(' ', '\t'), text.ToString()));
                name = null;
                text.Clear();
                value.Clear();
            }
        }
    }

    /// <summary>True for a valid field name: one or more printable ASCII characters other than ':' (RFC 5322 §3.6.8).</summary>
    /// <param name="name">The candidate.</param>
    public static bool IsFieldName(string name)
    {
        if (name.Length == 0)
        {
            return false;
        }
        foreach (var c in name)
        {
            if (c is < '!' or > '~' or ':')
            {
                return false;
            }
        }
        return true;
    }

    // Writes one physical line with CRLF, folding it at whitespace only when it passes the hard limit.
    private static void AppendLine(StringBuilder text, string line)
    {
        while (line.Length > HeaderFolding.HardLimit)
        {
            // The last space or tab that leaves at most 998 characters before it and something other than
            // whitespace after it (a line of only whitespace is not allowed, RFC 5322 §3.2.2).
            int lastContent = line.AsSpan().LastIndexOfAnyExcept(' ', '\t');
            int cut = line.AsSpan(1, Math.Min(HeaderFolding.HardLimit, lastContent)).LastIndexOfAny(' ', '\t') + 1;
            if (cut <= 0 || line.AsSpan(0, cut).IndexOfAnyExcept(' ', '\t') < 0)
            {
                throw new SmtpException(SmtpErrorCodes.InvalidArgument,
                    $"{What} line '{Shorten(line)}' is longer than {HeaderFolding.HardLimit} characters and has no " +
                    "space where it could be folded (RFC 5322 §2.1.1); shorten it or fold it yourself.");
            }
            text.Append(line, 0, cut).Append("\r\n");
            line = line[cut..];
        }
        text.Append(line).Append("\r\n");
    }

    private static string Shorten(string text) => text.Length <= 60 ? text : text[..57] + "...";
}
