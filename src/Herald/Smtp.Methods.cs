using Herald.Engine;
using Herald.Protocol;
using Herald.Transport;

namespace Herald;

public partial class Smtp
{
    /// <summary>
    /// Connects to <see cref="MailServer"/>: TCP (through the firewall when one is set), TLS first when implicit,
    /// greeting, <c>EHLO</c>/<c>HELO</c>, <c>STARTTLS</c> when explicit, then authentication when <see cref="User"/>
    /// is set. Later <see cref="Send"/> calls reuse the session until <see cref="Disconnect"/>.
    /// </summary>
    /// <exception cref="SmtpException">163 no MailServer; 104 already connected; a TCP/IP code (10061 refused, 11001
    /// host not found ...) when the connection fails; 118 when the proxy (<see cref="Firewall"/>) cannot be reached,
    /// refuses, asks for credentials that were not given or rejects them; 161 when the server refuses; 201 timeout;
    /// 301 interrupted.</exception>
    public void Connect()
    {
        using var scope = Begin(default);
        Finish(ConnectCoreAsync(new SyncIO(), scope));
    }

    /// <summary>Asynchronous <see cref="Connect"/>.</summary>
    /// <param name="cancellationToken">Cancels the call (the connection is then closed).</param>
    /// <exception cref="SmtpException">As <see cref="Connect"/>.</exception>
    public async Task ConnectAsync(CancellationToken cancellationToken = default)
    {
        using var scope = Begin(cancellationToken);
        await ConnectCoreAsync(new AsyncIO(), scope).ConfigureAwait(false);
    }

    /// <summary>Ends the session (<c>QUIT</c>) and closes the connection. Does nothing when not connected.</summary>
    public void Disconnect()
    {
        using var scope = Begin(default);
        Finish(Engine.DisconnectAsync(new SyncIO(), scope.Guard));
    }

    /// <summary>Asynchronous <see cref="Disconnect"/>.</summary>
    /// <param name="cancellationToken">Cancels the call (the connection is closed anyway).</param>
    public async Task DisconnectAsync(CancellationToken cancellationToken = default)
    {
        using var scope = Begin(cancellationToken);
        await Engine.DisconnectAsync(new AsyncIO(), scope.Guard).ConfigureAwait(false);
    }

    /// <summary>
    /// Processes what the server sent on its own while the session was idle (for example a 421 announcing that it
    /// is closing the connection), waiting up to config SelectWaitMillis (default 20 ms) when nothing is pending.
    /// </summary>
    public void DoEvents()
    {
        using var scope = Begin(default);
        Engine.Poll(scope.Guard, TimeSpan.FromMilliseconds(_selectWaitMillis));
    }

