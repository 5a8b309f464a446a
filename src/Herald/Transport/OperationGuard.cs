using System.Net.Sockets;

namespace Herald.Transport;

/// <summary>Why an operation was stopped before it finished.</summary>
internal enum StopReason
{
    /// <summary>Not stopped.</summary>
    None,
    /// <summary>The Timeout (or ConnectionTimeout) passed.</summary>
    Timeout,
    /// <summary>Interrupt was called.</summary>
    Interrupted,
    /// <summary>The caller's CancellationToken was cancelled.</summary>
    Cancelled,
}

/// <summary>
/// Watches one public method call: it owns the cancellation token every I/O call receives, runs the inactivity or
/// absolute timeout, and turns <c>Interrupt()</c> into cancellation. When the token fires it also runs an abort
/// action (closing the socket), because a blocking <c>Stream.Read</c> does not observe cancellation tokens; the one
/// mechanism therefore stops sync and async calls alike.
/// </summary>
internal sealed class OperationGuard : IDisposable
{
    private readonly CancellationTokenSource _cts;
    private readonly CancellationToken _callerToken;
    private readonly CancellationTokenRegistration _registration;
    private readonly bool _absolute;
    private readonly string _absoluteName;
    private readonly string _interruptedBy;
    private readonly object _gate = new();
    private TimeSpan _limit;
    private volatile bool _interrupted;
    private Action? _abort;
    private bool _fired;
    private Exception? _namedStop;   // the last stop error made with a step named in it, kept as is by callers above

    /// <summary>Starts watching a call.</summary>
    /// <param name="timeoutSeconds">The Timeout in seconds; 0 means no limit.</param>
    /// <param name="absolute">True when the limit bounds the whole call rather than each period of inactivity.</param>
    /// <param name="callerToken">The token the caller passed to an async method.</param>
    /// <param name="absoluteName">The caller's name for the setting that makes the limit absolute, quoted when such a
    /// limit passes.</param>
    public OperationGuard(int timeoutSeconds, bool absolute, CancellationToken callerToken, string absoluteName = "absolute timeout")
        : this(TimeSpan.FromSeconds(Math.Max(0, timeoutSeconds)), absolute, callerToken, absoluteName)
    {
    }

    /// <summary>Starts watching a call.</summary>
    /// <param name="timeout">The limit; zero means none.</param>
    /// <param name="absolute">True when the limit bounds the whole call rather than each period of inactivity.</param>
    /// <param name="callerToken">The token the caller passed to an async method.</param>
    /// <param name="absoluteName">The caller's name for the setting that makes the limit absolute, quoted when such a
    /// limit passes.</param>
    /// <param name="interruptedBy">What interrupts a call in the caller's words, for the 301 message (a clause such as
    /// "Interrupt was called").</param>
    public OperationGuard(TimeSpan timeout, bool absolute, CancellationToken callerToken, string absoluteName = "absolute timeout",
        string interruptedBy = "Interrupt was called")
    {
        _absoluteName = absoluteName;
        _interruptedBy = interruptedBy;
        _callerToken = callerToken;
        _absolute = absolute;
        _cts = CancellationTokenSource.CreateLinkedTokenSource(callerToken);
        _registration = _cts.Token.UnsafeRegister(static s => ((OperationGuard)s!).OnCancelled(), this);
        SetLimit(timeout);
    }

    /// <summary>The token to pass to every I/O call.</summary>
    public CancellationToken Token => _cts.Token;

    /// <summary>Why the call was stopped, if it was.</summary>
    public StopReason Reason =>
        !_cts.IsCancellationRequested ? StopReason.None
        : _interrupted ? StopReason.Interrupted
        : _callerToken.IsCancellationRequested ? StopReason.Cancelled
        : StopReason.Timeout;

    /// <summary>
    /// Changes the limit (used to apply ConnectionTimeout to the connect phase and Timeout afterwards) and restarts it.
    /// </summary>
    /// <param name="timeoutSeconds">Seconds; 0 means no limit.</param>
    public void SetLimit(int timeoutSeconds) => SetLimit(TimeSpan.FromSeconds(Math.Max(0, timeoutSeconds)));

