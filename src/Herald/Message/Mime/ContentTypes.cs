using System.Text;
using Herald.Protocol;

namespace Herald.Message.Mime;

/// <summary>A media type with its parameters, as parsed from a Content-Type value (RFC 2045 §5.1).</summary>
/// <param name="Type">The top-level type, lower-cased (for example <c>application</c>).</param>
/// <param name="Subtype">The subtype, lower-cased (for example <c>pdf</c>).</param>
/// <param name="Parameters">The parameters in order, names lower-cased, values unquoted.</param>
internal sealed record MediaType(string Type, string Subtype, IReadOnlyList<KeyValuePair<string, string>> Parameters)
{
    /// <summary><c>type/subtype</c>.</summary>
    public string Value => Type + "/" + Subtype;
}

/// <summary>How a parameter value that is not plain ASCII (or too long for one line) is written.</summary>
internal enum ParameterForm
{
    /// <summary>RFC 2231 §3-4: <c>name*=utf-8''%XX..</c>, in numbered sections when long.</summary>
    Rfc2231,

    /// <summary>RFC 2047 encoded words inside a quoted string: not valid in a parameter by the letter of RFC 2047 §5,
    /// but the only form many older readers understand for <c>Content-Type; name=</c>.</summary>
    Rfc2047,
}

/// <summary>One parameter to write.</summary>
/// <param name="Name">The attribute name (a token).</param>
/// <param name="Value">The value, any text.</param>
/// <param name="Form">How to write it when it is not a short ASCII value.</param>
internal readonly record struct MimeParameter(string Name, string Value, ParameterForm Form = ParameterForm.Rfc2231);

/// <summary>Parsing Content-Type values and Content-IDs, and writing MIME header fields with parameters.</summary>
internal static class ContentTypes
{
    /// <summary>The line length MIME header fields are folded at (RFC 5322 §2.1.1 "SHOULD be no more than 78").</summary>
    public const int LineLimit = 78;

    private const string TSpecials = "()<>@,;:\\\"/[]?=";

    /// <summary>Parses <c>type/subtype *(; attribute=value)</c>.</summary>
    /// <param name="text">The value.</param>
    /// <param name="what">What the value is, for error messages.</param>
    /// <exception cref="SmtpException">10022 when the text is not a media type, or names a multipart or message type
    /// (those cannot be sent base64-encoded, RFC 2045 §6.4).</exception>
    public static MediaType Parse(string text, string what)
    {
        LineValidation.EnsureSingleLine(text, what);
        int i = 0;
        SkipSpace(text, ref i);
        var type = Token(text, ref i);
        if (type.Length == 0 || i >= text.Length || text[i] != '/')
        {
            throw Invalid(text, what);
        }
        i++;
        var subtype = Token(text, ref i);
        if (subtype.Length == 0)
        {
            throw Invalid(text, what);
        }
        var parameters = new List<KeyValuePair<string, string>>();
        while (true)
        {
            SkipSpace(text, ref i);
            if (i >= text.Length)
            {
                break;
            }
            if (text[i] != ';')
            {
                throw Invalid(text, what);
            }
            i++;
            SkipSpace(text, ref i);
            if (i >= text.Length)
            {
                break; // a trailing ';' is a common slip and harmless
            }
            var name = Token(text, ref i);
            SkipSpace(text, ref i);
            if (name.Length == 0 || i >= text.Length || text[i] != '=')
            {
                throw Invalid(text, what);
            }
            i++;
            SkipSpace(text, ref i);
            string value;
            if (i < text.Length && text[i] == '"')
            {
                var sb = new StringBuilder();
                i++;
                while (i < text.Length && text[i] != '"')
                {
                    if (text[i] == '\\' && i + 1 < text.Length)
                    {
                        i++;
                    }
                    sb.Append(text[i++]);
                }
                if (i >= text.Length)
                {
                    throw Invalid(text, what);
                }
                i++;
                value = sb.ToString();
            }
            else
            {
                value = Token(text, ref i);
                if (value.Length == 0)
                {
                    throw Invalid(text, what);
                }
            }
            parameters.Add(new(name.ToLowerInvariant(), value));
        }
        var media = new MediaType(type.ToLowerInvariant(), subtype.ToLowerInvariant(), parameters);
        if (media.Type is "multipart" or "message")
        {
            throw new SmtpException(SmtpErrorCodes.InvalidArgument,
                $"{what} '{text}' is a {media.Type} type, which cannot be sent base64-encoded (RFC 2045 §6.4); use " +
                "application/octet-stream to attach such a file as it is.");
        }
        return media;
    }

