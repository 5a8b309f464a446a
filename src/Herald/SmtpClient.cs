using System.Diagnostics;
using Herald.Diagnostics;
using Herald.Engine;
using Herald.Protocol;
using Herald.Transport;

namespace Herald;

/// <summary>
/// An SMTP client in the shape of the SecureBlackbox SMTPClient: <see cref="Connect"/> to a server, compose a message in
/// <see cref="Msg"/> and <see cref="SendMessage"/> it (or send a ready-made one with <see cref="SendBytes"/>,
/// <see cref="SendFile"/>, <see cref="SendStream"/>), then <see cref="Disconnect"/>. Settings are grouped as objects:
/// <see cref="TLS"/>, <see cref="Socket"/>, <see cref="Proxy"/>, <see cref="ExternalCrypto"/>; results of the connection
/// are in <see cref="ServerInfo"/>, <see cref="ConnInfo"/> and <see cref="ServerCerts"/>. Every method has a synchronous
/// form and an <c>XxxAsync(..., CancellationToken)</c> twin that run the same code. Failures throw
/// <see cref="SmtpException"/> with a numeric <see cref="SmtpException.Code"/> (the same numbers as <see cref="Smtp"/>).
/// </summary>
/// <remarks>
/// One method runs at a time (a second call while one runs fails with 166). Events fire on the thread that runs the
/// method. TLS is on by default where the server offers it (<see cref="SmtpClientTlsSettings.TLSMode"/> Automatic), and
/// server certificates are validated against the system's trusted roots plus <see cref="TrustedCerts"/>.
/// </remarks>
public partial class SmtpClient : IDisposable, IAsyncDisposable, IEngineEvents
{
    private readonly EngineCall _call;
    private EmailMessage _msg = new();
    private string _domain = "";
    private string _username = "";
    private string _password = "";
    private string _host = "";          // the address given to Connect
    private int _port = 25;             // the port given to Connect
    private string _lastCommand = "";   // the last command sent, which AUTH continuation lines belong to
    private bool _disposed;

    /// <summary>Creates a client with every setting at its default.</summary>
    public SmtpClient()
    {
        _call = new EngineCall(this);
        ConnInfo = new SmtpConnectionInfo(() => Engine.IsConnected, () => Engine.BytesSent, () => Engine.BytesReceived);
        _log.Failed = why => Notification?.Invoke(this, new SmtpClientNotificationEventArgs("Info", why));
    }

    /// <summary>The engine behind this client.</summary>
    internal SmtpEngine Engine => _call.Engine;

    /// <summary>Opens the transport; tests replace it to run the client over a scripted stream.</summary>
    internal ITransportFactory? TransportFactory { get; set; }

    /// <summary>
    /// The message <see cref="SendMessage"/> composes and sends (addresses, subject, plain and HTML text, attachments).
    /// Its From/ReturnPath and SendTo/Cc/Bcc also give the envelope of <see cref="SendBytes"/>, <see cref="SendFile"/>
    /// and <see cref="SendStream"/> when set.
    /// </summary>
    /// <exception cref="ArgumentNullException">Set to null.</exception>
    public EmailMessage Msg
    {
        get => _msg;
        set => _msg = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>The name the client announces in EHLO/HELO; "" (the default) for the local host name.</summary>
    /// <exception cref="SmtpException">10022 when the value holds CR, LF, NUL or a space.</exception>
    public string Domain
    {
        get => _domain;
        set
        {
            string v = (value ?? "").Trim();
            LineValidation.EnsureSingleLine(v, "Domain");
            if (v.Contains(' ', StringComparison.Ordinal))
            {
                throw new SmtpException(SmtpErrorCodes.InvalidArgument,
                    $"Domain \"{v}\" holds a space; it must be one host name or address literal.");
            }
            _domain = v;
        }
    }

    /// <summary>The user name to authenticate with (RFC 4954); "" (the default) for none.</summary>
    /// <exception cref="SmtpException">10022 when the value holds CR, LF or NUL.</exception>
    public string Username
    {
        get => _username;
        set
        {
            LineValidation.EnsureSingleLine(value, "Username");
            _username = value ?? "";
        }
    }

    /// <summary>The password (for XOAUTH2 and OAUTHBEARER: the OAuth access token). Never traced.</summary>
    /// <exception cref="SmtpException">10022 when the value holds CR, LF or NUL.</exception>
    public string Password
    {
        get => _password;
        set
        {
            LineValidation.EnsureSingleLine(value, "Password");
            _password = value ?? "";
        }
    }

    /// <summary>Closes the connection politely (QUIT) when one is open and no method is running, then releases it. A
    /// method running on another thread is stopped (it fails with 301).</summary>
    public void Dispose()
    {
        if (!_disposed && _call.IsIdle && Engine.IsConnected)
        {
            try
            {
                Disconnect();
            }
            catch (Exception e) when (e is SmtpException or IOException or OperationCanceledException)
            {
                // The connection goes away either way.
            }
        }
        DisposeCore();
        GC.SuppressFinalize(this);
    }

    /// <summary>Asynchronous <see cref="Dispose"/>: sends QUIT asynchronously when a session is open and idle.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_disposed && _call.IsIdle && Engine.IsConnected)
        {
            try
            {
                await DisconnectAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is SmtpException or IOException or OperationCanceledException)
            {
                // The connection goes away either way.
            }
        }
        DisposeCore();
        GC.SuppressFinalize(this);
    }

