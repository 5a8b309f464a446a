using Herald.Protocol;

namespace Herald;

/// <summary>
/// The error every Herald method throws when an operation fails. <see cref="Code"/> carries the documented numeric
/// error code (for example 161 when the server answered with an error, 162 for a communication failure, 201 for a
/// timeout, 301 when the operation was interrupted); when a server reply caused the failure, <see cref="ReplyCode"/>,
/// <see cref="EnhancedStatusCode"/> and <see cref="ServerReply"/> describe it.
/// </summary>
public class SmtpException : Exception
{
    /// <summary>Creates an exception with a code and a message.</summary>
    /// <param name="code">The numeric error code (see <see cref="SmtpErrorCodes"/>).</param>
    /// <param name="message">A message a person can act on.</param>
    public SmtpException(int code, string message) : base(message) => Code = code;

    /// <summary>Creates an exception with a code, a message and the exception that caused it.</summary>
    /// <param name="code">The numeric error code (see <see cref="SmtpErrorCodes"/>).</param>
    /// <param name="message">A message a person can act on.</param>
    /// <param name="innerException">The underlying failure.</param>
    public SmtpException(int code, string message, Exception? innerException) : base(message, innerException) => Code = code;

    internal SmtpException(int code, string message, SmtpReply reply, Exception? innerException = null)
        : base(message, innerException)
    {
        Code = code;
        ReplyCode = reply.Code;
        EnhancedStatusCode = reply.EnhancedCode?.ToString() ?? "";
        ServerReply = reply.ToString();
        Reply = reply;
    }

    /// <summary>The server reply that caused the error, or null.</summary>
    internal SmtpReply? Reply { get; }

    /// <summary>The documented error code (161 protocol error, 162 communication error, 201 timeout, ...).</summary>
    public int Code { get; }

    /// <summary>The three-digit SMTP reply code that caused the error, or 0 when no server reply was involved.</summary>
    public int ReplyCode { get; }

    /// <summary>The RFC 3463 enhanced status code of that reply (for example <c>5.1.1</c>), or an empty string.</summary>
    public string EnhancedStatusCode { get; } = "";

    /// <summary>The full text of the server reply that caused the error, or an empty string.</summary>
    public string ServerReply { get; } = "";

    /// <summary>True when the server reply was a transient (4xx) failure that may succeed if tried again later.</summary>
    public bool IsTransient => ReplyCode is >= 400 and < 500;
}
