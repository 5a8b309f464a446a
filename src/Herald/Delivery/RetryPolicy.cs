namespace Herald.Delivery;

/// <summary>
/// Exponential backoff with jitter: the n-th retry waits between half and all of base × 2^(n-1), capped at the
/// maximum, so that many messages deferred together do not come back together.
/// </summary>
internal sealed class RetryPolicy(int maxAttempts, TimeSpan baseDelay, TimeSpan maxDelay)
{
    /// <summary>How many attempts a message gets at most.</summary>
    public int MaxAttempts { get; } = Math.Max(1, maxAttempts);

    /// <summary>True when a message that has had <paramref name="attempts"/> attempts may have another.</summary>
    public bool MayRetry(int attempts) => attempts < MaxAttempts;

    /// <summary>The delay before the attempt that follows attempt number <paramref name="attempts"/>.</summary>
    public TimeSpan DelayAfter(int attempts)
    {
        double full = baseDelay.TotalMilliseconds * Math.Pow(2, Math.Max(0, attempts - 1));
        full = Math.Min(full, maxDelay.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(full * (0.5 + Random.Shared.NextDouble() * 0.5));
    }
}
