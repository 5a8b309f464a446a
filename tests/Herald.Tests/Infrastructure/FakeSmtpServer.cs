using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Herald.Tests.Infrastructure;

/// <summary>How the fake server handles STARTTLS (RFC 3207), including the ways an attacker in the path misuses it.</summary>
internal enum FakeStartTls
{
    /// <summary>Not advertised; the command is answered 502 (as when a man in the middle strips it).</summary>
    NotOffered,
    /// <summary>Advertised and honoured.</summary>
    Offered,
    /// <summary>Advertised, but the command is answered <c>454 4.7.0</c>.</summary>
    Answer454,
    /// <summary>
    /// Advertised; the command is answered with <c>220</c> and a forged <c>250</c> in the same packet, which a
    /// client must not read as if it came after the handshake (CVE-2011-0411).
    /// </summary>
    InjectAfterReady,
}

/// <summary>
/// A scriptable SMTP server on 127.0.0.1 (a free port) for tests that need a real socket: TLS, timeouts, drops, slow
/// or odd replies. Without handlers it behaves like a plain ESMTP server: it answers EHLO with
/// <see cref="Capabilities"/>, MAIL/RCPT/DATA/BDAT/RSET/NOOP/VRFY/EXPN/QUIT and (when <see cref="Users"/> has entries)
/// AUTH PLAIN/LOGIN, answers every pipelined line in order, and sends replies to lines that arrived together in one
/// packet. <see cref="On"/> replaces the answer to a command; <see cref="OnConnect"/> replaces the greeting.
/// Everything a client sends is recorded per connection in <see cref="Sessions"/>. Configure it before clients
/// connect; disposing it closes every connection and waits for its tasks.
/// </summary>
internal sealed class FakeSmtpServer : IAsyncDisposable, IDisposable
{
    private readonly object _gate = new();
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<string, Func<FakeCommand, FakeAction?>> _handlers = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<FakeSession> _sessions = [];
    private readonly List<Task> _sessionTasks = [];
    private readonly Task _acceptLoop;
    private X509Certificate2? _certificate;
    private int _messageCounter;
    private int _disposed;

