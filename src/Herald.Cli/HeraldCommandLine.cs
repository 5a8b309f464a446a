using System.CommandLine;
using Herald.Cli.Capture;
using Herald.Cli.Commands;

namespace Herald.Cli;

/// <summary>The <c>herald</c> command tree and the one entry point that parses and runs it (used by
/// <see cref="Program"/> and, in-process, by the tests).</summary>
internal static class HeraldCommandLine
{
    /// <summary>Builds the root command.</summary>
    /// <param name="env">The process environment.</param>
    /// <param name="captureStarted">Called when <c>herald capture</c> has started its server (for tests).</param>
    public static RootCommand Build(CliEnvironment env, Action<CaptureServer>? captureStarted = null)
    {
        var root = new RootCommand(
            "herald: send mail over SMTP and look at SMTP servers.\n\n" +
            "Without --server (or $HERALD_SERVER, or an account in ~/.config/herald/config.toml), 'herald send' delivers to " +
            "Herald's built-in capture server on 127.0.0.1 and saves the message as an .eml file: nothing leaves this " +
            "machine.\n\n" +
            "Exit codes (sysexits.h): 0 ok, 64 bad usage or address, 65 bad data, 66 input file missing, " +
            "69 server unavailable or permanent (5xx) refusal, 75 temporary failure (4xx, timeout), 76 protocol error, " +
            "77 authentication failed or certificate rejected, 78 configuration error.");
        root.HelpName = "herald"; // not the name of whatever process hosts the parser (tests, dotnet exec)
        root.Subcommands.Add(SendCommand.Create(env));
        root.Subcommands.Add(VerifyCommand.Create(env));
        root.Subcommands.Add(ExpandCommand.Create(env));
        root.Subcommands.Add(ProbeCommand.Create(env));
        root.Subcommands.Add(LoadCommand.Create(env));
        root.Subcommands.Add(CaptureCommand.Create(env, captureStarted));
        root.Subcommands.Add(ConfigCommand.Create(env));
        root.Subcommands.Add(QueueCommand.Create(env));
        root.Subcommands.Add(SendmailCommand.Create());
        return root;
    }

    /// <summary>Parses <paramref name="args"/> and runs the chosen command.</summary>
    /// <param name="args">The command-line arguments.</param>
    /// <param name="env">The process environment.</param>
    /// <param name="cancellationToken">Cancelled by Ctrl+C.</param>
    /// <param name="captureStarted">Called when <c>herald capture</c> has started its server (for tests).</param>
    /// <returns>The process exit code (sysexits.h).</returns>
    public static async Task<int> RunAsync(string[] args, CliEnvironment env, CancellationToken cancellationToken,
        Action<CaptureServer>? captureStarted = null)
    {
        if (args.Length > 0 && args[0] == "sendmail")
        {
            // sendmail's own syntax (-ti, -fADDR, -oi) is not System.CommandLine's.
            return await SendmailCommand.RunAsync(args[1..], env, cancellationToken).ConfigureAwait(false);
        }
        var root = Build(env, captureStarted);
        var result = root.Parse(args);
        var config = new InvocationConfiguration
        {
            Output = env.Out,
            Error = env.Error,
            EnableDefaultExceptionHandler = false,
            ProcessTerminationTimeout = null, // Program handles Ctrl+C and passes the token in
        };
        if (result.Errors.Count > 0 && result.Action is System.CommandLine.Invocation.ParseErrorAction)
        {
            // System.CommandLine would exit with 1; a usage error is EX_USAGE (64) for mail tools.
            foreach (var error in result.Errors)
            {
                env.Error.WriteLine($"herald: error: {error.Message}");
            }
            string command = string.Join(' ', CommandPath(result.CommandResult));
            env.Error.WriteLine($"Run '{command} --help' for the options.");
            return ExitCodes.Usage;
        }
        return await result.InvokeAsync(config, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// True when the process was started under the name <c>sendmail</c> (a symbolic link such as /usr/sbin/sendmail
    /// to herald): it then behaves as <c>herald sendmail</c>.
    /// </summary>
    /// <param name="programName">The name the process was started with (argv[0]), or null when unknown.</param>
    public static bool IsSendmailName(string? programName) =>
        programName is not null && Path.GetFileName(programName) == "sendmail";

    /// <summary>"herald", then each subcommand down to the one that was parsed ("herald capture show").</summary>
    private static IEnumerable<string> CommandPath(System.CommandLine.Parsing.CommandResult result)
    {
        var names = new Stack<string>();
        for (var r = result; r is not null; r = r.Parent as System.CommandLine.Parsing.CommandResult)
        {
            names.Push(r.Command is RootCommand ? "herald" : r.Command.Name);
        }
        return names;
    }
}
