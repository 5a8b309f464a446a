using System.Diagnostics;
using System.Runtime.ExceptionServices;
using Herald.Engine;
using Herald.Transport;

namespace Herald.Queue;

/// <summary>
/// Drains a queue directory: recovers what dead workers left, claims each message that is due, sends it to the
/// recipients still pending, and records the outcome in its journal before anything else happens to it. Several
/// workers of one run, and several processes, can drain one directory: each message is claimed by exactly one. Each
/// worker sends over one session at a time, pipelined across messages (see QueueProcessor.Session.cs).
/// </summary>
/// <remarks>
/// <para>Outcomes: accepted by the server for every pending recipient → deleted (or <c>.sent</c>); some recipients
/// deferred (4xx) → back to <c>.queued</c> for those only; a 4xx or a lost connection → back to <c>.queued</c> with
/// the time of the next attempt (exponential backoff with jitter) until the maximum age, then <c>.failed</c>; a 5xx or
/// a message the server cannot take → <c>.failed</c> with the reason.</para>
/// <para>The attempt (<c>ATTEMPT</c>) is recorded when it first matters: with the end of the data, or with the outcome.
/// A message claimed for a session whose envelope was never answered because the session failed on another message's
/// account goes back unchanged.</para>
/// <para>The end of the data is recorded (<c>DATA-END</c>) just before the bytes that end it go out, and the server's
/// acceptance (<c>DELIVERED</c>) is synced to disk before the file is touched again. A crash or a lost connection
/// between the two is the one case in which a message may reach the server twice: the protocol gives the client no
/// way to know whether a reply it never read was an acceptance (RFC 5321 §4.1.1.4 leaves it to the server, and
/// RFC 1047 describes the duplicates that follow). It is logged as "may have been delivered twice".</para>
/// <para>A run stops taking new messages when its stop token is cancelled (the messages in flight are finished: with
/// pipelining, that can be the next one too) and cuts the messages in flight off when the call is interrupted (they
/// go back to the queue).</para>
/// </remarks>
internal sealed partial class QueueProcessor
{
    private readonly QueueStore _store;
    private readonly QueueOptions _options;
    private readonly IEngineEvents _events;
    private readonly QueueSchedule _schedule;
    private readonly string _worker = $"host={Environment.MachineName} pid={Environment.ProcessId}";

    /// <summary>Creates a processor for one run.</summary>
    /// <param name="store">The directory.</param>
    /// <param name="options">How to run.</param>
    /// <param name="events">Where notes (trace) and per-message errors go.</param>
    /// <param name="schedule">What this process knows of waiting messages (kept between runs).</param>
    public QueueProcessor(QueueStore store, QueueOptions options, IEngineEvents events, QueueSchedule schedule)
    {
        _store = store;
        _options = options;
        _events = events;
        _schedule = schedule;
    }

    private DateTimeOffset Now => _options.Clock.GetUtcNow();

