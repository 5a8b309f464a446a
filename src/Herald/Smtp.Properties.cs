using Herald.Protocol;

namespace Herald;

public partial class Smtp
{
    private Certificate _sslAcceptServerCert = new();
    private Certificate _sslCert = new();

    /// <summary>
    /// Use ESMTP: greet with <c>EHLO</c> and fall back to <c>HELO</c> when the server does not know it (default True).
    /// When False only <c>HELO</c> is sent and no extension (PIPELINING, SIZE, STARTTLS, AUTH ...) is used.
    /// </summary>
    public bool AllowExtensions
    {
        get => _settings.AllowExtensions;
        set => _settings.AllowExtensions = value;
    }

    /// <summary>
    /// How to authenticate when <see cref="User"/> is set (default amUserPassword: PLAIN or LOGIN). To let the server's
    /// offer decide among several mechanisms, set the configuration setting <c>AuthMechanisms</c> to SASL names in order
    /// of preference, for example <c>Config("AuthMechanisms=SCRAM-SHA-256,SCRAM-SHA-1,PLAIN,LOGIN")</c>: the first one the
    /// server offers is used, and while that list is not empty it replaces this property (<c>AuthMechanisms=</c> clears
    /// it).
    /// </summary>
    public SmtpAuthMechanisms AuthMechanism
    {
        get => _settings.AuthMechanism;
        set => _settings.AuthMechanism = value;
    }

    /// <summary>True while a session with the mail server is open.</summary>
    public bool Connected => Engine.IsConnected;

    /// <summary>
    /// What the server announced in its EHLO reply in the open session (RFC 5321 §4.1.1.1): its extensions, SASL
    /// mechanisms and size limit; after STARTTLS, the ones it announced over TLS (RFC 3207 §4.2). For example, after
    /// <see cref="Connect"/>, <c>ServerCapabilities.StartTls</c> tells whether the server offers STARTTLS.
    /// </summary>
    /// <value><see cref="Capabilities.None"/> when no session is open or the server answered HELO only.</value>
    public Capabilities ServerCapabilities => Engine.Capabilities;

