using System.Security.Cryptography.X509Certificates;
using Herald.Security.Tls;
using Herald.Transport;

namespace Herald.Engine;

internal sealed partial class SmtpEngine : ITlsCallbacks
{
    /// <summary>The TLS session of the current connection, or null in plaintext.</summary>
    public TlsSession? Tls { get; private set; }

    /// <summary>The certificate the server presented on the last connection, or null (cleared at each new attempt).</summary>
    public X509Certificate2? ServerCertificate { get; private set; }

    /// <summary>True when the connection is protected by TLS.</summary>
    public bool IsSecure => Tls is not null;

    /// <summary>
    /// STARTTLS (RFC 3207): ask, get 220, refuse any byte that arrived with the 220 (it was sent before the
    /// handshake, so it may have been injected), handshake, forget the plaintext capabilities and EHLO again.
    /// </summary>
    /// <param name="io">The I/O adapter.</param>
    /// <param name="guard">The running call's guard.</param>
    /// <param name="required">True when a server without STARTTLS is refused; false when the session then goes on in
    /// plaintext (opportunistic TLS).</param>
    private async ValueTask StartTlsAsync<TIO>(TIO io, OperationGuard guard, bool required) where TIO : struct, ISmtpIO
    {
        if (!Capabilities.StartTls)
        {
            if (!required)
            {
                Info($"The server does not offer STARTTLS; continuing WITHOUT encryption {Options.Terms.StartTlsFallback}.");
                return;
            }
            throw new SmtpException(SmtpErrorCodes.TlsHandshakeError,
                $"{Options.Terms.StartTlsRequired} but the server does not offer STARTTLS, so the connection cannot be " +
                "encrypted; nothing was sent. (Either the server has no TLS, or someone between you and it removed STARTTLS " +
                "from its reply.)");
        }
        _step = "starting TLS (STARTTLS)";
        var reply = await CommandAsync(io, guard, "STARTTLS").ConfigureAwait(false);
        if (reply.Code != 220)
        {
            throw new SmtpException(SmtpErrorCodes.ProtocolError,
                $"The server refused STARTTLS, so the connection cannot be encrypted; nothing was sent: {reply}", reply);
        }
        if (Connection.HasBufferedInput)
        {
            throw new SmtpException(SmtpErrorCodes.TlsHandshakeError,
                "The server sent more data right after its 220 reply to STARTTLS, before the TLS handshake. Those bytes " +
                "could have been injected by an attacker (RFC 3207 §4.2, CVE-2011-0411), so they were not read and the " +
                "connection was closed.");
        }
        await StartTlsHandshakeAsync(io, guard).ConfigureAwait(false);
        // RFC 3207 §4.2: everything learnt before TLS is discarded; the EHLO reply is asked for again.
        Capabilities = Protocol.Capabilities.None;
        await HelloAsync(io, guard).ConfigureAwait(false);
    }

    /// <summary>Runs the TLS handshake over the current connection and swaps in the encrypted stream.</summary>
    private async ValueTask StartTlsHandshakeAsync<TIO>(TIO io, OperationGuard guard) where TIO : struct, ISmtpIO
    {
        _step = "negotiating TLS";
        // The certificate is checked against the name the user gave (also sent as SNI), never the resolved address.
        var session = await TlsClient.AuthenticateAsync(io, Connection.Stream, Options.Connect.Host, Options.Tls(), this, guard)
            .ConfigureAwait(false);
        guard.Touch();
        Connection.ReplaceStream(session.Stream);
        Tls = session;
        ServerCertificate = session.ServerCertificate;
        _diag.TlsEstablished(session);
        _events.OnConnectionStatus("TLS handshake complete", 0, $"{session.Version}, {session.CipherSuite}");
    }

    private void CloseTls() => Tls = null;

    /// <summary>Clears what the previous connection's TLS left behind (the server certificate is per connection).</summary>
    private void ResetTlsState()
    {
        Tls = null;
        ServerCertificate = null;
    }

    bool ITlsCallbacks.OnServerCertificate(X509Certificate2 certificate, ServerCertificateValidation validation, bool accept) =>
        _events.OnServerCertificate(certificate, validation, accept);

    void ITlsCallbacks.OnStatus(string message) => _events.OnSslStatus(message);
}
