using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Herald.Cli.Capture;

/// <summary>
/// Herald's local capture server: an SMTP server on 127.0.0.1 that accepts every message and saves it as an
/// <c>.eml</c> file instead of delivering it. <c>herald send</c> uses it when no server is configured, and
/// <c>herald capture</c> runs it for testing other programs. It serves several clients at once and never relays.
/// </summary>
internal sealed class CaptureServer : IAsyncDisposable
{
    private readonly CaptureServerOptions _options;
    private readonly CaptureStore _store;
    private readonly TcpListener _listener;
    private readonly TcpListener? _tlsListener; // the implicit-TLS port, when there is one
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<long, Task> _sessions = new();
    private Task _acceptLoop = Task.CompletedTask;
    private long _nextSession;
    private int _stopped;

    private CaptureServer(CaptureServerOptions options, CaptureStore store, TcpListener listener, TcpListener? tlsListener)
    {
        _options = options;
        _store = store;
        _listener = listener;
        _tlsListener = tlsListener;
    }

    /// <summary>Fires on the session's thread each time a message has been saved (before the client hears 250).</summary>
    public event Action<CapturedMessage>? MessageSaved;

    /// <summary>Fires when a session ends with an unexpected error, or with a <see cref="CaptureTlsException"/> when a
    /// client's TLS handshake failed (the server keeps running).</summary>
    public event Action<Exception>? SessionFailed;

    /// <summary>The address the server listens on (127.0.0.1 and the actual port).</summary>
    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndpoint;

    /// <summary>The implicit-TLS address (127.0.0.1 and the actual port), or null when there is none.</summary>
    public IPEndPoint? ImplicitTlsEndPoint => (IPEndPoint?)_tlsListener?.LocalEndpoint;

    /// <summary>The folder messages are saved in (full path).</summary>
    public string Directory => _store.Directory;

    /// <summary>Creates the capture folder, binds 127.0.0.1 and starts accepting clients.</summary>
    /// <param name="options">Where to listen and save.</param>
    /// <returns>The running server; dispose it (or call <see cref="StopAsync"/>) to stop.</returns>
    /// <exception cref="IOException">The capture folder cannot be created.</exception>
    /// <exception cref="UnauthorizedAccessException">The capture folder cannot be created.</exception>
    /// <exception cref="SocketException">A port cannot be bound (for example it is in use).</exception>
    /// <exception cref="ArgumentException">An implicit-TLS port is asked for without a certificate.</exception>
    public static CaptureServer Start(CaptureServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.ImplicitTlsPort is not null && options.TlsCertificate is null)
        {
            throw new ArgumentException("An implicit-TLS port needs a TLS certificate.", nameof(options));
        }
        var store = new CaptureStore(options.Directory);
        // Loopback only: the server accepts anything from anyone it can hear, so only this machine may reach it.
        var listener = new TcpListener(IPAddress.Loopback, options.Port);
        listener.Start();
        TcpListener? tlsListener = null;
        if (options.ImplicitTlsPort is int tlsPort)
        {
            try
            {
                tlsListener = new TcpListener(IPAddress.Loopback, tlsPort);
                tlsListener.Start();
            }
            catch
            {
                listener.Stop();
                throw;
            }
        }
        var server = new CaptureServer(options, store, listener, tlsListener);
        server._acceptLoop = tlsListener is null
            ? server.AcceptLoopAsync(listener, implicitTls: false)
            : Task.WhenAll(server.AcceptLoopAsync(listener, implicitTls: false), server.AcceptLoopAsync(tlsListener, implicitTls: true));
        return server;
    }

    /// <summary>Stops accepting, tells connected clients the server is going away (421) and waits for their sessions.</summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            await _acceptLoop.ConfigureAwait(false);
            return;
        }
        await _stopping.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        _tlsListener?.Stop();
        await _acceptLoop.ConfigureAwait(false);
        await Task.WhenAll(_sessions.Values).ConfigureAwait(false);
        _stopping.Dispose();
    }

    /// <inheritdoc cref="StopAsync"/>
    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    private async Task AcceptLoopAsync(TcpListener listener, bool implicitTls)
    {
        while (!_stopping.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException
                                          && _stopping.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                // A connection that failed between SYN and accept; keep listening.
                continue;
            }
            long id = Interlocked.Increment(ref _nextSession);
            var session = ServeAsync(id, client, implicitTls);
            _sessions[id] = session;
            if (session.IsCompleted)
            {
                // It finished before it was registered, so its own clean-up found nothing to remove.
                _sessions.TryRemove(id, out _);
            }
        }
    }

    private async Task ServeAsync(long id, TcpClient client, bool implicitTls)
    {
        await Task.Yield(); // run the session off the accept loop
        try
        {
            using (client)
            {
                client.NoDelay = true;
                var stream = client.GetStream();
                if (_sessions.Count > _options.MaxSessions)
                {
                    // On the implicit-TLS port a plaintext 421 would only confuse the client's TLS layer: just close.
                    if (!implicitTls)
                    {
                        await stream.WriteAsync("421 4.7.0 Too many connections, try again later\r\n"u8.ToArray(), _stopping.Token)
                            .ConfigureAwait(false);
                    }
                    return;
                }
                var session = new CaptureSession(stream, _options, _store, OnSaved, implicitTls);
                await session.RunAsync(_stopping.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The client went away or the server is stopping; either way this session is over.
        }
        catch (Exception e)
        {
            SessionFailed?.Invoke(e);
        }
        finally
        {
            _sessions.TryRemove(id, out _);
        }
    }

    private void OnSaved(CapturedMessage message)
    {
        try
        {
            MessageSaved?.Invoke(message);
        }
        catch (Exception e)
        {
            // A faulty listener must not cost the client its message: the file is already saved.
            SessionFailed?.Invoke(e);
        }
    }
}
