using System.Diagnostics;

namespace Herald.Cli.Load;

/// <summary>What a load run sends.</summary>
/// <param name="Count">How many messages.</param>
/// <param name="Connections">The most connections open at once.</param>
/// <param name="BodyBytes">The body size of each message.</param>
/// <param name="Rate">The most messages started per second, or 0 for no limit.</param>
/// <param name="From">The envelope sender.</param>
/// <param name="Recipients">The envelope recipients of every message.</param>
/// <param name="Window">How many messages are handed to the pool at once (and so wait for a result together).</param>
internal sealed record LoadPlan(int Count, int Connections, int BodyBytes, double Rate, string From, IReadOnlyList<string> Recipients,
    int Window);

/// <summary>
/// Sends a load run's messages through an <see cref="SmtpPool"/> as an application with many messages would:
/// <see cref="LoadPlan.Window"/> sends outstanding at any time, each followed by the next as soon as it has its
/// result, so the pool always has messages waiting to pipeline. Counts results as they come, for the progress display,
/// and measures each message from the call to <see cref="SmtpPool.SendAsync(string, IEnumerable{string}, Stream, CancellationToken)"/>
/// to its result.
/// </summary>
internal sealed class LoadRunner
{
    private readonly SmtpPool _pool;
    private readonly LoadPlan _plan;
    private readonly LoadMessages _messages;
    private readonly long[] _latencies;   // Stopwatch ticks per message (index - 1); 0 until it has a result
    private readonly object _gate = new();
    private readonly Dictionary<LoadErrorKey, LoadErrorGroup> _errors = [];
    private readonly int[] _statuses = new int[Enum.GetValues<LoadStatus>().Length];
    private int _next;
    private int _settled;
    private int _delivered;
    private long _deliveredBytes;

    /// <summary>Prepares a run.</summary>
    /// <param name="pool">The pool to send through; the caller owns it.</param>
    /// <param name="plan">What to send.</param>
    public LoadRunner(SmtpPool pool, LoadPlan plan)
    {
        _pool = pool;
        _plan = plan;
        _messages = new LoadMessages(plan.From, plan.Recipients[0], plan.BodyBytes);
        _latencies = new long[plan.Count];
    }

    /// <summary>The plan.</summary>
    public LoadPlan Plan => _plan;

    /// <summary>Messages that have a result (or were given up) so far.</summary>
    public int Settled => Volatile.Read(ref _settled);

    /// <summary>Messages the server accepted (for at least one recipient) so far.</summary>
    public int Delivered => Volatile.Read(ref _delivered);

    /// <summary>Sends the messages and returns the report. Cancelling stops handing out messages; those already handed
    /// to the pool still get their result, those not yet started are counted as not sent.</summary>
    public async Task<LoadReport> RunAsync(string server, CancellationToken cancellationToken)
    {
        long start = Stopwatch.GetTimestamp();
        var workers = new Task[Math.Min(_plan.Window, _plan.Count)];
        for (int i = 0; i < workers.Length; i++)
        {
            workers[i] = Task.Run(() => WorkAsync(cancellationToken), CancellationToken.None);
        }
        await Task.WhenAll(workers).ConfigureAwait(false);
        var elapsed = Stopwatch.GetElapsedTime(start);
        lock (_gate)
        {
            int notSent = _plan.Count - _settled;
            _statuses[(int)LoadStatus.NotSent] += notSent;
            if (notSent > 0)
            {
                Count(new LoadErrorKey(0, "", LoadStatus.NotSent), notSent, "interrupted before it was sent");
            }
            var latencies = _latencies.Where(t => t > 0).Select(t => t * 1000.0 / Stopwatch.Frequency).Order().ToArray();
            return new LoadReport
            {
                Server = server,
                Plan = _plan,
                Elapsed = elapsed,
                Statuses = _statuses.ToArray(),
                DeliveredBytes = _deliveredBytes,
                LatenciesMs = latencies,
                Errors = [.. _errors.Values.OrderByDescending(g => g.Count).ThenBy(g => g.Key.ReplyCode)],
                Interrupted = cancellationToken.IsCancellationRequested,
            };
        }
    }

