using Herald.Engine;
using Herald.Transport;

namespace Herald;

/// <summary>
/// The connection and session settings of the <see cref="Smtp"/> component, as its properties and Config settings
/// hold them (one copy of every setting). <see cref="ToOptions"/> takes the engine's immutable snapshot of them at
/// the start of each call.
/// </summary>
internal sealed partial class SmtpSettings
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

    /// <summary>UseChunking: send with BDAT (RFC 3030) when the server offers CHUNKING.</summary>
    public bool UseChunking { get; set; } = true;

    /// <summary>ChunkSize: the largest BDAT chunk in bytes.</summary>
    public int ChunkSize { get; set; } = EngineOptions.DefaultChunkSize;

    /// <summary>MaskSensitiveData: secrets are masked in the protocol trace.</summary>
    public bool MaskSensitive { get; set; } = true;

    /// <summary>User for AUTH; empty means no authentication.</summary>
    public string User { get; set; } = "";

    /// <summary>Password for AUTH.</summary>
    public string Password { get; set; } = "";

    /// <summary>AuthMechanism.</summary>
    public SmtpAuthMechanisms AuthMechanism { get; set; } = SmtpAuthMechanisms.amUserPassword;

    /// <summary>AuthMechanisms: SASL mechanism names in order of preference; when not empty they replace AuthMechanism.</summary>
    public IReadOnlyList<string> AuthMechanisms { get; set; } = [];

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
    public SmtpTlsSettings Tls { get; } = new();

    /// <summary>Opens the transport; tests replace it to run the engine over a scripted stream.</summary>
    public ITransportFactory? TransportFactory { get; set; }

    /// <summary>Logger: receives the trace, the session's facts and failures; null for none.</summary>
    public Microsoft.Extensions.Logging.ILogger? Logger { get; set; }

    /// <summary>The words the engine's messages use for settings: the component's own unless a host that configures
    /// the component from its own options (the <c>herald</c> tool) supplies its words instead.</summary>
    public SettingTerms Terms { get; set; } = Smtp.Terms;

    /// <summary>The engine's snapshot of these settings, in its own vocabulary.</summary>
    /// <exception cref="SmtpException">10022: AuthMechanism holds a value that names no mechanism; 10045: amAPOP.</exception>
    public EngineOptions ToOptions()
    {
        var terms = Terms;
        var tls = Tls.Clone();
        var tlsOptions = new Lazy<Security.Tls.TlsOptions>(() => tls.ToOptions(terms));
        // A leading "*" asks a SOCKS proxy to resolve the name; the name itself (for DNS, TLS and messages) is what follows.
        bool unresolved = Host.StartsWith('*');
        string host = unresolved ? Host[1..].Trim() : Host;
        var route = RouteProxy(host, unresolved);
        return new EngineOptions
        {
            Connect = new ConnectRequest
            {
                Host = host,
                Port = Port,
                Proxy = route.Proxy,
                ProxyNote = route.Note,
                ProxyError = route.Error,
                LocalHost = LocalHost,
                LocalPort = LocalPort,
                AddressFamilies = (AddressFamilyPreference)UseIPv6,
                Socket = new SocketOptions(TcpNoDelay, TcpKeepAlive, KeepAliveTime, KeepAliveInterval, KeepAliveRetryCount, Linger,
                    LingerTime, InBufferSize, OutBufferSize),
                Terms = terms,
            },
            ConnectionTimeout = TimeSpan.FromSeconds(ConnectionTimeout),
            Timeout = TimeSpan.FromSeconds(Math.Max(0, Timeout)),
            AbsoluteTimeout = AbsoluteTimeout,
            Hello = Hello,
            UseExtensions = AllowExtensions,
            SendRset = SendRset,
            StopOnRejected = (StopOnToErrors ? RecipientKinds.To : 0) | (StopOnCcErrors ? RecipientKinds.Cc : 0)
                | (StopOnBccErrors ? RecipientKinds.Bcc : 0),
            MaxLineLength = MaxLineLength,
            MaxTransferRate = MaxTransferRate,
            SendBufferSize = SendBufferSize,
            UseChunking = UseChunking,
            ChunkSize = ChunkSize,
            MaskSecrets = MaskSensitive,
            Auth = User.Length == 0 ? AuthOptions.None : new AuthOptions
            {
                User = User,
                Password = Password,
                AuthorizationIdentity = AuthorizationIdentity,
                Mechanisms = AuthMechanisms.Count > 0 ? AuthMechanisms : MechanismNames(AuthMechanism),
                UseNtlmV2 = UseNtlmV2,
                AllowPlaintext = InsecureAllowPlaintextAuth,
            },
            TlsMode = Tls.StartMode switch
            {
                SmtpSSLStartModes.sslImplicit => TlsMode.Implicit,
                SmtpSSLStartModes.sslExplicit => Tls.InsecureAllowStartTlsFallback ? TlsMode.StartTlsIfOffered : TlsMode.StartTls,
                // RFC 8314 §3.3: 465 is implicit TLS; 25 and 587 start in plaintext and upgrade with STARTTLS.
                SmtpSSLStartModes.sslAutomatic => Port is 25 or 587
                    ? Tls.InsecureAllowStartTlsFallback ? TlsMode.StartTlsIfOffered : TlsMode.StartTls
                    : TlsMode.Implicit,
                _ => TlsMode.None,
            },
            Tls = () => tlsOptions.Value,
            TransportFactory = TransportFactory,
        };
    }

    /// <summary>
    /// The SASL mechanism names an AuthMechanism value stands for, in order of preference: amUserPassword takes PLAIN
    /// when offered, else LOGIN; every other value names one mechanism.
    /// </summary>
    /// <param name="mechanism">The AuthMechanism value.</param>
    /// <exception cref="SmtpException">10045 for amAPOP, which is a POP3 command; 10022 for a value that is not a
    /// member of <see cref="SmtpAuthMechanisms"/>.</exception>
    public static IReadOnlyList<string> MechanismNames(SmtpAuthMechanisms mechanism) => mechanism switch
    {
        SmtpAuthMechanisms.amUserPassword => s_userPassword,
        SmtpAuthMechanisms.amCRAMMD5 => ["CRAM-MD5"],
        SmtpAuthMechanisms.amNTLM => ["NTLM"],
        SmtpAuthMechanisms.amAPOP => throw new SmtpException(SmtpErrorCodes.NotSupported,
            "AuthMechanism amAPOP selects APOP, a POP3 login command (RFC 1939); SMTP has no such mechanism. " +
            "Choose a SASL mechanism the server offers, for example amSASLPlain or amCRAMMD5."),
        SmtpAuthMechanisms.amSASLPlain => ["PLAIN"],
        SmtpAuthMechanisms.amSASLDigestMD5 => ["DIGEST-MD5"],
        SmtpAuthMechanisms.amKerberos => ["GSSAPI"],
        SmtpAuthMechanisms.amXOAUTH2 => ["XOAUTH2"],
        SmtpAuthMechanisms.amOAuthBearer => ["OAUTHBEARER"],
        SmtpAuthMechanisms.amSCRAMSHA1 => ["SCRAM-SHA-1"],
        SmtpAuthMechanisms.amSCRAMSHA256 => ["SCRAM-SHA-256"],
        SmtpAuthMechanisms.amLogin => ["LOGIN"],
        _ => throw new SmtpException(SmtpErrorCodes.InvalidArgument,
            $"AuthMechanism {(int)mechanism} is not a known authentication mechanism."),
    };

    private static readonly string[] s_userPassword = ["PLAIN", "LOGIN"];

    /// <summary>
    /// Parses the AuthMechanisms setting: SASL mechanism names separated by commas (spaces allowed), each one a
    /// mechanism Herald implements and none twice. An empty value clears the list (AuthMechanism applies again).
    /// </summary>
    /// <param name="value">The setting's value.</param>
    /// <returns>The names in upper case, in the order given.</returns>
    /// <exception cref="SmtpException">10022 for an empty entry, an unknown or repeated name.</exception>
    public static IReadOnlyList<string> ParseMechanismList(string value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return [];
        }
        var names = new List<string>();
        foreach (string part in value.Split(','))
        {
            string name = part.Trim().ToUpperInvariant();
            if (name.Length == 0)
            {
                throw new SmtpException(SmtpErrorCodes.InvalidArgument,
                    $"Config setting \"AuthMechanisms\" has an empty entry in \"{value}\"; separate mechanism names with single commas.");
            }
            if (!Security.Sasl.SaslMechanisms.Supported.Contains(name, StringComparer.Ordinal))
            {
                throw new SmtpException(SmtpErrorCodes.InvalidArgument,
                    $"Config setting \"AuthMechanisms\": \"{part.Trim()}\" is not a SASL mechanism Herald implements " +
                    $"({string.Join(", ", Security.Sasl.SaslMechanisms.Supported)}).");
            }
            if (names.Contains(name))
            {
                throw new SmtpException(SmtpErrorCodes.InvalidArgument,
                    $"Config setting \"AuthMechanisms\" names {name} twice.");
            }
            names.Add(name);
        }
        return names;
    }
}