    private void DisposeCore()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _call.Dispose();
        _log.Dispose();
    }

    /// <summary>Marks the client busy for one call, with this moment's settings and a timeout/interrupt guard.</summary>
    private EngineCall.Scope Begin(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var config = _config.Snapshot();
        var scope = _call.Begin(ToOptions(config), cancellationToken, this);
        _callConfig = config; // only once the call is ours: a refused call must not change the running one's
        return scope;
    }

    /// <summary>Completes a ValueTask that the synchronous adapter has already finished.</summary>
    private static void Finish(ValueTask task)
    {
        Debug.Assert(task.IsCompleted, "The synchronous path must complete without waiting.");
        task.GetAwaiter().GetResult();
    }

    /// <summary>The engine's snapshot of this client's settings for one call.</summary>
    private EngineOptions ToOptions(SmtpClientConfig config)
    {
        var tls = TLS.Clone();
        var lists = CurrentLists();
        var tlsOptions = new Lazy<Security.Tls.TlsOptions>(() => ToTlsOptions(tls, lists, config));
        var proxy = Proxy.ToSettings(config.HttpUserAgent);
        bool ipv6 = proxy is null ? Socket.UseIPv6 : Proxy.UseIPv6;
        return new EngineOptions
        {
            Connect = new ConnectRequest
            {
                Host = _host,
                Port = _port,
                LocalHost = Socket.LocalAddress,
                LocalPort = Socket.LocalPort,
                AddressFamilies = ipv6 ? AddressFamilyPreference.IPv6First : AddressFamilyPreference.IPv4Only,
                Socket = new SocketOptions(ReadRateLimit: Socket.IncomingSpeedLimit, WriteRateLimit: Socket.OutgoingSpeedLimit),
                Proxy = proxy,
                Terms = Terms,
            },
            Timeout = TimeSpan.FromMilliseconds(Socket.Timeout),
            Hello = _domain,
            SendBufferSize = config.SendBufferSize,
            UseChunking = config.BinaryMode,
            ChunkSize = config.BinaryChunkSize > 0 ? config.BinaryChunkSize : EngineOptions.DefaultChunkSize,
            MaskSecrets = config.MaskSensitive,
            Auth = new AuthOptions
            {
                User = _username,
                Password = _password,
                OAuthToken = _password,
                Mechanisms = config.Authentications,
                AllowPlaintext = config.InsecureAllowPlaintextAuth,
                WhenNotOffered = config.ForceLogin ? AuthWhenNotOffered.Try : AuthWhenNotOffered.Skip,
                AskWithoutUser = true,
            },
            TlsMode = tls.TLSMode switch
            {
                SmtpClientTlsMode.NoTls => TlsMode.None,
                SmtpClientTlsMode.ExplicitTls => TlsMode.StartTls,
                SmtpClientTlsMode.ImplicitTls => TlsMode.Implicit,
                // RFC 8314 §3.3: 465 is implicit TLS; elsewhere STARTTLS when offered.
                _ => _port == 465 ? TlsMode.Implicit : TlsMode.StartTlsIfOffered,
            },
            Tls = () => tlsOptions.Value,
            TransportFactory = TransportFactory,
        };
    }

    // ---- IEngineEvents: the engine's reports become this client's events ----

    bool IEngineEvents.WantsTrace => Command is not null || CommandReply is not null || CommandData is not null
        || Notification is not null || _log.Enabled;

    void IEngineEvents.OnTrace(TraceDirection direction, string message)
    {
        switch (direction)
        {
            case TraceDirection.Client:
                _lastCommand = message;
                _log.Write(LogSeverity.Debug, "Protocol", "C: " + message);
                Command?.Invoke(this, new SmtpClientCommandEventArgs(message));
                break;
            case TraceDirection.ClientData:
                _log.Write(LogSeverity.Debug, "Protocol", "C: " + message);
                CommandData?.Invoke(this, new SmtpClientCommandDataEventArgs(CommandVerb(_lastCommand), message));
                break;
            case TraceDirection.Server:
                _log.Write(LogSeverity.Debug, "Protocol", "S: " + message);
                CommandReply?.Invoke(this, new SmtpClientCommandReplyEventArgs(ReplyCode(message), message));
                break;
            default:
                _log.Write(LogSeverity.Info, "Connection", message);
                Notification?.Invoke(this, new SmtpClientNotificationEventArgs("Info", message));
                break;
        }
    }

    void IEngineEvents.OnConnectionStatus(string connectionEvent, int statusCode, string description)
    {
        string id = connectionEvent switch
        {
            "Remote host connection complete" => "Connected",
            "TLS handshake complete" => "TlsEstablished",
            "Remote host disconnected" => "Disconnected",
            _ => "ConnectionStatus",
        };
        if (id == "Connected")
        {
            ConnInfo.Start();
        }
        else if (id == "TlsEstablished")
        {
            ConnInfo.SetTls(Engine.Tls);
            ServerCerts = Engine.Tls is { } session ? [.. session.PresentedCertificates.Select(c => new TlsCertificate(c))] : [];
        }
        _log.Write(LogSeverity.Info, "Connection", description);
        Notification?.Invoke(this, new SmtpClientNotificationEventArgs(id, description));
    }

    void IEngineEvents.OnStartTransfer() =>
        Notification?.Invoke(this, new SmtpClientNotificationEventArgs("TransferStarted", "The message data starts."));

    bool IEngineEvents.WantsTransfer => Progress is not null;

    void IEngineEvents.OnTransfer(long bytesTransferred, long dataSent, long dataLength, int percentDone, ReadOnlyMemory<byte> chunk)
    {
        var args = new SmtpClientProgressEventArgs(dataLength, dataLength >= 0 ? Math.Min(dataSent, dataLength) : dataSent);
        Progress?.Invoke(this, args);
        if (args.Cancel)
        {
            _log.Write(LogSeverity.Warning, "Transfer", "A Progress handler cancelled the transfer.");
            _call.Interrupt();
        }
    }

    void IEngineEvents.OnEndTransfer() =>
        Notification?.Invoke(this, new SmtpClientNotificationEventArgs("TransferFinished", "The message data has been sent."));

    void IEngineEvents.OnError(int errorCode, string description)
    {
        _log.Write(LogSeverity.Warning, "Errors", $"{errorCode}: {description}");
        Error?.Invoke(this, new SmtpClientErrorEventArgs(errorCode, description));
    }

    void IEngineEvents.OnSslStatus(string message)
    {
        _log.Write(LogSeverity.Info, "Tls", message);
        Notification?.Invoke(this, new SmtpClientNotificationEventArgs("TlsStatus", message));
    }

    AuthOptions IEngineEvents.OnBeforeAuth(AuthOptions auth, IReadOnlyCollection<string> serverMechanisms)
    {
        var handler = BeforeAuth;
        if (handler is null)
        {
            return auth;
        }
        var args = new SmtpClientBeforeAuthEventArgs(auth.User, auth.Password, string.Join(",", auth.Mechanisms), serverMechanisms);
        handler(this, args);
        LineValidation.EnsureSingleLine(args.Username, "BeforeAuth Username");
        LineValidation.EnsureSingleLine(args.Password, "BeforeAuth Password");
        return auth with
        {
            User = args.Username ?? "",
            Password = args.Password ?? "",
            OAuthToken = args.Password ?? "",
            Mechanisms = SmtpClientConfig.ParseAuthentications(args.Authentications, "BeforeAuth Authentications"),
        };
    }

    bool IEngineEvents.OnServerCertificate(System.Security.Cryptography.X509Certificates.X509Certificate2 certificate,
        Security.Tls.ServerCertificateValidation validation, bool accept)
    {
        var handler = CertificateValidate;
        if (handler is null)
        {
            return accept;
        }
        var chain = validation.ChainCertificates().Select(c => new TlsCertificate(c)).ToList();
        var args = new SmtpClientCertificateValidateEventArgs(Engine.Options.Connect.Host, new TlsCertificate(certificate), chain,
            SmtpConnectionInfo.Result(validation.Facts, validation.Verdict),
            SmtpConnectionInfo.Reasons(validation.Facts, validation.Verdict), validation.Verdict.Status, validation.Log, accept);
        handler(this, args);
        return args.Accept;
    }

    /// <summary>The command's verb and first argument (<c>AUTH SCRAM-SHA-256</c>), without any secret after it.</summary>
    private static string CommandVerb(string command)
    {
        var parts = command.Split(' ', 3);
        return parts.Length >= 2 ? parts[0] + " " + parts[1] : command;
    }

    private static int ReplyCode(string line) =>
        line.Length >= 3 && int.TryParse(line.AsSpan(0, 3), System.Globalization.NumberStyles.None,
            System.Globalization.CultureInfo.InvariantCulture, out int code) ? code : 0;
}
