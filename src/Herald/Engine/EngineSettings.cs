using Herald.Security;

namespace Herald.Engine;

/// <summary>
/// Everything the engine needs to know to connect and talk to a server. A facade owns one instance; its properties
/// and Config settings read and write these fields directly, so there is one copy of every setting.
/// </summary>
internal sealed class EngineSettings
{
    /// <summary>MailServer: host name or address.</summary>
    public string Host { get; set; } = "";

    /// <summary>MailPort.</summary>
    public int Port { get; set; } = 25;

    /// <summary>LocalHost: local address to bind, or empty.</summary>
    public string LocalHost { get; set; } = "";

    /// <summary>LocalPort: local port to bind, 0 for any.</summary>
    public int LocalPort { get; set; }

    /// <summary>UseIPv6: 0 IPv4 only, 1 IPv6 only, 2 IPv6 first with IPv4 fallback.</summary>
    public int UseIPv6 { get; set; }

    /// <summary>ConnectionTimeout in seconds; 0 means Timeout also covers connecting.</summary>
    public int ConnectionTimeout { get; set; }

    /// <summary>Timeout in seconds; 0 means none.</summary>
    public int Timeout { get; set; } = 60;

    /// <summary>AbsoluteTimeout: Timeout bounds the whole call instead of each quiet period.</summary>
    public bool AbsoluteTimeout { get; set; }

    /// <summary>Hello: the EHLO/HELO argument; empty means the local host name.</summary>
    public string Hello { get; set; } = "";

    /// <summary>AllowExtensions: use EHLO (with HELO fallback) rather than HELO only.</summary>
    public bool AllowExtensions { get; set; } = true;

    /// <summary>SendRSET.</summary>
    public bool SendRset { get; set; } = true;

    /// <summary>StopOnToErrors.</summary>
    public bool StopOnToErrors { get; set; } = true;

    /// <summary>StopOnCcErrors.</summary>
    public bool StopOnCcErrors { get; set; } = true;

    /// <summary>StopOnBccErrors.</summary>
    public bool StopOnBccErrors { get; set; }

    /// <summary>MaxLineLength: longest reply line accepted (at least 256).</summary>
    public int MaxLineLength { get; set; } = 2048;

    /// <summary>TcpNoDelay.</summary>
    public bool TcpNoDelay { get; set; }

    /// <summary>TCPKeepAlive.</summary>
    public bool TcpKeepAlive { get; set; }

    /// <summary>KeepAliveTime in milliseconds, 0 for the system default.</summary>
    public int KeepAliveTime { get; set; }

    /// <summary>KeepAliveInterval in milliseconds, 0 for the system default.</summary>
    public int KeepAliveInterval { get; set; }

    /// <summary>KeepAliveRetryCount, 0 for the system default.</summary>
    public int KeepAliveRetryCount { get; set; }

    /// <summary>Linger.</summary>
    public bool Linger { get; set; } = true;

    /// <summary>LingerTime in seconds.</summary>
    public int LingerTime { get; set; }

    /// <summary>InBufferSize: socket receive buffer, 0 for the system default.</summary>
    public int InBufferSize { get; set; }

    /// <summary>OutBufferSize: socket send buffer, 0 for the system default.</summary>
    public int OutBufferSize { get; set; }

    /// <summary>MaxTransferRate in bytes per second for message data, 0 for unlimited.</summary>
    public int MaxTransferRate { get; set; }

    /// <summary>Size of the buffer message data is written through.</summary>
    public int SendBufferSize { get; set; } = 64 * 1024;

    /// <summary>MaskSensitiveData: secrets are masked in the protocol trace.</summary>
    public bool MaskSensitive { get; set; } = true;

    /// <summary>User for AUTH; empty means no authentication.</summary>
    public string User { get; set; } = "";

    /// <summary>Password for AUTH.</summary>
    public string Password { get; set; } = "";

    /// <summary>AuthMechanism.</summary>
    public SmtpAuthMechanisms AuthMechanism { get; set; } = SmtpAuthMechanisms.amUserPassword;

    /// <summary>AuthorizationIdentity (the OAuth token for XOAUTH2/OAUTHBEARER).</summary>
    public string AuthorizationIdentity { get; set; } = "";

    /// <summary>UseNTLMv2.</summary>
    public bool UseNtlmV2 { get; set; } = true;

    /// <summary>
    /// InsecureAllowPlaintextAuth: send PLAIN/LOGIN/XOAUTH2 credentials over an unencrypted connection to a host that
    /// is not loopback. Off by default; the name is meant to alarm.
    /// </summary>
    public bool InsecureAllowPlaintextAuth { get; set; }

    /// <summary>Every TLS setting.</summary>
    public TlsSettings Tls { get; } = new();

    /// <summary>Opens the transport; tests replace it to run the engine over a scripted stream.</summary>
    public Transport.ITransportFactory? TransportFactory { get; set; }
}
