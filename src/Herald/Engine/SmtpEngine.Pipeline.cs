using System.Buffers;
using Herald.Diagnostics;
using Herald.Protocol;
using Herald.Transport;

namespace Herald.Engine;

internal sealed partial class SmtpEngine
{
    /// <summary>One job on its way through <see cref="SendPipelinedAsync"/>.</summary>
    private sealed class Flight(MailJob job) : IDisposable
    {
        public MailJob Job { get; } = job;

        /// <summary>BDAT: the reader of the message's chunks, while some remain to be sent.</summary>
        public ChunkReader? Reader { get; set; }

        /// <summary>BDAT: bytes of the first chunk already in the chunk buffer, or -1.</summary>
        public int Prefilled { get; set; } = -1;

        /// <summary>One-chunk BDAT: the whole message went with its envelope.</summary>
        public bool Whole { get; set; }

        /// <summary>The write that carries the end of the data went out (or may have).</summary>
        public bool EndSent { get; set; }

        public void Dispose()
        {
            Reader?.Dispose();
            Reader = null;
        }
    }

    /// <summary>
    /// Sends every job that <paramref name="take"/> hands out over this session, pipelined across message boundaries
    /// (RFC 2920 §3.1: message content may start a pipelined group), so that the steady state is one round trip per
    /// message:
    /// <list type="bullet">
    /// <item>With DATA, the end of one message and the next message's [RSET] MAIL, RCPT... DATA go in one write; the
    /// server's answer to the first and the envelope replies of the second come back together.</item>
    /// <item>With CHUNKING, a message that fits one chunk goes whole (MAIL, RCPT..., BDAT n LAST and its data) in one
    /// write, and its replies are read after the next message has been written; a larger message waits for its
    /// envelope replies and then goes chunk by chunk.</item>
    /// </list>
    /// Each recipient's reply is recorded and the message goes to those accepted, unless the recipient-failure policy
    /// (<see cref="EngineOptions.StopOnRejected"/>, which the pool leaves empty) stops the transaction as a single send
    /// does; RSET precedes each transaction after the first when <see cref="EngineOptions.SendRset"/> asks for it.
    /// Without PIPELINING the jobs go one command at a time. Returns when <paramref name="take"/> has no job waiting and
    /// everything sent has been answered.
    /// </summary>
    /// <param name="io">The adapter.</param>
    /// <param name="guard">The call's guard.</param>
    /// <param name="take">Returns the next job, or null when none is waiting.</param>
    /// <param name="done">Called once per job, as soon as its <see cref="MailJob.Outcome"/> is known.</param>
    /// <param name="overlap">Overlap the caller's work with the round trips (the pool): the next job is taken while the
    /// replies to the previous ones are awaited, and a job whose replies are all read is completed only after the next
    /// write has gone out. A caller whose <paramref name="take"/> has side effects or depends on the previous outcome,
    /// or whose <paramref name="done"/> must record an acceptance before anything else is sent (the queue claims a
    /// file, may stop at the first failure, and journals each accepted message), leaves it off: then each job is
    /// completed as soon as its last reply is read, and the next is taken after that.</param>
    /// <exception cref="Exception">The session failed: the jobs in flight (and one whose preparation failed) were
    /// first completed as <see cref="JobOutcome.Deferred"/> (the end of their data was not sent) or
    /// <see cref="JobOutcome.Uncertain"/> (it was, and no reply came), then the failure is thrown for the caller to
    /// translate.</exception>
    public async ValueTask SendPipelinedAsync<TIO>(TIO io, OperationGuard guard, Func<MailJob?> take, Action<MailJob> done,
        bool overlap = false)
        where TIO : struct, ISmtpIO
    {
        var connection = Connection;
        guard.SetAbortAction(connection.Abort);
        var caps = Capabilities;
        bool bdat = caps.Chunking && Options.UseChunking;
        bool pipelining = caps.Pipelining;
        Flight? pending = null;   // the end of its data is written or queued; its last replies are unread
        Flight? current = null;   // its envelope is written; its replies are unread
        MailJob? taken = null;    // handed out by take and not in flight yet (being prepared)
        Flight? answered = null;  // every reply read; completed after the next write, off the path between reply and write
        MailJob? next = null;     // taken while replies were awaited, so making its message overlapped the round trip
        byte[]? chunk = bdat ? ArrayPool<byte>.Shared.Rent(Options.ChunkSize) : null;
        try
        {
            while (true)
            {
                var job = next ?? take();
                next = null;
                taken = job;
                current = job is null ? null : await PrepareAsync(io, guard, job, caps, bdat, pipelining, chunk, done).ConfigureAwait(false);
                taken = null;
                if (!pipelining)
                {
                    if (current is not null)
                    {
                        await SendSerialAsync(io, guard, current, bdat, chunk, done).ConfigureAwait(false);
                        current = null;
                    }
                    if (job is null)
                    {
                        break;
                    }
                    continue;
                }
                _step = "sending the next message (pipelined)";
                if (pending is not null)
                {
                    pending.EndSent = true; // this write carries it
                }
                await connection.FlushAsync(io, guard).ConfigureAwait(false);
                if (answered is not null)
                {
                    // The caller learns of the message just answered now that the next write is out: completing it (its
                    // result, the caller's task) no longer delays that write.
                    Complete(answered, done);
                    answered = null;
                }
                if (overlap && (pending is not null || current is not null))
                {
                    // Replies are awaited next: the job after this one is taken now (its message made, nothing of it
                    // queued), so that work overlaps the round trip instead of following it.
                    next = take();
                }
                if (pending is not null)
                {
                    await FinishAsync(io, guard, pending).ConfigureAwait(false);
                    answered = pending;
                    pending = null;
                    if (!overlap)
                    {
                        Complete(answered, done);
                        answered = null;
                    }
                }
                if (current is null)
                {
                    if (job is null && next is null)
                    {
                        break;
                    }
                    continue; // nothing was waiting, or that job was refused before anything of it was sent
                }
                if (current.Whole)
                {
                    current.EndSent = true; // that write carried its BDAT LAST
                    pending = current; // its replies are read once the next message has been written
                    current = null;
                    continue;
                }
                if (!await ReadEnvelopeRepliesAsync(io, guard, current.Job, data: !bdat).ConfigureAwait(false))
                {
                    // A transaction the server started (MAIL accepted) and that ends without data is reset first.
                    _needsReset = current.Job.MailReply is { IsSuccess: true };
                    Complete(current, done);
                    current = null;
                    continue;
                }
                if (bdat)
                {
                    await SendJobChunksAsync(io, guard, current, chunk!).ConfigureAwait(false);
                    Complete(current, done);
                    current = null;
                    continue;
                }
                // DATA was answered 354: the data and its end go out with the next message's envelope (or alone when
                // none is waiting). With no recipient accepted the server should have refused DATA; end it at once.
                // The end of the data ends the transaction whatever its reply, so the next one needs no RSET.
                _needsReset = false;
                if (current.Job.AcceptedCount == 0)
                {
                    connection.QueueBytes(SmtpCommands.EndOfData);
                }
                else
                {
                    await SendDataAsync(io, guard, current.Job.Message, flush: false).ConfigureAwait(false);
                }
                pending = current;
                current = null;
            }
            if (answered is not null)
            {
                Complete(answered, done);
                answered = null;
            }
        }
        catch (Exception e)
        {
            // What is queued and unsent must never go out (a later QUIT would flush it): a job is reported as not sent
            // below, and the session is in no known state anyway.
            connection.Abort();
            if (answered is not null)
            {
                Complete(answered, done); // its outcome was settled by its replies
                answered = null;
            }
            if (pending is not null)
            {
                Abandon(pending, pending.EndSent ? JobOutcome.Uncertain : JobOutcome.Deferred, e, guard, done);
            }
            if (current is not null)
            {
                Abandon(current, _endOfDataSent ? JobOutcome.Uncertain : JobOutcome.Deferred, e, guard, done);
            }
            else if (taken is { Outcome: JobOutcome.Pending })
            {
                // Its preparation failed (the session was stopped, or its whole chunk could not be written): every job
                // that take handed out is completed, so its caller is never left waiting.
                Abandon(new Flight(taken), _endOfDataSent ? JobOutcome.Uncertain : JobOutcome.Deferred, e, guard, done);
            }
            if (next is not null)
            {
                Abandon(new Flight(next), JobOutcome.Deferred, e, guard, done); // taken, nothing of it sent
            }
            throw;
        }
        finally
        {
            if (chunk is not null)
            {
                ArrayPool<byte>.Shared.Return(chunk);
            }
        }
    }

