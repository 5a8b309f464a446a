using System.CommandLine;
using Herald.Cli.Output;

namespace Herald.Cli.Commands;

/// <summary>Runs a command's body and turns any failure into a message on stderr and a sysexits.h exit code.</summary>
internal static class CommandActions
{
    /// <summary>Makes <paramref name="body"/> the command's action.</summary>
    /// <param name="command">The command.</param>
    /// <param name="env">Where errors are written.</param>
    /// <param name="body">The work; returns the exit code.</param>
    public static void Set(Command command, CliEnvironment env, Func<ParseResult, CancellationToken, Task<int>> body) =>
        command.SetAction(async (result, cancellationToken) =>
        {
            try
            {
                return await body(result, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                return Report(env, e);
            }
        });

    /// <summary>
    /// Makes <paramref name="body"/> the action of a command that has <c>--json</c>: with it, the body gets a report to
    /// fill, which is written to stdout when the command ends, with the failure in it when there is one (the error
    /// still goes to stderr as well, for a person watching).
    /// </summary>
    /// <param name="command">The command.</param>
    /// <param name="env">Where output and errors are written.</param>
    /// <param name="json">The command's <c>--json</c> option.</param>
    /// <param name="body">The work; gets the report (null without <c>--json</c>) and returns the exit code.</param>
    /// <param name="name">The report's <c>command</c>: the command's name unless given (a subcommand's, "queue add").</param>
    public static void SetReported(Command command, CliEnvironment env, Option<bool> json,
        Func<ParseResult, JsonReport?, CancellationToken, Task<int>> body, string? name = null) =>
        command.SetAction(async (result, cancellationToken) =>
        {
            var report = result.GetValue(json) ? new JsonReport(name ?? command.Name) : null;
            int code;
            try
            {
                code = await body(result, report, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                code = Report(env, e);
                report?.SetError(e);
            }
            report?.Write(env, code);
            return code;
        });

    /// <summary>The <c>--json</c> option.</summary>
    public static Option<bool> JsonOption() => new("--json")
    {
        Description = "Print the result as one JSON object on stdout, also when the command fails (the shape is in the README).",
    };

    /// <summary>Writes the failure to stderr and returns its exit code.</summary>
    /// <param name="env">Where to write.</param>
    /// <param name="e">The failure.</param>
    public static int Report(CliEnvironment env, Exception e)
    {
        int code = ExitCodes.For(e);
        if (code == ExitCodes.Software)
        {
            // Not a failure Herald knows how to explain: show everything, it is a bug to report.
            env.Error.WriteLine($"herald: internal error: {e}");
        }
        else
        {
            env.Error.WriteLine($"herald: error: {e.Message}");
        }
        return code;
    }
}