    /// <summary>
    /// Changes the limit (used to apply ConnectionTimeout to the connect phase and Timeout afterwards) and restarts it.
    /// </summary>
    /// <param name="timeout">The new limit; zero (or less) means no limit.</param>
    public void SetLimit(TimeSpan timeout)
    {
        _limit = timeout > TimeSpan.Zero ? timeout : Timeout.InfiniteTimeSpan;
        if (!_cts.IsCancellationRequested)
        {
            _cts.CancelAfter(_limit);
        }
    }

    /// <summary>Records progress: an inactivity timeout starts counting again.</summary>
    public void Touch()
    {
        if (!_absolute && _limit != Timeout.InfiniteTimeSpan && !_cts.IsCancellationRequested)
        {
            _cts.CancelAfter(_limit);
        }
    }

    /// <summary>Sets what to do when the call is stopped (normally: close the socket). Runs at once if already stopped.</summary>
    /// <param name="abort">The abort action, or null to clear it.</param>
    public void SetAbortAction(Action? abort)
    {
        bool runNow;
        lock (_gate)
        {
            _abort = abort;
            runNow = _fired && abort is not null;
        }
        if (runNow)
        {
            abort!();
        }
    }

    /// <summary>Stops the call with error 301.</summary>
    public void Interrupt()
    {
        _interrupted = true;
        try
        {
            _cts.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The call already finished.
        }
    }

    /// <summary>Throws the error for the stop reason when the call has been stopped.</summary>
    public void ThrowIfStopped()
    {
        if (_cts.IsCancellationRequested)
        {
            throw StoppedException(null)!;
        }
    }

    /// <summary>
    /// When the call was stopped, returns the exception that says why (301, 201 or the caller's cancellation);
    /// otherwise null. When <paramref name="inner"/> is an exception this guard made earlier with a step named in it
    /// (a lower layer that knew better what it was doing, such as a proxy handshake), that one is returned unchanged.
    /// </summary>
    /// <param name="inner">The I/O exception the stop caused, kept as the inner exception.</param>
    /// <param name="during">What the call was doing, e.g. "while waiting for the server's greeting", or "".</param>
    public Exception? StoppedException(Exception? inner, string during = "")
    {
        if (inner is not null && ReferenceEquals(inner, Volatile.Read(ref _namedStop)) && Reason != StopReason.None)
        {
            return inner;
        }
        var stopped = MakeStoppedException(inner, during);
        if (stopped is not null && during.Length > 0)
        {
            Volatile.Write(ref _namedStop, stopped);
        }
        return stopped;
    }

    private Exception? MakeStoppedException(Exception? inner, string during) => Reason switch
    {
        StopReason.Interrupted => new SmtpException(SmtpErrorCodes.Interrupted,
            $"The operation was interrupted ({_interruptedBy}){during}; the connection was closed.", inner),
        StopReason.Cancelled => new OperationCanceledException($"The operation was cancelled{during}; the connection was closed.", inner, _callerToken),
        StopReason.Timeout => new SmtpException(SmtpErrorCodes.Timeout, _absolute
            ? $"The operation timed out{during}: it did not finish within {Describe(_limit)} ({_absoluteName}); the connection was closed."
            : $"The operation timed out{during}: nothing was received from or sent to the server for {Describe(_limit)}; " +
              "the connection was closed.", inner),
        _ => null,
    };

    /// <summary>A limit in words: whole seconds as "N seconds", anything finer in milliseconds.</summary>
    private static string Describe(TimeSpan limit) =>
        limit.Ticks % TimeSpan.TicksPerSecond == 0
            ? $"{(long)limit.TotalSeconds} seconds"
            : $"{(long)limit.TotalMilliseconds} milliseconds";

    private void OnCancelled()
    {
        Action? abort;
        lock (_gate)
        {
            _fired = true;
            abort = _abort;
        }
        try
        {
            abort?.Invoke();
        }
        catch (Exception e) when (e is ObjectDisposedException or SocketException or IOException)
        {
            // Closing an already-broken connection.
        }
    }

    /// <summary>Stops the timer.</summary>
    public void Dispose()
    {
        _registration.Dispose();
        _cts.Dispose();
    }
}
