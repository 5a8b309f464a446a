using System.CommandLine;
using System.Text.Json.Nodes;
using Herald.Cli.Capture;
using Herald.Cli.Options;
using Herald.Cli.Output;
using Herald.Cli.Profiles;

namespace Herald.Cli.Commands;

/// <summary>
/// <c>herald send</c>: builds a message from the options and sends it with the library's <see cref="Smtp"/> component,
/// to the given server or, when none is configured, to the built-in capture server, which saves it as an .eml file.
/// The message options, and how they become the component's message, are <see cref="MessageOptions"/> and
/// <see cref="MessageInput"/>, which <c>herald queue add</c> shares.
/// </summary>
internal static class SendCommand
{
    /// <summary>The sender used when capturing and no --from is given.</summary>
    public const string CaptureSender = "herald@localhost";

    /// <summary>Creates the command.</summary>
    /// <param name="env">The process environment.</param>
    public static Command Create(CliEnvironment env)
    {
        var message = MessageOptions.ForSend(CaptureSender);
        var captureDir = new Option<string?>("--capture-dir")
        {
            HelpName = "DIR",
            Description = "Where the capture server saves messages when no server is configured "
                          + "(default $HERALD_CAPTURE_DIR, else $XDG_DATA_HOME/herald/capture).",
        };
        var connection = new ConnectionOptions(withAuth: true);
        var json = CommandActions.JsonOption();

        var command = new Command("send",
            "Send a message. With no --server and no $HERALD_SERVER, it goes to Herald's local capture server and is " +
            "saved as an .eml file instead: nothing leaves this machine.\n\n" +
            "Examples:\n" +
            "  herald send --to you@example.com --subject Hello --body \"Hi\"\n" +
            "  herald send --server smtp.example.com:587 --user me@example.com --password-env SMTP_PASSWORD \\\n" +
            "      --from me@example.com --to you@example.com --subject Report --body-file report.txt\n" +
            "  herald send --to you@example.com --subject Report --html report.html --text report.txt --attach q3.pdf\n" +
            "  herald send --message saved.eml");
        message.AddTo(command);
        command.Options.Add(captureDir);
        connection.AddTo(command);
        command.Options.Add(json);

        CommandActions.SetReported(command, env, json, async (result, report, cancellationToken) =>
        {
            var input = message.Read(result);
            var settings = connection.Resolve(result, env, message.From);
            var server = ConnectionOptions.ResolveServer(settings);
            string? sender = MessageOptions.Sender(settings);
            if (server is not null && result.GetValue(captureDir) is not null)
            {
                throw CliException.Usage("--capture-dir only applies when no server is configured (no --server, no HERALD_SERVER, " +
                                         "no account with a server).");
            }
            if (server is null && connection.RemoteOnlyOptionsGiven(result).ToArray() is { Length: > 0 } remote)
            {
                throw CliException.Usage($"{string.Join(", ", remote)} need a server, but none is configured (no --server, " +
                                         "no HERALD_SERVER, no account with a server).");
            }
            if (server is not null && sender is null && input.MessageFile is null)
            {
                throw CliException.Usage("Sending through a server needs a sender: --from ADDRESS (or HERALD_FROM, or from in " +
                                         "the account).");
            }

            using var smtp = new Smtp();
            // A ready message's headers may name the sender (needed with a server) and the recipients.
            using var outgoing = await input.ApplyAsync(smtp, sender, server is null ? CaptureSender : null, env, cancellationToken)
                .ConfigureAwait(false);
            var problems = new List<string>();
            smtp.OnError += (_, e) =>
            {
                problems.Add(e.Description);
                env.Warn(e.Description);
            };
            var recipients = outgoing.Recipients;

            bool trace = result.GetValue(connection.Trace);
            Task Send() => TransferProgress.Wanted(env, outgoing.Total, trace)
                ? TransferProgress.RunAsync(env, smtp, outgoing.Total, outgoing.Position, () => smtp.SendAsync(cancellationToken))
                : smtp.SendAsync(cancellationToken);

            if (server is null)
            {
                return await CaptureAsync(smtp, result, connection, settings, result.GetValue(captureDir) ?? CapturePaths.Default(env),
                    env, report, Send, cancellationToken).ConfigureAwait(false);
            }
            var plan = connection.Apply(result, smtp, server, env, settings);
            string reply = "";
            int code = await ServerSession.RunAsync(smtp, plan, env, cancellationToken, async () =>
            {
                await Send().ConfigureAwait(false);
                reply = smtp.LastReply; // the reply to the message data, before QUIT replaces it
            }, report: report).ConfigureAwait(false);
            // A recipient the server refused without stopping the send (a Bcc, by default) is reported by
            // OnError with its address in angle brackets; leave it out of the "sent to" list.
            var refused = recipients
                .Where(r => problems.Exists(p => p.Contains($"<{r}>", StringComparison.OrdinalIgnoreCase)))
                .ToArray();
            if (report is not null)
            {
                report["captured"] = null;
                report["accepted"] = JsonReport.Array(code == ExitCodes.Ok ? recipients.Except(refused) : []);
                report["rejected"] = new JsonArray([.. refused.Select(r => (JsonNode?)new JsonObject
                {
                    ["address"] = r,
                    ["reason"] = problems.First(p => p.Contains($"<{r}>", StringComparison.OrdinalIgnoreCase)),
                })]);
                report["reply"] = JsonReport.Reply(reply);
            }
            else if (code == ExitCodes.Ok)
            {
                env.Out.WriteLine($"Sent to {string.Join(", ", recipients.Except(refused))} via {plan.Display}: {OneLine(reply)}");
            }
            if (code == ExitCodes.Ok && refused.Length > 0)
            {
                env.Error.WriteLine($"herald: not delivered to {string.Join(", ", refused)} (refused by the server, see above).");
            }
            return code;
        });
        return command;
    }

    private static async Task<int> CaptureAsync(Smtp smtp, ParseResult result, ConnectionOptions connection, EffectiveSettings settings,
        string directory, CliEnvironment env, JsonReport? report, Func<Task> send, CancellationToken cancellationToken)
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
            connection.ApplyCommon(result, smtp, env, settings);
            report?.SetServer($"{server.EndPoint}");
            // Real SMTP over loopback, through the same library code a real server would see.
            await smtp.ConnectAsync(cancellationToken).ConfigureAwait(false);
            await send().ConfigureAwait(false);
            string reply = smtp.LastReply;
            await smtp.DisconnectAsync(cancellationToken).ConfigureAwait(false);
            if (saved is null)
            {
                throw new CliException(ExitCodes.Software, "The capture server accepted the message but reported no file.");
            }
            if (report is not null)
            {
                report["captured"] = saved.Path;
                report["accepted"] = JsonReport.Array(saved.Recipients);
                report["rejected"] = new JsonArray();
                report["reply"] = JsonReport.Reply(reply);
                return ExitCodes.Ok;
            }
            env.Out.WriteLine($"No server configured: delivered to Herald's local capture server on {server.EndPoint}; " +
                              "nothing left this machine.");
            env.Out.WriteLine($"Saved: {saved.Path}");
            return ExitCodes.Ok;
        }
    }

    private static string OneLine(string reply) => reply.Replace("\r\n", " / ", StringComparison.Ordinal);
}
