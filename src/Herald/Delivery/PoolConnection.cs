using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using Herald.Engine;
using Herald.Protocol;
using Herald.Transport;

namespace Herald.Delivery;

/// <summary>
/// One connection of a pool and the loop that feeds it: it waits for requests, connects when there is work, sends
/// everything waiting as one pipelined stream, checks a connection that sat idle before using it again, closes it
/// after the idle timeout or the per-connection message limit, and reconnects after a failure.
/// </summary>
internal sealed class PoolConnection : IEngineEvents
{
    private readonly SmtpPool _pool;
    private readonly EngineCall _call;
    private PoolRequest? _held;       // taken from the queue but not yet started (the rate limit said wait)
    private int _sentOnConnection;
    private long _lastUsed;

    public PoolConnection(SmtpPool pool)
    {
        _pool = pool;
        _call = new EngineCall(this);
    }

    /// <summary>Runs until the pool closes, or until the connection has been idle for the idle timeout.</summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        var settings = _pool.Settings;
        // The connection serves every caller: its activities belong under none of them (the caller that happened to
        // start it included). Each message's activity gets its own caller's as parent instead.
        Activity.Current = null;
        try
        {
            while (true)
            {
                if (_held is null && !await WaitForWorkAsync(stopping).ConfigureAwait(false))
                {
                    return;
                }
                var wait = _pool.Limiter.Wait();
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, stopping).ConfigureAwait(false);
                }
                using (var scope = _call.Begin(_pool.EngineOptions, stopping, _pool))
                {
                    if (!await EnsureSessionAsync(scope, stopping).ConfigureAwait(false))
                    {
                        continue;
                    }
                    try
                    {
                        await _call.OnSessionAsync(new AsyncIO(), scope, this, static (io, guard, self) =>
                            self.SendAsync(io, guard)).ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is SmtpException or IOException)
                    {
                        // The jobs in flight were already finished or queued again; the next round reconnects.
                        _call.Engine.CloseConnection();
                        await Task.Delay(_pool.Retry.DelayAfter(1), stopping).ConfigureAwait(false);
                    }
                    _lastUsed = Stopwatch.GetTimestamp();
                    if (_sentOnConnection >= settings.MaxMessagesPerConnection && _call.Engine.IsConnected)
                    {
                        await _call.Engine.DisconnectAsync(new AsyncIO(), scope.Guard).ConfigureAwait(false);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // The pool is closing.
        }
        finally
        {
            _held?.Abort(new ObjectDisposedException(nameof(SmtpPool)));
            _held = null;
            await QuitAsync().ConfigureAwait(false);
            _call.Dispose();
        }
    }

