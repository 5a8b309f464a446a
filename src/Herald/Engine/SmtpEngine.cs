using System.Net.Sockets;
using System.Security.Authentication;
using Herald.Diagnostics;
using Herald.Protocol;
using Herald.Transport;

namespace Herald.Engine;

/// <summary>
/// The one SMTP protocol engine both facades drive. It owns the connection and the session state (capabilities,
/// TLS, authentication, whether a transaction needs RSET) and implements each protocol operation once, generic over
/// the sync/async I/O adapter. Facades translate their properties into an <see cref="EngineOptions"/> snapshot at the
/// start of each call (see <see cref="EngineCall"/>) and the engine's callbacks into their events. The engine never
/// knows which facade it serves: where a message names a setting, the words come from <see cref="EngineOptions.Terms"/>.
/// </summary>
/// <remarks>Partial files: connecting and greeting here; <c>.Transaction</c> the mail transaction; <c>.Commands</c>
/// VRFY, EXPN, raw commands and polling; <c>.Tls</c> implicit TLS and STARTTLS; <c>.Auth</c> SASL.</remarks>
internal sealed partial class SmtpEngine : IDisposable
{
    private readonly IEngineEvents _events;
    private readonly EngineDiagnostics _diag; // the facade's logger, the Herald meter and activity source
    private SmtpConnection? _connection;
    private int _transactions;        // mail transactions completed or attempted on this connection
    private bool _needsReset;         // the last transaction failed part-way: RSET before the next
    private bool _endOfDataSent;      // the write that ends the current message's data went out (or may have)
    private string _step = "";        // what the engine is doing, for error messages ("{0}" stands for _stepCommand's verb)
    private string? _stepCommand;     // the command "{0}" in _step refers to; formatted only when an error needs it
    private long _lastBytesSent;      // the counters of the last connection, kept after it closed
    private long _lastBytesReceived;
    private const string GreetingStep = "waiting for the server's greeting";

    /// <summary>Creates an engine.</summary>
    /// <param name="events">Where it reports.</param>
    public SmtpEngine(IEngineEvents events)
    {
        _events = events;
        _diag = new EngineDiagnostics(this, events);
    }

    /// <summary>
    /// The options of the running call (set by <see cref="EngineCall"/> as each call starts); the connection-level ones
    /// are those of the call that connected, since a facade does not let them change while connected.
    /// </summary>
    public EngineOptions Options { get; set; } = new() { Connect = new ConnectRequest { Host = "", Port = 25 } };

    /// <summary>True while a session is open.</summary>
    public bool IsConnected => _connection is { IsBroken: false };

    /// <summary>What the server announced in its last EHLO reply.</summary>
    public Capabilities Capabilities { get; private set; } = Capabilities.None;

    /// <summary>The last reply from the server, or null.</summary>
    public SmtpReply? LastReply { get; private set; }

    /// <summary>The local address of the current connection.</summary>
    public string LocalAddress { get; private set; } = "";

    /// <summary>The local port of the current connection.</summary>
    public int LocalPort { get; private set; }

    /// <summary>The remote address of the current connection.</summary>
    public string RemoteAddress { get; private set; } = "";

    /// <summary>The proxy's tunnel of the current (or last) connection, or null when it was direct.</summary>
    public Transport.Proxies.ProxyTunnel? ProxyTunnel { get; private set; }

    /// <summary>True once the session was authenticated.</summary>
    public bool IsAuthenticated { get; private set; }

    /// <summary>The socket of the current connection, when there is one (for tests and diagnostics).</summary>
    internal System.Net.Sockets.Socket? Socket => _connection?.Socket;

    /// <summary>Bytes sent over the current (or last) connection.</summary>
    public long BytesSent => _connection?.BytesSent ?? _lastBytesSent;

    /// <summary>Bytes received over the current (or last) connection.</summary>
    public long BytesReceived => _connection?.BytesReceived ?? _lastBytesReceived;

    /// <summary>The Hello name actually used: the one in the options, or the local host name.</summary>
    public string HelloName => Options.Hello.Length > 0 ? Options.Hello : DefaultHelloName();

