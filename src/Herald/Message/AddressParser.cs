using System.Text;
using Herald.Protocol;

namespace Herald.Message;

/// <summary>
/// Reads address lists the way people type them into From, SendTo, Cc, BCc and ReplyTo (RFC 5322 §3.4, leniently):
/// <list type="bullet">
/// <item>bare addresses <c>a@example.com</c>, <c>"Name" &lt;a@example.com&gt;</c>, <c>Name &lt;a@example.com&gt;</c>,
/// <c>&lt;a@example.com&gt;</c>;</item>
/// <item>quoted names may hold commas; comments in parentheses are ignored, except that the comment of a bare address
/// (<c>a@example.com (Name)</c>, the old RFC 822 habit) becomes its display name;</item>
/// <item>encoded words in an unquoted name are decoded, so a pasted <c>=?utf-8?q?J=C3=B6rg?= &lt;j@x&gt;</c> keeps
/// its name;</item>
/// <item>a group <c>Team: a@x, b@y;</c> is replaced by its members (an empty group adds nothing);</item>
/// <item>entries are separated by commas; outside a group a semicolon separates entries too, since many people type
/// lists the way Outlook shows them;</item>
/// <item>an obsolete source route <c>&lt;@hop:a@x&gt;</c> is dropped.</item>
/// </list>
/// An address needs a non-empty local part, an '@' and a domain (dot-separated labels or a <c>[literal]</c>); non-ASCII
/// is allowed in both (whether SMTPUTF8 is needed is decided when sending). Dots in the local part are not checked,
/// because some mobile carriers hand out addresses such as <c>a..b@example.jp</c> that servers accept. An address
/// longer than 254 octets (RFC 5321 §4.5.3.1.3) is refused.
/// </summary>
internal static class AddressParser
{
    /// <summary>The longest addr-spec in UTF-8 octets: a 256-octet path less its angle brackets.</summary>
    public const int MaxAddressOctets = 254;

    /// <summary>Parses a comma-separated address list; empty entries are skipped.</summary>
    /// <param name="list">The list as typed (null or "" gives an empty list).</param>
    /// <param name="what">The setting the list comes from (for example "SendTo"), for error messages.</param>
    /// <returns>The addresses in order.</returns>
    /// <exception cref="SmtpException">Code 10022 when the list holds CR, LF or NUL, an unclosed quote, comment,
    /// angle bracket or domain literal, or an entry without a usable address.</exception>
    public static IReadOnlyList<MailAddress> ParseList(string? list, string what)
    {
        if (string.IsNullOrEmpty(list))
        {
            return [];
        }
        LineValidation.EnsureSingleLine(list, what);
        var result = new List<MailAddress>();
        bool inGroup = false;
        int i = 0;
        while (i <= list.Length)
        {
            int pos = i;
            bool sawAt = false;
            bool sawAngle = false;
            char terminator = '\0';
            while (pos < list.Length && terminator == '\0')
            {
                switch (list[pos])
                {
                    case '"':
                        pos = SkipQuoted(list, pos, i, what);
                        continue;
                    case '(':
                        pos = SkipComment(list, pos, i, what);
                        continue;
                    case '<':
                        sawAngle = true;
                        pos = SkipAngle(list, pos, i, what);
                        continue;
                    case '[':
                        pos = SkipLiteral(list, pos, i, what);
                        continue;
                    case '@':
                        sawAt = true;
                        break;
                    case ',':
                    case ';':
                        terminator = list[pos];
                        continue;
                    case ':' when !inGroup && !sawAt && !sawAngle:
                        terminator = ':';
                        continue;
                }
                pos++;
            }
            var entry = list[i..pos];
            if (terminator == ':')
            {
                inGroup = true; // the group's name is not kept: its members are what the list means
            }
            else
            {
                if (ParseEntry(entry, what) is { } address)
                {
                    result.Add(address);
                }
                if (terminator == ';')
                {
                    inGroup = false;
                }
            }
            i = pos + 1;
        }
        return result;
    }

    /// <summary>Parses text that must hold exactly one address.</summary>
    /// <param name="text">The text as typed.</param>
    /// <param name="what">The setting it comes from, for error messages.</param>
    /// <exception cref="SmtpException">Code 10022 when the text is not exactly one valid address.</exception>
    public static MailAddress ParseOne(string text, string what)
    {
        var list = ParseList(text, what);
        return list.Count switch
        {
            1 => list[0],
            0 => throw new SmtpException(SmtpErrorCodes.InvalidArgument,
                $"{what} holds no e-mail address; give one such as name@example.com."),
            _ => throw new SmtpException(SmtpErrorCodes.InvalidArgument,
                $"{what} must hold exactly one e-mail address but holds {list.Count}; remove the others."),
        };
    }

