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
/// A plain text goes as the component's message text (streamed from its file when large); with attachments, inline
/// images or HTML the message is an <see cref="EmailMessage"/> (SendCommand.Content.cs); <c>--message</c> sends a ready
/// message as it is, without its Bcc fields.
/// </summary>
internal static partial class SendCommand
{
    /// <summary>The sender used when capturing and no --from is given.</summary>
    public const string CaptureSender = "herald@localhost";

    /// <summary>Creates the command.</summary>
    /// <param name="env">The process environment.</param>
    public static Command Create(CliEnvironment env)
    {
        var from = new Option<string?>("--from")
        {
            HelpName = "ADDRESS",
            Description = $"The sender, e.g. \"Jane <jane@example.com>\" (required with a server; {CaptureSender} when capturing). "
                          + "Falls back to $HERALD_FROM, then to the account's from.",
        };
        var to = AddressOption("--to", "A recipient (To). Repeat it, or give a comma-separated list.");
        var cc = AddressOption("--cc", "A copy recipient (Cc). Repeat it, or give a comma-separated list.");
        var bcc = AddressOption("--bcc", "A blind-copy recipient (Bcc: in no header). Repeat it, or give a comma-separated list.");
        var subject = new Option<string?>("--subject")
        {
            HelpName = "TEXT",
            Description = "The subject line.",
        };
        var body = new Option<string?>("--body")
        {
            HelpName = "TEXT",
            Description = "The message text. Without --body or --body-file, the text is read from stdin when it is not a terminal.",
        };
        var bodyFile = new Option<string?>("--body-file")
        {
            HelpName = "FILE",
            Description = "Read the message text (UTF-8) from FILE; \"-\" reads stdin. A large body is streamed, never held in "
                          + "memory, with a progress bar when stderr is a terminal.",
        };
        var header = new Option<string[]>("--header")
        {
            HelpName = "\"NAME: VALUE\"",
            Description = "Add a header line, e.g. \"X-Campaign: spring\". Repeatable.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var text = new Option<string?>("--text")
        {
            HelpName = "FILE",
            Description = "The plain-text part (UTF-8) from FILE (\"-\": stdin); with --html the two go as alternatives.",
        };
        var html = new Option<string?>("--html")
        {
            HelpName = "FILE",
            Description = "An HTML part (UTF-8) from FILE (\"-\": stdin); with a plain text (--text, --body, --body-file) the "
                          + "reader shows whichever it prefers (multipart/alternative).",
        };
        var attach = new Option<string[]>("--attach")
        {
            HelpName = "FILE[;type=T][;name=N]",
            Description = "Attach FILE, streamed from disk. The content type comes from the extension unless ;type= gives it; "
                          + ";name= sets the file name the recipient sees. Repeatable.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var inline = new Option<string[]>("--inline")
        {
            HelpName = "FILE[;type=T][;name=N]",
            Description = "Add FILE as an inline part the HTML shows with <img src=\"cid:NAME\">, NAME being the file name (or "
                          + ";name=). Repeatable.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var message = new Option<string?>("--message")
        {
            HelpName = "FILE",
            Description = "Send FILE (\"-\": stdin), a complete RFC 5322 message with its own headers, as it is, its Bcc lines "
                          + "removed. The recipients come from its To, Cc and Bcc headers unless --to, --cc or --bcc are given.",
        };
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
        command.Options.Add(from);
        command.Options.Add(to);
        command.Options.Add(cc);
        command.Options.Add(bcc);
        command.Options.Add(subject);
        command.Options.Add(body);
        command.Options.Add(bodyFile);
        command.Options.Add(header);
        command.Options.Add(text);
        command.Options.Add(html);
        command.Options.Add(attach);
        command.Options.Add(inline);
        command.Options.Add(message);
        command.Options.Add(captureDir);
        connection.AddTo(command);
        command.Options.Add(json);

        CommandActions.SetReported(command, env, json, async (result, report, cancellationToken) =>
        {
            var toList = AddressList.Parse(result.GetValue(to), "--to");
            var ccList = AddressList.Parse(result.GetValue(cc), "--cc");
            var bccList = AddressList.Parse(result.GetValue(bcc), "--bcc");
            var parts = new Parts(result.GetValue(body), result.GetValue(bodyFile), result.GetValue(text), result.GetValue(html),
                (result.GetValue(attach) ?? []).Select(v => AttachmentSpec.Parse(v, "--attach")).ToList(),
                (result.GetValue(inline) ?? []).Select(v => AttachmentSpec.Parse(v, "--inline")).ToList());
            string? messageFile = result.GetValue(message);
            CheckCombination(result, parts, messageFile, [subject, body, bodyFile, text, html, attach, inline, header]);
            if (messageFile is null && toList.Count + ccList.Count + bccList.Count == 0)
            {
                throw CliException.Usage("No recipient: give at least one --to (or --cc/--bcc) ADDRESS.");
            }
            var headers = HeaderLine.Parse(result.GetValue(header));
            string? subjectText = result.GetValue(subject);
            if (subjectText is not null && subjectText.AsSpan().ContainsAny('\r', '\n', '\0'))
            {
                throw CliException.Usage("--subject must be a single line.");
            }
            var settings = connection.Resolve(result, env, from);
            var server = ConnectionOptions.ResolveServer(settings);
            var senderSetting = settings.Get("from");
            string? sender = senderSetting?.Value;
            if (senderSetting is not null && Parses(senderSetting) != 1)
            {
                throw new CliException(EffectiveSettings.ExitCodeFor(senderSetting.Level),
                    $"{senderSetting.Source} takes exactly one address, not \"{sender}\".");
            }
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
            if (server is not null && sender is null && messageFile is null)
            {
                throw CliException.Usage("Sending through a server needs a sender: --from ADDRESS (or HERALD_FROM, or from in " +
                                         "the account).");
            }

            // A ready message is opened first: its headers may name the sender and the recipients.
            using var raw = messageFile is null ? null : await RawMessage.OpenAsync(messageFile, "--message", env, null,
                cancellationToken).ConfigureAwait(false);
            if (raw is not null)
            {
                var envelope = Envelope(raw, messageFile == "-" ? "--message -" : "--message " + messageFile);
                sender ??= envelope.Sender;
                if (toList.Count + ccList.Count + bccList.Count == 0)
                {
                    toList = envelope.Recipients.Count > 0 ? envelope.Addresses
                        : throw CliException.Usage($"--message {messageFile}: the message names no recipient (no To, Cc or Bcc " +
                                                   "header); give them with --to ADDRESS.");
                }
                if (server is not null && sender is null)
                {
                    throw CliException.Usage($"--message {messageFile}: the message has no From header; give the sender with " +
                                             "--from ADDRESS (or HERALD_FROM, or from in the account).");
                }
            }

            using var smtp = new Smtp();
            using var outgoing = raw is not null ? await Outgoing.RawAsync(raw, smtp, cancellationToken).ConfigureAwait(false)
                : parts.Composed ? Outgoing.Composed(ComposeMessage(parts, sender ?? CaptureSender, toList, ccList, bccList, subjectText,
                    headers, env), smtp)
                : Outgoing.Text(SetText(smtp, parts, subjectText, headers, env));

            smtp.From = sender ?? CaptureSender;
            if (toList.Count > 0)
            {
                smtp.SendTo = string.Join(", ", toList);
            }
            else
            {
                smtp.Config("AllowEmptyTo=True"); // only Cc/Bcc recipients
            }
            if (ccList.Count > 0)
            {
                smtp.Cc = string.Join(", ", ccList);
            }
            if (bccList.Count > 0)
            {
                smtp.BCc = string.Join(", ", bccList);
            }
            var problems = new List<string>();
            smtp.OnError += (_, e) =>
            {
                problems.Add(e.Description);
                env.Warn(e.Description);
            };
            var recipients = toList.Concat(ccList).Concat(bccList).Select(AddressList.AddrSpec).ToArray();

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

    private static int Parses(Setting sender)
    {
        try
        {
            return AddressList.Parse([sender.Value], sender.Source).Count;
        }
        catch (CliException e) when (sender.Level == EffectiveSettings.File)
        {
            throw new CliException(ExitCodes.Config, e.Message, e);
        }
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

    private static Option<string[]> AddressOption(string name, string description) => new(name)
    {
        HelpName = "ADDRESS",
        Description = description,
        Arity = ArgumentArity.ZeroOrMore,
    };

    private static string OneLine(string reply) => reply.Replace("\r\n", " / ", StringComparison.Ordinal);
}