    /// <summary>Opens the session: TCP, implicit TLS if configured, greeting, EHLO/HELO, STARTTLS, AUTH.</summary>
    public async ValueTask ConnectAsync<TIO>(TIO io, OperationGuard guard) where TIO : struct, ISmtpIO
    {
        if (IsConnected)
        {
            throw new SmtpException(SmtpErrorCodes.AlreadyConnected, "Already connected; call Disconnect before connecting again.");
        }
        var s = Options;
        // Implicit TLS speaks first (the ClientHello), so a proxy's bytes after its reply cannot be the server's.
        var endpoint = s.Connect with { ClientSpeaksFirst = s.TlsMode == TlsMode.Implicit };
        var terms = s.Terms;
        if (string.IsNullOrWhiteSpace(endpoint.Host))
        {
            throw new SmtpException(SmtpErrorCodes.NoMailServer,
                $"No {terms.Server} specified: set {terms.Server} to the host name or address of the SMTP server.");
        }
        if (endpoint.Port is < 1 or > 65535)
        {
            throw new SmtpException(SmtpErrorCodes.InvalidPort, $"{terms.Port} {endpoint.Port} is not a valid TCP port (1-65535).");
        }
        CloseConnection();
        ResetTlsState();
        _lastBytesSent = _lastBytesReceived = 0;
        ProxyTunnel = null;
        // Once the server has greeted, a refusal leaves a session that is ended with QUIT, not by just closing the
        // connection (RFC 5321 §4.1.1.10). STARTTLS failures are the exception: nothing more goes over a channel that
        // could not be secured.
        bool quitOnFailure = false;
        _diag.ConnectStarting();
        try
        {
            // ConnectionTimeout, when set, replaces Timeout until the greeting has arrived. Without it the call's own
            // Timeout runs on untouched: restarting it here would stretch an AbsoluteTimeout.
            if (s.ConnectionTimeout > TimeSpan.Zero)
            {
                guard.SetLimit(s.ConnectionTimeout);
            }
            _step = $"connecting to {endpoint.Host} port {endpoint.Port}";
            var factory = s.TransportFactory ?? TcpConnector.Instance;
            var opened = await factory.OpenAsync(io, endpoint, guard, Info).ConfigureAwait(false);
            var stream = opened.Stream;
            if (endpoint.Socket is { ReadRateLimit: > 0 } or { WriteRateLimit: > 0 })
            {
                stream = new RateLimitedStream(stream, endpoint.Socket.ReadRateLimit, endpoint.Socket.WriteRateLimit);
            }
            _connection = new SmtpConnection(stream, opened.Socket, s.MaxLineLength, s.SendBufferSize, terms.MaxLineLength);
            guard.SetAbortAction(_connection.Abort);
            RemoteAddress = opened.RemoteAddress;
            LocalAddress = opened.LocalAddress;
            LocalPort = opened.LocalPort;
            ProxyTunnel = opened.Tunnel;
            _diag.Connected(opened.RemoteAddress, opened.LocalAddress, opened.LocalPort, opened.Tunnel is null ? null : endpoint.Proxy);
            if (opened.Tunnel is not null && endpoint.Proxy is { } proxy)
            {
                _events.OnConnectionStatus("Firewall connection complete", opened.Tunnel.ReplyCode,
                    $"The {proxy.ProtocolName} proxy {proxy.Endpoint} ({opened.RemoteAddress}) opened a tunnel to {endpoint.Host} port " +
                    $"{endpoint.Port}.");
                _events.OnConnectionStatus("Remote host connection complete", 0,
                    $"Connected to {endpoint.Host} port {endpoint.Port} through the {proxy.ProtocolName} proxy {proxy.Endpoint}, " +
                    $"from {opened.LocalAddress} port {opened.LocalPort}.");
            }
            else
            {
                _events.OnConnectionStatus("Remote host connection complete", 0,
                    $"Connected to {opened.RemoteAddress} port {endpoint.Port} from {opened.LocalAddress} port {opened.LocalPort}.");
            }

            var tlsMode = s.TlsMode;
            if (tlsMode == TlsMode.Implicit)
            {
                await StartTlsHandshakeAsync(io, guard).ConfigureAwait(false);
            }

            _step = GreetingStep;
            var greeting = await ReadReplyAsync(io, guard).ConfigureAwait(false);
            if (greeting.Code != 220)
            {
                // RFC 5321 §3.1: a server that refuses the session in its greeting (554) still waits for QUIT; one
                // that answers 421 is closing the connection itself.
                quitOnFailure = greeting.Code != 421;
                throw ReplyError(greeting, "The server refused the connection");
            }
            quitOnFailure = true;
            if (s.ConnectionTimeout > TimeSpan.Zero)
            {
                guard.SetLimit(s.Timeout);
            }
            await HelloAsync(io, guard).ConfigureAwait(false);

            if (tlsMode is TlsMode.StartTls or TlsMode.StartTlsIfOffered)
            {
                quitOnFailure = false;
                await StartTlsAsync(io, guard, required: tlsMode == TlsMode.StartTls).ConfigureAwait(false);
                quitOnFailure = true;
            }
            if (s.Auth.User.Length > 0 || s.Auth.AskWithoutUser)
            {
                await AuthenticateAsync(io, guard).ConfigureAwait(false);
            }
            _step = "";
            _diag.ConnectSucceeded();
        }
        catch (Exception e)
        {
            var translated = Translate(e, guard);
            _diag.ConnectFailed(translated);
            // Translate closed the connection for anything but a server's "no" (and a 421 closed it already).
            if (quitOnFailure && translated is SmtpException && IsConnected)
            {
                await DisconnectAsync(io, guard, keepLastReply: true).ConfigureAwait(false);
            }
            CloseConnection();
            throw translated;
        }
    }

