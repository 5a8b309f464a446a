using Herald.Cli;
using Herald.Cli.Capture;

namespace Herald.IntegrationTests.Support;

/// <summary>Runs the <c>herald</c> command line in-process, through its real entry point, with its own stdout and
/// stderr and only the environment variables a test gives.</summary>
internal static class HeraldCli
{
    /// <summary>The variable that holds <see cref="Peers.Password"/> (for <c>--password-env</c>).</summary>
    public const string PasswordVariable = "HERALD_TEST_PASSWORD";

    /// <summary>The variable that holds <see cref="Peers.PfxPassword"/> (for <c>--client-cert-password-env</c>).</summary>
    public const string PfxPasswordVariable = "HERALD_TEST_PFX_PASSWORD";

    /// <summary>Runs one command to its end.</summary>
    /// <param name="args">The command line, without "herald".</param>
    /// <param name="cancellationToken">Ctrl+C.</param>
    /// <param name="captureStarted">Called when <c>herald capture</c> has started its server.</param>
    /// <param name="extraVariables">More environment variables for this run (ALL_PROXY, a proxy password ...).</param>
    /// <param name="stdin">What standard input holds (it is then redirected), or null for a terminal.</param>
    public static async Task<CliRun> RunAsync(string[] args, CancellationToken cancellationToken = default,
        Action<CaptureServer>? captureStarted = null, IReadOnlyDictionary<string, string>? extraVariables = null, byte[]? stdin = null)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var variables = new Dictionary<string, string>
        {
            [PasswordVariable] = Peers.Password,
            [PfxPasswordVariable] = Peers.PfxPassword,
        };
        foreach (var (name, value) in extraVariables ?? new Dictionary<string, string>())
        {
            variables[name] = value;
        }
        var env = new CliEnvironment
        {
            Out = output,
            Error = error,
            OpenInput = () => new MemoryStream(stdin ?? []),
            IsInputRedirected = stdin is not null,
            // Only what the test sets: the machine's own HERALD_SERVER must not leak in.
            GetVariable = name => variables.TryGetValue(name, out string? value) ? value : null,
        };
        int code = await HeraldCommandLine.RunAsync(args, env, cancellationToken, captureStarted);
        return new CliRun(code, output.ToString(), error.ToString());
    }
}

/// <summary>What one run of the command line did.</summary>
/// <param name="ExitCode">The exit code.</param>
/// <param name="Out">Everything written to stdout.</param>
/// <param name="Error">Everything written to stderr (warnings, errors and, with <c>--trace</c>, the protocol trace).</param>
internal sealed record CliRun(int ExitCode, string Out, string Error)
{
    /// <summary>The client's lines of the <c>--trace</c> output, without the <c>C: </c> prefix.</summary>
    public IReadOnlyList<string> ClientLines => Error.Split('\n')
        .Select(l => l.TrimEnd('\r'))
        .Where(l => l.StartsWith("C: ", StringComparison.Ordinal))
        .Select(l => l[3..])
        .ToList();

    /// <summary>The warnings printed on stderr.</summary>
    public IReadOnlyList<string> Warnings => Error.Split('\n')
        .Select(l => l.TrimEnd('\r'))
        .Where(l => l.StartsWith("herald: warning: ", StringComparison.Ordinal))
        .ToList();

    /// <inheritdoc />
    public override string ToString() => $"exit {ExitCode}\nstdout:\n{Out}\nstderr:\n{Error}";
}
