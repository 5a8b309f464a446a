namespace Herald.IntegrationTests.Support;

/// <summary>
/// One message as a peer stored it, split into its header block and body. Postfix's virtual delivery writes the
/// Maildir file with LF line ends (the SMTP CRLF is a transport detail, RFC 5321 §2.3.8), so this class turns every LF
/// back into CRLF: the body can then be compared byte for byte with what the client was asked to send.
/// </summary>
internal sealed class StoredMessage
{
    // The trace fields that Postfix's virtual delivery, Postfix's smtpd and Dovecot submission put in front of the
    // message they received; anything else in the stored header block must come from the client.
    private static readonly HashSet<string> s_deliveryFields =
        new(StringComparer.OrdinalIgnoreCase) { "Return-Path", "X-Original-To", "Delivered-To", "Received" };

    private StoredMessage(string text)
    {
        Text = text;
        int split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (split < 0)
        {
            throw new FormatException("The stored message has no blank line after its headers:\n" + text);
        }
        HeaderBlock = text[..(split + 2)];
        Body = text[(split + 4)..];
        Fields = ParseFields(HeaderBlock);
    }

    /// <summary>The whole stored message with CRLF line ends.</summary>
    public string Text { get; }

    /// <summary>Every header line, CRLF after each, without the blank line that ends the block.</summary>
    public string HeaderBlock { get; }

    /// <summary>Everything after the blank line.</summary>
    public string Body { get; }

    /// <summary>The header fields in order, unfolded values kept as written (continuation lines joined with CRLF).</summary>
    public IReadOnlyList<(string Name, string Value)> Fields { get; }

    /// <summary>
    /// The header lines that the client wrote: the stored block minus the leading trace fields a server adds on
    /// receipt and delivery (Return-Path, X-Original-To, Delivered-To, Received).
    /// </summary>
    public string ClientHeaderBlock
    {
        get
        {
            int skip = 0;
            while (skip < Fields.Count && s_deliveryFields.Contains(Fields[skip].Name))
            {
                skip++;
            }
            return string.Concat(Fields.Skip(skip).Select(f => $"{f.Name}:{f.Value}\r\n"));
        }
    }

    /// <summary>The value of the first field with this name (leading space trimmed), or null.</summary>
    public string? Header(string name)
    {
        foreach (var (field, value) in Fields)
        {
            if (field.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return value.TrimStart();
            }
        }
        return null;
    }

    /// <summary>The names of every header field in order.</summary>
    public IEnumerable<string> FieldNames => Fields.Select(f => f.Name);

    /// <summary>Reads a capture as returned by <see cref="Peers.WaitForCapturesAsync"/> (LF or CRLF line ends).</summary>
    public static StoredMessage Parse(string captured) =>
        new(captured.Replace("\r\n", "\n", StringComparison.Ordinal).Replace("\n", "\r\n", StringComparison.Ordinal));

    private static List<(string Name, string Value)> ParseFields(string block)
    {
        var fields = new List<(string Name, string Value)>();
        foreach (string line in block.Split("\r\n")[..^1])
        {
            if (line.Length > 0 && (line[0] == ' ' || line[0] == '\t') && fields.Count > 0)
            {
                var last = fields[^1];
                fields[^1] = (last.Name, last.Value + "\r\n" + line);
                continue;
            }
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                throw new FormatException($"Not a header line: \"{line}\" in\n{block}");
            }
            fields.Add((line[..colon], line[(colon + 1)..]));
        }
        return fields;
    }
}