    /// <summary>
    /// The proxy through which the connection is opened (the same data as the Firewall* config settings): set
    /// <see cref="Herald.Firewall.FirewallType"/> and <see cref="Herald.Firewall.Host"/>, or turn on
    /// <see cref="Herald.Firewall.AutoDetect"/>. TLS, implicit or STARTTLS, runs through the proxy's tunnel and checks the
    /// certificate against <see cref="MailServer"/>, never the proxy. A proxy that cannot be reached, refuses or
    /// rejects the credentials fails the call with 118 and a message naming the proxy, the step and the reason.
    /// </summary>
    /// <exception cref="ArgumentNullException">The value is null.</exception>
    public Firewall Firewall
    {
        get => _settings.Firewall;
        set => _settings.Firewall = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>False while a method is running, True otherwise.</summary>
    public bool Idle => _call.IsIdle;

    /// <summary>The text of the last reply from the server (all lines, CRLF separated).</summary>
    public string LastReply => Engine.LastReply?.ToString() ?? "";

    /// <summary>
    /// The local address to bind the connection to. Reads back the address in use while connected, and the machine's
    /// host name when nothing is set.
    /// </summary>
    /// <exception cref="SmtpException">107 when changed while connected.</exception>
    public string LocalHost
    {
        get => Engine.IsConnected ? Engine.LocalAddress : _settings.LocalHost.Length > 0 ? _settings.LocalHost : System.Net.Dns.GetHostName();
        set
        {
            EnsureNotConnected(SmtpErrorCodes.LocalHostLocked, "LocalHost");
            Protocol.LineValidation.EnsureSingleLine(value, "LocalHost");
            _settings.LocalHost = value?.Trim() ?? "";
        }
    }

    /// <summary>The server's TCP port (default 25; 587 for submission, 465 for implicit TLS).</summary>
    /// <exception cref="SmtpException">100 when changed while connected; 116 when outside 1-65535.</exception>
    public int MailPort
    {
        get => _settings.Port;
        set
        {
            EnsureNotConnected(SmtpErrorCodes.PortLocked, "MailPort");
            if (value is < 1 or > 65535)
            {
                throw new SmtpException(SmtpErrorCodes.InvalidPort, $"MailPort {value} is not a valid TCP port (1-65535).");
            }
            _settings.Port = value;
        }
    }

    /// <summary>
    /// The mail server's host name or address (required). The name is kept as given (it is resolved when connecting,
    /// and TLS checks the server certificate against it). With a SOCKS4 or SOCKS5 <see cref="Firewall"/> the name is
    /// resolved on this machine and the proxy is sent the address, unless the value starts with <c>*</c>: then the
    /// name after it is sent to the proxy, which resolves it (for SOCKS4 through the SOCKS4a extension). A SOCKS4A or
    /// tunnelling (HTTP) proxy is always sent the name.
    /// </summary>
    /// <exception cref="SmtpException">101 when changed while connected; 10022 when it contains a line break.</exception>
    public string MailServer
    {
        get => _settings.Host;
        set
        {
            EnsureNotConnected(SmtpErrorCodes.ServerLocked, "MailServer");
            Protocol.LineValidation.EnsureSingleLine(value, "MailServer");
            _settings.Host = value?.Trim() ?? "";
        }
    }

    /// <summary>The password used to authenticate (not needed for XOAUTH2/OAUTHBEARER).</summary>
    public string Password
    {
        get => _settings.Password;
        set => _settings.Password = value ?? "";
    }

    /// <summary>A server certificate to accept without validation (an exact match of its bytes), or an empty certificate.</summary>
    /// <exception cref="ArgumentNullException">The value is null.</exception>
    public Certificate SSLAcceptServerCert
    {
        get => _sslAcceptServerCert;
        set
        {
            _sslAcceptServerCert = value ?? throw new ArgumentNullException(nameof(value));
            _settings.Tls.AcceptServerCertificate = value;
        }
    }

    /// <summary>The client certificate offered during the TLS handshake, or an empty certificate.</summary>
    /// <exception cref="ArgumentNullException">The value is null.</exception>
    public Certificate SSLCert
    {
        get => _sslCert;
        set
        {
            _sslCert = value ?? throw new ArgumentNullException(nameof(value));
            _settings.Tls.ClientCertificate = value;
        }
    }

    /// <summary>
    /// Whether TLS is used. Setting True when <see cref="SSLStartMode"/> is sslNone selects sslAutomatic; setting False
    /// selects sslNone. Assigning SSLStartMode updates this value.
    /// </summary>
    public bool SSLEnabled
    {
        get => _settings.Tls.StartMode != SmtpSSLStartModes.sslNone;
        set
        {
            if (value && _settings.Tls.StartMode == SmtpSSLStartModes.sslNone)
            {
                _settings.Tls.StartMode = SmtpSSLStartModes.sslAutomatic;
            }
            else if (!value)
            {
                _settings.Tls.StartMode = SmtpSSLStartModes.sslNone;
            }
        }
    }

    /// <summary>The certificate the server presented on the last TLS connection (empty before one; cleared at each new attempt).</summary>
    public Certificate SSLServerCert => ServerCertificate();

    /// <summary>The TLS implementation (see <see cref="SmtpSSLProviders"/>).</summary>
    public SmtpSSLProviders SSLProvider
    {
        get => _settings.Tls.Provider;
        set => _settings.Tls.Provider = value;
    }

    /// <summary>
    /// When TLS starts: sslNone (default, plaintext), sslAutomatic (STARTTLS on ports 25 and 587, implicit otherwise),
    /// sslImplicit (TLS at once, port 465) or sslExplicit (STARTTLS; never falls back to plaintext).
    /// </summary>
    public SmtpSSLStartModes SSLStartMode
    {
        get => _settings.Tls.StartMode;
        set => _settings.Tls.StartMode = value;
    }

    /// <summary>
    /// Seconds a method may wait (default 60; 0 = no limit). By default it is an inactivity limit, restarted by every
    /// byte sent or received; config AbsoluteTimeout=True makes it a limit on the whole call. Expiry fails with 201.
    /// </summary>
    /// <exception cref="SmtpException">10022 when negative.</exception>
    public int Timeout
    {
        get => _settings.Timeout;
        set
        {
            if (value < 0)
            {
                throw new SmtpException(SmtpErrorCodes.InvalidArgument, "Timeout is a number of seconds and cannot be negative.");
            }
            _settings.Timeout = value;
        }
    }

    /// <summary>The user name to authenticate with; when set, the component authenticates while connecting.</summary>
    public string User
    {
        get => _settings.User;
        set => _settings.User = value ?? "";
    }
}
