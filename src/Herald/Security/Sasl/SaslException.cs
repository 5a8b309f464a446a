namespace Herald.Security.Sasl;

/// <summary>
/// The server's side of a SASL exchange was unacceptable: a malformed challenge, a wrong server proof, an
/// unexpected extra challenge. The engine cancels the exchange (RFC 4954 §4: the client sends <c>*</c>) and reports
/// the message.
/// </summary>
internal sealed class SaslException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What the server sent that was wrong, for a person to read.</param>
    public SaslException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with the failure that caused it.</summary>
    /// <param name="message">What the server sent that was wrong, for a person to read.</param>
    /// <param name="innerException">The underlying failure.</param>
    public SaslException(string message, Exception? innerException) : base(message, innerException)
    {
    }
}
