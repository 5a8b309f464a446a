using Herald.Transport;

namespace Herald.Engine;

/// <summary>
/// One facade's door to its engine, with the rules every facade method follows: one call at a time (a second one
/// fails with 166), a timeout/interrupt/cancellation guard per call, an options snapshot that cannot change while the
/// call runs, connect-if-needed with QUIT afterwards, and one translation of failures into <see cref="SmtpException"/>.
/// A facade method therefore reads: take a snapshot, <see cref="Begin"/>, run the engine operation through
/// <see cref="WithSessionAsync{TIO, TState, T}"/> or <see cref="OnSessionAsync{TIO, TState, T}"/>, raise events.
/// </summary>
internal sealed class EngineCall : IDisposable
{
    private int _busy;                         // 1 while a call runs (or for good, once disposed while idle)
    private volatile OperationGuard? _current; // the running call's guard, for Interrupt
    private volatile bool _disposed;
    private readonly IEngineEvents _events;

    /// <summary>Creates the door and the engine behind it.</summary>
    /// <param name="events">Where the engine reports (the facade).</param>
    public EngineCall(IEngineEvents events)
    {
        _events = events;
        Engine = new SmtpEngine(events);
    }

    /// <summary>The engine.</summary>
    public SmtpEngine Engine { get; }

    /// <summary>True when no call is running.</summary>
    public bool IsIdle => Volatile.Read(ref _busy) == 0;

    /// <summary>Starts a call: marks the facade busy, installs <paramref name="options"/> and starts the guard.</summary>
    /// <param name="options">The options snapshot for this call.</param>
    /// <param name="cancellationToken">The caller's token.</param>
    /// <param name="owner">The facade, named by <see cref="ObjectDisposedException"/>.</param>
    /// <returns>The scope; dispose it when the call ends.</returns>
    /// <exception cref="ObjectDisposedException">The facade was disposed.</exception>
    /// <exception cref="SmtpException">166: another call is running.</exception>
    public Scope Begin(EngineOptions options, CancellationToken cancellationToken, object owner)
    {
        ObjectDisposedException.ThrowIf(_disposed, owner);
        if (Interlocked.CompareExchange(ref _busy, 1, 0) != 0)
        {
            throw new SmtpException(SmtpErrorCodes.Busy,
                "Another method is still running on this component; wait for it to finish (or interrupt it) first.");
        }
        try
        {
            var guard = new OperationGuard(options.Timeout, options.AbsoluteTimeout, cancellationToken, options.Terms.AbsoluteTimeout,
                options.Terms.InterruptedBy);
            Engine.Options = options;
            _current = guard;
            return new Scope(this, guard);
        }
        catch
        {
            Volatile.Write(ref _busy, 0);
            throw;
        }
    }

    /// <summary>
    /// Another engine for the running call, with its options and the facade's events, for a call that needs several
    /// sessions at once (queue workers). Its operations run under guards linked to the call's, so
    /// <see cref="Interrupt"/> stops them too; the caller disposes it.
    /// </summary>
    public SmtpEngine CreateEngine() => new(_events) { Options = Engine.Options };

    /// <summary>Stops the running call (it fails with 301 and closes the connection). Safe from any thread.</summary>
    public void Interrupt() => _current?.Interrupt();

