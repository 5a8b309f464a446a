using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Herald.Cli.Options;
using Herald.Cli.Output;
using Herald.Cli.Profiles;
using Herald.Queue;

namespace Herald.Cli.Commands;

/// <summary>
/// <c>herald queue</c>: a mail queue on disk. <c>add</c> writes a message to it (the same inputs as <c>send</c>),
/// <c>run</c> delivers what is due (<see cref="QueueRunCommand"/>), <c>list</c>, <c>show</c>, <c>retry</c> and
/// <c>purge</c> look after it. The directory comes from <c>--queue-dir</c>, <c>$HERALD_QUEUE_DIR</c>, or
/// <c>$XDG_DATA_HOME/herald/queue</c>.
/// </summary>
internal static class QueueCommand
{
    /// <summary>Creates the command and its subcommands.</summary>
    /// <param name="env">The process environment.</param>
    public static Command Create(CliEnvironment env)
    {
        var command = new Command("queue",
            "A mail queue on disk that loses nothing: 'add' queues a message, 'run' delivers what is due (retrying transient " +
            "failures on a schedule), 'list', 'show', 'retry' and 'purge' look after it. Several 'run' processes can share " +
            "one directory; each message is sent by exactly one. The directory is --queue-dir, else $HERALD_QUEUE_DIR, else " +
            "$XDG_DATA_HOME/herald/queue.");
        command.Subcommands.Add(AddCommand(env));
        command.Subcommands.Add(QueueRunCommand.Create(env));
        command.Subcommands.Add(ListCommand(env));
        command.Subcommands.Add(ShowCommand(env));
        command.Subcommands.Add(RetryCommand(env));
        command.Subcommands.Add(PurgeCommand(env));
        return command;
    }

    /// <summary>The <c>--queue-dir</c> option.</summary>
    public static Option<string?> QueueDirOption() => new("--queue-dir")
    {
        HelpName = "DIR",
        Description = "The queue directory (default $HERALD_QUEUE_DIR, else $XDG_DATA_HOME/herald/queue).",
    };

    /// <summary>The queue directory, created (readable by this user only) when <paramref name="create"/> is set.</summary>
    /// <param name="result">The parsed command line.</param>
    /// <param name="option">The --queue-dir option.</param>
    /// <param name="env">The process environment.</param>
    /// <param name="create">Create it when missing.</param>
    /// <exception cref="CliException">73 when it cannot be created; 66 when it does not exist and is not created.</exception>
    public static string Directory(ParseResult result, Option<string?> option, CliEnvironment env, bool create)
    {
        string directory = Path.GetFullPath(result.GetValue(option) ?? QueuePaths.Default(env));
        if (System.IO.Directory.Exists(directory))
        {
            return directory;
        }
        if (!create)
        {
            throw new CliException(ExitCodes.NoInput, $"There is no queue at {directory} (nothing was queued there yet).");
        }
        try
        {
            // Queued mail is private: only its owner may read the directory.
            if (OperatingSystem.IsWindows())
            {
                System.IO.Directory.CreateDirectory(directory);
            }
            else
            {
                System.IO.Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
            return directory;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.CannotCreate, $"Cannot create the queue directory {directory}: {e.Message}", e);
        }
    }

