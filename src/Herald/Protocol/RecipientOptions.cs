using System.Text;

namespace Herald.Protocol;

/// <summary>
/// Normalises the per-recipient ESMTP options of <c>MessageRecipient.Options</c>. Users write the DSN options either
/// as the component documentation shows (<c>NOTIFY SUCCESS,FAILURE</c>) or as RFC 3461 §4 defines them
/// (<c>NOTIFY=SUCCESS,FAILURE</c>); the wire always gets the RFC form.
/// </summary>
internal static class RecipientOptions
{
    private static readonly string[] s_keywordsTakingValue = ["NOTIFY", "ORCPT"];

    /// <summary>Returns the options in <c>KEYWORD=value</c> form, separated by single spaces.</summary>
    /// <param name="options">Options as the user wrote them.</param>
    /// <exception cref="SmtpException">The options contain a line break.</exception>
    public static string Normalize(string? options)
    {
        if (string.IsNullOrWhiteSpace(options))
        {
            return "";
        }
        LineValidation.EnsureSingleLine(options, "The recipient options");
        var tokens = options.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        var sb = new StringBuilder(options.Length + 2);
        for (int i = 0; i < tokens.Length; i++)
        {
            string token = tokens[i];
            if (sb.Length > 0)
            {
                sb.Append(' ');
            }
            if (!token.Contains('=', StringComparison.Ordinal) && i + 1 < tokens.Length &&
                Array.Exists(s_keywordsTakingValue, k => k.Equals(token, StringComparison.OrdinalIgnoreCase)))
            {
                sb.Append(token.ToUpperInvariant()).Append('=').Append(tokens[++i]);
            }
            else
            {
                int eq = token.IndexOf('=', StringComparison.Ordinal);
                sb.Append(eq < 0 ? token : string.Concat(token.AsSpan(0, eq).ToString().ToUpperInvariant(), token.AsSpan(eq)));
            }
        }
        return sb.ToString();
    }

    /// <summary>True when the normalised options use RFC 3461 DSN keywords.</summary>
    /// <param name="normalized">Options returned by <see cref="Normalize"/>.</param>
    public static bool UsesDsn(string normalized) =>
        normalized.Contains("NOTIFY=", StringComparison.Ordinal) || normalized.Contains("ORCPT=", StringComparison.Ordinal);
}
