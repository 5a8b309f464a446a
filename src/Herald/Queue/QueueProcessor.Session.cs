using Herald.Engine;
using Herald.Transport;

namespace Herald.Queue;

internal sealed partial class QueueProcessor
{
    // ---- sending over one session ----

    /// <summary>
    /// Sends <paramref name="first"/>, and then whatever else is due, over one session of <paramref name="sender"/>,
    /// pipelined: the next message is claimed while the previous one's data goes out, so that its envelope shares a
    /// write with the end of that data. Each outcome is recorded as soon as it is known. Returns false when this
    /// worker should stop.
    /// </summary>
    private async ValueTask<bool> SessionAsync<TIO>(TIO io, IMessageSender sender, QueueEntry first, Run run)
        where TIO : struct, ISmtpIO
    {
        var session = new Session(this, run, first);
        try
        {
            await sender.SendAsync(io, session.Take, session.Done, run.Call.Token).ConfigureAwait(false);
        }
        catch (SessionUnavailableException e)
        {
            // No session: the message claimed for it pays with an attempt, as a connection lost on its way would.
            return session.NoSession(e);
        }
        catch (Exception e) when (e is SmtpException or IOException or OperationCanceledException)
        {
            // Every message the session had taken was settled by Done; the next one opens a new session.
            Note($"the session ended: {QueueFile.OneLine(e.Message)}");
        }
        finally
        {
            session.Dispose();
        }
        return session.GoOn && !run.Halted;
    }

    /// <summary>A message claimed for a session: its file, the recipients it goes to, and how far the attempt got.</summary>
    private sealed class Claim(QueueProcessor processor, QueueEntry file, int[] pending, int attempt)
    {
        public QueueEntry File { get; } = file;

        /// <summary>The header indexes of the recipients in the job's envelope, in its order.</summary>
        public int[] Pending { get; } = pending;

        /// <summary>The number of this attempt.</summary>
        public int Attempt { get; } = attempt;

        /// <summary>DATA-END is in the journal: the end of the data may have gone out.</summary>
        public bool DataEnded { get; private set; }

        private bool _attemptRecorded;

        /// <summary>
        /// Records the attempt. It is written when it first matters (the end of the data, or an outcome), so that a
        /// message a session took but never got to (the session failed on another message's account) is left as it was.
        /// </summary>
        public void RecordAttempt()
        {
            if (!_attemptRecorded)
            {
                File.Append(durable: false, AttemptRecord());
                _attemptRecorded = true;
            }
        }

        /// <summary>
        /// The engine has read the last byte of the message: the bytes that end the data (the final dot, or BDAT LAST)
        /// are queued only after this returns. From here a lost reply leaves the outcome unknown.
        /// </summary>
        public void OnDataEnding()
        {
            DataEnded = true;
            var end = new QueueRecord(processor.Now, QueueRecordKind.DataEnd, "");
            if (_attemptRecorded)
            {
                File.Append(durable: false, end);
            }
            else
            {
                File.Append(durable: false, AttemptRecord(), end);
                _attemptRecorded = true;
            }
        }

        private QueueRecord AttemptRecord() => new(processor.Now, QueueRecordKind.Attempt, $"{Attempt} {processor._worker}");
    }

    /// <summary>The messages one session takes and settles, and whether the worker goes on afterwards.</summary>
    private sealed class Session(QueueProcessor processor, Run run, QueueEntry first) : IDisposable
    {
        private QueueEntry? _first = first;   // claimed for this session; not yet taken
        private Exception? _lastFailure;      // the failure of the message settled last

        /// <summary>False once a failure says this worker should stop.</summary>
        public bool GoOn { get; private set; } = true;

        /// <summary>The engine asks for the next message: the one claimed first, then the next one due (claimed here).
        /// Never throws.</summary>
        public MailJob? Take()
        {
            if (!GoOn)
            {
                return null;
            }
            QueueEntry? file = null;
            try
            {
                file = _first ?? processor.NextClaim(run);
                _first = null;
                return file is null ? null : processor.Start(file);
            }
            catch (Exception e)
            {
                // Not the session's failure: the messages in flight are finished, and the run ends with this error. A
                // file claimed here stays .sending until the next run recovers it.
                file?.Dispose();
                Stop(processor.FileError(e));
                return null;
            }
        }

        /// <summary>The engine knows how a message ended. Never throws: the engine would complete the job again.</summary>
        public void Done(MailJob job)
        {
            var claim = (Claim)job.Tag!;
            try
            {
                if (!processor.Settle(claim, job, _lastFailure, run))
                {
                    GoOn = false;
                }
            }
            catch (Exception e)
            {
                Stop(processor.FileError(e));
            }
            finally
            {
                _lastFailure = job.Failure;
                claim.File.Dispose();
            }
        }

