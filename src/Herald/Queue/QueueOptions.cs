using System.Collections.Concurrent;

namespace Herald.Queue;

/// <summary>How a queue run behaves: what happens to sent and failed messages, how many workers, the retry schedule.</summary>
internal sealed record QueueOptions
{
    /// <summary>Keep sent files (renamed <c>.sent</c>) instead of deleting them.</summary>
    public bool KeepSent { get; init; }

    /// <summary>
    /// Stop the run at the first message that fails (and report that failure); otherwise report each failure and go
    /// on with the next message.
    /// </summary>
    public bool StopOnError { get; init; } = true;

    /// <summary>Messages sent at the same time, each worker over a session of its own.</summary>
    public int Workers { get; init; } = 1;

    /// <summary>The wait before the second attempt; each later wait doubles, up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>The longest wait between attempts.</summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromHours(1);

    /// <summary>How long a message may keep failing transiently before it fails for good.</summary>
    public TimeSpan MaxAge { get; init; } = TimeSpan.FromDays(5);

    /// <summary>The clock (tests replace it).</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>
    /// The wait after attempt <paramref name="attempt"/> failed: <see cref="RetryDelay"/> doubled per earlier
    /// attempt, at most <see cref="MaxRetryDelay"/>, then spread by ±20 % so that messages that failed together (a
    /// server restart) do not all come back at the same moment.
    /// </summary>
    /// <param name="attempt">The attempt that failed (1 for the first).</param>
    /// <param name="random">The jitter source.</param>
    public TimeSpan RetryDelayAfter(int attempt, Random random)
    {
        double seconds = RetryDelay.TotalSeconds * Math.Pow(2, Math.Clamp(attempt - 1, 0, 30));
        seconds = Math.Min(seconds, MaxRetryDelay.TotalSeconds);
        return TimeSpan.FromSeconds(seconds * (0.8 + 0.4 * random.NextDouble()));
    }
}

/// <summary>
/// When messages that this process saw waiting may be tried again, kept between runs over the same directory so that
/// a message not yet due is not claimed only to be put back on every run.
/// </summary>
internal sealed class QueueSchedule
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _notBefore = new(StringComparer.Ordinal);

    /// <summary>The directory the schedule belongs to.</summary>
    public required string Directory { get; init; }

    /// <summary>True when message <paramref name="id"/> is known to wait beyond <paramref name="now"/>.</summary>
    public bool IsWaiting(string id, DateTimeOffset now) => _notBefore.TryGetValue(id, out var time) && time > now;

    /// <summary>Notes that message <paramref name="id"/> waits until <paramref name="notBefore"/>.</summary>
    public void Remember(string id, DateTimeOffset notBefore) => _notBefore[id] = notBefore;

    /// <summary>Forgets message <paramref name="id"/> (it is being sent, or gone).</summary>
    public void Forget(string id) => _notBefore.TryRemove(id, out _);
}
