using System.Diagnostics;
using Herald.Engine;
using Herald.Protocol;

namespace Herald.Delivery;

/// <summary>
/// One message handed to the pool, across all its attempts: how to make its data for an attempt, the recipients
/// still to try, each recipient's latest reply, and the caller's task.
/// </summary>
internal sealed class PoolRequest
{
    private readonly TaskCompletionSource<DeliveryResult> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly long _started = Stopwatch.GetTimestamp();
    private readonly RecipientResult?[] _results;
    private readonly Activity? _activityParent = Activity.Current; // the caller's, at hand-over

    /// <summary>Creates a request.</summary>
    /// <param name="envelope">The whole envelope.</param>
    /// <param name="createSource">Makes the message data for one attempt, given what the server offers.</param>
    /// <param name="cancellationToken">The caller's token: the request is dropped if it fires before an attempt starts.</param>
    public PoolRequest(Envelope envelope, Func<Capabilities, MessageSource> createSource, CancellationToken cancellationToken)
    {
        Original = envelope;
        Pending = envelope;
        CreateSource = createSource;
        CancellationToken = cancellationToken;
        _results = new RecipientResult?[envelope.Recipients.Count];
    }

    /// <summary>The whole envelope.</summary>
    public Envelope Original { get; }

    /// <summary>The recipients the next attempt goes to (all, or those that got a transient refusal).</summary>
    public Envelope Pending { get; private set; }

    /// <summary>Makes the message data for one attempt.</summary>
    public Func<Capabilities, MessageSource> CreateSource { get; }

    /// <summary>The caller's token.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>Attempts started so far.</summary>
    public int Attempts { get; private set; }

    /// <summary>Why the last attempt failed, in words.</summary>
    public string LastError { get; private set; } = "";

    /// <summary>The caller's task.</summary>
    public Task<DeliveryResult> Task => _completion.Task;

    /// <summary>Counts an attempt and makes its job.</summary>
    public MailJob StartAttempt(Capabilities capabilities)
    {
        Attempts++;
        return new MailJob(Pending, CreateSource(capabilities)) { Tag = this, ActivityParent = _activityParent };
    }

    /// <summary>Counts an attempt that failed before a job could be made (the connection could not be opened).</summary>
    public void FailedToConnect(Exception error)
    {
        Attempts++;
        LastError = error.Message;
    }

    /// <summary>
    /// Records what an attempt learnt and says what is left: null when the request is finished, otherwise the
    /// recipients a retry should go to.
    /// </summary>
    public Envelope? Record(MailJob job)
    {
        if (!job.Prepared)
        {
            // Taken ahead for the pipeline, handed back unsent when the session ended: that was no attempt.
            Attempts--;
        }
        if (job.Failure is not null)
        {
            LastError = job.Failure.Message;
        }
        for (int i = 0; i < job.Envelope.Recipients.Count; i++)
        {
            if (job.RecipientReplies[i] is not { } reply)
            {
                continue;
            }
            var recipient = job.Envelope.Recipients[i];
            int index = IndexOf(recipient);
            bool accepted = reply.IsSuccess && job.Outcome == JobOutcome.Delivered;
            _results[index] = new RecipientResult(recipient.Address, accepted, reply.Code, reply.EnhancedCode?.ToString() ?? "",
                reply.ToString());
        }
        switch (job.Outcome)
        {
            case JobOutcome.Delivered:
                // Recipients refused for now (4xx) get another attempt of their own; the others are done. (A loop that
                // allocates only when there is one: this runs for every message.)
                List<EnvelopeRecipient>? retry = null;
                for (int i = 0; i < job.RecipientReplies.Length; i++)
                {
                    if (job.RecipientReplies[i] is { Code: >= 400 and < 500 })
                    {
                        (retry ??= []).Add(job.Envelope.Recipients[i]);
                    }
                }
                return retry is not null ? Pending = Reduced(retry) : null;
            case JobOutcome.Deferred:
                return Pending;
            default:
                return null;
        }
    }

    /// <summary>Ends the request with its result.</summary>
    /// <param name="last">The last attempt's job, or null when none was made.</param>
    /// <param name="retriesExhausted">True when the request ends because it may not be tried again.</param>
    public void Finish(MailJob? last, bool retriesExhausted)
    {
        var recipients = new RecipientResult[_results.Length];
        for (int i = 0; i < recipients.Length; i++)
        {
            recipients[i] = _results[i] ?? new RecipientResult(Original.Recipients[i].Address, false, 0, "", "");
        }
        int accepted = 0;
        foreach (var r in recipients)
        {
            accepted += r.Accepted ? 1 : 0;
        }
        var status = last?.Outcome switch
        {
            JobOutcome.Uncertain => DeliveryStatus.MayHaveBeenDelivered,
            _ when accepted == recipients.Length => DeliveryStatus.Delivered,
            _ when accepted > 0 => DeliveryStatus.PartiallyDelivered,
            JobOutcome.Refused => DeliveryStatus.Refused,
            _ when retriesExhausted => DeliveryStatus.Failed,
            _ => DeliveryStatus.Refused,
        };
        var final = last?.FinalReply ?? last?.MailReply;
        _completion.TrySetResult(new DeliveryResult(status, recipients, final?.Code ?? 0, final?.EnhancedCode?.ToString() ?? "",
            final?.ToString() ?? "", Attempts, Stopwatch.GetElapsedTime(_started),
            status is DeliveryStatus.Delivered ? "" : LastError));
    }

    /// <summary>Ends the request without a result (the caller cancelled, or the pool is closing).</summary>
    public void Abort(Exception error)
    {
        if (error is OperationCanceledException oce)
        {
            _completion.TrySetCanceled(oce.CancellationToken);
        }
        else
        {
            _completion.TrySetException(error);
        }
    }

    private int IndexOf(EnvelopeRecipient recipient)
    {
        for (int i = 0; i < Original.Recipients.Count; i++)
        {
            if (Original.Recipients[i] == recipient)
            {
                return i;
            }
        }
        throw new InvalidOperationException("A recipient that is not in the envelope.");
    }

    private Envelope Reduced(IReadOnlyList<EnvelopeRecipient> recipients) =>
        new(Original.ReversePath, recipients, Original.Verb) { ExtraMailParameters = Original.ExtraMailParameters };
}