        /// <summary>No session could be opened for the message claimed first.</summary>
        public bool NoSession(SessionUnavailableException e)
        {
            var file = _first!;
            _first = null;
            using (file)
            {
                var claim = processor.Claimed(file);
                claim.RecordAttempt();
                return processor.OnFailure(claim, e, run);
            }
        }

        /// <summary>A message claimed and never taken (the sender failed before asking) goes back as it was.</summary>
        public void Dispose()
        {
            if (_first is { } file)
            {
                _first = null;
                using (file)
                {
                    file.MoveTo(QueueFile.Queued);
                }
            }
        }

        private void Stop(Exception error)
        {
            run.Fail(error);
            GoOn = false;
        }
    }

    /// <summary>What a claimed file is sent as: an attempt at its pending recipients.</summary>
    private Claim Claimed(QueueEntry file)
    {
        var state = file.State!;
        return new Claim(this, file, [.. state.Pending], state.Attempts + 1);
    }

    /// <summary>Makes the job for a claimed file: its envelope holds only the recipients still pending.</summary>
    private MailJob Start(QueueEntry file)
    {
        var claim = Claimed(file);
        var header = file.Header!.Envelope;
        var recipients = claim.Pending.Select(i => header.Recipients[i]).ToList();
        var envelope = new Envelope(header.ReversePath, recipients) { ExtraMailParameters = header.ExtraMailParameters };
        var message = file.OpenMessage(claim.OnDataEnding);
        Note($"sending {file.Describe(claim.Attempt, recipients.Count)}.");
        return new MailJob(envelope, message) { Tag = claim };
    }

    /// <summary>
    /// Records how a message's attempt ended. Returns false when this worker should stop (as after a failure that
    /// stops the run).
    /// </summary>
    /// <param name="claim">The message.</param>
    /// <param name="job">Its job, completed.</param>
    /// <param name="previous">The failure of the message settled just before on this session.</param>
    /// <param name="run">The run.</param>
    private bool Settle(Claim claim, MailJob job, Exception? previous, Run run)
    {
        var failure = job.Failure;
        if (failure is not null && ReferenceEquals(failure, previous) && job.Outcome == JobOutcome.Deferred
            && job.MailReply is null && !claim.DataEnded)
        {
            // The failure was another message's (the session dropped while that one waited for its reply), and nothing
            // of this one had been answered: it was never really tried, so it goes back unchanged and may be taken
            // again in this run.
            claim.File.MoveTo(QueueFile.Queued);
            run.Again(claim.File.Id);
            Note($"{claim.File.Id} went back to the queue unchanged: the session ended before it was answered " +
                 $"({QueueFile.OneLine(failure.Message)}).");
            return true;
        }
        claim.RecordAttempt();
        if (job.Outcome == JobOutcome.Delivered)
        {
            OnSuccess(claim, job);
            return true;
        }
        return OnFailure(claim, failure ?? RefusalError(job, claim.DataEnded), run);
    }

    /// <summary>
    /// The error for a message the server refused (the job carries the replies): the words and the reply a single
    /// send would have thrown, so the journal, the schedule and the reports read as they always have.
    /// </summary>
    private static SmtpException RefusalError(MailJob job, bool dataEnded)
    {
        var envelope = job.Envelope;
        if (job.MailReply is { IsSuccess: false } mail)
        {
            return new SmtpException(SmtpErrorCodes.ProtocolError,
                $"The server rejected the sender <{envelope.ReversePath}> ({envelope.Verb} FROM): {mail}", mail);
        }
        if (job.AcceptedCount == 0)
        {
            // The recipients' refusals decide (a 4xx retries) rather than the reply to DATA that followed them.
            var last = job.RecipientReplies.LastOrDefault(r => r is { IsSuccess: false });
            return new SmtpException(SmtpErrorCodes.ProtocolError, "The server accepted none of the recipients; nothing was sent." +
                (last is not null ? $" Last rejection: {last}" : ""), (last ?? job.FinalReply)!);
        }
        var reply = job.FinalReply!;
        return new SmtpException(SmtpErrorCodes.ProtocolError,
            (dataEnded ? "The server did not accept the message: " : "The server refused the message data: ") + reply, reply);
    }

