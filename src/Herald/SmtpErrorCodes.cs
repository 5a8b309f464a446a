namespace Herald;

/// <summary>The numeric error codes carried by <see cref="SmtpException.Code"/> and the Error event.</summary>
public static class SmtpErrorCodes
{
    /// <summary>The firewall or proxy failed.</summary>
    public const int FirewallError = 118;
    /// <summary>The server answered with an error reply; the exception carries the reply.</summary>
    public const int ProtocolError = 161;
    /// <summary>Communicating with the server failed (connection refused, reset, closed, DNS failure ...).</summary>
    public const int CommunicationError = 162;
    /// <summary>No MailServer was specified.</summary>
    public const int NoMailServer = 163;
    /// <summary>No sender (From) was specified.</summary>
    public const int NoSender = 164;
    /// <summary>No recipient was specified.</summary>
    public const int NoRecipient = 165;
    /// <summary>Another method is still running on this component.</summary>
    public const int Busy = 166;
    /// <summary>The operation was interrupted by Interrupt.</summary>
    public const int Interrupted = 301;
    /// <summary>The message stream or file could not be opened.</summary>
    public const int CannotOpenFile = 303;
    /// <summary>The port cannot change while a connection is in progress.</summary>
    public const int PortLocked = 100;
    /// <summary>The server cannot change while a connection is in progress.</summary>
    public const int ServerLocked = 101;
    /// <summary>The remote address is invalid.</summary>
    public const int InvalidRemoteAddress = 102;
    /// <summary>Already connected; disconnect first.</summary>
    public const int AlreadyConnected = 104;
    /// <summary>The local port cannot change while connected.</summary>
    public const int LocalPortLocked = 106;
    /// <summary>The local host cannot change while connected.</summary>
    public const int LocalHostLocked = 107;
    /// <summary>MaxLineLength cannot change while connected.</summary>
    public const int MaxLineLengthLocked = 112;
    /// <summary>The remote port is zero or out of range.</summary>
    public const int InvalidPort = 116;
    /// <summary>The operation timed out.</summary>
    public const int Timeout = 201;
    /// <summary>The action is impossible in the current state (also: invalid argument or setting).</summary>
    public const int InvalidState = 211;
    /// <summary>The action is impossible while not connected.</summary>
    public const int NotConnected = 212;
    /// <summary>The remote host dropped the connection.</summary>
    public const int ConnectionDropped = 1120;
    /// <summary>A certificate store could not be opened.</summary>
    public const int CertStoreError = 271;
    /// <summary>The requested certificate was not found.</summary>
    public const int CertNotFound = 272;
    /// <summary>The TLS handshake failed.</summary>
    public const int TlsHandshakeError = 276;
    /// <summary>The server certificate failed verification.</summary>
    public const int CertVerificationError = 280;
    /// <summary>Host name lookup failed.</summary>
    public const int HostNotFound = 11001;
    /// <summary>The connection was refused.</summary>
    public const int ConnectionRefused = 10061;
    /// <summary>The connection attempt timed out.</summary>
    public const int ConnectionTimedOut = 10060;
    /// <summary>An argument or setting is invalid (for example an address or header containing CR or LF, or an unknown
    /// configuration setting).</summary>
    public const int InvalidArgument = 10022;
    /// <summary>The requested operation or option is not supported (for example a Windows-only certificate store on
    /// Linux).</summary>
    public const int NotSupported = 10045;
}
