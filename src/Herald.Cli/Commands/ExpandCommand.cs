using System.CommandLine;
using Herald.Cli.Options;

namespace Herald.Cli.Commands;

/// <summary><c>herald expand LIST</c>: asks the server for a mailing list's members with EXPN (RFC 5321 §3.5).</summary>
internal static class ExpandCommand
{
    /// <summary>Creates the command.</summary>
    /// <param name="env">The process environment.</param>
    public static Command Create(CliEnvironment env)
    {
        var list = new Argument<string>("LIST") { Description = "The mailing list's name or address." };
        var connection = new ConnectionOptions(withAuth: true);
        var command = new Command("expand",
            "Ask the server for the members of a mailing list (EXPN) and print one per line. Most public servers refuse EXPN.");
        command.Arguments.Add(list);
        connection.AddTo(command);
        CommandActions.Set(command, env, async (result, cancellationToken) =>
        {
            string target = result.GetRequiredValue(list);
            if (target.AsSpan().ContainsAny('\r', '\n', '\0') || target.Trim().Length == 0)
            {
                throw CliException.Usage("LIST must be a non-empty single line.");
            }
            var server = connection.RequireServer(result, env, "expand");
            using var smtp = new Smtp();
            var plan = connection.Apply(result, smtp, server, env);
            int members = 0;
            smtp.OnExpand += (_, e) =>
            {
                members++;
                env.Out.WriteLine(e.Address);
            };
            return await ServerSession.RunAsync(smtp, plan, env, cancellationToken, async () =>
            {
                await smtp.ExpandAsync(target, cancellationToken).ConfigureAwait(false);
                if (members == 0)
                {
                    env.Error.WriteLine($"The list has no members. The server said: {smtp.LastReply}");
                }
            }).ConfigureAwait(false);
        });
        return command;
    }
}
