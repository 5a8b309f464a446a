namespace Herald;

public partial class SmtpClient
{
    /// <summary>
    /// Fires when authentication is about to start (after EHLO, and after STARTTLS when TLS is used), when the server
    /// announces AUTH or config ForceLogin is on. The handler may change the user name, password and the mechanisms to
    /// try; an empty user name skips authentication.
    /// </summary>
    public event EventHandler<SmtpClientBeforeAuthEventArgs>? BeforeAuth;

    /// <summary>
    /// Fires when the server's TLS certificate needs a decision, with the validation result; the handler sets Accept.
    /// Without a handler the validation result decides (or, with TLS.AutoValidateCertificates false, the certificate is
    /// refused).
    /// </summary>
    public event EventHandler<SmtpClientCertificateValidateEventArgs>? CertificateValidate;

    /// <summary>Fires for each command sent to the server (secrets masked unless config MaskSensitiveData is false).</summary>
    public event EventHandler<SmtpClientCommandEventArgs>? Command;

    /// <summary>Fires for each line of data that goes with the command before it: the AUTH continuation lines
    /// (masked). Message data is never reported.</summary>
    public event EventHandler<SmtpClientCommandDataEventArgs>? CommandData;

    /// <summary>Fires for each line of each reply from the server.</summary>
    public event EventHandler<SmtpClientCommandReplyEventArgs>? CommandReply;

    /// <summary>
    /// Reports a failure that does not end the call, such as a refused Bcc recipient (the message still goes to the
    /// others). Failures that end a call throw <see cref="SmtpException"/> instead.
    /// </summary>
    public event EventHandler<SmtpClientErrorEventArgs>? Error;

    /// <summary>
    /// Would ask the application to sign for an external TLS client key. The platform TLS signs the handshake with a key
    /// object of its own and cannot pass the request on, so the event can never fire: subscribing fails with 10045.
    /// </summary>
    /// <exception cref="SmtpException">10045 on subscribing.</exception>
    public event EventHandler<SmtpClientExternalSignEventArgs>? ExternalSign
    {
        add => throw new SmtpException(SmtpErrorCodes.NotSupported,
            "ExternalSign cannot fire: the platform TLS behind .NET's SslStream signs the handshake with a key object of its " +
            "own and cannot hand the signature to application code. Put the client certificate with its private key in ClientCerts.");
        remove
        {
        }
    }

    /// <summary>Reports what happens on the connection: Connected, TlsEstablished, Disconnected, TlsStatus, Info,
    /// TransferStarted, TransferFinished (see <see cref="SmtpClientNotificationEventArgs.EventId"/>).</summary>
    public event EventHandler<SmtpClientNotificationEventArgs>? Notification;

    /// <summary>Reports the message data sent so far; setting Cancel stops the transfer (the call fails with 301).</summary>
    public event EventHandler<SmtpClientProgressEventArgs>? Progress;
}
