namespace Herald.Tests.Infrastructure;

/// <summary>
/// The client did something the transcript does not allow, or left part of it undone. Deliberately not an
/// <see cref="IOException"/>: the code under test must not be able to mistake it for a network error and handle it.
/// </summary>
public sealed class TranscriptException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What the client did, what the transcript expected, and where.</param>
    /// <param name="inner">The failure this one reports again, if any.</param>
    public TranscriptException(string message, Exception? inner = null) : base(message, inner)
    {
    }
}