    /// <summary>Asynchronous <see cref="DoEvents"/>.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task DoEventsAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        // Socket.Poll cannot be awaited; run the short wait off the caller's thread.
        return Task.Run(DoEvents, cancellationToken);
    }

    /// <summary>
    /// Asks the server to expand a mailing list (<c>EXPN</c>); <see cref="OnExpand"/> fires once per member. Connects
    /// first when not connected (and disconnects afterwards).
    /// </summary>
    /// <param name="emailAddress">The list name or address.</param>
    /// <exception cref="SmtpException">161 when the server refuses (many servers disable EXPN).</exception>
    public void Expand(string emailAddress)
    {
        using var scope = Begin(default);
        Finish(ExpandCoreAsync(new SyncIO(), scope, emailAddress));
    }

    /// <summary>Asynchronous <see cref="Expand"/>.</summary>
    /// <param name="emailAddress">The list name or address.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="SmtpException">As <see cref="Expand"/>.</exception>
    public async Task ExpandAsync(string emailAddress, CancellationToken cancellationToken = default)
    {
        using var scope = Begin(cancellationToken);
        await ExpandCoreAsync(new AsyncIO(), scope, emailAddress).ConfigureAwait(false);
    }

    /// <summary>
    /// Stops the method that is running (it fails with 301 and the connection is closed). Safe from any thread and
    /// from event handlers; does nothing when no method runs.
    /// </summary>
    public void Interrupt() => _call.Interrupt();

    /// <summary>Asynchronous <see cref="Interrupt"/> (it completes at once).</summary>
    /// <param name="cancellationToken">Unused; present for symmetry with the other methods.</param>
    public Task InterruptAsync(CancellationToken cancellationToken = default)
    {
        Interrupt();
        return Task.CompletedTask;
    }

    /// <summary>Disconnects if connected and returns every property and setting to its default.</summary>
    public void Reset()
    {
        if (Engine.IsConnected)
        {
            Disconnect();
        }
        using var scope = Begin(default);
        ResetAll();
    }

    /// <summary>Asynchronous <see cref="Reset"/>.</summary>
    /// <param name="cancellationToken">Cancels the disconnect.</param>
    public async Task ResetAsync(CancellationToken cancellationToken = default)
    {
        if (Engine.IsConnected)
        {
            await DisconnectAsync(cancellationToken).ConfigureAwait(false);
        }
        using var scope = Begin(cancellationToken);
        ResetAll();
    }

    /// <summary>
    /// Clears every message header property (From, SendTo, Cc, BCc and <see cref="MessageRecipients"/>, Subject,
    /// ReplyTo, ReturnPath, OtherHeaders, receipts, Importance/Priority/Sensitivity) so nothing leaks into the next
    /// message; MessageDate and MessageId return to "*" (generate). MessageText and Message are kept.
    /// </summary>
    public void ResetHeaders()
    {
        using var scope = Begin(default);
        ResetMessageProperties();
    }

    /// <summary>Asynchronous <see cref="ResetHeaders"/> (it completes at once).</summary>
    /// <param name="cancellationToken">Unused; present for symmetry with the other methods.</param>
    public Task ResetHeadersAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ResetHeaders();
        return Task.CompletedTask;
    }

    /// <summary>
    /// Sends the message: <c>MAIL FROM</c>, one <c>RCPT TO</c> per recipient, <c>DATA</c> and the message (pipelined
    /// when the server offers PIPELINING). When not connected it connects first and always disconnects afterwards;
    /// after <see cref="Connect"/> the session stays open for further messages.
    /// </summary>
    /// <exception cref="SmtpException">163/164/165 when MailServer, From or recipients are missing; 303 when the message
    /// stream was closed by an earlier transfer; 161 when the server rejects the sender, a To/Cc recipient (see
    /// StopOn*Errors), or the message; 162 when the connection fails; 118 when the proxy fails (see <see cref="Connect"/>);
    /// 201 timeout; 301 interrupted.</exception>
    public void Send()
    {
        using var scope = Begin(default);
        Finish(SendCoreAsync(new SyncIO(), scope, "MAIL"));
    }

    /// <summary>Asynchronous <see cref="Send"/>.</summary>
    /// <param name="cancellationToken">Cancels the send (the connection is then closed and nothing is delivered).</param>
    /// <exception cref="SmtpException">As <see cref="Send"/>.</exception>
    public async Task SendAsync(CancellationToken cancellationToken = default)
    {
        using var scope = Begin(cancellationToken);
        await SendCoreAsync(new AsyncIO(), scope, "MAIL").ConfigureAwait(false);
    }

    /// <summary>
    /// Sends a command line exactly as given (without CRLF) and reads the reply into <see cref="LastReply"/>.
    /// </summary>
    /// <param name="command">The command, e.g. <c>NOOP</c>.</param>
    /// <exception cref="SmtpException">212 when not connected; 10022 when the command contains a line break; 161 when
    /// the server answers with an error (LastReply holds it).</exception>
    public void SendCommand(string command)
    {
        using var scope = Begin(default);
        Finish(CommandCoreAsync(new SyncIO(), scope, command));
    }

    /// <summary>Asynchronous <see cref="SendCommand"/>.</summary>
    /// <param name="command">The command.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="SmtpException">As <see cref="SendCommand"/>.</exception>
    public async Task SendCommandAsync(string command, CancellationToken cancellationToken = default)
    {
        using var scope = Begin(cancellationToken);
        await CommandCoreAsync(new AsyncIO(), scope, command).ConfigureAwait(false);
    }

    /// <summary>Writing a command here sends it, as <see cref="SendCommand"/> does.</summary>
    /// <exception cref="SmtpException">As <see cref="SendCommand"/>.</exception>
