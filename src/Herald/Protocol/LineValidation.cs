namespace Herald.Protocol;

/// <summary>
/// Guards every value that is interpolated into a command line or a header: a CR or LF inside it would let the value
/// end the line and smuggle in a command or header of its own (SMTP command / header injection).
/// </summary>
internal static class LineValidation
{
    /// <summary>Throws when <paramref name="value"/> contains CR, LF or NUL.</summary>
    /// <param name="value">The value about to be written into a line.</param>
    /// <param name="what">What the value is, for the error message (for example "the From address").</param>
    /// <exception cref="SmtpException">Code 10022 (invalid argument).</exception>
    public static void EnsureSingleLine(string? value, string what)
    {
        if (value is not null && value.AsSpan().IndexOfAny('\r', '\n', '\0') >= 0)
        {
            throw new SmtpException(SmtpErrorCodes.InvalidArgument,
                $"{what} contains a line break (CR or LF) or NUL character, which could inject commands or headers; " +
                "remove it and try again.");
        }
    }

    /// <summary>True when every character of <paramref name="value"/> is 7-bit ASCII.</summary>
    /// <param name="value">Text to test.</param>
    public static bool IsAscii(string value) => System.Text.Ascii.IsValid(value);
}
