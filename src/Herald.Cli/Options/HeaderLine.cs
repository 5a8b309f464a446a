namespace Herald.Cli.Options;

/// <summary>One <c>--header "Name: value"</c> option, checked against RFC 5322 §2.2 (a field name is printable ASCII
/// without spaces or colons; the value is one unfolded line).</summary>
/// <param name="Name">The field name as given.</param>
/// <param name="Value">The value, without the whitespace after the colon.</param>
internal sealed record HeaderLine(string Name, string Value)
{
    // Headers the message already gets from an option; a second copy would make the message invalid (RFC 5322 §3.6).
    private static readonly Dictionary<string, string> OwnedByOptions = new(StringComparer.OrdinalIgnoreCase)
    {
        ["From"] = "--from",
        ["To"] = "--to",
        ["Cc"] = "--cc",
        ["Bcc"] = "--bcc",
        ["Subject"] = "--subject",
    };

    /// <summary>Parses every <c>--header</c> value.</summary>
    /// <param name="values">The values as given.</param>
    /// <exception cref="CliException">64 when a value is not a valid header line or duplicates an option.</exception>
    public static IReadOnlyList<HeaderLine> Parse(IEnumerable<string>? values) => (values ?? []).Select(ParseOne).ToArray();

    /// <summary>True when this is the named header (names compare without regard to case).</summary>
    /// <param name="name">A field name.</param>
    public bool Is(string name) => Name.Equals(name, StringComparison.OrdinalIgnoreCase);

    private static HeaderLine ParseOne(string text)
    {
        int colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            throw CliException.Usage($"--header \"{text}\" is not a header: write it as \"Name: value\", e.g. \"X-Priority: 1\".");
        }
        string name = text[..colon];
        foreach (char c in name)
        {
            if (c is < '!' or > '~')
            {
                throw CliException.Usage($"--header \"{text}\": a header name is printable ASCII without spaces (\"{name}\" is not).");
            }
        }
        string value = text[(colon + 1)..].TrimStart(' ', '\t');
        if (value.AsSpan().ContainsAny('\r', '\n', '\0'))
        {
            throw CliException.Usage($"--header {name}: the value must be a single line (it contains a line break or NUL).");
        }
        if (OwnedByOptions.TryGetValue(name, out var option))
        {
            throw CliException.Usage($"--header {name}: use {option} instead; the message already has a {name} header from it.");
        }
        return new HeaderLine(name, value);
    }

    /// <inheritdoc />
    public override string ToString() => $"{Name}: {Value}";
}