    /// <summary>
    /// Runs until no due message is left, the stop token is cancelled, or (stopping at the first error, or when no
    /// session can be opened) a failure ends it.
    /// </summary>
    /// <param name="io">The I/O adapter.</param>
    /// <param name="call">The facade call's guard: interrupting it cuts off the messages in flight.</param>
    /// <param name="senderFor">Makes worker <c>i</c>'s sender, when that worker first has a message to send.</param>
    /// <param name="stop">Asks the run to stop after the messages in flight.</param>
    /// <exception cref="SmtpException">303 when the directory does not exist; the failure that ended the run.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="stop"/> was cancelled (after the messages in flight).</exception>
    public async ValueTask RunAsync<TIO>(TIO io, OperationGuard call, Func<int, IMessageSender> senderFor, CancellationToken stop)
        where TIO : struct, ISmtpIO
    {
        if (!_store.Exists)
        {
            throw new SmtpException(SmtpErrorCodes.CannotOpenFile, $"The queue directory \"{_store.Directory}\" does not exist.");
        }
        // Each message has its own timeout (see EngineSender); the call's own timer would end a long run.
        call.SetLimit(0);
        var run = new Run(call, stop);
        int workers = Math.Max(1, _options.Workers);
        if (workers == 1)
        {
            await WorkerAsync(io, () => senderFor(0), run).ConfigureAwait(false);
        }
        else if (io.IsAsync)
        {
            var tasks = new Task[workers];
            for (int i = 0; i < workers; i++)
            {
                int index = i;
                tasks[i] = WorkerAsync(io, () => senderFor(index), run).AsTask();
            }
            await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        else
        {
            // Blocking I/O: a thread per extra worker; each completes its work synchronously.
            var threads = new Thread[workers - 1];
            for (int i = 0; i < threads.Length; i++)
            {
                int index = i + 1;
                threads[i] = new Thread(() => RunSynchronously(WorkerAsync(io, () => senderFor(index), run)))
                {
                    IsBackground = true,
                    Name = $"Herald queue worker {index}",
                };
                threads[i].Start();
            }
            RunSynchronously(WorkerAsync(io, () => senderFor(0), run));
            foreach (var thread in threads)
            {
                thread.Join();
            }
        }
        if (run.Error is { } error)
        {
            ExceptionDispatchInfo.Throw(error);
        }
        stop.ThrowIfCancellationRequested();
    }

    private static void RunSynchronously(ValueTask task)
    {
        Debug.Assert(task.IsCompleted, "A synchronous worker must complete without waiting.");
        task.GetAwaiter().GetResult();
    }

    private async ValueTask WorkerAsync<TIO>(TIO io, Func<IMessageSender> createSender, Run run) where TIO : struct, ISmtpIO
    {
        IMessageSender? sender = null;
        try
        {
            // A claim comes first, so that a worker with nothing to send opens no connection.
            while (NextClaim(run) is { } first)
            {
                sender ??= createSender();
                if (!await SessionAsync(io, sender, first, run).ConfigureAwait(false))
                {
                    break;
                }
            }
        }
        catch (Exception e)
        {
            run.Fail(FileError(e));
        }
        finally
        {
            if (sender is not null)
            {
                try
                {
                    await sender.CloseAsync(io, run.Call.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is SmtpException or IOException or OperationCanceledException)
                {
                    Note($"the goodbye to the server failed ({e.Message}).");
                }
            }
        }
    }

    /// <summary>A queue file that cannot be written is reported in the facade's terms, like any other file failure.</summary>
    private Exception FileError(Exception e) => e is IOException or UnauthorizedAccessException
        ? new SmtpException(SmtpErrorCodes.CannotOpenFile, $"A queue file in \"{_store.Directory}\" could not be updated: {e.Message}", e)
        : e;

    // ---- finding the next message ----

    /// <summary>The next message this worker should send, claimed; null when the run is over.</summary>
    private QueueEntry? NextClaim(Run run)
    {
        while (!run.Halted)
        {
            string? id = run.Take(this);
            if (id is null)
            {
                return null;
            }
            QueueEntry? file;
            try
            {
                file = _store.TryClaim(id);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Report(run, new SmtpException(SmtpErrorCodes.CannotOpenFile,
                    $"Cannot claim the queue file \"{_store.PathOf(id, QueueFile.Queued)}\": {e.Message}", e), stopAll: false);
                continue;
            }
            if (file is not null && Prepare(ref file, run))
            {
                return file;
            }
        }
        return null;
    }

    /// <summary>
    /// Settles what a claimed file needs before it is sent: a damaged file fails, a version 1 file is upgraded, a
    /// finished or failed one is moved where it belongs, one not yet due goes back, and an attempt a dead worker left
    /// open is closed. Returns true when the file is to be sent now; otherwise it has been disposed.
    /// </summary>
    private bool Prepare(ref QueueEntry file, Run run)
    {
        var now = Now;
        try
        {
            if (file.Header is null)
            {
                file.MoveTo(QueueFile.Failed);
                Note($"{file.Id} failed: it cannot be read as a queue file ({file.FormatError}).");
                Report(run, new SmtpException(SmtpErrorCodes.CannotOpenFile,
                    $"The queue file \"{_store.PathOf(file.Id, QueueFile.Queued)}\" cannot be sent: {file.FormatError}."), stopAll: false);
                file.Dispose();
                return false;
            }
            if (file.Header.Version < QueueFile.CurrentVersion)
            {
                var upgraded = _store.Upgrade(file);
                if (upgraded is null)
                {
                    return false;
                }
                file = upgraded;
            }
            var state = file.State!;
            if (state.AttemptOpen)
            {
                // A worker died before recording how its attempt ended, and the file came back without recovery
                // (its rename back to .queued was lost): close the attempt as recovery would.
                CloseAbandonedAttempt(file, now);
                state = file.State!;
            }
            if (state.Done)
            {
                Finish(file, $"{file.Id} was already delivered to every recipient; it is finished now.");
                file.Dispose();
                return false;
            }
            if (state.Failed)
            {
                file.MoveTo(QueueFile.Failed);
                file.Dispose();
                return false;
            }
            if (state.NotBefore is { } due && due > now)
            {
                file.MoveTo(QueueFile.Queued);
                _schedule.Remember(file.Id, due);
                file.Dispose();
                return false;
            }
            _schedule.Forget(file.Id);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Report(run, new SmtpException(SmtpErrorCodes.CannotOpenFile, $"Cannot update the queue file \"{file.Path}\": {e.Message}", e),
                stopAll: false);
            file.Dispose();
            return false;
        }
    }

    /// <summary>Takes over the <c>.sending</c> files of dead workers and removes dead writers' temporary files.</summary>
    private void RecoverAbandoned(DateTimeOffset now)
    {
        foreach (var id in _store.ListIds(QueueFile.Sending))
        {
            try
            {
                using var file = _store.TryRecover(id);
                if (file is not null)
                {
                    Recover(file, now);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Note($"could not recover {id}{QueueFile.Sending} ({e.Message}); it is left for a later run.");
            }
        }
        _store.DeleteAbandonedTemporaries();
    }

    private void Recover(QueueEntry file, DateTimeOffset now)
    {
        var state = file.State;
        if (state is null || file.Header!.Version < QueueFile.CurrentVersion)
        {
            // Unreadable or version 1: no journal to consult; the next claim deals with it.
            if (file.MoveTo(QueueFile.Queued))
            {
                Note($"{file.Id} went back to the queue: the worker sending it stopped.");
            }
            return;
        }
        if (state.Done)
        {
            if (File.Exists(file.Path))
            {
                Finish(file, $"{file.Id} had been delivered when the worker sending it stopped; it is finished now.");
            }
            return;
        }
        if (state.Failed)
        {
            file.MoveTo(QueueFile.Failed);
            return;
        }
        // The rename comes first: it succeeds only while the file still has the name this lock was taken under.
        if (!file.MoveTo(QueueFile.Queued))
        {
            return;
        }
        if (state.AttemptOpen)
        {
            CloseAbandonedAttempt(file, now);
        }
        else
        {
            Note($"{file.Id} went back to the queue: the worker that had claimed it stopped before sending it.");
        }
    }

    private void CloseAbandonedAttempt(QueueEntry file, DateTimeOffset now)
    {
        if (file.State!.DataEnded)
        {
            string why = "the worker sending it stopped after the end of the message was sent and before the server's reply " +
                         "was recorded";
            file.Append(durable: true,
                new QueueRecord(now, QueueRecordKind.InDoubt, why),
                new QueueRecord(now, QueueRecordKind.Recovered, "the attempt's worker stopped"));
            Note($"{file.Id} may have been delivered twice: {why}; it goes back to the queue and will be sent again.");
        }
        else
        {
            file.Append(durable: true,
                new QueueRecord(now, QueueRecordKind.Recovered, "the attempt's worker stopped before the end of the message"));
            Note($"{file.Id} went back to the queue: the worker sending it stopped before the end of the message.");
        }
    }

    /// <summary>True when trying again later cannot help: a 5xx, or a message this server cannot take at all.</summary>
    private static bool IsPermanent(Exception error) => error switch
    {
        SmtpException { ReplyCode: >= 500 } => true,
        SmtpException { ReplyCode: >= 400 } => false,
        // SMTPUTF8 or BINARYMIME needed but not offered, a message over the server's SIZE, an address it cannot carry.
        SmtpException { Code: SmtpErrorCodes.NotSupported or SmtpErrorCodes.InvalidArgument or SmtpErrorCodes.CannotOpenFile } => true,
        SmtpException { Code: SmtpErrorCodes.ProtocolError, ReplyCode: 0 } => true,
        _ => false,
    };

    private DateTimeOffset NextAttempt(QueueState state, int attempt, DateTimeOffset now)
    {
        var next = now + _options.RetryDelayAfter(attempt, Random.Shared);
        var deadline = state.AgeBase + _options.MaxAge;
        // The last attempt happens at the deadline, not after it.
        next = next > deadline ? (deadline > now ? deadline : now) : next;
        // Whole milliseconds, as the journal records it, so this process's schedule and the file agree.
        return new DateTimeOffset(next.UtcTicks - next.UtcTicks % TimeSpan.TicksPerMillisecond, TimeSpan.Zero);
    }

    private void Finish(QueueEntry file, string note)
    {
        if (_options.KeepSent)
        {
            file.MoveTo(QueueFile.Sent);
        }
        else
        {
            file.Delete();
        }
        _schedule.Forget(file.Id);
        Note(note);
    }

    /// <summary>A failure of one message: ends the run when stopping at the first error, else reported and passed over.</summary>
    private void Report(Run run, Exception error, bool stopAll)
    {
        if (_options.StopOnError)
        {
            run.Fail(error, stopAll);
        }
        else
        {
            _events.OnError(error is SmtpException se ? se.Code : SmtpErrorCodes.CommunicationError, "Queue: " + error.Message);
        }
    }

    private void Note(string text) => _events.OnTrace(TraceDirection.Info, "Queue: " + text);

    private static string Describe(TimeSpan span) =>
        span.TotalDays >= 1 ? $"{span.TotalDays:0.#} days"
        : span.TotalHours >= 1 ? $"{span.TotalHours:0.#} hours"
        : span.TotalMinutes >= 1 ? $"{span.TotalMinutes:0.#} minutes"
        : $"{span.TotalSeconds:0.#} seconds";

    /// <summary>What the workers of one run share: the list of ids to try, and how the run ends.</summary>
    private sealed class Run(OperationGuard call, CancellationToken stop)
    {
        private readonly object _gate = new();
        private readonly HashSet<string> _tried = new(StringComparer.Ordinal);
        private readonly HashSet<string> _again = new(StringComparer.Ordinal);
        private List<string> _ids = [];
        private int _next;
        private bool _exhausted;
        private volatile bool _halted;

        public OperationGuard Call { get; } = call;

        /// <summary>The failure that ended the run, if one did.</summary>
        public Exception? Error { get; private set; }

        /// <summary>True when no worker should take another message.</summary>
        public bool Halted => _halted || stop.IsCancellationRequested || Call.Token.IsCancellationRequested;

        /// <summary>Records the failure that ends the run (the first one wins); <paramref name="stopAll"/> also stops the
        /// other workers after their messages in flight.</summary>
        public void Fail(Exception error, bool stopAll = true)
        {
            lock (_gate)
            {
                Error ??= error;
            }
            if (stopAll)
            {
                _halted = true;
            }
        }

        /// <summary>
        /// Lets a message that went back to the queue unchanged be taken again in this run (once), ahead of the rest.
        /// </summary>
        public void Again(string id)
        {
            lock (_gate)
            {
                if (_again.Add(id))
                {
                    _ids.Insert(_next, id);
                }
            }
        }

        /// <summary>
        /// The next id to try; when the list is used up, the directory is looked at again (dead workers' files
        /// recovered, new files added), and the run ends when that finds nothing new that is due.
        /// </summary>
        public string? Take(QueueProcessor processor)
        {
            lock (_gate)
            {
                while (true)
                {
                    if (_next < _ids.Count)
                    {
                        string id = _ids[_next++];
                        _tried.Add(id);
                        return id;
                    }
                    if (_exhausted || Halted)
                    {
                        return null;
                    }
                    var now = processor.Now;
                    processor.RecoverAbandoned(now);
                    _ids = processor._store.ListIds(QueueFile.Queued)
                        .Where(id => !_tried.Contains(id) && !processor._schedule.IsWaiting(id, now))
                        .ToList();
                    _next = 0;
                    _exhausted = _ids.Count == 0;
                }
            }
        }
    }
}
