namespace Herald.Cli;

/// <summary>
/// Checks an envelope address against the RFC 5321 §4.1.2 grammar: <c>Local-part "@" ( Domain / address-literal )</c>,
/// where the local part is a dot-string or a quoted string. Non-ASCII characters are allowed where RFC 6531 allows
/// them; whether the client may use them (the SMTPUTF8 parameter) is the session's business.
/// </summary>
internal static class MailboxSyntax
{
    private const string AtextSpecials = "!#$%&'*+-/=?^_`{|}~";

    /// <summary>Returns null when <paramref name="address"/> is a valid mailbox, otherwise what is wrong with it.</summary>
    /// <param name="address">The address without angle brackets.</param>
    public static string? Check(string address)
    {
        // Domains never contain '@', so the last one separates the parts even when a quoted local part holds one.
        int at = address.LastIndexOf('@');
        if (at <= 0 || at == address.Length - 1)
        {
            return "an address looks like user@example.com";
        }
        string local = address[..at];
        string domain = address[(at + 1)..];
        if (!(local[0] == '"' ? IsQuotedString(local) : IsDotString(local)))
        {
            return $"\"{local}\" is not a valid local part (before the @)";
        }
        if (!(domain[0] == '[' ? IsAddressLiteral(domain) : IsDomain(domain)))
        {
            return $"\"{domain}\" is not a valid domain (after the @)";
        }
        return null;
    }

    /// <summary>True when the address has a character outside ASCII (RFC 6531 needs SMTPUTF8 for that).</summary>
    /// <param name="address">The address.</param>
    public static bool HasNonAscii(string address) => !System.Text.Ascii.IsValid(address);

    private static bool IsDotString(string s)
    {
        if (s.StartsWith('.') || s.EndsWith('.') || s.Contains("..", StringComparison.Ordinal))
        {
            return false;
        }
        foreach (char c in s)
        {
            if (!(c == '.' || char.IsAsciiLetterOrDigit(c) || AtextSpecials.Contains(c, StringComparison.Ordinal) || c > 127))
            {
                return false;
            }
        }
        return true;
    }

    private static bool IsQuotedString(string s)
    {
        if (s.Length < 2 || s[^1] != '"')
        {
            return false;
        }
        for (int i = 1; i < s.Length - 1; i++)
        {
            char c = s[i];
            if (c == '\\')
            {
                // quoted-pairSMTP: a backslash and one printable ASCII character.
                if (++i >= s.Length - 1 || s[i] is < ' ' or > '~')
                {
                    return false;
                }
            }
            else if (c == '"' || (c < ' ' && c != '\t') || c == 127)
            {
                return false;
            }
        }
        return true;
    }

    private static bool IsDomain(string s)
    {
        foreach (var label in s.Split('.'))
        {
            if (label.Length == 0 || label.Length > 63 || label[0] == '-' || label[^1] == '-')
            {
                return false;
            }
            foreach (char c in label)
            {
                if (!(char.IsAsciiLetterOrDigit(c) || c == '-' || c > 127))
                {
                    return false;
                }
            }
        }
        return true;
    }

    private static bool IsAddressLiteral(string s)
    {
        if (s.Length < 3 || s[^1] != ']')
        {
            return false;
        }
        string inner = s[1..^1];
        if (inner.StartsWith("IPv6:", StringComparison.OrdinalIgnoreCase))
        {
            return System.Net.IPAddress.TryParse(inner[5..], out var v6)
                   && v6.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
        }
        return System.Net.IPAddress.TryParse(inner, out var v4) && v4.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork
            && inner.Count(c => c == '.') == 3;
    }
}
