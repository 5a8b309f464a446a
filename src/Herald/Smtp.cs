using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using Herald.Engine;
using Herald.Transport;

namespace Herald;

/// <summary>
/// An SMTP client component: set the server, sender, recipients and message, then call <see cref="Send"/> (or
/// <see cref="SendAsync"/>). Every method has a synchronous form and an <c>XxxAsync(..., CancellationToken)</c> twin;
/// both run the same code. Events report the protocol trace, progress and non-fatal errors. Failures throw
/// <see cref="SmtpException"/> with a numeric <see cref="SmtpException.Code"/>.
/// </summary>
/// <remarks>
/// One method runs at a time per component (a second call while one runs fails with code 166). Events fire on the
/// thread that runs the method. <see cref="Interrupt"/> may be called from any thread or from an event handler.
/// </remarks>
public partial class Smtp : IDisposable, IEngineEvents
{
    private EngineSettings _settings = new();
    private SmtpEngine _engine;
    private int _busy;                         // 1 while a method runs
    private volatile OperationGuard? _current; // the running method's guard, for Interrupt
    private bool _disposed;

    /// <summary>Creates a component with every property at its default.</summary>
    public Smtp()
    {
        _engine = new SmtpEngine(_settings, this);
    }

    /// <summary>The settings the engine reads (tests replace the transport through it).</summary>
    internal EngineSettings Settings => _settings;

    /// <summary>The engine behind this component.</summary>
    internal SmtpEngine Engine => _engine;

    /// <summary>Closes the connection (without QUIT) and releases it.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the connection.</summary>
    /// <param name="disposing">True when called from <see cref="Dispose()"/>.</param>
    protected virtual void Dispose(bool disposing)
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        if (!disposing)
        {
            return;
        }
        if (Interlocked.CompareExchange(ref _busy, 1, 0) == 0)
        {
            _engine.Dispose(); // idle: close now (the component stays "busy": it is finished)
        }
        else
        {
            // A call is running on another thread: stop it; it closes the connection as it ends, so the buffers it is
            // using are not returned to the pool under its feet.
            _current?.Interrupt();
        }
    }

    /// <summary>Marks the component busy for one method call and sets up its timeout/interrupt guard.</summary>
    private OperationScope Begin(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (Interlocked.CompareExchange(ref _busy, 1, 0) != 0)
        {
            throw new SmtpException(SmtpErrorCodes.Busy,
                "Another method is still running on this component; wait for it to finish (or call Interrupt) first.");
        }
        var guard = new OperationGuard(_settings.Timeout, _settings.AbsoluteTimeout, cancellationToken);
        _current = guard;
        return new OperationScope(this, guard);
    }

    private readonly struct OperationScope(Smtp owner, OperationGuard guard) : IDisposable
    {
        public OperationGuard Guard => guard;

        public void Dispose()
        {
            owner._current = null;
            guard.Dispose();
            if (owner._disposed)
            {
                owner._engine.Dispose(); // the component was disposed while this call ran
            }
            else
            {
                Volatile.Write(ref owner._busy, 0);
            }
        }
    }

    /// <summary>Completes a ValueTask that the synchronous adapter has already finished.</summary>
    private static void Finish(ValueTask task)
    {
        Debug.Assert(task.IsCompleted, "The synchronous path must complete without waiting.");
        task.GetAwaiter().GetResult();
    }

    private static T Finish<T>(ValueTask<T> task)
    {
        Debug.Assert(task.IsCompleted, "The synchronous path must complete without waiting.");
        return task.GetAwaiter().GetResult();
    }

    private void EnsureNotConnected(int code, string property)
    {
        if (_engine.IsConnected)
        {
            throw new SmtpException(code, $"{property} cannot change while connected; call Disconnect first.");
        }
    }

    // ---- IEngineEvents: the engine's reports become this component's events ----

    bool IEngineEvents.WantsTrace => OnPITrail is not null;

    void IEngineEvents.OnTrace(TraceDirection direction, string message) =>
        OnPITrail?.Invoke(this, new SmtpPITrailEventArgs((int)direction, message));

    void IEngineEvents.OnConnectionStatus(string connectionEvent, int statusCode, string description) =>
        OnConnectionStatus?.Invoke(this, new SmtpConnectionStatusEventArgs(connectionEvent, statusCode, description));

    void IEngineEvents.OnStartTransfer() => OnStartTransfer?.Invoke(this, new SmtpStartTransferEventArgs(0));

    bool IEngineEvents.WantsTransfer => OnTransfer is not null;

    void IEngineEvents.OnTransfer(long bytesTransferred, int percentDone, ReadOnlyMemory<byte> chunk) =>
        OnTransfer?.Invoke(this, new SmtpTransferEventArgs(0, bytesTransferred, percentDone, chunk));

    void IEngineEvents.OnEndTransfer() => OnEndTransfer?.Invoke(this, new SmtpEndTransferEventArgs(0));

    void IEngineEvents.OnError(int errorCode, string description) =>
        OnError?.Invoke(this, new SmtpErrorEventArgs(errorCode, description));

    void IEngineEvents.OnSslStatus(string message) => OnSSLStatus?.Invoke(this, new SmtpSSLStatusEventArgs(message));

    bool IEngineEvents.OnServerCertificate(X509Certificate2 certificate, string status, bool accept, X509Chain? chain)
    {
        if (_acceptAnyServerCert && !accept)
        {
            // Config AcceptAnyServerCert: the documented (and insecure) override; say loudly that it was used.
            OnSSLStatus?.Invoke(this, new SmtpSSLStatusEventArgs(
                $"WARNING: accepting a server certificate that failed validation ({status}) because AcceptAnyServerCert is True."));
            accept = true;
        }
        var handler = OnSSLServerAuthentication;
        if (handler is null)
        {
            return accept;
        }
        var args = new SmtpSSLServerAuthenticationEventArgs(CertificatePem(certificate, chain), certificate.RawData,
            certificate.Subject, certificate.Issuer, status, accept);
        handler(this, args);
        return args.Accept;
    }

    private string CertificatePem(X509Certificate2 certificate, X509Chain? chain)
    {
        if (!_settings.Tls.IncludeCertChain || chain is null || chain.ChainElements.Count == 0)
        {
            return certificate.ExportCertificatePem();
        }
        var sb = new System.Text.StringBuilder();
        foreach (var element in chain.ChainElements)
        {
            sb.Append(element.Certificate.ExportCertificatePem()).Append('\n');
        }
        return sb.ToString();
    }
}
