using System.Threading.Channels;
using Herald.Delivery;
using Herald.Engine;
using Herald.Message;
using Herald.Message.Mime;
using Herald.Security.Tls;
using Herald.Transport;
using Herald.Transport.Proxies;
using Microsoft.Extensions.Logging;

namespace Herald;

/// <summary>
/// Sends many messages to one server over a few connections, as applications that send mail mostly do
/// (notifications, receipts, newsletters). Thread-safe: call <see cref="SendAsync(EmailMessage, CancellationToken)"/>
/// from anywhere, as often as needed; each call returns when its message is settled.
/// </summary>
/// <remarks>
/// <para>Messages waiting for the same connection are pipelined across message boundaries: the end of one message
/// and the envelope of the next travel in one write, so a busy connection needs one round trip per message
/// (CHUNKING servers get small messages whole, MAIL, RCPT and BDAT LAST in one write).</para>
/// <para>Up to <see cref="SmtpPoolOptions.MaxConnections"/> connections open as work arrives; an idle one closes
/// after <see cref="SmtpPoolOptions.IdleTimeout"/>, and one that sat idle is checked with NOOP before reuse. A 421
/// or a dropped connection is followed by a new connection.</para>
/// <para>Transient failures (4xx replies, a connection that fails before the end of the data was sent) are retried
/// with exponential backoff and jitter; permanent ones (5xx) never. A message whose end was sent but whose reply never
/// came is reported as <see cref="DeliveryStatus.MayHaveBeenDelivered"/> and not sent again. A recipient refused
/// for now while others were accepted gets a later attempt of its own.</para>
/// </remarks>
public sealed class SmtpPool : IAsyncDisposable, IDisposable
{
    private readonly Channel<PoolRequest> _queue = Channel.CreateUnbounded<PoolRequest>(
        new UnboundedChannelOptions { SingleReader = false, SingleWriter = false });
    private readonly System.Collections.Concurrent.ConcurrentQueue<PoolRequest> _again = new(); // to retry at once
    private readonly CancellationTokenSource _closing = new();
    private readonly object _gate = new();
    private readonly List<Task> _workers = [];
    private int _active;
    private bool _paused;
    private volatile bool _disposed;

    /// <summary>Creates a pool; nothing connects until the first message.</summary>
    /// <param name="options">The settings; the pool keeps a copy.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="SmtpException">10022: a setting is invalid (no host, a port out of range, a proxy URL that
    /// cannot be read, a CA file that holds no certificate); 303: the CA file cannot be read.</exception>
    public SmtpPool(SmtpPoolOptions options)
        : this(options, null)
    {
    }

    /// <summary>Creates a pool that logs to <paramref name="logger"/>; nothing connects until the first message.</summary>
    /// <param name="options">The settings; the pool keeps a copy.</param>
    /// <param name="logger">Where the pool's connections log (see <see cref="Logger"/>), or null for nowhere.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="SmtpException">As <see cref="SmtpPool(SmtpPoolOptions)"/>.</exception>
    public SmtpPool(SmtpPoolOptions options, ILogger? logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        Settings = options.Clone();
        Logger = logger;
        EngineOptions = PoolSettings.ToEngineOptions(Settings);
        Limiter = new RateLimiter(Settings.MaxMessagesPerSecond);
        Retry = new RetryPolicy(Settings.MaxAttempts, Settings.RetryBaseDelay, Settings.RetryMaxDelay);
    }

    /// <summary>
    /// Where the pool's connections log, or null: the protocol trace at <see cref="LogLevel.Trace"/> (secrets masked;
    /// message data never), the pool's notes at <see cref="LogLevel.Debug"/>, each connection, TLS session,
    /// authentication and accepted message (with its queue id) at <see cref="LogLevel.Information"/>, rejected
    /// recipients and transient refusals at <see cref="LogLevel.Warning"/>, other failures at <see cref="LogLevel.Error"/>,
    /// each with the server and port as fields. It is given to the constructor rather than kept in
    /// <see cref="SmtpPoolOptions"/>, whose settings all bind from configuration. Metrics and traces go to the
    /// <c>Herald</c> meter and activity source (see <see cref="Diagnostics.HeraldTelemetry"/>).
    /// </summary>
    public ILogger? Logger { get; }

    internal SmtpPoolOptions Settings { get; }

    internal EngineOptions EngineOptions { get; }

    internal RateLimiter Limiter { get; }

    internal RetryPolicy Retry { get; }

    internal ChannelReader<PoolRequest> Queue => _queue.Reader;

    /// <summary>True when a request is waiting.</summary>
    internal bool HasWork => !_again.IsEmpty || _queue.Reader.TryPeek(out _);