    private async Task WorkAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            int index = Interlocked.Increment(ref _next);
            if (index > _plan.Count)
            {
                return;
            }
            using var message = _messages.Open(index);
            long start = Stopwatch.GetTimestamp();
            try
            {
                var result = await _pool.SendAsync(_plan.From, _plan.Recipients, message, cancellationToken).ConfigureAwait(false);
                _latencies[index - 1] = Math.Max(1, Stopwatch.GetTimestamp() - start);
                Record(result, message.Length);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return; // counted as not sent at the end
            }
        }
    }

    private void Record(DeliveryResult result, long bytes)
    {
        var status = result.Status switch
        {
            DeliveryStatus.Delivered => LoadStatus.Delivered,
            DeliveryStatus.PartiallyDelivered => LoadStatus.PartiallyDelivered,
            DeliveryStatus.Refused => LoadStatus.Refused,
            DeliveryStatus.Failed => LoadStatus.Failed,
            _ => LoadStatus.MayHaveBeenDelivered,
        };
        lock (_gate)
        {
            _statuses[(int)status]++;
            if (result.Delivered)
            {
                _deliveredBytes += bytes;
            }
            if (status != LoadStatus.Delivered)
            {
                // The reply that decided: a recipient's refusal when there is one (the refusal of DATA that follows when
                // no recipient is left is its consequence), else the message's own (MAIL, the end of the data). A 503
                // to RCPT only follows a refused MAIL (RFC 5321 §4.1.4), so it is not the cause.
                var refusal = result.Recipients.FirstOrDefault(r => !r.Accepted && r.ReplyCode >= 400 && r.ReplyCode != 503);
                var (code, enhanced, text) = refusal is null
                    ? (result.ReplyCode, result.EnhancedStatusCode, result.ReplyCode > 0 ? result.ReplyText : result.Error)
                    : (refusal.ReplyCode, refusal.EnhancedStatusCode, refusal.ReplyText);
                Count(new LoadErrorKey(code, enhanced, status), 1, text.Length > 0 ? text : result.ToString());
            }
        }
        if (result.Delivered)
        {
            Interlocked.Increment(ref _delivered);
        }
        Interlocked.Increment(ref _settled);
    }

    private void Count(LoadErrorKey key, int count, string example)
    {
        if (!_errors.TryGetValue(key, out var group))
        {
            _errors[key] = group = new LoadErrorGroup(key, OneLine(example));
        }
        group.Count += count;
    }

    private static string OneLine(string text) => text.Replace("\r\n", " / ", StringComparison.Ordinal).Replace('\n', ' ');
}

/// <summary>What became of a message in a load run.</summary>
internal enum LoadStatus
{
    /// <summary>Accepted for every recipient.</summary>
    Delivered,
    /// <summary>Accepted for some recipients.</summary>
    PartiallyDelivered,
    /// <summary>Refused for good (5xx).</summary>
    Refused,
    /// <summary>Failed for now (4xx, or the connection failed) and not tried again.</summary>
    Failed,
    /// <summary>The end of the data went out, its reply never came.</summary>
    MayHaveBeenDelivered,
    /// <summary>Never handed to the server: the run was interrupted first.</summary>
    NotSent,
}

/// <summary>How errors are grouped: by reply code and enhanced status code (0 and "" when no reply came), per outcome.</summary>
internal readonly record struct LoadErrorKey(int ReplyCode, string EnhancedStatusCode, LoadStatus Status);

/// <summary>Messages that ended with the same kind of error, with the first one's reply or error as an example.</summary>
internal sealed class LoadErrorGroup(LoadErrorKey key, string example)
{
    /// <summary>What the messages share.</summary>
    public LoadErrorKey Key { get; } = key;

    /// <summary>The first message's reply text, or its error when no reply came.</summary>
    public string Example { get; } = example;

    /// <summary>How many messages.</summary>
    public int Count { get; set; }
}