    /// <summary>
    /// Checks a Content-ID and returns it without angle brackets: printable ASCII with no spaces and none of
    /// <c>&lt;&gt;()[]\",;:</c> (the msg-id form of RFC 2392 §2 without the '@' it asks for, which readers do not
    /// require and which file names lack). "" or null gives "".
    /// </summary>
    /// <param name="value">The id, with or without angle brackets.</param>
    /// <param name="what">What the value is, for error messages.</param>
    /// <exception cref="SmtpException">10022 when the id holds any other character.</exception>
    public static string NormalizeContentId(string? value, string what)
    {
        LineValidation.EnsureSingleLine(value, what);
        var id = value?.Trim() ?? "";
        if (id.Length >= 2 && id[0] == '<' && id[^1] == '>')
        {
            id = id[1..^1];
        }
        foreach (var c in id)
        {
            if (c is <= ' ' or > '~' || "<>()[]\\\",;:".Contains(c, StringComparison.Ordinal))
            {
                throw new SmtpException(SmtpErrorCodes.InvalidArgument,
                    $"{what} '{value}' is not a valid Content-ID: use printable ASCII without spaces or any of " +
                    "<>()[]\\\",;: (for example logo.png or logo@example.com), and refer to it in the HTML as cid:ID.");
            }
        }
        if (id.Length > 900)
        {
            throw new SmtpException(SmtpErrorCodes.InvalidArgument, $"{what} is longer than 900 characters; shorten it.");
        }
        return id;
    }

    /// <summary>
    /// Writes <c>Name: value; p1=v1; p2=v2</c> folded between parameters (and inside long ones), ending in CRLF.
    /// </summary>
    /// <param name="name">The field name.</param>
    /// <param name="value">The value before the parameters (for example <c>application/pdf</c>).</param>
    /// <param name="parameters">The parameters.</param>
    /// <param name="what">What the field describes, for error messages.</param>
    /// <exception cref="SmtpException">10022 when a line would pass 998 characters.</exception>
    public static string Field(string name, string value, IReadOnlyList<MimeParameter> parameters, string what)
    {
        var groups = new List<List<string>> { new() { value } };
        foreach (var parameter in parameters)
        {
            groups.Add(ParameterWords(parameter));
        }
        var writer = new HeaderFieldWriter(name, LineLimit, what);
        bool first = true;
        for (int g = 0; g < groups.Count; g++)
        {
            var words = groups[g];
            for (int w = 0; w < words.Count; w++)
            {
                var word = g < groups.Count - 1 && w == words.Count - 1 ? words[w] + ";" : words[w];
                writer.Append(first ? "" : " ", word);
                first = false;
            }
        }
        return writer.Text;
    }

    /// <summary>True for an RFC 2045 token: printable ASCII without spaces and tspecials.</summary>
    /// <param name="value">The candidate.</param>
    public static bool IsToken(string value)
    {
        if (value.Length == 0)
        {
            return false;
        }
        foreach (var c in value)
        {
            if (c is <= ' ' or > '~' || TSpecials.Contains(c, StringComparison.Ordinal))
            {
                return false;
            }
        }
        return true;
    }