    /// <summary>
    /// Makes a job's commands and (pipelined) queues them; with CHUNKING and PIPELINING, also reads the whole message
    /// into the chunk buffer when it fits one chunk, and queues it behind its envelope. A job that cannot go to this
    /// server at all (too large, needs SMTPUTF8 or BINARYMIME, a line break in an address, a source that cannot be
    /// read) is refused and completed here, before anything of it is queued.
    /// </summary>
    /// <returns>The job in flight, or null when it was refused.</returns>
    private async ValueTask<Flight?> PrepareAsync<TIO>(TIO io, OperationGuard guard, MailJob job, Capabilities caps, bool bdat,
        bool pipelining, byte[]? chunk, Action<MailJob> done) where TIO : struct, ISmtpIO
    {
        var flight = new Flight(job);
        job.Prepared = true;
        _endOfDataSent = false;
        try
        {
            if (bdat)
            {
                UsesChunking(job.Message, caps);
            }
            if (caps.Size || _events.WantsTransfer || (bdat && !job.Message.IsPush))
            {
                _step = "measuring the message";
                await job.Message.MeasureAsync(io, guard.Token).ConfigureAwait(false);
            }
            job.Commands = EnvelopeCommands(job, caps, bdat);
            if (bdat)
            {
                flight.Reader = new ChunkReader(this, job.Message);
                // Data sent with the envelope cannot be withdrawn, so not when a rejected recipient could stop the transaction.
                if (pipelining && !CanStop(job.Envelope) && !job.Message.IsPush && job.Message.Length >= 0
                    && job.Message.Length <= Options.ChunkSize)
                {
                    StartTransfer(job.Message, guard);
                    flight.Prefilled = await flight.Reader.FillAsync(io, guard, chunk.AsMemory(0, Options.ChunkSize)).ConfigureAwait(false);
                    flight.Whole = flight.Reader.Exhausted;
                }
            }
        }
        catch (Exception e) when (IsConnected && e is SmtpException { ReplyCode: 0, Code: not (SmtpErrorCodes.Timeout or SmtpErrorCodes.Interrupted) }
                                      or IOException or NotSupportedException or ObjectDisposedException)
        {
            Abandon(flight, JobOutcome.Refused, e, guard, done);
            return null;
        }
        job.Telemetry = _diag.JobStarting(job.Envelope, job.Message, job.ActivityParent);
        _transactions++;
        if (pipelining)
        {
            foreach (string command in job.Commands)
            {
                QueueCommand(command);
            }
            if (flight.Whole)
            {
                // BDAT LAST ends the transaction whatever the replies: the next one needs no RSET.
                _needsReset = false;
                await QueueChunkAsync(io, guard, chunk.AsMemory(0, flight.Prefilled), last: true).ConfigureAwait(false);
                _endOfDataSent = true; // it goes out with the next write
                EndTransfer(job.Message, guard);
                flight.Dispose();
            }
        }
        return flight;
    }

