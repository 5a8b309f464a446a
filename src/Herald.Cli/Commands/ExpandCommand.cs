using System.CommandLine;
using Herald.Cli.Options;
using Herald.Cli.Output;

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
        var json = CommandActions.JsonOption();
        command.Arguments.Add(list);
        connection.AddTo(command);
        command.Options.Add(json);
        CommandActions.SetReported(command, env, json, async (result, report, cancellationToken) =>
        {
            string target = result.GetRequiredValue(list);
            if (target.AsSpan().ContainsAny('\r', '\n', '\0') || target.Trim().Length == 0)
            {
                throw CliException.Usage("LIST must be a non-empty single line.");
            }
            var settings = connection.Resolve(result, env);
            var server = ConnectionOptions.RequireServer(settings, "expand");
            using var smtp = new Smtp();
            var plan = connection.Apply(result, smtp, server, env, settings);
            var members = new List<string>();
            smtp.OnExpand += (_, e) =>
            {
                members.Add(e.Address);
                if (report is null)
                {
                    env.Out.WriteLine(e.Address);
                }
            };
            if (report is not null)
            {
                report["list"] = target;
                report["members"] = new System.Text.Json.Nodes.JsonArray();
            }
            return await ServerSession.RunAsync(smtp, plan, env, cancellationToken, async () =>
            {
                await smtp.ExpandAsync(target, cancellationToken).ConfigureAwait(false);
                if (report is not null)
                {
                    report["members"] = JsonReport.Array(members);
                    report["reply"] = JsonReport.Reply(smtp.LastReply); // before QUIT replaces it
                }
                else if (members.Count == 0)
                {
                    env.Error.WriteLine($"The list has no members. The server said: {smtp.LastReply}");
                }
            }, report: report).ConfigureAwait(false);
        });
        return command;
    }
}
