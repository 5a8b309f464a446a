using System.CommandLine;
using Herald.Cli.Options;

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
        command.Arguments.Add(address);
        connection.AddTo(command);
        CommandActions.Set(command, env, async (result, cancellationToken) =>
        {
            string target = result.GetRequiredValue(address);
            if (target.AsSpan().ContainsAny('\r', '\n', '\0') || target.Trim().Length == 0)
            {
                throw CliException.Usage("ADDRESS must be a non-empty single line.");
            }
            var server = connection.RequireServer(result, env, "verify");
            using var smtp = new Smtp();
            var plan = connection.Apply(result, smtp, server, env);
            return await ServerSession.RunAsync(smtp, plan, env, cancellationToken, async () =>
            {
                await smtp.VerifyAsync(target, cancellationToken).ConfigureAwait(false);
                env.Out.WriteLine(smtp.LastReply.Replace("\r\n", Environment.NewLine, StringComparison.Ordinal));
            }).ConfigureAwait(false);
        });
        return command;
    }
}