    /// <summary>[RSET], MAIL, one RCPT per recipient and (for DATA) DATA, formatted and checked.</summary>
    private List<string> EnvelopeCommands(MailJob job, Capabilities caps, bool bdat)
    {
        var envelope = job.Envelope;
        var commands = new List<string>(envelope.Recipients.Count + 3);
        // SendRset asks for RSET before every transaction after the first on a session (the pool turns it off).
        job.ResetFirst = _needsReset || (Options.SendRset && _transactions > 0);
        if (job.ResetFirst)
        {
            commands.Add("RSET");
        }
        commands.Add(SmtpCommands.Mail(envelope.Verb, envelope.ReversePath, MailParameters(envelope, job.Message, caps, bdat)));
        commands.AddRange(RcptCommands(envelope, caps));
        if (!bdat)
        {
            commands.Add("DATA");
        }
        return commands;
    }

    /// <summary>
    /// Reads the replies to [RSET], MAIL, each RCPT and (for DATA) DATA, records them on the job, and says whether
    /// the message data may follow (MAIL accepted, a recipient accepted and, for DATA, 354); otherwise the job's
    /// outcome is set.
    /// </summary>
    private async ValueTask<bool> ReadEnvelopeRepliesAsync<TIO>(TIO io, OperationGuard guard, MailJob job, bool data)
        where TIO : struct, ISmtpIO
    {
        _step = "waiting for the replies to the envelope";
        if (job.ResetFirst)
        {
            await ReadJobReplyAsync(io, guard).ConfigureAwait(false);
        }
        RecordMail(job, await ReadJobReplyAsync(io, guard).ConfigureAwait(false));
        for (int i = 0; i < job.RecipientReplies.Length; i++)
        {
            RecordRecipient(job, i, await ReadJobReplyAsync(io, guard).ConfigureAwait(false));
        }
        var dataReply = data ? await ReadJobReplyAsync(io, guard).ConfigureAwait(false) : null;
        if (dataReply is { Code: 354 } && !job.MailReply!.IsSuccess)
        {
            // A sound server never does this; what would the data be delivered to? The session is closed.
            throw new SmtpProtocolException("The server accepted DATA after refusing MAIL FROM.");
        }
        if (dataReply is { Code: 354 } && StoppingRefusal(job) < 0)
        {
            return true;
        }
        bool goOn = Judge(job, dataReply);
        if (dataReply is { Code: 354 })
        {
            // The recipient policy stopped the transaction, but DATA was accepted in the pipelined group and the server
            // waits for the data. Anything sent now would be delivered; closing the connection is the one way to
            // abandon a transaction undelivered (RFC 5321 §4.1.1.4).
            var refusal = (SmtpException)job.Failure!;
            job.Failure = new SmtpException(refusal.Code,
                refusal.Message + " Nothing was delivered; the connection was closed to abandon the message.", job.FinalReply!, refusal);
            Connection.Abort();
            throw job.Failure;
        }
        return goOn;
    }

