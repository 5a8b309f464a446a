using Herald.Engine;
using Herald.Transport;

namespace Herald.Queue;

/// <summary>
/// How a queue worker delivers the messages it claims: over a session of the sender's choosing (connecting when it has
/// none), pipelined across message boundaries. Today each worker has an <see cref="EngineSender"/> (one session, reused
/// from message to message); a connection pool can take its place without the processor changing.
/// </summary>
internal interface IMessageSender
{
    /// <summary>
    /// Sends the jobs <paramref name="take"/> hands out over one session, the end of one message sharing a write with
    /// the next envelope (<see cref="SmtpEngine.SendPipelinedAsync"/>), until <paramref name="take"/> returns null and
    /// every job is answered.
    /// </summary>
    /// <param name="io">The I/O adapter.</param>
    /// <param name="take">The next job (a message claimed, its envelope holding only the recipients still pending), or
    /// null.</param>
    /// <param name="done">Called once for every job taken, as soon as its outcome is known; a failure it carries
    /// (<see cref="MailJob.Failure"/>) is already in the caller's terms, and one failure that hit several jobs is one
    /// exception object.</param>
    /// <param name="abort">Cancelled when the run is interrupted: the messages in flight are cut off.</param>
    /// <exception cref="SessionUnavailableException">No session could be opened; <paramref name="take"/> was not
    /// called.</exception>
    /// <exception cref="SmtpException">The session failed (after every job taken was completed).</exception>
    ValueTask SendAsync<TIO>(TIO io, Func<MailJob?> take, Action<MailJob> done, CancellationToken abort)
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
    public async ValueTask SendAsync<TIO>(TIO io, Func<MailJob?> take, Action<MailJob> done, CancellationToken abort)
        where TIO : struct, ISmtpIO
    {
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
        Exception? raw = null, translated = null;
        try
        {
            await _engine.SendPipelinedAsync(io, guard,
                () =>
                {
                    // The timeout starts again with each message, so an absolute limit bounds each one, as when messages
                    // went one at a time, rather than the whole session.
                    guard.SetLimit(options.Timeout);
                    return take();
                },
                job =>
                {
                    if (job.Failure is { } failure)
                    {
                        // The jobs that one failure hit get one exception in the caller's terms.
                        if (!ReferenceEquals(failure, raw))
                        {
                            raw = failure;
                            translated = Describe(failure, job);
                        }
                        job.Failure = translated;
                    }
                    done(job);
                }).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            throw ReferenceEquals(e, raw) ? translated! : _engine.Translate(e, guard);
        }

        Exception Describe(Exception failure, MailJob job) => job.Outcome == JobOutcome.Refused && failure is not SmtpException
            // Its source could not be read while the session went on: not a failure of the connection, which stays open.
            ? new SmtpException(SmtpErrorCodes.CommunicationError, $"The message could not be read: {failure.Message}", failure)
            : _engine.Translate(failure, guard);
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
