namespace Herald;

public partial class Smtp
{
    /// <summary>Handler of <see cref="OnConnectionStatus"/>.</summary>
    public delegate void OnConnectionStatusHandler(object sender, SmtpConnectionStatusEventArgs e);

    /// <summary>Handler of <see cref="OnEndTransfer"/>.</summary>
    public delegate void OnEndTransferHandler(object sender, SmtpEndTransferEventArgs e);

    /// <summary>Handler of <see cref="OnError"/>.</summary>
    public delegate void OnErrorHandler(object sender, SmtpErrorEventArgs e);

    /// <summary>Handler of <see cref="OnExpand"/>.</summary>
    public delegate void OnExpandHandler(object sender, SmtpExpandEventArgs e);

    /// <summary>Handler of <see cref="OnPITrail"/>.</summary>
    public delegate void OnPITrailHandler(object sender, SmtpPITrailEventArgs e);

    /// <summary>Handler of <see cref="OnSSLServerAuthentication"/>.</summary>
    public delegate void OnSSLServerAuthenticationHandler(object sender, SmtpSSLServerAuthenticationEventArgs e);

    /// <summary>Handler of <see cref="OnSSLStatus"/>.</summary>
    public delegate void OnSSLStatusHandler(object sender, SmtpSSLStatusEventArgs e);

    /// <summary>Handler of <see cref="OnStartTransfer"/>.</summary>
    public delegate void OnStartTransferHandler(object sender, SmtpStartTransferEventArgs e);

    /// <summary>Handler of <see cref="OnTransfer"/>.</summary>
    public delegate void OnTransferHandler(object sender, SmtpTransferEventArgs e);

    /// <summary>Fires when the connection changes state: connected, TLS handshake complete, disconnected.</summary>
    public event OnConnectionStatusHandler? OnConnectionStatus;

    /// <summary>Fires when the message data has been sent (not when the message has no body).</summary>
    public event OnEndTransferHandler? OnEndTransfer;

    /// <summary>
    /// Reports a non-fatal error during delivery, such as a rejected Bcc recipient (or a rejected To/Cc recipient when
    /// StopOnToErrors/StopOnCcErrors is False). Fatal errors throw instead.
    /// </summary>
    public event OnErrorHandler? OnError;

    /// <summary>Fires once for each address the server returns for <see cref="Expand"/>.</summary>
    public event OnExpandHandler? OnExpand;

    /// <summary>
    /// The protocol trace, one line per event: Direction 0 for client lines, 1 for server lines, 2 for notes from the
    /// component. Message data is never traced; secrets are masked unless config MaskSensitiveData is False.
    /// </summary>
    public event OnPITrailHandler? OnPITrail;

    /// <summary>Fires when the server's TLS certificate arrives; the handler may accept or reject it.</summary>
    public event OnSSLServerAuthenticationHandler? OnSSLServerAuthentication;

    /// <summary>TLS progress messages.</summary>
    public event OnSSLStatusHandler? OnSSLStatus;

    /// <summary>Fires when the message data starts to go out (not when the message has no body).</summary>
    public event OnStartTransferHandler? OnStartTransfer;

    /// <summary>Fires as message data is sent, with the running byte count and percentage.</summary>
    public event OnTransferHandler? OnTransfer;
}