    /// <summary>
    /// The first recipient the server rejected whose kind the recipient-failure policy
    /// (<see cref="EngineOptions.StopOnRejected"/>) stops the transaction for, or -1.
    /// </summary>
    private int StoppingRefusal(MailJob job)
    {
        for (int i = 0; i < job.RecipientReplies.Length; i++)
        {
            if (job.RecipientReplies[i] is { IsSuccess: false } && Stops(job.Envelope.Recipients[i]))
            {
                return i;
            }
        }
        return -1;
    }

    private bool Stops(EnvelopeRecipient recipient) => (Options.StopOnRejected & KindsOf(recipient.Kind)) != 0;

    private void RecordMail(MailJob job, SmtpReply reply) => job.MailReply = reply;

    private void RecordRecipient(MailJob job, int index, SmtpReply reply)
    {
        job.RecipientReplies[index] = reply;
        var r = job.Envelope.Recipients[index];
        if (job.MailReply is { IsSuccess: true })
        {
            _diag.RecipientReplied(r, reply);
        }
        // A rejection that stops the transaction is its outcome (see Judge), not a note on the side.
        if (!reply.IsSuccess && job.MailReply is { IsSuccess: true } && !Stops(r))
        {
            _events.OnError(SmtpErrorCodes.ProtocolError, $"The server rejected the {r.Kind} recipient <{r.Address}>: {reply}");
        }
    }

    /// <summary>
    /// Decides whether the data may follow the envelope: false (with the outcome set) when MAIL was refused, a
    /// recipient the policy stops on was rejected, no recipient was accepted, or DATA was refused.
    /// </summary>
    private bool Judge(MailJob job, SmtpReply? dataReply)
    {
        if (!job.MailReply!.IsSuccess)
        {
            job.Fail(job.MailReply);
            return false;
        }
        if (StoppingRefusal(job) is >= 0 and int stop)
        {
            // As a single send does: the whole transaction fails with that refusal (4xx deferred, 5xx refused).
            var r = job.Envelope.Recipients[stop];
            var reply = job.RecipientReplies[stop]!;
            job.Fail(reply);
            job.Failure = new SmtpException(SmtpErrorCodes.ProtocolError,
                $"The server rejected the {r.Kind} recipient <{r.Address}>: {reply}", reply);
            return false;
        }
        if (job.AcceptedCount == 0)
        {
            job.NoRecipient(dataReply);
            return false;
        }
        if (dataReply is not null)
        {
            job.Fail(dataReply);
            return false;
        }
        return true;
    }

    /// <summary>Reads what ends a pending job: the final reply (DATA), or every reply of a one-chunk BDAT message.</summary>
    private async ValueTask FinishAsync<TIO>(TIO io, OperationGuard guard, Flight flight) where TIO : struct, ISmtpIO
    {
        var job = flight.Job;
        if (flight.Whole)
        {
            await ReadEnvelopeRepliesAsync(io, guard, job, data: false).ConfigureAwait(false);
        }
        _step = "waiting for the server to accept the message";
        var final = await ReadJobReplyAsync(io, guard).ConfigureAwait(false);
        if (job.Outcome == JobOutcome.Pending)
        {
            CompleteFinal(job, final);
        }
    }

    /// <summary>Sends a job's chunks after its envelope was accepted, and judges the last reply.</summary>
    private async ValueTask SendJobChunksAsync<TIO>(TIO io, OperationGuard guard, Flight flight, byte[] chunk)
        where TIO : struct, ISmtpIO
    {
        var job = flight.Job;
        if (flight.Prefilled < 0)
        {
            StartTransfer(job.Message, guard);
        }
        try
        {
            var final = await SendChunksAsync(io, guard, flight.Reader!, chunk, flight.Prefilled).ConfigureAwait(false);
            EndTransfer(job.Message, guard);
            CompleteFinal(job, final);
        }
        catch (SmtpException e) when (e.Reply is { Code: not 421 } reply && IsConnected)
        {
            job.Fail(reply); // a refused chunk: the transaction was reset and the session goes on
        }
    }

