namespace Herald.Cli;

/// <summary>
/// A failure the command line itself detects (a bad option, a missing file ...), carrying the sysexits.h code the
/// process should end with and a message that says what to change.
/// </summary>
internal sealed class CliException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="exitCode">One of the <see cref="ExitCodes"/> values.</param>
    /// <param name="message">What went wrong and what to do about it.</param>
    /// <param name="innerException">The underlying failure, if any.</param>
    public CliException(int exitCode, string message, Exception? innerException = null) : base(message, innerException)
        => ExitCode = exitCode;

    /// <summary>The process exit code.</summary>
    public int ExitCode { get; }

    /// <summary>A usage error (64): a bad or missing option.</summary>
    /// <param name="message">What is wrong with the command line.</param>
    public static CliException Usage(string message) => new(ExitCodes.Usage, message);
}
