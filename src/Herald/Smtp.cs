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
public partial class Smtp : IDisposable, IAsyncDisposable, IEngineEvents
{
    private SmtpSettings _settings = new();
    private readonly EngineCall _call;
    private bool _disposed;
    private (X509Certificate2? Source, Certificate Wrapper) _serverCertificate; // SSLServerCert, made once per certificate

    /// <summary>Creates a component with every property at its default.</summary>
    public Smtp()
    {
        _call = new EngineCall(this);
    }

    /// <summary>The settings the component holds (tests replace the transport through it).</summary>
    internal SmtpSettings Settings => _settings;

    /// <summary>The engine behind this component.</summary>
    internal SmtpEngine Engine => _call.Engine;

    /// <summary>The Hello name the next session uses: the Hello setting, or the local host name.</summary>
    private string HelloName => _settings.Hello.Length > 0 ? _settings.Hello : SmtpEngine.DefaultHelloName();

    /// <summary>
    /// Closes the connection at once, without QUIT, and releases it: the server sees the connection drop, which ends
    /// the session (RFC 5321 §3.8) but not politely. A method running on another thread is interrupted. To end the
    /// session with QUIT first, call <see cref="Disconnect"/> before, or use <see cref="DisposeAsync"/>.
    /// </summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// Ends the session the way <see cref="DisconnectAsync"/> does, sending <c>QUIT</c> and waiting for the server's
    /// reply (at most <see cref="Timeout"/> seconds of silence; a server that closes without answering loses
    /// nothing), then releases the component as <see cref="Dispose()"/> does. Unlike <see cref="Dispose()"/>, which
    /// closes the connection without a word, the server sees a clean end of session. When not connected, or when a
    /// method is still running on another thread (which is then interrupted), there is no QUIT. It never throws for
    /// the goodbye: a failed QUIT still closes the connection. Calling it again does nothing.
    /// </summary>
    /// <returns>A task that completes once the connection is closed.</returns>
    public async ValueTask DisposeAsync()
    {
        await DisposeAsyncCore().ConfigureAwait(false);
        Dispose(false);
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// The asynchronous part of <see cref="DisposeAsync"/>: QUIT when a session is open, then the connection is closed.
    /// A derived class that overrides it calls the base.
    /// </summary>
    /// <returns>A task that completes once the connection is closed.</returns>
    protected virtual async ValueTask DisposeAsyncCore()
    {
        if (!_disposed)
        {
            await _call.DisposeAsync(_settings.ToOptions, this).ConfigureAwait(false);
        }
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
        if (disposing)
        {
            _call.Dispose();
        }
    }

    /// <summary>Marks the component busy for one method call, with this moment's settings and a timeout/interrupt guard.</summary>
    private EngineCall.Scope Begin(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _call.Begin(_settings.ToOptions(), cancellationToken, this);
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
        if (Engine.IsConnected)
        {
            throw new SmtpException(code, $"{property} cannot change while connected; call Disconnect first.");
        }
    }

    // ---- IEngineEvents: the engine's reports become this component's events ----

    Microsoft.Extensions.Logging.ILogger? IEngineEvents.Logger => _settings.Logger;

    bool IEngineEvents.WantsTrace => OnPITrail is not null;

    void IEngineEvents.OnTrace(TraceDirection direction, string message) =>
        OnPITrail?.Invoke(this, new SmtpPITrailEventArgs(direction == TraceDirection.ClientData ? 0 : (int)direction, message));

    void IEngineEvents.OnConnectionStatus(string connectionEvent, int statusCode, string description) =>
        OnConnectionStatus?.Invoke(this, new SmtpConnectionStatusEventArgs(connectionEvent, statusCode, description));

    void IEngineEvents.OnStartTransfer() => OnStartTransfer?.Invoke(this, new SmtpStartTransferEventArgs(0));

    bool IEngineEvents.WantsTransfer => OnTransfer is not null;

    void IEngineEvents.OnTransfer(long bytesTransferred, long dataSent, long dataLength, int percentDone, ReadOnlyMemory<byte> chunk) =>
        OnTransfer?.Invoke(this, new SmtpTransferEventArgs(0, bytesTransferred, percentDone, chunk));

    void IEngineEvents.OnEndTransfer() => OnEndTransfer?.Invoke(this, new SmtpEndTransferEventArgs(0));

    void IEngineEvents.OnError(int errorCode, string description) =>
        OnError?.Invoke(this, new SmtpErrorEventArgs(errorCode, description));

    void IEngineEvents.OnSslStatus(string message) => OnSSLStatus?.Invoke(this, new SmtpSSLStatusEventArgs(message));

    /// <summary>SSLServerCert: the engine's certificate, wrapped once.</summary>
    private Certificate ServerCertificate()
    {
        var x509 = Engine.ServerCertificate;
        if (x509 is null)
        {
            return new Certificate();
        }
        if (!ReferenceEquals(_serverCertificate.Source, x509))
        {
            _serverCertificate = (x509, Certificate.FromX509(x509));
        }
        return _serverCertificate.Wrapper;
    }

    AuthOptions IEngineEvents.OnBeforeAuth(AuthOptions auth, IReadOnlyCollection<string> serverMechanisms) => auth;

    bool IEngineEvents.OnServerCertificate(X509Certificate2 certificate, Security.Tls.ServerCertificateValidation validation, bool accept)
    {
        string status = validation.Verdict.Status;
        var chain = validation.Chain;
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