    /// <summary>Starts listening on 127.0.0.1 at a port the system chooses.</summary>
    public FakeSmtpServer()
    {
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    /// <summary>The address to connect to.</summary>
    public string Host => "127.0.0.1";

    /// <summary>The port to connect to.</summary>
    public int Port { get; }

    /// <summary>The name the server gives itself in the greeting and EHLO reply.</summary>
    public string HostName { get; set; } = "fake.test";

    /// <summary>The greeting line(s) sent on connect; null means <c>220 {HostName} ESMTP ready</c>.</summary>
    public string? Greeting { get; set; }

    /// <summary>The EHLO keywords after the first line; STARTTLS and AUTH are added according to the settings.</summary>
    public List<string> Capabilities { get; } = ["PIPELINING", "SIZE 10485760", "8BITMIME", "ENHANCEDSTATUSCODES"];

    /// <summary>Start TLS as soon as a client connects (SMTPS, RFC 8314).</summary>
    public bool ImplicitTls { get; set; }

    /// <summary>How STARTTLS is advertised and answered.</summary>
    public FakeStartTls StartTls { get; set; } = FakeStartTls.NotOffered;

    /// <summary>The server certificate; by default a self-signed one for <c>localhost</c> and 127.0.0.1.</summary>
    public X509Certificate2 Certificate
    {
        get => _certificate ?? TestCertificates.Localhost;
        set => _certificate = value;
    }

    /// <summary>The certificate in PEM form, for a client that should trust exactly this server.</summary>
    public string CertificatePem => Certificate.ExportCertificatePem();

    /// <summary>Ask the client for a certificate during the handshake (recorded in <see cref="FakeSession.ClientCertificate"/>).</summary>
    public bool RequestClientCertificate { get; set; }

    /// <summary>TLS versions the server accepts; <see cref="SslProtocols.None"/> lets the system choose.</summary>
    public SslProtocols TlsProtocols { get; set; } = SslProtocols.None;

    /// <summary>User names and passwords for the built-in AUTH PLAIN and LOGIN; empty disables AUTH.</summary>
    public Dictionary<string, string> Users { get; } = [];

    /// <summary>Longest line (or data line) accepted before the server gives up on the connection.</summary>
    public int MaxLineLength { get; set; } = 1024 * 1024;

    /// <summary>Replaces the greeting; the function sees the session (use its Index to script each connection).</summary>
    public Func<FakeSession, FakeAction?>? OnConnect { get; set; }

    /// <summary>Every connection accepted so far.</summary>
    public IReadOnlyList<FakeSession> Sessions
    {
        get
        {
            lock (_gate)
            {
                return [.. _sessions];
            }
        }
    }

    /// <summary>
    /// Handles <paramref name="verb"/> (case-insensitive; <c>"."</c> for the end of DATA). The handler sees the
    /// whole line and returns the action, or null for the built-in answer.
    /// </summary>
    /// <returns>The server, for chaining.</returns>
    public FakeSmtpServer On(string verb, Func<FakeCommand, FakeAction?> handler)
    {
        lock (_gate)
        {
            _handlers[verb] = handler;
        }
        return this;
    }

    /// <summary>Waits until connection number <paramref name="index"/> (0-based) has been accepted.</summary>
    /// <exception cref="TimeoutException">It was not accepted within <paramref name="timeout"/>.</exception>
    public async Task<FakeSession> WaitForSessionAsync(int index, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var sessions = Sessions;
            if (sessions.Count > index)
            {
                return sessions[index];
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Connection {index + 1} did not arrive within {timeout.TotalSeconds:0.#} s.");
            }
            await Task.Delay(10).ConfigureAwait(false);
        }
    }

    /// <summary>Stops listening, closes every connection and waits (up to ten seconds) for their tasks to end.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        Task[] tasks;
        lock (_gate)
        {
            foreach (var session in _sessions)
            {
                session.Abort();
            }
            tasks = [_acceptLoop, .. _sessionTasks];
        }
        try
        {
            await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new InvalidOperationException("The fake server's connections did not stop within 10 s of disposal.");
        }
        _stop.Dispose();
    }

    /// <summary>Same as <see cref="DisposeAsync"/>.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private async Task AcceptLoopAsync()
    {
        var token = _stop.Token;
        while (!token.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            lock (_gate)
            {
                var session = new FakeSession(_sessions.Count, client);
                _sessions.Add(session);
                if (token.IsCancellationRequested)
                {
                    session.Abort();
                    session.MarkEnded();
                    continue;
                }
                _sessionTasks.Add(Task.Run(() => RunSessionAsync(session, token)));
            }
        }
    }