    // The words of one parameter; a space between two words is a place to fold. Words are kept under the line limit
    // so that a parameter folded onto a line of its own fits (a space, the word and ';').
    private static List<string> ParameterWords(MimeParameter p)
    {
        const int room = LineLimit - 2;
        var value = p.Value;
        bool plain = true;
        foreach (var c in value)
        {
            if (c is < ' ' or > '~')
            {
                plain = false;
                break;
            }
        }
        if (plain && IsToken(value))
        {
            return [p.Name + "=" + value];
        }
        if (plain)
        {
            var quoted = p.Name + "=" + Quote(value);
            if (quoted.Length <= room || p.Form == ParameterForm.Rfc2047)
            {
                return [quoted];
            }
        }
        return p.Form == ParameterForm.Rfc2047 ? EncodedWordsForm(p.Name, value) : Rfc2231Form(p.Name, value, room);
    }

    private static List<string> EncodedWordsForm(string name, string value)
    {
        // Q encoding in the phrase context leaves only letters, digits and !*+-/ as they are, so no '"' or '\' can
        // end the quoted string early.
        var words = EncodedWords.EncodeToList(value, Charsets.Utf8, EncodedWordContext.Phrase, maxWordLength: 60);
        words[0] = name + "=\"" + words[0];
        words[^1] += "\"";
        return words;
    }

    // RFC 2231 §4: charset'language'percent-encoded, split into numbered sections (§3) between whole characters, so
    // that no section splits a UTF-8 sequence even for readers that decode each section on its own.
    private static List<string> Rfc2231Form(string name, string value, int room)
    {
        var pieces = new List<string>();
        var utf8 = new byte[4];
        for (int i = 0; i < value.Length; i++)
        {
            int units = char.IsHighSurrogate(value[i]) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]) ? 2 : 1;
            int n = Charsets.Utf8.GetBytes(value.AsSpan(i, units), utf8);
            var sb = new StringBuilder(12);
            foreach (var b in utf8.AsSpan(0, n))
            {
                if (IsAttributeChar(b))
                {
                    sb.Append((char)b);
                }
                else
                {
                    sb.Append('%').Append(HexDigits[b >> 4]).Append(HexDigits[b & 0xF]);
                }
            }
            pieces.Add(sb.ToString());
            i += units - 1;
        }
        const string prefix = "utf-8''";
        int total = prefix.Length + pieces.Sum(s => s.Length);
        if (name.Length + 2 + total <= room)
        {
            return [name + "*=" + prefix + string.Concat(pieces)];
        }
        var words = new List<string>();
        var current = new StringBuilder(prefix);
        int section = 0;
        foreach (var piece in pieces)
        {
            string head = name + "*" + section + "*=";
            // Room for the ';' that separates the sections, which are parameters of their own.
            if (current.Length > 0 && head.Length + current.Length + piece.Length + 1 > room
                && !(section == 0 && current.Length == prefix.Length))
            {
                words.Add(head + current + ";");
                section++;
                current.Clear();
            }
            current.Append(piece);
        }
        words.Add(name + "*" + section + "*=" + current);
        return words;
    }

    // RFC 2231 §7 attribute-char: a token character other than '*', ''' and '%'.
    private static bool IsAttributeChar(byte b) =>
        b is > 0x20 and < 0x7F and not ((byte)'*' or (byte)'\'' or (byte)'%')
        && TSpecials.IndexOf((char)b, StringComparison.Ordinal) < 0;

    private static string Quote(string value)
    {
        var sb = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            if (c is '"' or '\\')
            {
                sb.Append('\\');
            }
            sb.Append(c);
        }
        return sb.Append('"').ToString();
    }

    private static string Token(string text, ref int i)
    {
        int start = i;
        while (i < text.Length && text[i] is > ' ' and <= '~' && TSpecials.IndexOf(text[i], StringComparison.Ordinal) < 0)
        {
            i++;
        }
        return text[start..i];
    }

    private static void SkipSpace(string text, ref int i)
    {
        while (i < text.Length && text[i] is ' ' or '\t')
        {
            i++;
        }
    }

    private static SmtpException Invalid(string text, string what) =>
        new(SmtpErrorCodes.InvalidArgument,
            $"{what} '{text}' is not a media type; write it as type/subtype with optional parameters, for example " +
            "application/pdf or text/plain; charset=utf-8.");

    private const string HexDigits = "0123456789ABCDEF";
}