    /// <summary>
    /// Checks an addr-spec (<c>local@domain</c>, no angle brackets): see the class summary for what is accepted.
    /// </summary>
    /// <param name="address">The candidate.</param>
    public static bool IsValidAddress(string address)
    {
        if (address.Length == 0 || Encoding.UTF8.GetByteCount(address) > MaxAddressOctets)
        {
            return false;
        }
        int at;
        if (address[0] == '"')
        {
            int close = SkipQuotedOrFail(address, 0);
            if (close < 0 || close >= address.Length || address[close] != '@')
            {
                return false;
            }
            at = close;
        }
        else
        {
            at = address.LastIndexOf('@');
            if (at <= 0)
            {
                return false;
            }
            foreach (var c in address.AsSpan(0, at))
            {
                if (!IsAtomChar(c) && c != '.')
                {
                    return false;
                }
            }
        }
        var domain = address.AsSpan(at + 1);
        if (domain.Length == 0)
        {
            return false;
        }
        if (domain[0] == '[')
        {
            return domain.Length > 2 && domain[^1] == ']' && domain[1..^1].IndexOfAny("[]\\ \t") < 0;
        }
        foreach (var range in domain.Split('.'))
        {
            var label = domain[range];
            if (label.Length == 0)
            {
                return false;
            }
            foreach (var c in label)
            {
                if (!IsAtomChar(c))
                {
                    return false;
                }
            }
        }
        return true;
    }

    // One entry between separators: null when it is empty.
    private static MailAddress? ParseEntry(string entry, string what)
    {
        var text = entry.Trim(' ', '\t');
        if (text.Length == 0)
        {
            return null;
        }
        int angle = FindTopLevelAngle(text);
        if (angle >= 0)
        {
            int after = SkipAngle(text, angle, 0, what);
            var inner = text[(angle + 1)..(after - 1)].Trim(' ', '\t');
            var (rest, _) = StripComments(text[after..]);
            if (rest.Trim(' ', '\t').Length != 0)
            {
                throw Unusable(what, entry);
            }
            if (inner.StartsWith('@'))
            {
                // Obsolete source route (RFC 5322 §4.4): "@hop1,@hop2:" before the address.
                int colon = inner.IndexOf(':');
                inner = colon < 0 ? "" : inner[(colon + 1)..].Trim(' ', '\t');
            }
            if (!IsValidAddress(inner))
            {
                throw Unusable(what, entry);
            }
            return new MailAddress(ParsePhrase(text[..angle]), inner);
        }
        var (address, comments) = StripComments(text);
        address = address.Trim(' ', '\t');
        if (!IsValidAddress(address))
        {
            throw Unusable(what, entry);
        }
        var name = comments.Select(CollapseWhitespace).FirstOrDefault(c => c.Length > 0) ?? "";
        return new MailAddress(name, address);
    }

    // The display name: quoted strings unquoted, comments dropped, whitespace between words made one space, encoded
    // words decoded (RFC 2047 §6.2: no space between two adjacent encoded words).
    private static string ParsePhrase(string phrase)
    {
        var sb = new StringBuilder(phrase.Length);
        bool space = false;
        bool lastEncoded = false;
        int i = 0;
        while (i < phrase.Length)
        {
            char c = phrase[i];
            if (c is ' ' or '\t')
            {
                space = true;
                i++;
            }
            else if (c == '(')
            {
                i = SkipComment(phrase, i, 0, "");
                space = true;
            }
            else if (c == '"')
            {
                int end = SkipQuoted(phrase, i, 0, "");
                Emit(Unescape(phrase.AsSpan(i + 1, end - i - 2)), encoded: false);
                i = end;
            }
            else
            {
                int end = i;
                while (end < phrase.Length && phrase[end] is not (' ' or '\t' or '(' or '"'))
                {
                    end++;
                }
                var atom = phrase[i..end];
                if (EncodedWords.TryDecodeWord(atom, out var decoded))
                {
                    Emit(decoded, encoded: true);
                }
                else
                {
                    Emit(atom, encoded: false);
                }
                i = end;
            }
        }
        return sb.ToString();

        void Emit(string text, bool encoded)
        {
            if (space && sb.Length > 0 && !(encoded && lastEncoded))
            {
                sb.Append(' ');
            }
            sb.Append(text);
            space = false;
            lastEncoded = encoded;
        }
    }

