using Herald.Diagnostics;
using Herald.Engine;
using Herald.Message;
using Herald.Transport;

namespace Herald;

public partial class SmtpClient
{
    private SmtpClientConfig _callConfig = new(); // the Config values of the running call

    /// <summary>
    /// Connects to the server at <paramref name="address"/>:<paramref name="port"/>: TCP (through <see cref="Proxy"/>
    /// when it is on), TLS first when implicit, the greeting, EHLO with <see cref="Domain"/>, STARTTLS as
    /// <see cref="SmtpClientTlsSettings.TLSMode"/> says, then authentication when <see cref="Username"/> is set and the
    /// server offers AUTH. <see cref="ServerInfo"/> and <see cref="ConnInfo"/> describe the session afterwards; it stays
    /// open for any number of messages until <see cref="Disconnect"/>.
    /// </summary>
    /// <param name="address">The server's host name or IP address (the name the certificate is checked against).</param>
    /// <param name="port">The server's port: 25, 587 (submission with STARTTLS) or 465 (implicit TLS).</param>
    /// <exception cref="SmtpException">163 no address; 116 invalid port; 104 already connected; 166 another call is
    /// running; a TCP/IP code (10061 refused, 11001 host not found, ...) or 162 when the connection fails; 118 when the
    /// proxy fails; 276 TLS handshake failed; 280 certificate refused; 161 the server said no; 201 timeout.</exception>
    public void Connect(string address, int port)
    {
        SetServer(address, port);
        using var scope = Begin(default);
        Finish(ConnectCoreAsync(new SyncIO(), scope));
    }

    /// <summary>Asynchronous <see cref="Connect"/>.</summary>
    /// <param name="address">The server's host name or IP address.</param>
    /// <param name="port">The server's port.</param>
    /// <param name="cancellationToken">Cancels the call (the connection is then closed).</param>
    /// <exception cref="SmtpException">As <see cref="Connect"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task ConnectAsync(string address, int port, CancellationToken cancellationToken = default)
    {
        SetServer(address, port);
        using var scope = Begin(cancellationToken);
        await ConnectCoreAsync(new AsyncIO(), scope).ConfigureAwait(false);
    }

    /// <summary>Ends the session (QUIT) and closes the connection. Does nothing when not connected.</summary>
    /// <exception cref="SmtpException">166 when another call is running.</exception>
    public void Disconnect()
    {
        using var scope = Begin(default);
        Finish(Engine.DisconnectAsync(new SyncIO(), scope.Guard));
        _log.Flush();
    }

    /// <summary>Asynchronous <see cref="Disconnect"/>.</summary>
    /// <param name="cancellationToken">Cancels the call (the connection is closed anyway).</param>
    /// <exception cref="SmtpException">166 when another call is running.</exception>
    public async Task DisconnectAsync(CancellationToken cancellationToken = default)
    {
        using var scope = Begin(cancellationToken);
        await Engine.DisconnectAsync(new AsyncIO(), scope.Guard).ConfigureAwait(false);
        _log.Flush();
    }

    /// <summary>
    /// Composes <see cref="Msg"/> as a MIME message (plain text and/or HTML, attachments, streamed) and sends it over the
    /// open session: MAIL FROM, one RCPT TO per To, Cc and Bcc address (pipelined when offered), DATA. A refused To or
    /// Cc recipient fails the send; a refused Bcc recipient fires <see cref="Error"/> and the message goes to the others.
    /// Bcc addresses appear in no header (unless config RemoveBCC is False). With Msg.DeliveryReceipt a DSN
    /// (NOTIFY=SUCCESS,FAILURE) is asked for where the server offers DSN.
    /// </summary>
    /// <exception cref="SmtpException">212 not connected; 164 no Msg.From; 165 no recipient; 161 the server refused the
    /// sender, a To/Cc recipient or the message; 162 the connection failed; 303 an attachment cannot be read; 301 a
    /// Progress handler cancelled; 201 timeout.</exception>
    public void SendMessage()
    {
        using var scope = Begin(default);
        Finish(SendMessageCoreAsync(new SyncIO(), scope));
    }

