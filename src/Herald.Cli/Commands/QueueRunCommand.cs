using System.CommandLine;
using System.Globalization;
using Herald.Cli.Options;

namespace Herald.Cli.Commands;

/// <summary>
/// <c>herald queue run</c>: delivers the queue through a server with the library's <see cref="Smtp.ProcessQueueAsync"/>,
/// once (drain) or as a long-running service (<c>--watch</c>) that picks up new messages as they are queued and retries
/// deferred ones when they are due. Ctrl+C and SIGTERM stop it after the messages in flight.
/// </summary>
internal static class QueueRunCommand
{
    private const string NotePrefix = "Queue: ";

    /// <summary>Creates the command.</summary>
    /// <param name="env">The process environment.</param>
    public static Command Create(CliEnvironment env)
    {
        var connection = new ConnectionOptions(withAuth: true);
        var queueDir = QueueCommand.QueueDirOption();
        var workers = IntOption("--workers", "N", "Messages sent at the same time, each over its own connection (default 1).", 1, 64);
        var watch = new Option<bool>("--watch")
        {
            Description = "Keep running: send messages as they are queued and deferred ones when they are due, until Ctrl+C or " +
                          "SIGTERM (which let the messages in flight finish).",
        };
        var poll = new Option<double?>("--poll")
        {
            HelpName = "SECONDS",
            Description = "With --watch, how often to look for messages whose next attempt has come (default 5); new files " +
                          "are noticed at once.",
        };
        var keepSent = new Option<bool>("--keep-sent")
        {
            Description = "Keep sent messages in the queue (renamed .sent) instead of deleting them.",
        };
        var stopOnError = new Option<bool>("--stop-on-error")
        {
            Description = "Stop at the first message that fails, as the library does by default; without it each failure is " +
                          "reported and the next message is sent.",
        };
        var retryDelay = IntOption("--retry-delay", "SECONDS", "Wait before the second attempt of a deferred message; each later wait " +
                                   "doubles (default 60).", 0, int.MaxValue);
        var maxRetryDelay = IntOption("--max-retry-delay", "SECONDS", "The longest wait between attempts (default 3600).", 0, int.MaxValue);
        var maxAge = IntOption("--max-age", "SECONDS", "How long a message may keep failing transiently before it fails for good " +
                               "(default 432000, five days).", 0, int.MaxValue);
        var command = new Command("run",
            "Deliver the queue through a server: every message that is due, then exit (or keep watching with --watch). A 4xx " +
            "reply or a lost connection leaves a message queued for a later attempt (backoff with jitter, up to --max-age); " +
            "a 5xx fails it. Run several at once on one directory, or use --workers: each message is sent by exactly one. " +
            "Exit code: 0 when everything was sent, 75 when some messages wait for another attempt, 69 when some failed.\n\n" +
            "Example:\n" +
            "  herald queue run --server smtp.example.com:587 --user me@example.com --password-env SMTP_PASSWORD --watch");
        command.Options.Add(queueDir);
        command.Options.Add(workers);
        command.Options.Add(watch);
        command.Options.Add(poll);
        command.Options.Add(keepSent);
        command.Options.Add(stopOnError);
        command.Options.Add(retryDelay);
        command.Options.Add(maxRetryDelay);
        command.Options.Add(maxAge);
        connection.AddTo(command);
        CommandActions.Set(command, env, async (result, cancellationToken) =>
        {
            var settings = connection.Resolve(result, env);
            var server = ConnectionOptions.RequireServer(settings, "queue run");
            double pollSeconds = result.GetValue(poll) ?? 5;
            if (pollSeconds is <= 0 or > 86400 || double.IsNaN(pollSeconds))
            {
                throw CliException.Usage("--poll takes a number of seconds above 0 (and at most a day).");
            }
            if (result.GetResult(poll) is { Implicit: false } && !result.GetValue(watch))
            {
                throw CliException.Usage("--poll only applies with --watch.");
            }
            string directory = QueueCommand.Directory(result, queueDir, env, create: true);
            using var smtp = new Smtp();
            var plan = connection.Apply(result, smtp, server, env, settings);
            smtp.Config("KeepQueue=" + result.GetValue(keepSent));
            smtp.Config("QueueStopOnError=" + result.GetValue(stopOnError));
            Set(smtp, "QueueWorkers", result.GetValue(workers));
            Set(smtp, "QueueRetryDelay", result.GetValue(retryDelay));
            Set(smtp, "QueueMaxRetryDelay", result.GetValue(maxRetryDelay));
            Set(smtp, "QueueMaxAge", result.GetValue(maxAge));
            var tally = new Tally();
            var gate = new object();
            bool tracing = result.GetValue(connection.Trace);
            smtp.OnPITrail += (_, e) =>
            {
                if (e.Direction != 2 || !e.Message.StartsWith(NotePrefix, StringComparison.Ordinal))
                {
                    return;
                }
                string note = e.Message[NotePrefix.Length..];
                lock (gate)
                {
                    tally.Count(note);
                    // One line per outcome; "sending ..." is for the trace, which shows every note already.
                    if (!tracing && !note.StartsWith("sending ", StringComparison.Ordinal))
                    {
                        env.Error.WriteLine("herald: queue: " + note);
                    }
                }
            };
            if (!result.GetValue(watch))
            {
                return await DrainAsync(smtp, plan, directory, tally, env, cancellationToken).ConfigureAwait(false);
            }
            await WatchAsync(smtp, plan, directory, TimeSpan.FromSeconds(pollSeconds), env, cancellationToken).ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static async Task<int> DrainAsync(Smtp smtp, ConnectionPlan plan, string directory, Tally tally, CliEnvironment env,
        CancellationToken cancellationToken)
    {
        try
        {
            await smtp.ProcessQueueAsync(directory, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw new CliException(ExitCodes.TempFail, "Stopped before the queue was drained; the rest stays queued.");
        }
        catch (SmtpException e) when (plan.Explain(e) is { } explained)
        {
            throw explained;
        }
        env.Error.WriteLine($"herald: queue: {tally.Sent} sent, {tally.Deferred} deferred, {tally.Failed} failed.");
        return tally.Failed > 0 ? ExitCodes.Unavailable : tally.Deferred > 0 ? ExitCodes.TempFail : ExitCodes.Ok;
    }

    /// <summary>
    /// Runs the queue again whenever a <c>.queued</c> file appears (a new message, or one put back) and every poll
    /// interval (deferred messages come due), until cancelled. A run that cannot reach the server is retried after a
    /// growing pause (up to a minute), so an unreachable server is not hammered.
    /// </summary>
    private static async Task WatchAsync(Smtp smtp, ConnectionPlan plan, string directory, TimeSpan poll, CliEnvironment env,
        CancellationToken cancellationToken)
    {
        using var changed = new SemaphoreSlim(0, 1);
        void Signal(object sender, FileSystemEventArgs e)
        {
            try
            {
                changed.Release();
            }
            catch (SemaphoreFullException)
            {
                // Already signalled: one more run covers every change so far.
            }
        }
        using var watcher = new FileSystemWatcher(directory, "*.queued")
        {
            NotifyFilter = NotifyFilters.FileName,
            IncludeSubdirectories = false,
        };
        watcher.Created += Signal;
        watcher.Renamed += Signal;
        watcher.EnableRaisingEvents = true;
        env.Error.WriteLine($"herald: queue: watching {directory}, delivering through {plan.Display}; Ctrl+C or SIGTERM stops.");
        int failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await smtp.ProcessQueueAsync(directory, cancellationToken).ConfigureAwait(false);
                failures = 0;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (SmtpException e)
            {
                failures++;
                env.Warn((plan.Explain(e)?.Message ?? e.Message) + (plan.HintFor(e) is { } hint ? " " + hint : ""));
            }
            var pause = failures == 0 ? poll : TimeSpan.FromSeconds(Math.Min(60, poll.TotalSeconds * Math.Pow(2, failures)));
            try
            {
                if (failures == 0)
                {
                    await changed.WaitAsync(pause, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    // The server is failing: new files do not make it come back sooner.
                    await Task.Delay(pause, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        env.Error.WriteLine("herald: queue: stopped.");
    }

    private static void Set(Smtp smtp, string setting, int? value)
    {
        if (value is { } v)
        {
            smtp.Config($"{setting}={v.ToString(CultureInfo.InvariantCulture)}");
        }
    }

    private static Option<int?> IntOption(string name, string helpName, string description, int min, int max)
    {
        var option = new Option<int?>(name) { HelpName = helpName, Description = description };
        option.CustomParser = r =>
        {
            string text = r.Tokens.Count > 0 ? r.Tokens[^1].Value : "";
            if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= min && n <= max)
            {
                return n;
            }
            r.AddError($"{name} takes a whole number from {min} to {max}, not \"{text}\".");
            return null;
        };
        return option;
    }

    /// <summary>What a drain did, counted from the library's notes.</summary>
    private sealed class Tally
    {
        public int Sent { get; private set; }

        public int Deferred { get; private set; }

        public int Failed { get; private set; }

        public void Count(string note)
        {
            // The notes name the message first: "ID sent: ...", "ID deferred until ...", "ID failed: ...",
            // "ID sent to 1 of 2 recipients; the others were deferred ...".
            int space = note.IndexOf(' ', StringComparison.Ordinal);
            string rest = space < 0 ? "" : note[(space + 1)..];
            if (rest.StartsWith("sent: ", StringComparison.Ordinal))
            {
                Sent++;
            }
            else if (rest.StartsWith("sent to ", StringComparison.Ordinal) || rest.StartsWith("deferred until ", StringComparison.Ordinal))
            {
                Deferred++;
            }
            else if (rest.StartsWith("failed: ", StringComparison.Ordinal))
            {
                Failed++;
            }
        }
    }
}
