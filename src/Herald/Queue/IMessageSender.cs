using Herald.Engine;
using Herald.Transport;

namespace Herald.Queue;

/// <summary>
/// How a queue worker delivers one claimed message: over a session of the sender's choosing, connecting when it has
/// none. Today each worker has an <see cref="EngineSender"/> (one session, reused from message to message); a
/// connection pool can take its place without the processor changing.
/// </summary>
internal interface IMessageSender
{
    /// <summary>Sends one message.</summary>
    /// <param name="io">The I/O adapter.</param>
    /// <param name="envelope">The envelope (only the recipients still pending).</param>
    /// <param name="message">The message.</param>
    /// <param name="abort">Cancelled when the run is interrupted: the message in flight is cut off.</param>
    /// <returns>The recipients the server accepted and refused, and its reply to the message.</returns>
    /// <exception cref="SessionUnavailableException">No session could be opened; the message was not tried.</exception>
    /// <exception cref="SmtpException">The transaction failed (the exception carries the server's reply, if any).</exception>
    ValueTask<TransactionResult> SendAsync<TIO>(TIO io, Envelope envelope, MessageSource message, CancellationToken abort)
        where TIO : struct, ISmtpIO;

    /// <summary>Ends the sessions the sender opened (QUIT) and releases what it holds.</summary>
    /// <param name="io">The I/O adapter.</param>
    /// <param name="abort">Cuts the goodbye short.</param>
    ValueTask CloseAsync<TIO>(TIO io, CancellationToken abort) where TIO : struct, ISmtpIO;
}

/// <summary>A session could not be opened (connect, greeting, TLS, authentication): the message itself was not tried.</summary>
/// <param name="inner">The translated failure.</param>
internal sealed class SessionUnavailableException(Exception inner) : Exception(inner.Message, inner);

/// <summary>
/// Sends over one engine's session: connects when not connected, keeps the session for the next message, and at the
/// end says goodbye to a session it opened (a session the caller opened before the run stays open).
/// </summary>
internal sealed class EngineSender : IMessageSender
{
    private readonly SmtpEngine _engine;
    private readonly bool _ownsEngine;
    private readonly bool _wasConnected;

    /// <summary>Creates the sender.</summary>
    /// <param name="engine">The engine, with the run's options.</param>
    /// <param name="ownsEngine">Dispose the engine at the end (an engine made for this worker).</param>
    public EngineSender(SmtpEngine engine, bool ownsEngine)
    {
        _engine = engine;
        _ownsEngine = ownsEngine;
        _wasConnected = engine.IsConnected;
    }

    /// <inheritdoc />
    public async ValueTask<TransactionResult> SendAsync<TIO>(TIO io, Envelope envelope, MessageSource message, CancellationToken abort)
        where TIO : struct, ISmtpIO
    {
        // One guard per message: its timeout (inactivity or absolute) applies to this message alone.
        var options = _engine.Options;
        using var guard = new OperationGuard(options.Timeout, options.AbsoluteTimeout, abort, options.Terms.AbsoluteTimeout);
        if (!_engine.IsConnected)
        {
            try
            {
                await _engine.ConnectAsync(io, guard).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                throw new SessionUnavailableException(_engine.Translate(e, guard));
            }
        }
        try
        {
            return await _engine.SendMailAsync(io, guard, envelope, message).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            throw _engine.Translate(e, guard);
        }
    }

    /// <inheritdoc />
    public async ValueTask CloseAsync<TIO>(TIO io, CancellationToken abort) where TIO : struct, ISmtpIO
    {
        try
        {
            if (!_wasConnected && _engine.IsConnected)
            {
                var options = _engine.Options;
                using var guard = new OperationGuard(options.Timeout, options.AbsoluteTimeout, abort, options.Terms.AbsoluteTimeout);
                await _engine.DisconnectAsync(io, guard, keepLastReply: true).ConfigureAwait(false);
            }
        }
        finally
        {
            if (_ownsEngine)
            {
                _engine.Dispose();
            }
        }
    }
}