    /// <summary>Takes the next request: first those whose connection failed under them, then the queue in order.</summary>
    internal bool TryTake([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out PoolRequest? request) =>
        _again.TryDequeue(out request) || _queue.Reader.TryRead(out request);

    /// <summary>
    /// Sends <paramref name="message"/> (MIME, streamed from its parts) to its To, Cc and Bcc recipients, with the
    /// envelope sender from its ReturnPath, Sender or From, and returns when it is settled. Server refusals do not
    /// throw: the result says what happened to each recipient.
    /// </summary>
    /// <param name="message">The message. Do not change it, or send it elsewhere, until the task completes.</param>
    /// <param name="cancellationToken">Drops the message if it fires before an attempt starts.</param>
    /// <returns>The result.</returns>
    /// <exception cref="SmtpException">164: the message has no sender; 165: no recipient; 10022: an address is
    /// malformed.</exception>
    /// <exception cref="ObjectDisposedException">The pool was disposed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired first.</exception>
    public Task<DeliveryResult> SendAsync(EmailMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var addresses = message.GetEnvelope();
        var recipients = new List<EnvelopeRecipient>(addresses.To.Count + addresses.Cc.Count + addresses.Bcc.Count);
        foreach (var a in addresses.To)
        {
            recipients.Add(new EnvelopeRecipient(a, RecipientKind.To, ""));
        }
        foreach (var a in addresses.Cc)
        {
            recipients.Add(new EnvelopeRecipient(a, RecipientKind.Cc, ""));
        }
        foreach (var a in addresses.Bcc)
        {
            recipients.Add(new EnvelopeRecipient(a, RecipientKind.Bcc, ""));
        }
        // Every attempt writes the same message: the Date, Message-ID and MIME boundaries of the first one.
        var first = DateTimeOffset.Now;
        string? id = null;
        IReadOnlyList<string>? boundaries = null;
        return Enqueue(new Envelope(addresses.ReversePath, recipients), caps =>
        {
            var source = MimeMessageSource.Create(message, new MimeWriterOptions
            {
                EightBitMime = caps.EightBitMime,
                GeneratedId = id,
                Boundaries = boundaries,
                Clock = () => first,
            });
            id ??= source.MessageId;
            boundaries ??= source.Boundaries;
            return source;
        }, cancellationToken);
    }

    /// <summary>
    /// Sends a complete message (headers and body, as RFC 5322 text) from <paramref name="message"/> unchanged, with
    /// the given envelope, and returns when it is settled. The stream is read from its position to its end; a stream
    /// that can seek is read again for a retry, one that cannot gets no retry once it has been read. It is not
    /// closed.
    /// </summary>
    /// <param name="from">The envelope sender (MAIL FROM), or "" for the null reverse path.</param>
    /// <param name="recipients">The envelope recipients (RCPT TO).</param>
    /// <param name="message">The message.</param>
    /// <param name="cancellationToken">Drops the message if it fires before an attempt starts.</param>
    /// <returns>The result.</returns>
    /// <exception cref="SmtpException">165: no recipient; 10022: an address is malformed or contains a line break.</exception>
    /// <exception cref="ObjectDisposedException">The pool was disposed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired first.</exception>
    public Task<DeliveryResult> SendAsync(string from, IEnumerable<string> recipients, Stream message,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(recipients);
        ArgumentNullException.ThrowIfNull(message);
        if (!message.CanRead)
        {
            throw new ArgumentException("The message stream must be readable.", nameof(message));
        }
        string reversePath = from.Trim() is "" or "<>" ? "" : AddressParser.ParseOne(from, "The sender").Address;
        var list = recipients.Select(r => new EnvelopeRecipient(AddressParser.ParseOne(r, "A recipient").Address, RecipientKind.To, ""))
            .ToList();
        long start = message.CanSeek ? message.Position : -1;
        int attempt = 0;
        return Enqueue(new Envelope(reversePath, list), _ =>
        {
            if (attempt++ > 0)
            {
                if (start < 0)
                {
                    throw new InvalidOperationException("The message stream cannot seek, so it cannot be read again for a retry.");
                }
                message.Position = start;
            }
            return new StreamMessageSource([], message, closeAfter: false);
        }, cancellationToken);
    }

    /// <summary>
    /// Sends <paramref name="content"/> (a complete message that writes itself, for example through a MIME library)
    /// with the given envelope, and returns when it is settled. The content is written again for a retry.
    /// </summary>
    /// <param name="from">The envelope sender (MAIL FROM), or "" for the null reverse path.</param>
    /// <param name="recipients">The envelope recipients (RCPT TO).</param>
    /// <param name="content">The message.</param>
    /// <param name="cancellationToken">Drops the message if it fires before an attempt starts.</param>
    /// <returns>The result.</returns>
    /// <exception cref="SmtpException">165: no recipient; 10022: an address is malformed or contains a line break.</exception>
    /// <exception cref="ObjectDisposedException">The pool was disposed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired first.</exception>
    public Task<DeliveryResult> SendAsync(string from, IEnumerable<string> recipients, MessageContent content,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(recipients);
        ArgumentNullException.ThrowIfNull(content);
        string reversePath = from.Trim() is "" or "<>" ? "" : AddressParser.ParseOne(from, "The sender").Address;
        var list = recipients.Select(r => new EnvelopeRecipient(AddressParser.ParseOne(r, "A recipient").Address, RecipientKind.To, ""))
            .ToList();
        return Enqueue(new Envelope(reversePath, list), _ => new PushMessageSource(content), cancellationToken);
    }

    private Task<DeliveryResult> Enqueue(Envelope envelope, Func<Protocol.Capabilities, MessageSource> createSource,
        CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        if (envelope.Recipients.Count == 0)
        {
            throw new SmtpException(SmtpErrorCodes.NoRecipient, "The message has no recipient.");
        }
        var request = new PoolRequest(envelope, createSource, cancellationToken);
        if (!_queue.Writer.TryWrite(request))
        {
            throw new ObjectDisposedException(nameof(SmtpPool));
        }
        EnsureWorkers();
        return request.Task;
    }

    /// <summary>
    /// Settles or retries a request after an attempt (<paramref name="job"/>), or after a connection that could not
    /// be opened (null).
    /// </summary>
    internal void Reschedule(PoolRequest request, MailJob? job)
    {
        var remaining = job is null ? request.Original : request.Record(job);
        if (remaining is null)
        {
            request.Finish(job, retriesExhausted: false);
            return;
        }
        if (!Retry.MayRetry(request.Attempts) || (_disposed && _queue.Reader.Completion.IsCompleted))
        {
            request.Finish(job, retriesExhausted: true);
            return;
        }
        if (job is { Outcome: JobOutcome.Deferred, Failure: not null })
        {
            // The connection failed under the message, not the message itself: it goes first on the next connection.
            _again.Enqueue(request);
            EnsureWorkers();
            return;
        }
        _ = RetryLaterAsync(request, job, Retry.DelayAfter(request.Attempts));
    }

    private async Task RetryLaterAsync(PoolRequest request, MailJob? job, TimeSpan delay)
    {
        try
        {
            await Task.Delay(delay, _closing.Token).ConfigureAwait(false);
            if (_queue.Writer.TryWrite(request))
            {
                EnsureWorkers();
                return;
            }
        }
        catch (OperationCanceledException)
        {
            // The pool closed during the wait.
        }
        request.Finish(job, retriesExhausted: true);
    }

    /// <summary>Holds new connections back until <see cref="Resume"/>, so that a test can queue several messages
    /// before the first connection takes any.</summary>
    internal void Pause()
    {
        lock (_gate)
        {
            _paused = true;
        }
    }

    /// <summary>Lets connections start again.</summary>
    internal void Resume()
    {
        lock (_gate)
        {
            _paused = false;
        }
        EnsureWorkers();
    }

    /// <summary>Starts connections while there is queued work and fewer than the maximum are running.</summary>
    private void EnsureWorkers()
    {
        lock (_gate)
        {
            while (!_paused && _active < Settings.MaxConnections && (_active == 0 || Waiting > _active) && HasWork
                   && !(_disposed && _queue.Reader.Completion.IsCompleted && _again.IsEmpty))
            {
                _active++;
                _workers.RemoveAll(t => t.IsCompleted);
                _workers.Add(Task.Run(RunWorkerAsync));
            }
        }
    }

    private int Waiting => _again.Count + _queue.Reader.Count;

    private async Task RunWorkerAsync()
    {
        try
        {
            await new PoolConnection(this).RunAsync(_closing.Token).ConfigureAwait(false);
        }
        finally
        {
            lock (_gate)
            {
                _active--;
            }
            if (HasWork)
            {
                EnsureWorkers();
            }
        }
    }

    /// <summary>
    /// Stops taking messages, sends what is already queued, finishes the messages that wait for a retry as
    /// <see cref="DeliveryStatus.Failed"/>, and closes the connections (QUIT).
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _queue.Writer.TryComplete();
        Task[] workers;
        lock (_gate)
        {
            workers = [.. _workers];
        }
        await Task.WhenAll(workers).ConfigureAwait(false);
        await _closing.CancelAsync().ConfigureAwait(false);
        while (TryTake(out var left))
        {
            left.Abort(new ObjectDisposedException(nameof(SmtpPool), "The pool was closed before the message could be sent."));
        }
        _closing.Dispose();
    }

    /// <summary>As <see cref="DisposeAsync"/>, waiting for it.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();
}
