using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Herald.Security.Certificates;

/// <summary>
/// Picks one certificate out of a store by the documented rules: a thumbprint (MD5, SHA-1 or SHA-256 hex) when one is
/// given; <c>*</c> for the first certificate; otherwise an exact subject DN match, then a case-insensitive substring of
/// the DN. Among equal matches the one with a private key wins, since a client certificate needs it.
/// </summary>
internal static class CertificateSelector
{
    /// <summary>The prefix that makes a subject a thumbprint, e.g. <c>Thumbprint=9f:3a:...</c>.</summary>
    public const string ThumbprintPrefix = "Thumbprint=";

    /// <summary>Selects a certificate.</summary>
    /// <param name="certificates">The store's certificates, in store order.</param>
    /// <param name="subject">The Subject to look for (a DN, part of one, <c>*</c>, or <c>Thumbprint=hex</c>).</param>
    /// <param name="thumbprint">A thumbprint from the configuration string, which takes precedence; or null.</param>
    /// <returns>The certificate, or null when none matches.</returns>
    /// <exception cref="SmtpException">10022: the thumbprint is not MD5, SHA-1 or SHA-256 hex.</exception>
    public static X509Certificate2? Select(IReadOnlyList<X509Certificate2> certificates, string subject, string? thumbprint)
    {
        if (thumbprint is null && subject.StartsWith(ThumbprintPrefix, StringComparison.OrdinalIgnoreCase))
        {
            thumbprint = subject[ThumbprintPrefix.Length..];
        }
        if (thumbprint is not null)
        {
            string wanted = Hex.NormalizeThumbprint(thumbprint) ?? throw new SmtpException(SmtpErrorCodes.InvalidArgument,
                $"The thumbprint '{thumbprint}' is not an MD5, SHA-1 or SHA-256 value in hex (32, 40 or 64 hex digits).");
            return Prefer(certificates.Where(c => ThumbprintOf(c, wanted.Length) == wanted));
        }
        string trimmed = subject.Trim();
        if (trimmed == "*")
        {
            return Prefer(certificates);
        }
        string normalized = NormalizeDn(trimmed);
        return Prefer(certificates.Where(c => NormalizeDn(c.Subject).Equals(normalized, StringComparison.OrdinalIgnoreCase)))
            ?? Prefer(certificates.Where(c =>
                c.Subject.Contains(trimmed, StringComparison.OrdinalIgnoreCase)
                || NormalizeDn(c.Subject).Contains(normalized, StringComparison.OrdinalIgnoreCase)));
    }

    /// <summary>
    /// Normalises a distinguished name for comparison: no blanks around the separators and the <c>=</c> signs, so
    /// <c>CN=a, O=b</c> equals <c>CN=a,O=b</c>.
    /// </summary>
    /// <param name="dn">The DN text.</param>
    public static string NormalizeDn(string dn)
    {
        var builder = new System.Text.StringBuilder(dn.Length);
        bool quoted = false;
        for (int i = 0; i < dn.Length; i++)
        {
            char c = dn[i];
            if (c == '"')
            {
                quoted = !quoted;
            }
            if (!quoted && c is ',' or ';' or '=' or '+')
            {
                while (builder.Length > 0 && builder[^1] == ' ')
                {
                    builder.Length--;
                }
                builder.Append(c == ';' ? ',' : c);
                while (i + 1 < dn.Length && dn[i + 1] == ' ')
                {
                    i++;
                }
                continue;
            }
            builder.Append(c);
        }
        return builder.ToString().Trim();
    }

    private static X509Certificate2? Prefer(IEnumerable<X509Certificate2> matches)
    {
        X509Certificate2? first = null;
        foreach (var candidate in matches)
        {
            if (candidate.HasPrivateKey)
            {
                return candidate;
            }
            first ??= candidate;
        }
        return first;
    }

    private static string ThumbprintOf(X509Certificate2 certificate, int hexLength) => hexLength switch
    {
        32 => Convert.ToHexStringLower(MD5.HashData(certificate.RawData)),
        40 => Convert.ToHexStringLower(SHA1.HashData(certificate.RawData)),
        _ => Convert.ToHexStringLower(SHA256.HashData(certificate.RawData)),
    };
}
