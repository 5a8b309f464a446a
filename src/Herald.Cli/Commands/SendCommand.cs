using System.CommandLine;
using Herald.Cli.Capture;
using Herald.Cli.Options;

namespace Herald.Cli.Commands;

/// <summary>
/// <c>herald send</c>: builds a message from the options and sends it with the library's <see cref="Smtp"/> component,
/// to the given server or, when none is configured, to the built-in capture server, which saves it as an .eml file.
/// </summary>
internal static class SendCommand
{
    /// <summary>The sender used when capturing and no --from is given.</summary>
    public const string CaptureSender = "herald@localhost";

    /// <summary>Creates the command.</summary>
    /// <param name="env">The process environment.</param>
    public static Command Create(CliEnvironment env)
    {
        var message = new MessageOptions(
            $"The sender, e.g. \"Jane <jane@example.com>\" (required with a server; {CaptureSender} when capturing).");
        var captureDir = new Option<string?>("--capture-dir")
        {
            HelpName = "DIR",
            Description = "Where the capture server saves messages when no server is configured "
                          + "(default $HERALD_CAPTURE_DIR, else $XDG_DATA_HOME/herald/capture).",
        };
        var connection = new ConnectionOptions(withAuth: true);

        var command = new Command("send",
            "Send a message. With no --server and no $HERALD_SERVER, it goes to Herald's local capture server and is " +
            "saved as an .eml file instead: nothing leaves this machine.\n\n" +
            "Examples:\n" +
            "  herald send --to you@example.com --subject Hello --body \"Hi\"\n" +
            "  herald send --server smtp.example.com:587 --user me@example.com --password-env SMTP_PASSWORD \\\n" +
            "      --from me@example.com --to you@example.com --subject Report --body-file report.txt");
        message.AddTo(command);
        command.Options.Add(captureDir);
        connection.AddTo(command);

        CommandActions.Set(command, env, async (result, cancellationToken) =>
        {
            var input = message.Read(result);
            var server = connection.ResolveServer(result, env);
            string? sender = input.Sender;
            if (server is not null && result.GetValue(captureDir) is not null)
            {
                throw CliException.Usage("--capture-dir only applies when no server is configured (no --server, no HERALD_SERVER).");
            }
            if (server is null && connection.RemoteOnlyOptionsGiven(result).ToArray() is { Length: > 0 } remote)
            {
                throw CliException.Usage(
                    $"{string.Join(", ", remote)} need a server, but none is configured (no --server, no HERALD_SERVER).");
            }
            if (server is not null && sender is null)
            {
                throw CliException.Usage("Sending through a server needs a sender: --from ADDRESS.");
            }
            string text = message.ReadBody(result, env);

            using var smtp = new Smtp();
            input.ApplyTo(smtp, sender ?? CaptureSender, text);
            var problems = new List<string>();
            smtp.OnError += (_, e) =>
            {
                problems.Add(e.Description);
                env.Warn(e.Description);
            };
            var recipients = input.Recipients;

            if (server is null)
            {
                return await CaptureAsync(smtp, result, connection, result.GetValue(captureDir) ?? CapturePaths.Default(env), env,
                    cancellationToken).ConfigureAwait(false);
            }
            var plan = connection.Apply(result, smtp, server, env);
            string reply = "";
            int code = await ServerSession.RunAsync(smtp, plan, env, cancellationToken, async () =>
            {
                await smtp.SendAsync(cancellationToken).ConfigureAwait(false);
                reply = OneLine(smtp.LastReply); // the reply to the message data, before QUIT replaces it
            }).ConfigureAwait(false);
            if (code == ExitCodes.Ok)
            {
                // A recipient the server refused without stopping the send (a Bcc, by default) is reported by
                // OnError with its address in angle brackets; leave it out of the "sent to" list.
                var refused = recipients
                    .Where(r => problems.Exists(p => p.Contains($"<{r}>", StringComparison.OrdinalIgnoreCase)))
                    .ToArray();
                env.Out.WriteLine($"Sent to {string.Join(", ", recipients.Except(refused))} via {plan.Display}: {reply}");
                if (refused.Length > 0)
                {
                    env.Error.WriteLine($"herald: not delivered to {string.Join(", ", refused)} (refused by the server, see above).");
                }
            }
            return code;
        });
        return command;
    }

    private static async Task<int> CaptureAsync(Smtp smtp, ParseResult result, ConnectionOptions connection, string directory,
        CliEnvironment env, CancellationToken cancellationToken)
    {
        CaptureServer server;
        try
        {
            server = CaptureServer.Start(new CaptureServerOptions { Directory = directory });
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.CannotCreate, $"Cannot use the capture folder {directory}: {e.Message}", e);
        }
        await using (server.ConfigureAwait(false))
        {
            CapturedMessage? saved = null;
            server.MessageSaved += m => saved = m;
            smtp.MailServer = server.EndPoint.Address.ToString();
            smtp.MailPort = server.EndPoint.Port;
            smtp.SSLStartMode = SmtpSSLStartModes.sslNone;
            connection.ApplyCommon(result, smtp, env);
            // Real SMTP over loopback, through the same library code a real server would see.
            await smtp.ConnectAsync(cancellationToken).ConfigureAwait(false);
            await smtp.SendAsync(cancellationToken).ConfigureAwait(false);
            await smtp.DisconnectAsync(cancellationToken).ConfigureAwait(false);
            if (saved is null)
            {
                throw new CliException(ExitCodes.Software, "The capture server accepted the message but reported no file.");
            }
            env.Out.WriteLine($"No server configured: delivered to Herald's local capture server on {server.EndPoint}; " +
                              "nothing left this machine.");
            env.Out.WriteLine($"Saved: {saved.Path}");
            return ExitCodes.Ok;
        }
    }

    private static string OneLine(string reply) => reply.Replace("\r\n", " / ", StringComparison.Ordinal);
}