    /// <summary>
    /// Runs <paramref name="operation"/> on a session: when none is open it connects first and ends that session
    /// (QUIT) afterwards, whether the operation succeeded or not; a session opened earlier stays open. Failures come
    /// out translated (timeout, interrupt, I/O) with the step that failed.
    /// </summary>
    /// <typeparam name="TIO">The sync or async adapter.</typeparam>
    /// <typeparam name="TState">What the operation needs, passed without a closure.</typeparam>
    /// <typeparam name="T">The operation's result.</typeparam>
    /// <param name="io">The adapter.</param>
    /// <param name="scope">The call's scope.</param>
    /// <param name="state">Passed to <paramref name="operation"/>.</param>
    /// <param name="operation">The work.</param>
    // Called once or more per message: the box of a call that suspends is pooled rather than allocated each time.
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<T> WithSessionAsync<TIO, TState, T>(TIO io, Scope scope, TState state,
        Func<TIO, OperationGuard, TState, ValueTask<T>> operation) where TIO : struct, ISmtpIO
    {
        var guard = scope.Guard;
        bool opened = false;
        try
        {
            if (!Engine.IsConnected)
            {
                await Engine.ConnectAsync(io, guard).ConfigureAwait(false);
                opened = true;
            }
            try
            {
                return await operation(io, guard, state).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                throw Engine.Translate(e, guard);
            }
        }
        finally
        {
            if (opened)
            {
                // This call opened the session, so it ends it, keeping the reply the caller asked for as the last one.
                await Engine.DisconnectAsync(io, guard, keepLastReply: true).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="operation"/> on the open session (212 when there is none), with failures translated.
    /// </summary>
    /// <typeparam name="TIO">The sync or async adapter.</typeparam>
    /// <typeparam name="TState">What the operation needs.</typeparam>
    /// <typeparam name="T">The operation's result.</typeparam>
    /// <param name="io">The adapter.</param>
    /// <param name="scope">The call's scope.</param>
    /// <param name="state">Passed to <paramref name="operation"/>.</param>
    /// <param name="operation">The work.</param>
    // Called once or more per message: the box of a call that suspends is pooled rather than allocated each time.
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<T> OnSessionAsync<TIO, TState, T>(TIO io, Scope scope, TState state,
        Func<TIO, OperationGuard, TState, ValueTask<T>> operation) where TIO : struct, ISmtpIO
    {
        try
        {
            return await operation(io, scope.Guard, state).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            throw Engine.Translate(e, scope.Guard);
        }
    }

    /// <summary>
    /// Closes the connection (without QUIT) now when idle; when a call is running on another thread, interrupts it
    /// and lets it close the connection as it ends, so the buffers it uses are not returned to the pool under it.
    /// </summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        if (Interlocked.CompareExchange(ref _busy, 1, 0) == 0)
        {
            Engine.Dispose(); // idle: close now (the door stays "busy": it is finished)
        }
        else
        {
            _current?.Interrupt();
        }
    }

    /// <summary>
    /// Ends the session politely, then disposes: when a session is open and no call is running, sends QUIT and waits
    /// for the reply (within the options' timeout; a server that does not answer loses nothing), then closes as
    /// <see cref="Dispose"/> does. When a call is running on another thread, or the options cannot be made, it only
    /// disposes, which interrupts that call.
    /// </summary>
    /// <param name="options">Makes the options snapshot for the QUIT call (the facade's current settings).</param>
    /// <param name="owner">The facade, named by <see cref="ObjectDisposedException"/>.</param>
    public async ValueTask DisposeAsync(Func<EngineOptions> options, object owner)
    {
        if (!_disposed && Engine.IsConnected)
        {
            try
            {
                using var scope = Begin(options(), CancellationToken.None, owner);
                await Engine.DisconnectAsync(new AsyncIO(), scope.Guard).ConfigureAwait(false);
            }
            catch (SmtpException)
            {
                // 166 (a call is running) or a setting that no longer makes valid options: close without QUIT.
            }
        }
        Dispose();
    }

    /// <summary>One running call. Disposing it ends the call.</summary>
    internal readonly struct Scope : IDisposable
    {
        private readonly EngineCall _owner;

        internal Scope(EngineCall owner, OperationGuard guard)
        {
            _owner = owner;
            Guard = guard;
        }

        /// <summary>The call's guard: pass its token to I/O.</summary>
        public OperationGuard Guard { get; }

        /// <summary>Ends the call.</summary>
        public void Dispose()
        {
            _owner._current = null;
            Guard.Dispose();
            if (_owner._disposed)
            {
                _owner.Engine.Dispose(); // disposed while this call ran
            }
            else
            {
                Volatile.Write(ref _owner._busy, 0);
            }
        }
    }
}
