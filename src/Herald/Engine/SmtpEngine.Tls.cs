using System.Net.Security;
using Herald.Transport;

namespace Herald.Engine;

internal sealed partial class SmtpEngine
{
    private SslStream? _tls;

    /// <summary>True when the connection is protected by TLS.</summary>
    public bool IsSecure => _tls is not null;

    /// <summary>
    /// STARTTLS (RFC 3207): ask, get 220, refuse any byte that arrived with the 220 (it was sent before the
    /// handshake, so it is an injection attempt), handshake, forget the plaintext capabilities and EHLO again.
    /// </summary>
    private async ValueTask StartTlsAsync<TIO>(TIO io, OperationGuard guard) where TIO : struct, ISmtpIO
    {
        if (!Capabilities.StartTls)
        {
            if (Settings.Tls.InsecureAllowStartTlsFallback)
            {
                Info("The server does not offer STARTTLS; continuing WITHOUT encryption because InsecureAllowStartTlsFallback is set.");
                return;
            }
            throw new SmtpException(SmtpErrorCodes.TlsHandshakeError,
                "SSLStartMode is explicit but the server does not offer STARTTLS, so the connection cannot be encrypted; " +
                "nothing was sent. (Someone may be stripping STARTTLS from the server's reply.)");
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
                "The server sent data after its 220 reply to STARTTLS and before the TLS handshake. Those bytes could have " +
                "been injected by an attacker (RFC 3207 §4.2), so the connection was closed.");
        }
        await StartTlsHandshakeAsync(io, guard).ConfigureAwait(false);
        Capabilities = Protocol.Capabilities.None;
        await HelloAsync(io, guard).ConfigureAwait(false);
    }

    /// <summary>Runs the TLS handshake over the current connection and swaps in the encrypted stream.</summary>
    private async ValueTask StartTlsHandshakeAsync<TIO>(TIO io, OperationGuard guard) where TIO : struct, ISmtpIO
    {
        _step = "negotiating TLS";
        var ssl = new SslStream(Connection.Stream, leaveInnerStreamOpen: false);
        var options = new SslClientAuthenticationOptions { TargetHost = Settings.Host };
        await io.AuthenticateAsClientAsync(ssl, options, guard.Token).ConfigureAwait(false);
        guard.Touch();
        Connection.ReplaceStream(ssl);
        _tls = ssl;
        _events.OnConnectionStatus("TLS handshake complete", 0, $"{ssl.SslProtocol}, {ssl.NegotiatedCipherSuite}");
    }

    private void CloseTls() => _tls = null;
}
