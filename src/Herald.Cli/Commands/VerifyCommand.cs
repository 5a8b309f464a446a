using System.CommandLine;
using Herald.Cli.Options;
using Herald.Cli.Output;

namespace Herald.Cli.Commands;

/// <summary><c>herald verify ADDRESS</c>: asks the server about an address with VRFY (RFC 5321 §3.5) and prints the reply.</summary>
internal static class VerifyCommand
{
    /// <summary>Creates the command.</summary>
    /// <param name="env">The process environment.</param>
    public static Command Create(CliEnvironment env)
    {
        var address = new Argument<string>("ADDRESS") { Description = "The address or user name to verify." };
        var connection = new ConnectionOptions(withAuth: true);
        var command = new Command("verify",
            "Ask the server whether it knows an address (VRFY) and print its reply. Many servers answer 252 " +
            "(\"cannot verify, but will try\") or refuse VRFY altogether.");
        var json = CommandActions.JsonOption();
        command.Arguments.Add(address);
        connection.AddTo(command);
        command.Options.Add(json);
        CommandActions.SetReported(command, env, json, async (result, report, cancellationToken) =>
        {
            string target = result.GetRequiredValue(address);
            if (target.AsSpan().ContainsAny('\r', '\n', '\0') || target.Trim().Length == 0)
            {
                throw CliException.Usage("ADDRESS must be a non-empty single line.");
            }
            if (report is not null)
            {
                report["address"] = target;
            }
            var settings = connection.Resolve(result, env);
            var server = ConnectionOptions.RequireServer(settings, "verify");
            using var smtp = new Smtp();
            var plan = connection.Apply(result, smtp, server, env, settings);
            return await ServerSession.RunAsync(smtp, plan, env, cancellationToken, async () =>
            {
                await smtp.VerifyAsync(target, cancellationToken).ConfigureAwait(false);
                if (report is null)
                {
                    env.Out.WriteLine(smtp.LastReply.Replace("\r\n", Environment.NewLine, StringComparison.Ordinal));
                }
                else
                {
                    report["reply"] = JsonReport.Reply(smtp.LastReply); // before QUIT replaces it
                }
            }, report: report).ConfigureAwait(false);
        });
        return command;
    }
}
