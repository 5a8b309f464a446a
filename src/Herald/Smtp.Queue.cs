using System.Text;
using Herald.Engine;
using Herald.Queue;
using Herald.Transport;

namespace Herald;

public partial class Smtp
{
    private QueueSchedule? _queueSchedule; // what the last ProcessQueue learnt about messages waiting to be retried

    /// <summary>The clock Queue and ProcessQueue read (tests replace it).</summary>
    internal TimeProvider QueueClock { get; set; } = TimeProvider.System;

    /// <summary>
    /// Writes the current message (envelope and content) to a new, uniquely named <c>.queued</c> file in
    /// <paramref name="queueDir"/> for a later <see cref="ProcessQueue"/>, and returns the file's full path. The file
    /// is written under a temporary name, synced to disk with its directory and then renamed, so once this returns the
    /// message survives a crash or a power cut, and a half-written file is never sent. With <paramref name="queueDir"/>
    /// "*" nothing is written and the queued content is returned instead. Non-ASCII text is queued as
    /// quoted-printable, since the server that will receive it is not known yet.
    /// </summary>
    /// <param name="queueDir">An existing directory, or "*".</param>
    /// <returns>The path of the new file, or the content for "*".</returns>
    /// <exception cref="SmtpException">164/165 when From or recipients are missing; 303 when the directory does not
    /// exist or cannot be written.</exception>
    public string Queue(string queueDir)
    {
        using var scope = Begin(default);
        return Finish(QueueCoreAsync(new SyncIO(), scope.Guard, queueDir));
    }

    /// <summary>Asynchronous <see cref="Queue"/>.</summary>
    /// <param name="queueDir">An existing directory, or "*".</param>
    /// <param name="cancellationToken">Cancels the write (no partial file is left).</param>
    /// <returns>The path of the new file, or the content for "*".</returns>
    /// <exception cref="SmtpException">As <see cref="Queue"/>.</exception>
    public async Task<string> QueueAsync(string queueDir, CancellationToken cancellationToken = default)
    {
        using var scope = Begin(cancellationToken);
        return await QueueCoreAsync(new AsyncIO(), scope.Guard, queueDir).ConfigureAwait(false);
    }

    /// <summary>
    /// Sends the <c>.queued</c> files in <paramref name="queueDir"/> that are due, oldest first: each is renamed
    /// <c>.sending</c> while in flight, then deleted (or renamed <c>.sent</c> when config KeepQueue is True). A 5xx
    /// reply renames it <c>.failed</c>; a 4xx reply or a lost connection leaves it <c>.queued</c> with the time of its
    /// next attempt, until config QueueMaxAge (then <c>.failed</c>). By default processing stops at the first failure
    /// and throws it; with config QueueStopOnError=False each failure is reported through <see cref="OnError"/> and
    /// processing goes on. Several processes (and config QueueWorkers workers in this one) can process one directory:
    /// each message is sent by exactly one, and the files of a process that died are taken over.
    /// </summary>
    /// <remarks>
    /// When the server offers PIPELINING, each worker sends the messages of its session pipelined (RFC 2920): the next
    /// message is claimed, and its envelope goes out in the same write as the end of the previous one. Stopping
    /// (a failure with QueueStopOnError, or the cancellation token) therefore finishes that next message as well; a
    /// message whose envelope was in flight when the connection was lost on another message's account goes back to the
    /// queue unchanged. A message whose connection was lost after the end of its data was sent and before the server's
    /// reply arrived is sent again; the protocol cannot tell whether that server took it, so it may arrive twice. The
    /// <see cref="OnPITrail"/> notes say so ("may have been delivered twice"). With QueueWorkers above 1 the events
    /// of the workers' sessions can fire on several threads at once.
    /// </remarks>
    /// <param name="queueDir">The queue directory.</param>
    /// <exception cref="SmtpException">303 when the directory does not exist; with QueueStopOnError (the default) the
    /// error of the first failed message; the connection error when no session can be opened; 301 when interrupted
    /// (the messages in flight go back to the queue).</exception>
    public void ProcessQueue(string queueDir)
    {
        using var scope = Begin(default);
        Finish(ProcessQueueCoreAsync(new SyncIO(), scope, queueDir, default));
    }

    /// <summary>Asynchronous <see cref="ProcessQueue"/>.</summary>
    /// <param name="queueDir">The queue directory.</param>
    /// <param name="cancellationToken">Stops processing cleanly: the messages in flight are finished (within Timeout)
    /// and no new one is started; <see cref="Interrupt"/> cuts them off instead.</param>
    /// <exception cref="SmtpException">As <see cref="ProcessQueue"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; thrown once the
    /// messages in flight are finished.</exception>
    public async Task ProcessQueueAsync(string queueDir, CancellationToken cancellationToken = default)
    {
        // The token is a request to stop between messages, so it is not the call's token (which would cut one off).
        using var scope = Begin(default);
        await ProcessQueueCoreAsync(new AsyncIO(), scope, queueDir, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<string> QueueCoreAsync<TIO>(TIO io, OperationGuard guard, string queueDir) where TIO : struct, ISmtpIO
    {
        ArgumentNullException.ThrowIfNull(queueDir);
        ValidateForSend(requireServer: false);
        var envelope = BuildEnvelope("MAIL");
        var source = BuildSource(Protocol.Capabilities.None);
        try
        {
            if (queueDir == "*")
            {
                return Encoding.UTF8.GetString(await QueueStore.FormatAsync(io, envelope, source, QueueClock.GetUtcNow(), guard.Token)
                    .ConfigureAwait(false));
            }
            var store = new QueueStore(queueDir);
            if (!store.Exists)
            {
                throw new SmtpException(SmtpErrorCodes.CannotOpenFile,
                    $"The queue directory \"{queueDir}\" does not exist; create it first.");
            }
            try
            {
                return await store.AddAsync(io, envelope, source, QueueClock.GetUtcNow(), guard.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new SmtpException(SmtpErrorCodes.CannotOpenFile, $"Could not write the queue file in \"{queueDir}\": {e.Message}", e);
            }
        }
        finally
        {
            source.Complete();
        }
    }

    private ValueTask ProcessQueueCoreAsync<TIO>(TIO io, EngineCall.Scope scope, string queueDir, CancellationToken stop)
        where TIO : struct, ISmtpIO
    {
        ArgumentNullException.ThrowIfNull(queueDir);
        var store = new QueueStore(queueDir);
        if (_queueSchedule?.Directory != store.Directory)
        {
            _queueSchedule = new QueueSchedule { Directory = store.Directory };
        }
        var options = new QueueOptions
        {
            KeepSent = _keepQueue,
            StopOnError = _queueStopOnError,
            Workers = _queueWorkers,
            RetryDelay = TimeSpan.FromSeconds(_queueRetryDelay),
            MaxRetryDelay = TimeSpan.FromSeconds(Math.Max(_queueRetryDelay, _queueMaxRetryDelay)),
            MaxAge = TimeSpan.FromSeconds(_queueMaxAge),
            Clock = QueueClock,
        };
        var processor = new QueueProcessor(store, options, this, _queueSchedule);
        // Worker 0 uses this component's session (kept open when Connect opened it); the others get engines of their own.
        return processor.RunAsync(io, scope.Guard,
            worker => worker == 0 ? new EngineSender(Engine, ownsEngine: false) : new EngineSender(_call.CreateEngine(), ownsEngine: true),
            stop);
    }
}
