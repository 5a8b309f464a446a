using System.Globalization;
using System.Text;

namespace Herald.Protocol;

/// <summary>
/// Formats SMTP command lines (without the CRLF, which the connection adds). Every value placed into a command is
/// checked for CR/LF first. Fixed commands are kept as static byte strings.
/// </summary>
internal static class SmtpCommands
{
    /// <summary><c>DATA</c> with its line end.</summary>
    public static ReadOnlySpan<byte> DataLine => "DATA\r\n"u8;

    /// <summary><c>RSET</c> with its line end.</summary>
    public static ReadOnlySpan<byte> RsetLine => "RSET\r\n"u8;

    /// <summary><c>QUIT</c> with its line end.</summary>
    public static ReadOnlySpan<byte> QuitLine => "QUIT\r\n"u8;

    /// <summary><c>STARTTLS</c> with its line end.</summary>
    public static ReadOnlySpan<byte> StartTlsLine => "STARTTLS\r\n"u8;

    /// <summary><c>NOOP</c> with its line end.</summary>
    public static ReadOnlySpan<byte> NoopLine => "NOOP\r\n"u8;

    /// <summary>The end-of-data line that follows a dot-stuffed message (RFC 5321 §4.1.1.4).</summary>
    public static ReadOnlySpan<byte> EndOfData => ".\r\n"u8;

    /// <summary><c>EHLO domain</c>.</summary>
    public static string Ehlo(string domain) => "EHLO " + Checked(domain, "The Hello name");

    /// <summary><c>HELO domain</c>.</summary>
    public static string Helo(string domain) => "HELO " + Checked(domain, "The Hello name");

    /// <summary>
    /// <c>MAIL FROM:&lt;path&gt; params</c>. <paramref name="verb"/> is MAIL, or SEND/SOML/SAML for the RFC 821
    /// terminal delivery variants.
    /// </summary>
    public static string Mail(string verb, string reversePath, IReadOnlyList<string> parameters)
    {
        var sb = new StringBuilder(verb.Length + reversePath.Length + 16);
        sb.Append(verb).Append(" FROM:<").Append(Checked(reversePath, "The sender address")).Append('>');
        foreach (var p in parameters)
        {
            sb.Append(' ').Append(Checked(p, "A MAIL FROM parameter"));
        }
        return sb.ToString();
    }

    /// <summary><c>RCPT TO:&lt;address&gt; options</c> with options already in RFC 3461 form.</summary>
    public static string Rcpt(string address, string options)
    {
        var cmd = "RCPT TO:<" + Checked(address, "The recipient address") + ">";
        return options.Length == 0 ? cmd : cmd + " " + Checked(options, "The recipient options");
    }

    /// <summary><c>VRFY argument</c>.</summary>
    public static string Vrfy(string argument) => "VRFY " + Checked(argument, "The address to verify");

    /// <summary><c>EXPN argument</c>.</summary>
    public static string Expn(string argument) => "EXPN " + Checked(argument, "The list to expand");

    /// <summary><c>AUTH mechanism [initial-response]</c> (RFC 4954 §4).</summary>
    public static string Auth(string mechanism, string? initialResponse) =>
        initialResponse is null ? "AUTH " + mechanism : "AUTH " + mechanism + " " + Checked(initialResponse, "The AUTH response");

    /// <summary><c>BDAT size [LAST]</c> (RFC 3030 §2).</summary>
    public static string Bdat(long size, bool last) =>
        "BDAT " + size.ToString(CultureInfo.InvariantCulture) + (last ? " LAST" : "");

    private static string Checked(string value, string what)
    {
        LineValidation.EnsureSingleLine(value, what);
        return value;
    }
}
