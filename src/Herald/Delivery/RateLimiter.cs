namespace Herald.Delivery;

/// <summary>
/// A token bucket shared by a pool's connections: at most <c>rate</c> messages start per second, with bursts of up to
/// a tenth of a second's worth (at least one).
/// </summary>
internal sealed class RateLimiter(double rate, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly object _gate = new();
    private readonly double _capacity = Math.Max(1, rate / 10);
    private double _tokens = Math.Max(1, rate / 10);
    private long _stamp = (time ?? TimeProvider.System).GetTimestamp();

    /// <summary>True when there is no limit.</summary>
    public bool Unlimited => rate <= 0;

    /// <summary>Takes a token when one is available.</summary>
    public bool TryTake()
    {
        if (Unlimited)
        {
            return true;
        }
        lock (_gate)
        {
            Refill();
            if (_tokens < 1)
            {
                return false;
            }
            _tokens -= 1;
            return true;
        }
    }

    /// <summary>How long until a token is available.</summary>
    public TimeSpan Wait()
    {
        if (Unlimited)
        {
            return TimeSpan.Zero;
        }
        lock (_gate)
        {
            Refill();
            return _tokens >= 1 ? TimeSpan.Zero : TimeSpan.FromSeconds((1 - _tokens) / rate);
        }
    }

    private void Refill()
    {
        long now = _time.GetTimestamp();
        _tokens = Math.Min(_capacity, _tokens + _time.GetElapsedTime(_stamp, now).TotalSeconds * rate);
        _stamp = now;
    }
}