    /// <summary>Without PIPELINING: the job's commands one at a time, then its data.</summary>
    private async ValueTask SendSerialAsync<TIO>(TIO io, OperationGuard guard, Flight flight, bool bdat, byte[]? chunk,
        Action<MailJob> done) where TIO : struct, ISmtpIO
    {
        var job = flight.Job;
        var connection = Connection;
        int first = job.ResetFirst ? 1 : 0;
        SmtpReply? dataReply = null;
        for (int i = 0; i < job.Commands.Count; i++)
        {
            int kind = i - first; // -1 RSET, 0 MAIL, 1..n RCPT, n+1 DATA
            if (kind == job.RecipientReplies.Length + 1 && job.AcceptedCount == 0)
            {
                break; // DATA could deliver nothing
            }
            QueueCommand(job.Commands[i]);
            await connection.FlushAsync(io, guard).ConfigureAwait(false);
            var reply = await ReadJobReplyAsync(io, guard).ConfigureAwait(false);
            if (kind == 0)
            {
                RecordMail(job, reply);
                if (!reply.IsSuccess)
                {
                    break;
                }
            }
            else if (kind > 0 && kind <= job.RecipientReplies.Length)
            {
                RecordRecipient(job, kind - 1, reply);
                if (!reply.IsSuccess && Stops(job.Envelope.Recipients[kind - 1]))
                {
                    break; // the policy stops the transaction here
                }
            }
            else if (kind > 0)
            {
                dataReply = reply;
            }
        }
        if (!(dataReply is { Code: 354 } || Judge(job, dataReply)))
        {
            _needsReset = job.MailReply is { IsSuccess: true };
            Complete(flight, done);
            return;
        }
        _needsReset = false;
        if (bdat)
        {
            await SendJobChunksAsync(io, guard, flight, chunk!).ConfigureAwait(false);
        }
        else
        {
            await SendDataAsync(io, guard, job.Message).ConfigureAwait(false);
            _step = "waiting for the server to accept the message";
            CompleteFinal(job, await ReadJobReplyAsync(io, guard).ConfigureAwait(false));
        }
        Complete(flight, done);
    }

    /// <summary>Judges the reply to the end of the data.</summary>
    private void CompleteFinal(MailJob job, SmtpReply final)
    {
        if (job.AcceptedCount == 0)
        {
            job.NoRecipient(final.IsSuccess ? null : final);
            return;
        }
        if (final.IsSuccess)
        {
            job.FinalReply = final;
            job.Outcome = JobOutcome.Delivered;
            _needsReset = false;
        }
        else
        {
            job.Fail(final);
        }
    }

    /// <summary>Reads one reply of a pipelined group; a 421 ends the session.</summary>
    /// <remarks>Most replies of a group are already buffered: those complete without an asynchronous state machine.</remarks>
    private ValueTask<SmtpReply> ReadJobReplyAsync<TIO>(TIO io, OperationGuard guard) where TIO : struct, ISmtpIO
    {
        var pending = ReadReplyAsync(io, guard);
        return pending.IsCompletedSuccessfully ? new ValueTask<SmtpReply>(JobReply(pending.Result)) : AwaitJobReplyAsync(pending);
    }

    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<SmtpReply> AwaitJobReplyAsync(ValueTask<SmtpReply> pending) => JobReply(await pending.ConfigureAwait(false));

    private SmtpReply JobReply(SmtpReply reply) =>
        reply.Code == 421 ? throw ReplyError(reply, "The server ended the session") : reply;

    private void Abandon(Flight flight, JobOutcome outcome, Exception failure, OperationGuard guard, Action<MailJob> done)
    {
        if (flight.Job.Outcome == JobOutcome.Pending)
        {
            flight.Job.Outcome = outcome;
            flight.Job.Failure = failure;
            // Only here is it known whether the call was stopped (a timeout shows up as the connection closing under it).
            if (flight.Job.Telemetry is { IsTracked: true } telemetry)
            {
                telemetry.ErrorType = EngineDiagnostics.ErrorType(failure, guard.Reason);
            }
        }
        Complete(flight, done);
    }

    private void Complete(Flight flight, Action<MailJob> done)
    {
        flight.Dispose();
        try
        {
            flight.Job.Message.Complete();
        }
        finally
        {
            try
            {
                _diag.JobFinished(flight.Job);
            }
            finally
            {
                done(flight.Job);
            }
        }
    }
}