    /// <summary>Sends QUIT (when the connection still works) and closes it.</summary>
    /// <param name="io">The I/O adapter.</param>
    /// <param name="guard">The running call's guard.</param>
    /// <param name="keepLastReply">True when a method closes a connection it opened itself: LastReply then keeps the
    /// answer the caller asked for rather than the server's goodbye.</param>
    public async ValueTask DisconnectAsync<TIO>(TIO io, OperationGuard guard, bool keepLastReply = false) where TIO : struct, ISmtpIO
    {
        if (_connection is null)
        {
            return;
        }
        var lastReply = LastReply;
        try
        {
            if (!_connection.IsBroken)
            {
                _step = "saying goodbye (QUIT)";
                guard.SetAbortAction(_connection.Abort);
                QueueCommand("QUIT");
                await _connection.FlushAsync(io, guard).ConfigureAwait(false);
                await ReadReplyAsync(io, guard).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or SmtpProtocolException
                                      or OperationCanceledException or ConnectionClosedException)
        {
            // The session is ending anyway; a server that closes without answering QUIT loses nothing.
            Info($"The server did not answer QUIT cleanly ({e.Message}).");
        }
        finally
        {
            CloseConnection();
            _step = "";
            if (keepLastReply)
            {
                LastReply = lastReply;
            }
        }
    }

    /// <summary>Closes the connection without QUIT (after a failure, or when the component is disposed).</summary>
    public void CloseConnection()
    {
        var c = _connection;
        if (c is null)
        {
            return;
        }
        _connection = null;
        _lastBytesSent = c.BytesSent;
        _lastBytesReceived = c.BytesReceived;
        _diag.ConnectionClosed(c.BytesSent);
        c.Dispose();
        Capabilities = Capabilities.None;
        IsAuthenticated = false;
        _transactions = 0;
        _needsReset = false;
        CloseTls();
        _events.OnConnectionStatus("Remote host disconnected", 0, $"Disconnected from {Options.Connect.Host}.");
        if (ProxyTunnel is not null && Options.Connect.Proxy is { } proxy)
        {
            // The session's connection was the proxy's: closing it ends the tunnel too.
            _events.OnConnectionStatus("Firewall host disconnected", 0,
                $"The connection to the {proxy.ProtocolName} proxy {proxy.Endpoint} is closed.");
        }
    }

    /// <summary>Forgets what the last session left for inspection (reply, addresses, server certificate).</summary>
    public void ForgetSession()
    {
        LastReply = null;
        LocalAddress = RemoteAddress = "";
        LocalPort = 0;
        ProxyTunnel = null;
        ResetTlsState();
    }

    /// <inheritdoc />
    public void Dispose() => CloseConnection();

    /// <summary>
    /// Sends EHLO (or HELO when extensions are turned off) and records the capabilities. A server that does not know
    /// EHLO (500/502, or 501/504 from some old servers) gets HELO instead (RFC 5321 §4.1.4).
    /// </summary>
    private async ValueTask HelloAsync<TIO>(TIO io, OperationGuard guard) where TIO : struct, ISmtpIO
    {
        string name = HelloName;
        if (Options.UseExtensions)
        {
            _step = "greeting the server (EHLO)";
            var ehlo = await CommandAsync(io, guard, SmtpCommands.Ehlo(name)).ConfigureAwait(false);
            if (ehlo.Code == 250)
            {
                Capabilities = Capabilities.FromEhlo(ehlo);
                return;
            }
            if (ehlo.Code is not (500 or 501 or 502 or 504))
            {
                throw ReplyError(ehlo, "The server rejected EHLO");
            }
            Info("The server does not support EHLO; falling back to HELO (no ESMTP extensions).");
        }
        _step = "greeting the server (HELO)";
        var helo = await CommandAsync(io, guard, SmtpCommands.Helo(name)).ConfigureAwait(false);
        if (helo.Code != 250)
        {
            throw ReplyError(helo, "The server rejected HELO");
        }
        Capabilities = Capabilities.None;
    }

    /// <summary>
    /// Queues one command (or, with <see cref="TraceDirection.ClientData"/>, a line of data for the command before it)
    /// and traces it. <paramref name="masked"/> is the line with its secret hidden, for a line that carries one: the
    /// facade's trace shows it unless masking was turned off, the log always does.
    /// </summary>
    private void QueueCommand(string line, string? masked = null, TraceDirection direction = TraceDirection.Client)
    {
        Connection.QueueLine(line);
        _events.OnTrace(direction, masked is not null && Options.MaskSecrets ? masked : line);
        _diag.Command(masked ?? line);
    }

    /// <summary>Sends one command (or, with <see cref="TraceDirection.ClientData"/>, a line of data for the command before
    /// it) and reads its reply.</summary>
    private async ValueTask<SmtpReply> CommandAsync<TIO>(TIO io, OperationGuard guard, string line, string? masked = null,
        TraceDirection direction = TraceDirection.Client)
        where TIO : struct, ISmtpIO
    {
        QueueCommand(line, masked, direction);
        await Connection.FlushAsync(io, guard).ConfigureAwait(false);
        return await ReadReplyAsync(io, guard).ConfigureAwait(false);
    }

    /// <summary>Reads one reply, traces it, and remembers it as LastReply. A 421 closes the session (RFC 5321 §3.8).</summary>
    /// <remarks>A reply that was already buffered completes here without an asynchronous state machine.</remarks>
    private ValueTask<SmtpReply> ReadReplyAsync<TIO>(TIO io, OperationGuard guard) where TIO : struct, ISmtpIO
    {
        var pending = Connection.ReadReplyAsync(io, guard);
        return pending.IsCompletedSuccessfully ? new ValueTask<SmtpReply>(Received(pending.Result)) : AwaitReplyAsync(pending);
    }

    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<SmtpReply> AwaitReplyAsync(ValueTask<SmtpReply> pending) => Received(await pending.ConfigureAwait(false));

    private SmtpReply Received(SmtpReply reply)
    {
        LastReply = reply;
        if (_events.WantsTrace)
        {
            for (int i = 0; i < reply.Lines.Count; i++)
            {
                _events.OnTrace(TraceDirection.Server, reply.FormatLine(i));
            }
        }
        _diag.Reply(reply);
        return reply;
    }

    private SmtpConnection Connection =>
        _connection ?? throw new SmtpException(SmtpErrorCodes.NotConnected, "Not connected to a mail server; call Connect first.");

    private void Info(string message)
    {
        _events.OnTrace(TraceDirection.Info, message);
        _diag.Note(message);
    }

    /// <summary>An exception for a reply that means "no". A 421 also ends the session.</summary>
    private SmtpException ReplyError(SmtpReply reply, string what)
    {
        if (reply.Code == 421)
        {
            // The server is closing the transmission channel; the connection is of no further use.
            _connection?.Abort();
            return new SmtpException(SmtpErrorCodes.ProtocolError,
                $"{what}: the server is closing the connection: {reply}", reply);
        }
        return new SmtpException(SmtpErrorCodes.ProtocolError, $"{what}: {reply}", reply);
    }

    /// <summary>
    /// Turns whatever went wrong into the exception the caller sees: the guard's verdict first (timeout, interrupt,
    /// cancellation), then I/O and protocol failures as 162 with the step that failed. The connection is closed for
    /// anything but a server's "no", which leaves the session usable.
    /// </summary>
    public Exception Translate(Exception e, OperationGuard guard)
    {
        string step = _stepCommand is not null && _step.Contains("{0}", StringComparison.Ordinal)
            ? _step.Replace("{0}", Verb(_stepCommand), StringComparison.Ordinal) : _step;
        string during = step.Length > 0 ? $" while {step}" : "";
        if (guard.StoppedException(e, during) is { } stopped)
        {
            _connection?.Abort();
            return stopped is SmtpException { Code: SmtpErrorCodes.Timeout } && _step == GreetingStep && !IsSecure
                ? new SmtpException(SmtpErrorCodes.Timeout, stopped.Message + " If this port expects TLS from the first byte " +
                    $"(implicit TLS, usually port 465), {Options.Terms.UseImplicitTls}.", stopped.InnerException)
                : stopped;
        }
        switch (e)
        {
            case SmtpException se:
                return se;
            case Transport.Proxies.ProxyException pe:
                // The handshake failed before the session began: nothing to QUIT, and the connector closed the socket.
                _connection?.Abort();
                return ProxyFailure.ToSmtpException(pe, Options.Connect.Proxy, Options.Terms);
            case SmtpProtocolException pe:
                _connection?.Abort();
                return new SmtpException(SmtpErrorCodes.CommunicationError, $"{pe.Message} (received{during}) The connection was closed.", pe);
            case ConnectionClosedException ce:
                _connection?.Abort();
                return new SmtpException(SmtpErrorCodes.CommunicationError, $"{ce.Message.TrimEnd('.')}{during}.", ce);
            case AuthenticationException ae:
                _connection?.Abort();
                return new SmtpException(SmtpErrorCodes.TlsHandshakeError, $"The TLS handshake failed{during}: {ae.Message}", ae);
            case IOException or SocketException or ObjectDisposedException when Tls is { ClientCertificateRequested: true, ClientCertificateSent: false }:
                // TLS 1.3 servers judge the client certificate after the handshake, so refusing a missing one shows up
                // as the first read failing.
                _connection?.Abort();
                return new SmtpException(SmtpErrorCodes.TlsHandshakeError,
                    $"The TLS connection failed{during}: the server asked for a client certificate and none was sent, which " +
                    $"it most likely refused. Set {Options.Terms.ClientCertificate} to a certificate the server trusts. " +
                    $"({(e.InnerException ?? e).Message})", e);
            case IOException or SocketException or ObjectDisposedException:
                _connection?.Abort();
                return new SmtpException(SmtpErrorCodes.CommunicationError,
                    $"Communication with the server failed{during}: {(e.InnerException ?? e).Message}", e);
            default:
                return e;
        }
    }

    /// <summary>The local host name, used when no Hello name is set.</summary>
    public static string DefaultHelloName()
    {
        try
        {
            string name = System.Net.Dns.GetHostName();
            return string.IsNullOrEmpty(name) ? "localhost" : name;
        }
        catch (SocketException)
        {
            return "localhost";
        }
    }
}
