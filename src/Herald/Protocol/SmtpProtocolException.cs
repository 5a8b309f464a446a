namespace Herald.Protocol;

/// <summary>
/// The server's bytes break the SMTP reply grammar (RFC 5321 §4.2: a three-digit code, the same code on every line of
/// a multi-line reply, a space or hyphen after it) or exceed a size cap. It reaches the application as the
/// <see cref="Exception.InnerException"/> of an <see cref="SmtpException"/> with code
/// <see cref="SmtpErrorCodes.CommunicationError"/>, so that a server that speaks something other than SMTP (or a
/// wrong port) can be told apart from a network failure.
/// </summary>
public sealed class SmtpProtocolException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What was wrong with the server's bytes.</param>
    internal SmtpProtocolException(string message)
        : base(message)
    {
    }
}
