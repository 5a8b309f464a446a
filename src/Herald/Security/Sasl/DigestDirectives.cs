namespace Herald.Security.Sasl;

/// <summary>
/// Parses the comma-separated <c>name=value</c> lists of DIGEST-MD5 (RFC 2831 §7.1: the HTTP "#rule" with tokens
/// and quoted strings, where a backslash escapes the next character and empty list elements are allowed).
/// </summary>
internal static class DigestDirectives
{
    /// <summary>Splits <paramref name="text"/> into its directives, in order, with lowercased names.</summary>
    /// <exception cref="SaslException">The text does not follow the grammar.</exception>
    public static List<KeyValuePair<string, string>> Parse(string text)
    {
        var directives = new List<KeyValuePair<string, string>>();
        int i = 0;
        while (true)
        {
            // Skip white space and empty list elements ("a=1,,b=2" is legal).
            while (i < text.Length && (IsWhiteSpace(text[i]) || text[i] == ','))
            {
                i++;
            }

            if (i == text.Length)
            {
                return directives;
            }

            int nameStart = i;
            while (i < text.Length && IsTokenChar(text[i]))
            {
                i++;
            }

            if (i == nameStart)
            {
                throw Malformed($"unexpected character '{text[i]}' where a directive name should start");
            }

            string name = text[nameStart..i].ToLowerInvariant();
            SkipWhiteSpace(text, ref i);
            if (i == text.Length || text[i] != '=')
            {
                throw Malformed($"the directive '{name}' has no '=' and value");
            }

            i++;
            SkipWhiteSpace(text, ref i);
            string value = i < text.Length && text[i] == '"' ? ReadQuoted(text, ref i, name) : ReadToken(text, ref i, name);
            directives.Add(new KeyValuePair<string, string>(name, value));

            SkipWhiteSpace(text, ref i);
            if (i < text.Length && text[i] != ',')
            {
                throw Malformed($"the value of '{name}' is followed by '{text[i]}' instead of a comma");
            }
        }
    }

    /// <summary>Quotes <paramref name="value"/> as an RFC 2831 quoted-string, escaping <c>"</c> and <c>\</c>.</summary>
    public static string Quote(string value) =>
        "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    private static string ReadQuoted(string text, ref int i, string name)
    {
        var value = new System.Text.StringBuilder();
        i++; // the opening quote
        while (i < text.Length)
        {
            char c = text[i++];
            if (c == '"')
            {
                return value.ToString();
            }

            if (c == '\\')
            {
                if (i == text.Length)
                {
                    break;
                }

                c = text[i++];
            }

            value.Append(c);
        }

        throw Malformed($"the quoted value of '{name}' is not terminated");
    }

    private static string ReadToken(string text, ref int i, string name)
    {
        int start = i;
        while (i < text.Length && IsTokenChar(text[i]))
        {
            i++;
        }

        if (i == start)
        {
            throw Malformed($"the directive '{name}' has an empty value");
        }

        return text[start..i];
    }

    private static void SkipWhiteSpace(string text, ref int i)
    {
        while (i < text.Length && IsWhiteSpace(text[i]))
        {
            i++;
        }
    }

    private static bool IsWhiteSpace(char c) => c is ' ' or '\t' or '\r' or '\n';

    // RFC 2616 §2.2 token: any CHAR except controls and separators. Octets above 127 are accepted because realms
    // may be UTF-8 (RFC 2831 §2.1.1), although they normally arrive quoted.
    private static bool IsTokenChar(char c) =>
        c > ' ' && c != '\u007F' && "()<>@,;:\\\"/[]?={}".IndexOf(c, StringComparison.Ordinal) < 0;

    private static SaslException Malformed(string detail) =>
        new($"The server's DIGEST-MD5 challenge is malformed: {detail}.");
}