    /// <summary>
    /// Waits until a request is queued. An open connection waits for the idle timeout and is then closed; the loop
    /// ends when there is nothing to do (the pool starts a new one when work arrives).
    /// </summary>
    private async Task<bool> WaitForWorkAsync(CancellationToken stopping)
    {
        var reader = _pool.Queue;
        if (_pool.HasWork)
        {
            return true;
        }
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        idle.CancelAfter(_pool.Settings.IdleTimeout);
        try
        {
            return await reader.WaitToReadAsync(idle.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
        {
            return false; // idle for too long
        }
    }

    /// <summary>Connects when needed, and checks a connection that sat idle; false when there is no session.</summary>
    private async Task<bool> EnsureSessionAsync(EngineCall.Scope scope, CancellationToken stopping)
    {
        var engine = _call.Engine;
        if (engine.IsConnected && Stopwatch.GetElapsedTime(_lastUsed) >= _pool.Settings.HealthCheckAfter)
        {
            try
            {
                await engine.RawCommandAsync(new AsyncIO(), scope.Guard, "NOOP").ConfigureAwait(false);
            }
            catch (Exception e) when (e is SmtpException or IOException or SmtpProtocolException)
            {
                engine.CloseConnection(); // gone stale: open a new one below
            }
        }
        if (engine.IsConnected)
        {
            return true;
        }
        try
        {
            await _call.OnSessionAsync(new AsyncIO(), scope, engine,
                static async (io, guard, e) => { await e.ConnectAsync(io, guard).ConfigureAwait(false); return true; }).ConfigureAwait(false);
            _sentOnConnection = 0;
            return true;
        }
        catch (SmtpException e)
        {
            // The request at the head of the queue pays for the failure with an attempt, so that requests to a server
            // that cannot be reached end after their attempts rather than wait for ever.
            var request = _held ?? (_pool.TryTake(out var r) ? r : null);
            _held = null;
            if (request is not null)
            {
                request.FailedToConnect(e);
                _pool.Reschedule(request, null);
            }
            await Task.Delay(_pool.Retry.DelayAfter(1), stopping).ConfigureAwait(false);
            return false;
        }
    }

    /// <summary>Sends what is queued as one pipelined stream.</summary>
    private async ValueTask<bool> SendAsync<TIO>(TIO io, OperationGuard guard) where TIO : struct, ISmtpIO
    {
        await _call.Engine.SendPipelinedAsync(io, guard, Take, Done, overlap: true).ConfigureAwait(false);
        return true;
    }

    /// <summary>The next job for the pipeline, or null to let it drain.</summary>
    private MailJob? Take()
    {
        while (true)
        {
            if (_sentOnConnection >= _pool.Settings.MaxMessagesPerConnection)
            {
                return null;
            }
            var request = _held;
            _held = null;
            if (request is null && !_pool.TryTake(out request))
            {
                return null;
            }
            if (request.CancellationToken.IsCancellationRequested)
            {
                request.Abort(new OperationCanceledException(request.CancellationToken));
                continue;
            }
            if (!_pool.Limiter.TryTake())
            {
                _held = request;
                return null;
            }
            try
            {
                var job = request.StartAttempt(_call.Engine.Capabilities);
                _sentOnConnection++;
                return job;
            }
            catch (Exception e) when (e is SmtpException or IOException or ObjectDisposedException or InvalidOperationException)
            {
                // The message cannot be made (a file that is gone, a stream that cannot be read again).
                request.FailedToConnect(e);
                request.Finish(null, retriesExhausted: false);
            }
        }
    }

    private void Done(MailJob job) => _pool.Reschedule((PoolRequest)job.Tag!, job);

    private async Task QuitAsync()
    {
        if (!_call.Engine.IsConnected)
        {
            return;
        }
        try
        {
            using var scope = _call.Begin(_pool.EngineOptions with { Timeout = TimeSpan.FromSeconds(5) }, CancellationToken.None, _pool);
            await _call.Engine.DisconnectAsync(new AsyncIO(), scope.Guard).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SmtpException or IOException or ObjectDisposedException)
        {
            _call.Engine.CloseConnection();
        }
    }

    // ---- IEngineEvents: a pool has no events of its own (yet); its logger and certificates follow the pool ----

    Microsoft.Extensions.Logging.ILogger? IEngineEvents.Logger => _pool.Logger;

    bool IEngineEvents.WantsTrace => false;

    void IEngineEvents.OnTrace(TraceDirection direction, string message)
    {
    }

    void IEngineEvents.OnConnectionStatus(string connectionEvent, int statusCode, string description)
    {
    }

    void IEngineEvents.OnStartTransfer()
    {
    }

    bool IEngineEvents.WantsTransfer => false;

    void IEngineEvents.OnTransfer(long bytesTransferred, long dataSent, long dataLength, int percentDone, ReadOnlyMemory<byte> chunk)
    {
    }

    void IEngineEvents.OnEndTransfer()
    {
    }

    void IEngineEvents.OnError(int errorCode, string description)
    {
    }

    void IEngineEvents.OnSslStatus(string message)
    {
    }

    bool IEngineEvents.OnServerCertificate(X509Certificate2 certificate, Security.Tls.ServerCertificateValidation validation,
        bool accept) =>
        accept || _pool.Settings.DangerousAcceptAnyServerCertificate;

    AuthOptions IEngineEvents.OnBeforeAuth(AuthOptions auth, IReadOnlyCollection<string> serverMechanisms) => auth;
}