    private void OnSuccess(Claim claim, MailJob job)
    {
        var file = claim.File;
        var now = Now;
        var delivered = new List<int>();
        for (int i = 0; i < job.RecipientReplies.Length; i++)
        {
            if (job.RecipientReplies[i] is { IsSuccess: true })
            {
                delivered.Add(claim.Pending[i] + 1);
            }
        }
        string reply = job.FinalReply?.ToString() ?? "";
        var records = new List<QueueRecord>
        {
            new(now, QueueRecordKind.Delivered, $"{string.Join(',', delivered)} {reply}"),
        };
        var refused = new List<string>();
        for (int i = 0; i < job.RecipientReplies.Length; i++)
        {
            if (job.RecipientReplies[i] is { IsSuccess: false } refusal)
            {
                string kind = refusal.IsTransientFailure ? QueueRecordKind.Deferred : QueueRecordKind.Rejected;
                records.Add(new QueueRecord(now, kind, $"{claim.Pending[i] + 1} {refusal}"));
                if (refusal.IsPermanentFailure)
                {
                    refused.Add($"<{job.Envelope.Recipients[i].Address}>");
                }
            }
        }
        // The acceptance is on disk before the file is renamed or removed: after this line a crash cannot lead to a
        // second delivery to these recipients.
        file.Append(durable: true, [.. records]);
        var state = file.State!;
        if (state.Done)
        {
            Finish(file, $"{file.Id} sent: {QueueFile.OneLine(reply)}" +
                         (refused.Count > 0 ? $" (refused for good: {string.Join(", ", refused)})" : "") + ".");
            return;
        }
        var next = NextAttempt(state, state.Attempts, now);
        string reason = state.LastError;
        file.Append(durable: true, new QueueRecord(now, QueueRecordKind.Retry, $"{QueueFile.FormatTime(next)} {reason}"));
        file.MoveTo(QueueFile.Queued);
        _schedule.Remember(file.Id, next);
        Note($"{file.Id} sent to {delivered.Count} of {job.RecipientReplies.Length} recipients; the others were deferred " +
             $"({QueueFile.OneLine(reason)}) and are tried again after {QueueFile.FormatTime(next)}.");
    }

    /// <summary>Records a failed attempt: in doubt when the end of the data went out unanswered, then scheduled again,
    /// failed, or (interrupted) put back at once. Returns false when this worker should stop.</summary>
    private bool OnFailure(Claim claim, Exception e, Run run)
    {
        var file = claim.File;
        int attempt = claim.Attempt;
        var now = Now;
        var state = file.State!;
        bool session = e is SessionUnavailableException;
        var error = session ? e.InnerException! : e;
        bool interrupted = run.Call.Reason != StopReason.None;
        if (interrupted)
        {
            error = run.Call.StoppedException(error) ?? error;
        }
        bool replied = error is SmtpException { ReplyCode: >= 400 };
        var records = new List<QueueRecord>();
        if (claim.DataEnded && !replied)
        {
            string why = $"the end of the message was sent but no reply to it was read ({QueueFile.OneLine(error.Message)})";
            records.Add(new QueueRecord(now, QueueRecordKind.InDoubt, why));
            Note($"{file.Id} may have been delivered twice: {why}; it stays queued and will be sent again.");
        }
        string reason = QueueFile.OneLine(error.Message);
        if (interrupted)
        {
            records.Add(new QueueRecord(now, QueueRecordKind.Retry, $"{QueueFile.FormatTime(now)} {reason}"));
            file.Append(durable: true, [.. records]);
            file.MoveTo(QueueFile.Queued);
            Note($"{file.Id} went back to the queue: {reason}");
            run.Fail(error);
            return false;
        }
        bool permanent = !session && IsPermanent(error);
        var age = now - state.AgeBase;
        if (permanent || age >= _options.MaxAge)
        {
            string why = permanent ? reason
                : $"still failing after {attempt} attempts over {Describe(age)}, longer than the maximum age of " +
                  $"{Describe(_options.MaxAge)}; last error: {reason}";
            records.Add(new QueueRecord(now, QueueRecordKind.Failed, why));
            file.Append(durable: true, [.. records]);
            file.MoveTo(QueueFile.Failed);
            Note($"{file.Id} failed: {why}");
        }
        else
        {
            var next = NextAttempt(state, attempt, now);
            records.Add(new QueueRecord(now, QueueRecordKind.Retry, $"{QueueFile.FormatTime(next)} {reason}"));
            file.Append(durable: true, [.. records]);
            file.MoveTo(QueueFile.Queued);
            _schedule.Remember(file.Id, next);
            Note($"{file.Id} deferred until {QueueFile.FormatTime(next)} (attempt {attempt}): {reason}");
        }
        if (session)
        {
            // The server cannot be reached or refuses the session: every other message would fail the same way.
            run.Fail(error, stopAll: _options.StopOnError);
            return false;
        }
        Report(run, error, stopAll: true);
        return !_options.StopOnError;
    }
}
