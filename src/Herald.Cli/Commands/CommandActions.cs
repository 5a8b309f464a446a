using System.CommandLine;

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
