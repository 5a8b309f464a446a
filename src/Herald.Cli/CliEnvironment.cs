namespace Herald.Cli;

/// <summary>
/// Everything the commands take from the process: output streams, standard input and environment variables. Tests
/// run the command line in-process with their own instance instead of touching the real console.
/// </summary>
internal sealed class CliEnvironment
{
    /// <summary>Standard output: results.</summary>
    public required TextWriter Out { get; init; }

    /// <summary>Standard error: warnings, errors and the protocol trace.</summary>
    public required TextWriter Error { get; init; }

    /// <summary>Opens standard output as bytes, for output that must arrive unchanged (a saved message); when null,
    /// such output is written as UTF-8 text through <see cref="Out"/>.</summary>
    public Func<Stream>? OpenOutput { get; init; }

    /// <summary>Opens standard input (read as the message body when no body option is given).</summary>
    public required Func<Stream> OpenInput { get; init; }

    /// <summary>True when standard input is a pipe or file rather than a terminal.</summary>
    public required bool IsInputRedirected { get; init; }

    /// <summary>True when standard error is a terminal, where progress can be drawn (a pipe or file gets none).</summary>
    public bool IsErrorTerminal { get; init; }

    /// <summary>Reads an environment variable (null when unset).</summary>
    public required Func<string, string?> GetVariable { get; init; }

    /// <summary>Whether a host (name or address) is on loopback, for the warning about unencrypted sessions with other
    /// hosts. The real one resolves names (<see cref="Options.ConnectionPlan.IsLoopbackAsync"/>); tests replace it to
    /// play a remote host on a loopback port.</summary>
    public Func<string, CancellationToken, Task<bool>> IsLoopbackHost { get; init; } = Options.ConnectionPlan.IsLoopbackAsync;

    /// <summary>The real process: the console and the process environment.</summary>
    public static CliEnvironment FromProcess() => new()
    {
        Out = Console.Out,
        Error = Console.Error,
        OpenOutput = Console.OpenStandardOutput,
        OpenInput = Console.OpenStandardInput,
        IsInputRedirected = Console.IsInputRedirected,
        IsErrorTerminal = !Console.IsErrorRedirected,
        GetVariable = Environment.GetEnvironmentVariable,
    };

    /// <summary>An environment variable, or null when it is unset or empty.</summary>
    /// <param name="name">The variable's name.</param>
    public string? Variable(string name) => GetVariable(name) is { Length: > 0 } value ? value : null;

    /// <summary>Writes a warning to standard error.</summary>
    /// <param name="message">The warning.</param>
    public void Warn(string message) => Error.WriteLine($"herald: warning: {message}");
}