    // Removes top-level comments; returns the rest and each comment's text.
    private static (string Remainder, List<string> Comments) StripComments(string text)
    {
        var rest = new StringBuilder(text.Length);
        var comments = new List<string>();
        int i = 0;
        while (i < text.Length)
        {
            if (text[i] == '"')
            {
                int end = SkipQuoted(text, i, 0, "");
                rest.Append(text, i, end - i);
                i = end;
            }
            else if (text[i] == '(')
            {
                int end = SkipComment(text, i, 0, "");
                comments.Add(Unescape(text.AsSpan(i + 1, end - i - 2)));
                i = end;
            }
            else
            {
                rest.Append(text[i]);
                i++;
            }
        }
        return (rest.ToString(), comments);
    }

    private static int FindTopLevelAngle(string text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            switch (text[i])
            {
                case '"':
                    i = SkipQuoted(text, i, 0, "") - 1;
                    break;
                case '(':
                    i = SkipComment(text, i, 0, "") - 1;
                    break;
                case '<':
                    return i;
            }
        }
        return -1;
    }

    // Each Skip* starts at the opening character and returns the index after the closing one. An unclosed construct
    // is reported with the entry that starts at entryStart.
    private static int SkipQuoted(string s, int open, int entryStart, string what)
    {
        int end = SkipQuotedOrFail(s, open);
        return end >= 0 ? end : throw Unclosed(what, s, entryStart, "quote (\")");
    }

    private static int SkipQuotedOrFail(string s, int open)
    {
        for (int i = open + 1; i < s.Length; i++)
        {
            if (s[i] == '\\')
            {
                i++;
            }
            else if (s[i] == '"')
            {
                return i + 1;
            }
        }
        return -1;
    }

    private static int SkipComment(string s, int open, int entryStart, string what)
    {
        int depth = 0;
        for (int i = open; i < s.Length; i++)
        {
            switch (s[i])
            {
                case '\\':
                    i++;
                    break;
                case '(':
                    depth++;
                    break;
                case ')':
                    if (--depth == 0)
                    {
                        return i + 1;
                    }
                    break;
            }
        }
        throw Unclosed(what, s, entryStart, "comment '('");
    }

    private static int SkipAngle(string s, int open, int entryStart, string what)
    {
        for (int i = open + 1; i < s.Length; i++)
        {
            if (s[i] == '"')
            {
                i = SkipQuoted(s, i, entryStart, what) - 1;
            }
            else if (s[i] == '>')
            {
                return i + 1;
            }
        }
        throw Unclosed(what, s, entryStart, "angle bracket '<'");
    }

    private static int SkipLiteral(string s, int open, int entryStart, string what)
    {
        for (int i = open + 1; i < s.Length; i++)
        {
            if (s[i] == '\\')
            {
                i++;
            }
            else if (s[i] == ']')
            {
                return i + 1;
            }
        }
        throw Unclosed(what, s, entryStart, "domain literal '['");
    }

    private static string Unescape(ReadOnlySpan<char> quoted)
    {
        var sb = new StringBuilder(quoted.Length);
        for (int i = 0; i < quoted.Length; i++)
        {
            if (quoted[i] == '\\' && i + 1 < quoted.Length)
            {
                i++;
            }
            sb.Append(quoted[i]);
        }
        return sb.ToString();
    }

    private static string CollapseWhitespace(string text) =>
        string.Join(' ', text.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries));

    // atext of RFC 5322 §3.2.3 widened to every non-ASCII character (RFC 6532 §3.2).
    private static bool IsAtomChar(char c) =>
        c > 0x7F || (c > 0x20 && c < 0x7F && "()<>[]:;@\\,.\"".IndexOf(c) < 0);

    private static SmtpException Unusable(string what, string entry) =>
        new(SmtpErrorCodes.InvalidArgument,
            $"{what} entry '{Shorten(entry.Trim())}' has no usable e-mail address; " +
            "write it as name@example.com or \"Name\" <name@example.com>.");

    private static SmtpException Unclosed(string what, string s, int entryStart, string kind) =>
        new(SmtpErrorCodes.InvalidArgument,
            $"{what} entry '{Shorten(s[entryStart..].Trim())}' has an unclosed {kind}; close it or remove it.");

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..77] + "...";
}
