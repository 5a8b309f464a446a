namespace Herald.Protocol;

/// <summary>
/// An RFC 3463 enhanced mail system status code (<c>class.subject.detail</c>, for example <c>5.1.1</c>), as servers
/// that advertise ENHANCEDSTATUSCODES (RFC 2034) put at the start of each reply line.
/// </summary>
public readonly record struct EnhancedStatusCode(int Class, int Subject, int Detail)
{
    /// <summary>The code in its dotted form, for example <c>5.1.1</c>.</summary>
    public override string ToString() => $"{Class}.{Subject}.{Detail}";

    /// <summary>
    /// Reads an enhanced status code from the start of <paramref name="text"/>. RFC 3463 §2: class is 2, 4 or 5,
    /// subject and detail are one to three digits each; the code must be followed by a space or end the text.
    /// </summary>
    /// <param name="text">Reply text after the three-digit reply code and separator.</param>
    /// <param name="code">The parsed code.</param>
    /// <param name="length">How many characters the code occupies (without the following space).</param>
    /// <returns>True when the text starts with a well-formed enhanced status code.</returns>
    public static bool TryParse(ReadOnlySpan<char> text, out EnhancedStatusCode code, out int length)
    {
        code = default;
        length = 0;
        if (text.Length < 5 || text[0] is not ('2' or '4' or '5') || text[1] != '.')
        {
            return false;
        }
        int pos = 2;
        if (!ReadNumber(text, ref pos, out int subject) || pos >= text.Length || text[pos] != '.')
        {
            return false;
        }
        pos++;
        if (!ReadNumber(text, ref pos, out int detail))
        {
            return false;
        }
        if (pos < text.Length && text[pos] != ' ')
        {
            return false;
        }
        code = new EnhancedStatusCode(text[0] - '0', subject, detail);
        length = pos;
        return true;
    }

    private static bool ReadNumber(ReadOnlySpan<char> text, ref int pos, out int value)
    {
        value = 0;
        int start = pos;
        while (pos < text.Length && pos - start < 3 && char.IsAsciiDigit(text[pos]))
        {
            value = value * 10 + (text[pos] - '0');
            pos++;
        }
        // More than three digits is not a status code (RFC 3463 §2 limits each part to 1-3 digits).
        return pos > start && (pos >= text.Length || !char.IsAsciiDigit(text[pos]));
    }
}