    private async Task RunSessionAsync(FakeSession session, CancellationToken token)
    {
        try
        {
            var connection = new FakeConnection(session.Client.GetStream());
            if (ImplicitTls)
            {
                await HandshakeAsync(session, connection, token).ConfigureAwait(false);
            }
            var greeting = OnConnect?.Invoke(session) ?? FakeAction.Reply(Greeting ?? $"220 {HostName} ESMTP ready");
            if (!await ExecuteAsync(session, connection, greeting, token).ConfigureAwait(false))
            {
                return;
            }
            await connection.FlushAsync(token).ConfigureAwait(false);
            while (true)
            {
                var raw = await connection.ReadLineAsync(MaxLineLength, token).ConfigureAwait(false);
                if (raw is null)
                {
                    session.ClientClosed = true;
                    return;
                }
                string line = Encoding.UTF8.GetString(TrimLineEnd(raw));
                session.AddLine(line);
                if (!await HandleLineAsync(session, connection, line, token).ConfigureAwait(false))
                {
                    return;
                }
                // Replies to pipelined lines are collected and go out together once the input is drained.
                if (!connection.HasBufferedLine)
                {
                    await connection.FlushAsync(token).ConfigureAwait(false);
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or AuthenticationException or ObjectDisposedException
            or OperationCanceledException or InvalidDataException)
        {
            if (!token.IsCancellationRequested)
            {
                session.Error = e;
            }
        }
        finally
        {
            session.Abort();
            session.MarkEnded();
        }
    }

    /// <returns>False when the session is over.</returns>
    private async Task<bool> HandleLineAsync(FakeSession session, FakeConnection connection, string line, CancellationToken token)
    {
        if (session.Continuation is { } next)
        {
            session.Continuation = null;
            var answer = new FakeCommand(session, line, "", line, null, _ => FakeAction.Reply("501 5.5.2 Unexpected answer"));
            return await ExecuteAsync(session, connection, next(answer) ?? answer.BuiltIn(), token).ConfigureAwait(false);
        }
        int space = line.IndexOf(' ');
        string verb = (space < 0 ? line : line[..space]).ToUpperInvariant();
        string argument = space < 0 ? "" : line[(space + 1)..];
        if (verb == "BDAT")
        {
            return await HandleBdatAsync(session, connection, line, argument, token).ConfigureAwait(false);
        }
        var command = new FakeCommand(session, line, verb, argument, null, BuiltIn);
        var action = Handler(verb)?.Invoke(command) ?? BuiltIn(command);
        if (!await ExecuteAsync(session, connection, action, token).ConfigureAwait(false))
        {
            return false;
        }
        int code = action.ReplyCode ?? 0;
        bool positive = code is >= 200 and < 400;
        switch (verb)
        {
            case "EHLO" or "HELO" when positive:
                session.Greeted = true;
                session.Hello = argument;
                session.Transaction = null;
                break;
            case "MAIL" when positive:
                session.Transaction = new FakeMessage(line, Address(argument));
                break;
            case "RCPT":
                session.Transaction?.AddRcpt(line, Address(argument), positive);
                break;
            case "RSET" when positive:
                session.Transaction = null;
                break;
            case "DATA" when code == 354:
                await connection.FlushAsync(token).ConfigureAwait(false);
                return await ReceiveDataAsync(session, connection, token).ConfigureAwait(false);
            case "STARTTLS" when code == 220:
                await connection.FlushAsync(token).ConfigureAwait(false);
                // Plaintext the client sent ahead of the handshake is not part of the TLS session (RFC 3207 §4.2).
                session.DiscardedBeforeTls = connection.TakeBuffered();
                await HandshakeAsync(session, connection, token).ConfigureAwait(false);
                session.Greeted = false;
                session.Transaction = null;
                session.AuthenticatedUser = null;
                break;
            case "QUIT" when code == 221:
                await connection.FlushAsync(token).ConfigureAwait(false);
                return false;
        }
        return true;
    }

    private async Task<bool> ReceiveDataAsync(FakeSession session, FakeConnection connection, CancellationToken token)
    {
        var message = session.Transaction ?? new FakeMessage("", "");
        while (true)
        {
            var raw = await connection.ReadLineAsync(MaxLineLength, token).ConfigureAwait(false);
            if (raw is null)
            {
                session.ClientClosed = true;
                return false;
            }
            message.AppendRaw(raw);
            // Only CRLF ends a line of message data (RFC 5321 §4.1.1.4); a bare LF stays part of the content.
            if (raw.Length < 2 || raw[^2] != (byte)'\r')
            {
                message.AppendContent(raw);
                continue;
            }
            if (DotUnstuffer.ProcessLine(raw.AsSpan(0, raw.Length - 2), out var content))
            {
                break;
            }
            message.AppendContent(content);
            message.AppendContent("\r\n"u8);
        }
        return await FinishMessageAsync(session, connection, message, ".", ".", "", token).ConfigureAwait(false);
    }

    private async Task<bool> HandleBdatAsync(FakeSession session, FakeConnection connection, string line, string argument,
        CancellationToken token)
    {
        var parts = argument.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length is < 1 or > 2 || !int.TryParse(parts[0], out int size) || size < 0
            || (parts.Length == 2 && !parts[1].Equals("LAST", StringComparison.OrdinalIgnoreCase)))
        {
            // Without a size the chunk cannot be skipped, so the connection cannot go on.
            return await ExecuteAsync(session, connection, FakeAction.Sequence(
                FakeAction.Reply("501 5.5.4 Syntax: BDAT size [LAST]"), FakeAction.Drop), token).ConfigureAwait(false);
        }
        // RFC 3030 §2: the chunk follows the command whatever the reply will be, so it is always read.
        var chunk = await connection.ReadExactAsync(size, token).ConfigureAwait(false);
        if (chunk is null)
        {
            session.ClientClosed = true;
            return false;
        }
        bool last = parts.Length == 2;
        var message = session.Transaction;
        message?.AppendRaw(chunk);
        message?.AppendContent(chunk);
        if (message is not null)
        {
            message.ViaBdat = true;
            message.ChunkCount++;
        }
        if (last && message is not null)
        {
            return await FinishMessageAsync(session, connection, message, "BDAT", line, argument, token).ConfigureAwait(false);
        }
        var command = new FakeCommand(session, line, "BDAT", argument, message, BuiltIn);
        var action = Handler("BDAT")?.Invoke(command) ?? BuiltIn(command);
        return await ExecuteAsync(session, connection, action, token).ConfigureAwait(false);
    }

    private async Task<bool> FinishMessageAsync(FakeSession session, FakeConnection connection, FakeMessage message,
        string verb, string line, string argument, CancellationToken token)
    {
        var command = new FakeCommand(session, line, verb, argument, message, EndOfData);
        var action = Handler(verb)?.Invoke(command) ?? EndOfData(command);
        message.FinalReplyCode = action.ReplyCode;
        session.AddMessage(message);
        session.Transaction = null;
        return await ExecuteAsync(session, connection, action, token).ConfigureAwait(false);
    }

    /// <returns>False when the action ended the session.</returns>
    private async Task<bool> ExecuteAsync(FakeSession session, FakeConnection connection, FakeAction action, CancellationToken token)
    {
        switch (action)
        {
            case FakeAction.SendAction send:
                connection.Queue(send.Bytes);
                return true;
            case FakeAction.DelayAction delay:
                await connection.FlushAsync(token).ConfigureAwait(false);
                await Task.Delay(delay.Duration, token).ConfigureAwait(false);
                return await ExecuteAsync(session, connection, delay.Then, token).ConfigureAwait(false);
            case FakeAction.SequenceAction sequence:
                foreach (var step in sequence.Actions)
                {
                    if (!await ExecuteAsync(session, connection, step, token).ConfigureAwait(false))
                    {
                        return false;
                    }
                }
                return true;
            case FakeAction.ContinueAction next:
                session.Continuation = next.Next;
                return await ExecuteAsync(session, connection, next.Challenge, token).ConfigureAwait(false);
            case FakeAction.CloseAction close:
                await connection.FlushAsync(token).ConfigureAwait(false);
                // The server may be disposed between the flush and here (TcpClient.Client is then null): the
                // connection is being closed anyway, so there is nothing left to do.
                var socket = session.Client.Client;
                try
                {
                    if (close.IsReset)
                    {
                        // Closing the socket itself with a zero linger sends RST; disposing the stream would send FIN first.
                        socket?.Close(0);
                    }
                    else
                    {
                        socket?.Shutdown(SocketShutdown.Send);
                    }
                }
                catch (ObjectDisposedException)
                {
                }
                return false;
            case FakeAction.HangAction:
                await connection.FlushAsync(token).ConfigureAwait(false);
                await Task.Delay(Timeout.Infinite, token).ConfigureAwait(false);
                return false;
            default:
                throw new InvalidOperationException($"Unknown action {action.GetType().Name}.");
        }
    }

    private async Task HandshakeAsync(FakeSession session, FakeConnection connection, CancellationToken token)
    {
        var ssl = new SslStream(connection.Stream, leaveInnerStreamOpen: false);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(token);
        limit.CancelAfter(TimeSpan.FromSeconds(30));
        await ssl.AuthenticateAsServerAsync(FakeSession.ServerOptions(Certificate, RequestClientCertificate, TlsProtocols),
            limit.Token).ConfigureAwait(false);
        connection.ReplaceStream(ssl);
        session.IsTls = true;
        session.TlsProtocol = ssl.SslProtocol;
        session.ClientCertificate = ssl.RemoteCertificate;
    }

    private Func<FakeCommand, FakeAction?>? Handler(string verb)
    {
        lock (_gate)
        {
            return _handlers.GetValueOrDefault(verb);
        }
    }

    private FakeAction BuiltIn(FakeCommand command)
    {
        var session = command.Session;
        string arg = command.Argument;
        switch (command.Verb)
        {
            case "EHLO":
                if (arg.Length == 0)
                {
                    return FakeAction.Reply("501 5.5.4 Syntax: EHLO hostname");
                }
                var keywords = new List<string>(Capabilities);
                if (!session.IsTls && StartTls != FakeStartTls.NotOffered)
                {
                    keywords.Add("STARTTLS");
                }
                if (Users.Count > 0)
                {
                    keywords.Add("AUTH PLAIN LOGIN");
                }
                var lines = new List<string> { $"{HostName} greets {arg}" };
                lines.AddRange(keywords);
                return FakeAction.Reply([.. lines.Select((l, i) => (i == lines.Count - 1 ? "250 " : "250-") + l)]);
            case "HELO":
                return FakeAction.Reply(arg.Length == 0 ? "501 5.5.4 Syntax: HELO hostname" : $"250 {HostName}");
            case "MAIL":
                return FakeAction.Reply(
                    !session.Greeted ? "503 5.5.1 Error: send HELO/EHLO first"
                    : session.Transaction is not null ? "503 5.5.1 Error: nested MAIL command"
                    : !arg.StartsWith("FROM:", StringComparison.OrdinalIgnoreCase) ? "501 5.5.4 Syntax: MAIL FROM:<address>"
                    : "250 2.1.0 Ok");
            case "RCPT":
                return FakeAction.Reply(
                    session.Transaction is null ? "503 5.5.1 Error: need MAIL command"
                    : !arg.StartsWith("TO:", StringComparison.OrdinalIgnoreCase) ? "501 5.5.4 Syntax: RCPT TO:<address>"
                    : "250 2.1.5 Ok");
            case "DATA":
                return FakeAction.Reply(
                    session.Transaction is null ? "503 5.5.1 Error: need MAIL command"
                    : session.Transaction.Recipients.Count == 0 ? "554 5.5.1 Error: no valid recipients"
                    : "354 End data with <CR><LF>.<CR><LF>");
            case "BDAT":
                // Only a chunk that is not the last reaches this (the last one is answered by EndOfData).
                return FakeAction.Reply(session.Transaction is null
                    ? "503 5.5.1 Error: need MAIL command"
                    : $"250 2.0.0 {command.Message?.ChunkCount} chunk(s) received");
            case "RSET":
            case "NOOP":
                return FakeAction.Reply("250 2.0.0 Ok");
            case "QUIT":
                return FakeAction.Reply("221 2.0.0 Bye");
            case "VRFY":
                return FakeAction.Reply(arg.Length == 0 ? "501 5.5.4 Syntax: VRFY address" : $"252 2.0.0 {arg}");
            case "EXPN":
                return arg.Length == 0
                    ? FakeAction.Reply("501 5.5.4 Syntax: EXPN list")
                    : FakeAction.Reply($"250-2.1.5 First Member <first@{HostName}>", $"250 2.1.5 Second Member <second@{HostName}>");
            case "STARTTLS":
                return session.IsTls
                    ? FakeAction.Reply("503 5.5.1 Error: TLS already active")
                    : StartTls switch
                    {
                        FakeStartTls.Offered => FakeAction.Reply("220 2.0.0 Ready to start TLS"),
                        FakeStartTls.Answer454 => FakeAction.Reply("454 4.7.0 TLS not available due to local problem"),
                        FakeStartTls.InjectAfterReady => FakeAction.Raw("220 2.0.0 Ready to start TLS\r\n250 2.0.0 injected\r\n"),
                        _ => FakeAction.Reply("502 5.5.1 Error: command not implemented"),
                    };
            case "AUTH":
                return BuiltInAuth(session, arg);
            default:
                return FakeAction.Reply("500 5.5.2 Error: command not recognized");
        }
    }

    private FakeAction EndOfData(FakeCommand command) =>
        FakeAction.Reply($"250 2.0.0 Ok: queued as FAKE{Interlocked.Increment(ref _messageCounter)}");

    private FakeAction BuiltInAuth(FakeSession session, string argument)
    {
        if (Users.Count == 0)
        {
            return FakeAction.Reply("502 5.5.1 Error: authentication not enabled");
        }
        if (session.AuthenticatedUser is not null)
        {
            return FakeAction.Reply("503 5.5.1 Error: already authenticated");
        }
        var parts = argument.Split(' ', 2);
        string mechanism = parts[0].ToUpperInvariant();
        string? initial = parts.Length > 1 ? parts[1] : null;
        switch (mechanism)
        {
            case "PLAIN":
                // RFC 4616: authzid NUL authcid NUL passwd; "=" is an empty initial response (RFC 4954 §4).
                FakeAction Plain(string encoded)
                {
                    if (encoded == "*")
                    {
                        return FakeAction.Reply("501 5.7.0 Authentication cancelled");
                    }
                    var decoded = Base64(encoded == "=" ? "" : encoded)?.Split('\0');
                    return decoded is { Length: 3 }
                        ? CheckPassword(session, decoded[1], decoded[2])
                        : FakeAction.Reply("501 5.5.2 Cannot decode the response");
                }
                return initial is null ? FakeAction.Continue(FakeAction.Reply("334 "), c => Plain(c.Line)) : Plain(initial);
            case "LOGIN":
                FakeAction AskPassword(string user) =>
                    FakeAction.Continue(FakeAction.Reply("334 UGFzc3dvcmQ6"), c => c.Line == "*"
                        ? FakeAction.Reply("501 5.7.0 Authentication cancelled")
                        : Base64(c.Line) is { } password ? CheckPassword(session, user, password)
                        : FakeAction.Reply("501 5.5.2 Cannot decode the response"));
                FakeAction WithUser(string encoded) =>
                    encoded == "*" ? FakeAction.Reply("501 5.7.0 Authentication cancelled")
                    : Base64(encoded) is { } user ? AskPassword(user)
                    : FakeAction.Reply("501 5.5.2 Cannot decode the response");
                return initial is null
                    ? FakeAction.Continue(FakeAction.Reply("334 VXNlcm5hbWU6"), c => WithUser(c.Line))
                    : WithUser(initial);
            default:
                return FakeAction.Reply("504 5.5.4 Unrecognized authentication type");
        }
    }

    private FakeAction CheckPassword(FakeSession session, string user, string password)
    {
        if (Users.TryGetValue(user, out var expected) && expected == password)
        {
            session.AuthenticatedUser = user;
            return FakeAction.Reply("235 2.7.0 Authentication successful");
        }
        return FakeAction.Reply("535 5.7.8 Error: authentication failed");
    }

    private static string? Base64(string text)
    {
        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(text));
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>The path inside the angle brackets of <c>FROM:&lt;a@b&gt; ...</c>, or the word after the colon.</summary>
    private static string Address(string argument)
    {
        int open = argument.IndexOf('<');
        int close = open < 0 ? -1 : argument.IndexOf('>', open);
        if (open >= 0 && close > open)
        {
            return argument[(open + 1)..close];
        }
        int colon = argument.IndexOf(':');
        return argument[(colon + 1)..].Trim().Split(' ')[0];
    }

    private static ReadOnlySpan<byte> TrimLineEnd(byte[] line)
    {
        int n = line.Length;
        if (n > 0 && line[n - 1] == (byte)'\n')
        {
            n--;
        }
        if (n > 0 && line[n - 1] == (byte)'\r')
        {
            n--;
        }
        return line.AsSpan(0, n);
    }
}