    /// <summary>Asynchronous <see cref="SendMessage"/>.</summary>
    /// <param name="cancellationToken">Cancels the send (the connection is then closed and nothing is delivered).</param>
    /// <exception cref="SmtpException">As <see cref="SendMessage"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task SendMessageAsync(CancellationToken cancellationToken = default)
    {
        using var scope = Begin(cancellationToken);
        await SendMessageCoreAsync(new AsyncIO(), scope).ConfigureAwait(false);
    }

    /// <summary>
    /// Sends a ready-made message (RFC 5322 header fields, empty line, body) as it is, over the open session. The
    /// envelope comes from <see cref="Msg"/> where it sets one (From/ReturnPath; SendTo/Cc/Bcc) and otherwise from the
    /// message's own Sender/From and To/Cc/Bcc fields, or for a resent message from its newest block of Resent-* fields
    /// (RFC 5322 §3.6.6), each address once; its Bcc and Resent-Bcc fields are left out of what is sent (config
    /// RemoveBCC). A leading mbox "From " line is dropped, and a body that starts without the empty line gets one.
    /// Line ends are sent as CRLF and leading dots doubled, as SMTP requires.
    /// </summary>
    /// <param name="bytes">The message.</param>
    /// <exception cref="ArgumentNullException"><paramref name="bytes"/> is null.</exception>
    /// <exception cref="SmtpException">As <see cref="SendMessage"/>; 10022 when the header block cannot be read (no
    /// empty line ends it within 1 MiB, or an address field that is needed is malformed).</exception>
    public void SendBytes(byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        using var scope = Begin(default);
        Finish(SendRawCoreAsync(new SyncIO(), scope, new MemoryStream(bytes, writable: false)));
    }