    private static Command AddCommand(CliEnvironment env)
    {
        var message = MessageOptions.ForQueue();
        var account = ConnectionOptions.AccountOption();
        var queueDir = QueueDirOption();
        var json = CommandActions.JsonOption();
        var command = new Command("add",
            "Queue a message for 'herald queue run' to deliver: the same message options as 'herald send' (text, HTML, " +
            "attachments, inline parts, or a ready message with --message). The message is written whole to the queue " +
            "file, large bodies and attachments streamed, and is on disk (synced) when the command returns; its id is " +
            "printed.\n\n" +
            "Examples:\n" +
            "  herald queue add --from me@example.com --to you@example.com --subject Report --body-file report.txt\n" +
            "  herald queue add --to you@example.com --subject Q3 --html q3.html --text q3.txt --attach q3.pdf\n" +
            "  herald queue add --account work --message saved.eml");
        message.AddTo(command);
        command.Options.Add(account);
        command.Options.Add(queueDir);
        command.Options.Add(json);
        CommandActions.SetReported(command, env, json, async (result, report, cancellationToken) =>
        {
            var input = message.Read(result);
            // Only the sender is a setting here: the server and the rest are decided by 'queue run'.
            var given = new Dictionary<string, string>(StringComparer.Ordinal);
            if (result.GetValue(message.From) is { } from)
            {
                given["from"] = from;
            }
            var settings = EffectiveSettings.Resolve(given, null, result.GetValue(account), env, connection: false);
            string? sender = MessageOptions.Sender(settings);
            if (sender is null && input.MessageFile is null)
            {
                throw CliException.Usage("Queueing a message needs a sender: --from ADDRESS (or HERALD_FROM, or from in the " +
                                         "account).");
            }
            using var smtp = new Smtp();
            using var outgoing = await input.ApplyAsync(smtp, sender, null, env, cancellationToken).ConfigureAwait(false);
            string directory = Directory(result, queueDir, env, create: true);
            string path = await smtp.QueueAsync(directory, cancellationToken).ConfigureAwait(false);
            string id = Path.GetFileNameWithoutExtension(path);
            if (report is not null)
            {
                report["id"] = id;
                report["path"] = path;
                report["directory"] = directory;
                report["recipients"] = JsonReport.Array(outgoing.Recipients);
            }
            else
            {
                env.Out.WriteLine($"Queued {id} in {directory}");
            }
            return ExitCodes.Ok;
        }, "queue add");
        return command;
    }

