using System.Text;

namespace Herald.Message;

/// <summary>
/// Turns the Charset setting into an <see cref="Encoding"/>. Lookups go through the BCL encodings and, for the
/// legacy code pages (windows-1252, iso-8859-2, koi8-r, ...), through <see cref="CodePagesEncodingProvider"/> directly,
/// so nothing is registered process-wide.
/// </summary>
internal static class Charsets
{
    /// <summary>UTF-8 without a byte-order mark; an unpaired surrogate becomes U+FFFD rather than an error.</summary>
    public static readonly Encoding Utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);

    /// <summary>
    /// Resolves <paramref name="charset"/>; an empty value means UTF-8. Except for UTF-8 (which can represent every
    /// character), the returned encoding throws <see cref="EncoderFallbackException"/> for characters it cannot
    /// represent, so callers can tell when to fall back to UTF-8 (see <see cref="CanEncode"/>).
    /// </summary>
    /// <param name="charset">An IANA charset name such as <c>utf-8</c> or <c>iso-8859-1</c>, or "".</param>
    /// <param name="what">The setting's name, for the error message.</param>
    /// <exception cref="SmtpException">Code 10022 when the name is unknown.</exception>
    public static Encoding Resolve(string? charset, string what)
    {
        var name = charset?.Trim() ?? "";
        if (name.Length == 0)
        {
            return Utf8;
        }
        Herald.Protocol.LineValidation.EnsureSingleLine(name, what);
        Encoding? found = null;
        try
        {
            found = Encoding.GetEncoding(name, EncoderFallback.ExceptionFallback, DecoderFallback.ReplacementFallback);
        }
        catch (ArgumentException)
        {
            found = CodePagesEncodingProvider.Instance.GetEncoding(name, EncoderFallback.ExceptionFallback,
                DecoderFallback.ReplacementFallback);
        }
        catch (NotSupportedException)
        {
            // UTF-7 and friends are disabled in modern .NET; report them like unknown names.
        }
        if (found is null || found.CodePage == 65000)
        {
            throw new SmtpException(SmtpErrorCodes.InvalidArgument,
                $"{what} '{name}' is not a character set Herald knows; use an IANA name such as utf-8 or iso-8859-1.");
        }
        return found.CodePage == Encoding.UTF8.CodePage ? Utf8 : found;
    }

    /// <summary>Finds an encoding by name for decoding received text, or null when the name is unknown.</summary>
    /// <param name="charset">An IANA charset name.</param>
    public static Encoding? TryGet(string charset)
    {
        try
        {
            return Encoding.GetEncoding(charset);
        }
        catch (ArgumentException)
        {
            return CodePagesEncodingProvider.Instance.GetEncoding(charset);
        }
        catch (NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>The label written into encoded words and Content-Type parameters (lower-case IANA name).</summary>
    /// <param name="encoding">A resolved encoding.</param>
    public static string Label(Encoding encoding) => encoding.WebName;

    /// <summary>True when every character of <paramref name="text"/> can be written in <paramref name="encoding"/>.</summary>
    /// <param name="encoding">An encoding from <see cref="Resolve"/> (exception fallback).</param>
    /// <param name="text">The text to test.</param>
    public static bool CanEncode(Encoding encoding, string text)
    {
        if (encoding is UTF8Encoding)
        {
            return true; // unpaired surrogates are replaced with U+FFFD, never refused
        }
        try
        {
            encoding.GetByteCount(text);
            return true;
        }
        catch (EncoderFallbackException)
        {
            return false;
        }
    }
}