    /// <summary>Asynchronous <see cref="SendBytes"/>.</summary>
    /// <param name="bytes">The message.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    /// <exception cref="ArgumentNullException"><paramref name="bytes"/> is null.</exception>
    /// <exception cref="SmtpException">As <see cref="SendBytes"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task SendBytesAsync(byte[] bytes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        using var scope = Begin(cancellationToken);
        await SendRawCoreAsync(new AsyncIO(), scope, new MemoryStream(bytes, writable: false)).ConfigureAwait(false);
    }

    /// <summary>
    /// Sends a ready-made message from a file, as <see cref="SendBytes"/> does. The file is streamed: memory does not
    /// grow with its size (it is read twice when the server declares SIZE, once to count it exactly).
    /// </summary>
    /// <param name="fileName">The file.</param>
    /// <exception cref="ArgumentNullException"><paramref name="fileName"/> is null.</exception>
    /// <exception cref="SmtpException">303 when the file cannot be opened; otherwise as <see cref="SendBytes"/>.</exception>
    public void SendFile(string fileName)
    {
        using var scope = Begin(default);
        using var file = OpenMessageFile(fileName, async: false);
        Finish(SendRawCoreAsync(new SyncIO(), scope, file));
    }

    /// <summary>Asynchronous <see cref="SendFile"/>.</summary>
    /// <param name="fileName">The file.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    /// <exception cref="ArgumentNullException"><paramref name="fileName"/> is null.</exception>
    /// <exception cref="SmtpException">As <see cref="SendFile"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task SendFileAsync(string fileName, CancellationToken cancellationToken = default)
    {
        using var scope = Begin(cancellationToken);
        var file = OpenMessageFile(fileName, async: true);
        await using (file.ConfigureAwait(false))
        {
            await SendRawCoreAsync(new AsyncIO(), scope, file).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Sends a ready-made message read from <paramref name="stream"/>'s current position to its end, as
    /// <see cref="SendBytes"/> does; the stream is streamed (memory does not grow with its size) and left open. A stream
    /// that can seek is read twice when the server declares SIZE (once to count it exactly); one that cannot is sent
    /// without SIZE=, or copied to config TempPath first when that is set.
    /// </summary>
    /// <param name="stream">A readable stream.</param>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="stream"/> cannot be read.</exception>
    /// <exception cref="SmtpException">As <see cref="SendBytes"/>.</exception>
    public void SendStream(Stream stream)
    {
        CheckReadable(stream);
        using var scope = Begin(default);
        Finish(SendRawCoreAsync(new SyncIO(), scope, stream));
    }

    /// <summary>Asynchronous <see cref="SendStream"/>.</summary>
    /// <param name="stream">A readable stream.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="stream"/> cannot be read.</exception>
    /// <exception cref="SmtpException">As <see cref="SendBytes"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task SendStreamAsync(Stream stream, CancellationToken cancellationToken = default)
    {
        CheckReadable(stream);
        using var scope = Begin(cancellationToken);
        await SendRawCoreAsync(new AsyncIO(), scope, stream).ConfigureAwait(false);
    }

    /// <summary>
    /// Sends <paramref name="content"/>, a complete message that writes itself (for example through a MIME library),
    /// straight onto the connection with the given envelope: dot-stuffed for DATA, cut into chunks for BDAT, never
    /// buffered. (A Herald extension of the class; the Herald.MimeKit package uses it to send a MimeKit message.)
    /// </summary>
    /// <param name="content">The message.</param>
    /// <param name="from">The envelope sender (MAIL FROM), or "" (or "&lt;&gt;") for the null reverse path.</param>
    /// <param name="recipients">The envelope recipients (RCPT TO).</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="SmtpException">212 when not connected; 165 with no recipient; 10022 when an address is malformed;
    /// otherwise as <see cref="SendMessage"/>.</exception>
    public void SendContent(MessageContent content, string from, IEnumerable<string> recipients)
    {
        var envelope = ContentEnvelope(content, from, recipients);
        using var scope = Begin(default);
        Finish(SendContentCoreAsync(new SyncIO(), scope, envelope, content));
    }

    /// <summary>Asynchronous <see cref="SendContent"/>.</summary>
    /// <param name="content">The message.</param>
    /// <param name="from">The envelope sender, or "" for the null reverse path.</param>
    /// <param name="recipients">The envelope recipients.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="SmtpException">As <see cref="SendContent"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task SendContentAsync(MessageContent content, string from, IEnumerable<string> recipients,
        CancellationToken cancellationToken = default)
    {
        var envelope = ContentEnvelope(content, from, recipients);
        using var scope = Begin(cancellationToken);
        await SendContentCoreAsync(new AsyncIO(), scope, envelope, content).ConfigureAwait(false);
    }

    private static Envelope ContentEnvelope(MessageContent content, string from, IEnumerable<string> recipients)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(recipients);
        string reversePath = from.Trim() is "" or "<>" ? "" : AddressParser.ParseOne(from, "The sender").Address;
        var list = recipients
            .Select(r => new EnvelopeRecipient(AddressParser.ParseOne(r, "A recipient").Address, RecipientKind.To, ""))
            .ToList();
        if (list.Count == 0)
        {
            throw new SmtpException(SmtpErrorCodes.NoRecipient, "No recipient: give at least one address to send the content to.");
        }
        return new Envelope(reversePath, list);
    }

    // ---- the shared implementations, generic over the I/O adapter ----

    private async ValueTask ConnectCoreAsync<TIO>(TIO io, EngineCall.Scope scope) where TIO : struct, ISmtpIO
    {
        try
        {
            await _call.OnSessionAsync(io, scope, this, static async (io, guard, self) =>
            {
                await self.Engine.ConnectAsync(io, guard).ConfigureAwait(false);
                self.ServerInfo.Update(self.Engine.Capabilities);
                self.NoteProxyTunnel();
                return true;
            }).ConfigureAwait(false);
        }
        catch (Exception e) when (Failed(e))
        {
            throw; // not reached: Failed only logs
        }
    }

    private async ValueTask SendMessageCoreAsync<TIO>(TIO io, EngineCall.Scope scope) where TIO : struct, ISmtpIO
    {
        try
        {
            EnsureConnected("SendMessage");
            var envelope = MessageEnvelope();
            await _call.OnSessionAsync(io, scope, (Self: this, Envelope: envelope), static async (io, guard, state) =>
            {
                var source = state.Self.ComposeMessage(state.Self.Engine.Capabilities, state.Self._callConfig);
                await state.Self.Engine.SendMailAsync(io, guard, state.Envelope, source).ConfigureAwait(false);
                return true;
            }).ConfigureAwait(false);
        }
        catch (Exception e) when (Failed(e))
        {
            throw;
        }
    }

    private async ValueTask SendRawCoreAsync<TIO>(TIO io, EngineCall.Scope scope, Stream stream) where TIO : struct, ISmtpIO
    {
        try
        {
            EnsureConnected("Sending a message");
            var options = RawOptions(_callConfig);
            await _call.OnSessionAsync(io, scope, (Self: this, Stream: stream, Options: options), static async (io, guard, state) =>
            {
                var engine = state.Self.Engine;
                using var prepared = await ReadyMessage.PrepareAsync(io, state.Stream, state.Options, spool: engine.Capabilities.Size,
                    guard.Token).ConfigureAwait(false);
                await engine.SendMailAsync(io, guard, prepared.Envelope, prepared.Source).ConfigureAwait(false);
                return true;
            }).ConfigureAwait(false);
        }
        catch (Exception e) when (Failed(e))
        {
            throw;
        }
    }

    private async ValueTask SendContentCoreAsync<TIO>(TIO io, EngineCall.Scope scope, Envelope envelope, MessageContent content)
        where TIO : struct, ISmtpIO
    {
        try
        {
            EnsureConnected("Sending a message");
            await _call.OnSessionAsync(io, scope, (Self: this, Envelope: envelope, Content: content),
                static async (io, guard, state) =>
                {
                    var source = new PushMessageSource(state.Content);
                    await state.Self.Engine.SendMailAsync(io, guard, state.Envelope, source).ConfigureAwait(false);
                    return true;
                }).ConfigureAwait(false);
        }
        catch (Exception e) when (Failed(e))
        {
            throw;
        }
    }

    /// <summary>Records where Connect goes, after checking it.</summary>
    private void SetServer(string address, int port)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (string.IsNullOrWhiteSpace(address))
        {
            throw new SmtpException(SmtpErrorCodes.NoMailServer, "Connect needs the server's address (a host name or IP address).");
        }
        Protocol.LineValidation.EnsureSingleLine(address, "The server address");
        if (port is < 1 or > 65535)
        {
            throw new SmtpException(SmtpErrorCodes.InvalidPort, $"Port {port} is not a valid TCP port (1-65535).");
        }
        if (Engine.IsConnected)
        {
            throw new SmtpException(SmtpErrorCodes.AlreadyConnected, "Already connected; call Disconnect before connecting again.");
        }
        Proxy.Validate();
        if (_call.IsIdle)
        {
            _host = address.Trim();
            _port = port;
        }
    }

    private void EnsureConnected(string what)
    {
        if (!Engine.IsConnected)
        {
            throw new SmtpException(SmtpErrorCodes.NotConnected, $"{what} needs an open session: call Connect(address, port) first.");
        }
    }

    /// <summary>Logs a call's failure (and keeps a proxy's answer); returns false, so the exception goes on unchanged.</summary>
    private bool Failed(Exception e)
    {
        NoteProxyAnswer(e);
        _log.Write(LogSeverity.Error, "Errors", e is SmtpException se ? $"{se.Code}: {se.Message}" : e.Message);
        return false;
    }

    private static FileStream OpenMessageFile(string fileName, bool async)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        try
        {
            return new FileStream(fileName, FileMode.Open, FileAccess.Read, FileShare.Read, 1,
                FileOptions.SequentialScan | (async ? FileOptions.Asynchronous : FileOptions.None));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new SmtpException(SmtpErrorCodes.CannotOpenFile, $"The message file '{fileName}' cannot be opened: {e.Message}", e);
        }
    }

    private static void CheckReadable(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanRead)
        {
            throw new ArgumentException("The message stream must be readable.", nameof(stream));
        }
    }
}