#pragma warning disable CA1044 // the documented component exposes Command as a write-only property
    public string Command
    {
        set => SendCommand(value);
    }
#pragma warning restore CA1044

    /// <summary>Like <see cref="Send"/>, but asks for delivery to the user's terminal as well as the mailbox (<c>SAML FROM</c>, RFC 821).</summary>
    /// <exception cref="SmtpException">As <see cref="Send"/>; 10045 when AllowExtensions is False.</exception>
    public void SendToTerminalAndEmail() => SendVerb("SAML");

    /// <summary>Asynchronous <see cref="SendToTerminalAndEmail"/>.</summary>
    /// <param name="cancellationToken">Cancels the send.</param>
    public Task SendToTerminalAndEmailAsync(CancellationToken cancellationToken = default) => SendVerbAsync("SAML", cancellationToken);

    /// <summary>Like <see cref="Send"/>, but asks for delivery to the user's terminal only (<c>SEND FROM</c>, RFC 821).</summary>
    /// <exception cref="SmtpException">As <see cref="Send"/>; 10045 when AllowExtensions is False.</exception>
    public void SendToTerminalOnly() => SendVerb("SEND");

    /// <summary>Asynchronous <see cref="SendToTerminalOnly"/>.</summary>
    /// <param name="cancellationToken">Cancels the send.</param>
    public Task SendToTerminalOnlyAsync(CancellationToken cancellationToken = default) => SendVerbAsync("SEND", cancellationToken);

    /// <summary>Like <see cref="Send"/>, but asks for the terminal, falling back to the mailbox (<c>SOML FROM</c>, RFC 821).</summary>
    /// <exception cref="SmtpException">As <see cref="Send"/>; 10045 when AllowExtensions is False.</exception>
    public void SendToTerminalOrEmail() => SendVerb("SOML");

    /// <summary>Asynchronous <see cref="SendToTerminalOrEmail"/>.</summary>
    /// <param name="cancellationToken">Cancels the send.</param>
    public Task SendToTerminalOrEmailAsync(CancellationToken cancellationToken = default) => SendVerbAsync("SOML", cancellationToken);

    /// <summary>
    /// Uses the content of <paramref name="messageStream"/> (from its current position to the end) as the body of the
    /// next message, after the computed headers; when OtherHeaders starts with an empty line and adds nothing, the
    /// stream is sent as the whole message. The stream is closed after the transfer unless config
    /// CloseStreamAfterTransfer is False; a send that fails before the data is read leaves it open and in place, so
    /// the send can be retried. The data is streamed: memory use does not grow with its size.
    /// </summary>
    /// <param name="messageStream">A readable stream, or null to go back to MessageText.</param>
    /// <exception cref="ArgumentException">The stream cannot be read.</exception>
    public void SetMessageStream(Stream? messageStream)
    {
        if (messageStream is { CanRead: false })
        {
            throw new ArgumentException("The message stream must be readable.", nameof(messageStream));
        }
        _messageStream = messageStream;
    }

    /// <summary>
    /// Sends <paramref name="content"/> as the whole message (headers and body), written straight onto the connection
    /// by its own code (for example a MIME library's writer) without being buffered; the envelope still comes from
    /// <see cref="From"/> (or <see cref="ReturnPath"/>) and the recipients. It takes precedence over
    /// <see cref="Message"/>, <see cref="MessageText"/> and the message stream until set to null. (A Herald
    /// extension of the component.)
    /// </summary>
    /// <param name="content">The message, or null to go back to the other message properties.</param>
    public void SetMessageContent(MessageContent? content) => _messageContent = content;

    /// <summary>Asynchronous <see cref="SetMessageContent"/> (it completes at once).</summary>
    /// <param name="content">The message, or null.</param>
    /// <param name="cancellationToken">Unused; present for symmetry with the other methods.</param>
    public Task SetMessageContentAsync(MessageContent? content, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        SetMessageContent(content);
        return Task.CompletedTask;
    }

    /// <summary>Asynchronous <see cref="SetMessageStream"/> (it completes at once).</summary>
    /// <param name="messageStream">A readable stream, or null.</param>
    /// <param name="cancellationToken">Unused; present for symmetry with the other methods.</param>
    public Task SetMessageStreamAsync(Stream? messageStream, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        SetMessageStream(messageStream);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Asks the server to verify an address (<c>VRFY</c>); the reply is in <see cref="LastReply"/>. Connects first when
    /// not connected (and disconnects afterwards).
    /// </summary>
    /// <param name="emailAddress">The address or user name.</param>
    /// <exception cref="SmtpException">161 when the server answers with an error (e.g. 550 unknown, 502 disabled).</exception>
    public void Verify(string emailAddress)
    {
        using var scope = Begin(default);
        Finish(VerifyCoreAsync(new SyncIO(), scope, emailAddress));
    }

    /// <summary>Asynchronous <see cref="Verify"/>.</summary>
    /// <param name="emailAddress">The address or user name.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="SmtpException">As <see cref="Verify"/>.</exception>
    public async Task VerifyAsync(string emailAddress, CancellationToken cancellationToken = default)
    {
        using var scope = Begin(cancellationToken);
        await VerifyCoreAsync(new AsyncIO(), scope, emailAddress).ConfigureAwait(false);
    }

    private void SendVerb(string verb)
    {
        using var scope = Begin(default);
        Finish(SendCoreAsync(new SyncIO(), scope, verb));
    }

    private async Task SendVerbAsync(string verb, CancellationToken cancellationToken)
    {
        using var scope = Begin(cancellationToken);
        await SendCoreAsync(new AsyncIO(), scope, verb).ConfigureAwait(false);
    }

    // ---- the shared implementations, generic over the I/O adapter ----

    private ValueTask<bool> ConnectCoreAsync<TIO>(TIO io, EngineCall.Scope scope) where TIO : struct, ISmtpIO =>
        _call.OnSessionAsync(io, scope, this, static async (io, guard, self) =>
        {
            await self.Engine.ConnectAsync(io, guard).ConfigureAwait(false);
            return true;
        });

    private async ValueTask SendCoreAsync<TIO>(TIO io, EngineCall.Scope scope, string verb) where TIO : struct, ISmtpIO
    {
        if (verb != "MAIL" && !_settings.AllowExtensions)
        {
            throw new SmtpException(SmtpErrorCodes.NotSupported,
                "The SendToTerminal methods need AllowExtensions=True.");
        }
        ValidateForSend();
        var envelope = BuildEnvelope(verb);
        await _call.WithSessionAsync(io, scope, (Self: this, Envelope: envelope), static async (io, guard, state) =>
        {
            var source = state.Self.BuildSource(state.Self.Engine.Capabilities);
            await state.Self.Engine.SendMailAsync(io, guard, state.Envelope, source).ConfigureAwait(false);
            state.Self.MarkSent();
            return true;
        }).ConfigureAwait(false);
    }

    private ValueTask<SmtpReply> CommandCoreAsync<TIO>(TIO io, EngineCall.Scope scope, string command) where TIO : struct, ISmtpIO =>
        _call.OnSessionAsync(io, scope, (Self: this, Command: command),
            static (io, guard, state) => state.Self.Engine.RawCommandAsync(io, guard, state.Command));

    private async ValueTask VerifyCoreAsync<TIO>(TIO io, EngineCall.Scope scope, string address) where TIO : struct, ISmtpIO
    {
        await _call.WithSessionAsync(io, scope, (Self: this, Address: address),
            static (io, guard, state) => state.Self.Engine.VerifyAsync(io, guard, state.Address)).ConfigureAwait(false);
    }

    private async ValueTask ExpandCoreAsync<TIO>(TIO io, EngineCall.Scope scope, string list) where TIO : struct, ISmtpIO
    {
        var members = await _call.WithSessionAsync(io, scope, (Self: this, List: list),
            static (io, guard, state) => state.Self.Engine.ExpandAsync(io, guard, state.List)).ConfigureAwait(false);
        foreach (var member in members)
        {
            OnExpand?.Invoke(this, new SmtpExpandEventArgs(member));
        }
    }
}