    private static Command ListCommand(CliEnvironment env)
    {
        var queueDir = QueueDirOption();
        var json = new Option<bool>("--json")
        {
            Description = "Print JSON instead of a table: {\"version\":1,\"directory\":...,\"messages\":[{\"id\",\"state\" " +
                          "(queued|sending|sent|failed),\"beingSent\",\"created\",\"attempts\",\"nextAttempt\",\"lastError\"," +
                          "\"mayHaveBeenDeliveredTwice\",\"from\",\"recipients\":[{\"address\",\"type\" (to|cc|bcc),\"status\" " +
                          "(pending|delivered|rejected),\"lastReply\"}],\"size\",\"path\"}]}; times are UTC (ISO 8601) or null.",
        };
        var command = new Command("list",
            "List the queue, oldest first: id, state, attempts, when the next attempt is due, recipients and the last error.");
        command.Options.Add(queueDir);
        command.Options.Add(json);
        CommandActions.Set(command, env, (result, _) =>
        {
            string directory = Directory(result, queueDir, env, create: false);
            var messages = new MailQueue(directory).List();
            if (result.GetValue(json))
            {
                env.Out.Write(Json(directory, messages));
            }
            else if (messages.Count == 0)
            {
                env.Error.WriteLine($"The queue in {directory} is empty.");
            }
            else
            {
                env.Out.Write(TextTable.Format(["ID", "STATE", "ATTEMPTS", "NEXT ATTEMPT", "TO", "LAST ERROR"],
                    messages.Select(m => new[]
                    {
                        m.Id,
                        StateWord(m),
                        m.IsBeingSent ? "-" : m.Attempts.ToString(CultureInfo.InvariantCulture),
                        m.State != QueuedMessageState.Queued ? "-" : m.NextAttempt is { } next ? Local(next) : "now",
                        m.Recipients.Count == 0 ? "-" : string.Join(", ", m.Recipients.Select(r => r.Address)),
                        Shorten(m.LastError.Length == 0 ? "-" : m.LastError, 70),
                    }), 2));
            }
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }

    private static Command ShowCommand(CliEnvironment env)
    {
        var id = new Argument<string>("ID") { Description = "The message id, as 'herald queue list' shows it." };
        var queueDir = QueueDirOption();
        var command = new Command("show",
            "Show one queued message: its state, recipients with their progress, the history of its attempts, then the " +
            "message itself.");
        command.Arguments.Add(id);
        command.Options.Add(queueDir);
        CommandActions.Set(command, env, (result, _) =>
        {
            string directory = Directory(result, queueDir, env, create: false);
            var queue = new MailQueue(directory);
            string wanted = result.GetValue(id)!;
            var m = queue.Find(wanted) ?? throw new CliException(ExitCodes.NoInput, $"There is no message {wanted} in {directory}.");
            var sb = new StringBuilder();
            sb.Append("Id:        ").Append(m.Id).Append('\n');
            sb.Append("State:     ").Append(StateWord(m)).Append('\n');
            sb.Append("File:      ").Append(m.Path).Append('\n');
            if (m.Created is { } created)
            {
                sb.Append("Queued:    ").Append(Local(created)).Append('\n');
            }
            if (m.IsBeingSent)
            {
                env.Out.Write(sb.Append("(a worker is sending it right now: its details cannot be read until it is done)\n").ToString());
                return Task.FromResult(ExitCodes.Ok);
            }
            sb.Append("Attempts:  ").Append(m.Attempts.ToString(CultureInfo.InvariantCulture)).Append('\n');
            if (m.State == QueuedMessageState.Queued)
            {
                sb.Append("Next:      ").Append(m.NextAttempt is { } next ? Local(next) : "now").Append('\n');
            }
            if (m.LastError.Length > 0)
            {
                sb.Append("Error:     ").Append(m.LastError).Append('\n');
            }
            if (m.MayHaveBeenDeliveredTwice)
            {
                sb.Append("Note:      an attempt ended between the end of the message and the server's reply, so it may have " +
                          "been delivered twice\n");
            }
            sb.Append("From:      <").Append(m.From).Append(">\n");
            foreach (var r in m.Recipients)
            {
                sb.Append(TypeWord(r.Type).ToUpperInvariant().PadRight(4)).Append("       <").Append(r.Address).Append("> ")
                    .Append(StatusWord(r.Status));
                if (r.LastReply.Length > 0)
                {
                    sb.Append(": ").Append(r.LastReply);
                }
                sb.Append('\n');
            }
            sb.Append("Size:      ").Append(m.Size.ToString(CultureInfo.InvariantCulture)).Append(" bytes (format ")
                .Append(m.FormatVersion.ToString(CultureInfo.InvariantCulture)).Append(")\n");
            if (m.History.Count > 0)
            {
                sb.Append("History:\n");
                foreach (var line in m.History)
                {
                    sb.Append("  ").Append(line).Append('\n');
                }
            }
            sb.Append('\n');
            env.Out.Write(sb.ToString());
            using var text = new MemoryStream();
            queue.CopyMessageTo(m.Id, text);
            env.Out.Write(Encoding.UTF8.GetString(text.GetBuffer(), 0, (int)text.Length));
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }

    private static Command RetryCommand(CliEnvironment env)
    {
        var id = new Argument<string?>("ID") { Description = "The id of a failed message.", Arity = ArgumentArity.ZeroOrOne };
        var all = new Option<bool>("--all-failed") { Description = "Put every failed message back." };
        var queueDir = QueueDirOption();
        var command = new Command("retry",
            "Put a failed message (or with --all-failed every one) back in the queue, due now. Its failure, the recipients " +
            "that refused it and its age start over; recipients it was delivered to are not sent to again.");
        command.Arguments.Add(id);
        command.Options.Add(all);
        command.Options.Add(queueDir);
        CommandActions.Set(command, env, (result, _) =>
        {
            string? wanted = result.GetValue(id);
            bool everything = result.GetValue(all);
            if ((wanted is null) == !everything)
            {
                throw CliException.Usage("Give either a message ID or --all-failed.");
            }
            var queue = new MailQueue(Directory(result, queueDir, env, create: false));
            if (everything)
            {
                int count = queue.RetryAllFailed();
                env.Out.WriteLine($"Put {count} failed message{(count == 1 ? "" : "s")} back in the queue.");
                return Task.FromResult(ExitCodes.Ok);
            }
            if (!queue.Retry(wanted!))
            {
                var m = queue.Find(wanted!);
                throw new CliException(ExitCodes.NoInput, m is null
                    ? $"There is no message {wanted} in {queue.Directory}."
                    : $"Message {m.Id} has not failed (it is {StateWord(m)}); only failed messages are put back.");
            }
            env.Out.WriteLine($"Put {wanted} back in the queue.");
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }

    private static Command PurgeCommand(CliEnvironment env)
    {
        var sent = new Option<bool>("--sent") { Description = "Delete the sent messages kept in the queue." };
        var failed = new Option<bool>("--failed") { Description = "Delete the failed messages." };
        var queueDir = QueueDirOption();
        var command = new Command("purge", "Delete the sent (kept with --keep-sent) or failed messages; queued ones are never purged.");
        command.Options.Add(sent);
        command.Options.Add(failed);
        command.Options.Add(queueDir);
        CommandActions.Set(command, env, (result, _) =>
        {
            if (!result.GetValue(sent) && !result.GetValue(failed))
            {
                throw CliException.Usage("Say what to purge: --sent, --failed or both.");
            }
            var queue = new MailQueue(Directory(result, queueDir, env, create: false));
            var which = new[] { (sent, QueuedMessageState.Sent, "sent"), (failed, QueuedMessageState.Failed, "failed") };
            foreach (var (option, state, word) in which)
            {
                if (result.GetValue(option))
                {
                    int count = queue.Purge(state);
                    env.Out.WriteLine($"Deleted {count} {word} message{(count == 1 ? "" : "s")}.");
                }
            }
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }

    /// <summary>The <c>list --json</c> document (its shape is documented in the option's help).</summary>
    internal static string Json(string directory, IReadOnlyList<QueuedMessage> messages)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteNumber("version", 1);
            w.WriteString("directory", directory);
            w.WriteStartArray("messages");
            foreach (var m in messages)
            {
                w.WriteStartObject();
                w.WriteString("id", m.Id);
                w.WriteString("state", m.State.ToString().ToLowerInvariant());
                w.WriteBoolean("beingSent", m.IsBeingSent);
                WriteTime(w, "created", m.Created);
                w.WriteNumber("attempts", m.Attempts);
                WriteTime(w, "nextAttempt", m.NextAttempt);
                w.WriteString("lastError", m.LastError);
                w.WriteBoolean("mayHaveBeenDeliveredTwice", m.MayHaveBeenDeliveredTwice);
                w.WriteString("from", m.From);
                w.WriteStartArray("recipients");
                foreach (var r in m.Recipients)
                {
                    w.WriteStartObject();
                    w.WriteString("address", r.Address);
                    w.WriteString("type", TypeWord(r.Type));
                    w.WriteString("status", StatusWord(r.Status));
                    w.WriteString("lastReply", r.LastReply);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteNumber("size", m.Size);
                w.WriteString("path", m.Path);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length) + "\n";
    }

    private static void WriteTime(Utf8JsonWriter w, string name, DateTimeOffset? time)
    {
        if (time is { } t)
        {
            w.WriteString(name, t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
        }
        else
        {
            w.WriteNull(name);
        }
    }

    private static string StateWord(QueuedMessage m) =>
        m.State.ToString().ToLowerInvariant() + (m.State == QueuedMessageState.Sending && !m.IsBeingSent ? " (worker gone)" : "");

    private static string TypeWord(EmailRecipientTypes type) => type switch
    {
        EmailRecipientTypes.rtCc => "cc",
        EmailRecipientTypes.rtBcc => "bcc",
        _ => "to",
    };

    private static string StatusWord(QueuedRecipientStatus status) => status.ToString().ToLowerInvariant();

    private static string Local(DateTimeOffset time) => time.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    private static string Shorten(string text, int width) => text.Length <= width ? text : text[..(width - 3)] + "...";
}
