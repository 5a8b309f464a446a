using System.Text;
using Herald.Cli;
using Herald.Cli.Capture;
using Herald.Cli.Options;

namespace Herald.Tests.Cli;

/// <summary>Runs <c>herald</c> in-process with its own stdout, stderr, stdin and environment variables.</summary>
internal static class CliRunner
{
    public sealed record Result(int ExitCode, string Out, string Error);

    public static async Task<Result> RunAsync(string[] args, IReadOnlyDictionary<string, string>? variables = null, string? stdin = null,
        CancellationToken cancellationToken = default, Action<CaptureServer>? captureStarted = null, bool? serverIsLoopback = null,
        bool errorIsTerminal = false)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var env = new CliEnvironment
        {
            Out = output,
            Error = error,
            OpenInput = () => new MemoryStream(Encoding.UTF8.GetBytes(stdin ?? "")),
            IsInputRedirected = stdin is not null,
            IsErrorTerminal = errorIsTerminal,
            // Only what the test gives: the real HERALD_SERVER or HOME of the machine must not leak in.
            GetVariable = name => variables is not null && variables.TryGetValue(name, out var v) ? v : null,
            // A fake server is always on loopback; false plays one on another host.
            IsLoopbackHost = serverIsLoopback is { } fixedAnswer
                ? (_, _) => Task.FromResult(fixedAnswer)
                : ConnectionPlan.IsLoopbackAsync,
        };
        int code = await HeraldCommandLine.RunAsync(args, env, cancellationToken, captureStarted);
        return new Result(code, output.ToString(), error.ToString());
    }
}
