using System.Diagnostics;
using Herald.Diagnostics;
using Herald.Protocol;

namespace Herald.Engine;

/// <summary>Where a message stands after a pipelined attempt.</summary>
internal enum JobOutcome
{
    /// <summary>Not finished.</summary>
    Pending,
    /// <summary>The server accepted the message (for the recipients it accepted).</summary>
    Delivered,
    /// <summary>A permanent (5xx) refusal: trying again will not help.</summary>
    Refused,
    /// <summary>A transient (4xx) refusal, or the session failed before the end of the data was sent: try again.</summary>
    Deferred,
    /// <summary>
    /// The end of the data was sent but its reply never came: the server may have accepted the message, so sending
    /// it again may deliver it twice.
    /// </summary>
    Uncertain,
}

/// <summary>
/// One message handed to <see cref="SmtpEngine.SendPipelinedAsync"/>, and what the server said about it: the reply to
/// MAIL, to each RCPT, and the final reply (to the end of the data, or the refusal that ended the transaction).
/// </summary>
internal sealed class MailJob
{
    /// <summary>Creates a job.</summary>
    /// <param name="envelope">The envelope.</param>
    /// <param name="message">The message data; it is completed (<see cref="MessageSource.Complete"/>) when the attempt ends.</param>
    public MailJob(Envelope envelope, MessageSource message)
    {
        Envelope = envelope;
        Message = message;
        RecipientReplies = new SmtpReply?[envelope.Recipients.Count];
    }

    /// <summary>The envelope.</summary>
    public Envelope Envelope { get; }

    /// <summary>The message data.</summary>
    public MessageSource Message { get; }

    /// <summary>The reply to MAIL, once read.</summary>
    public SmtpReply? MailReply { get; set; }

    /// <summary>The reply to each RCPT, in envelope order, once read.</summary>
    public SmtpReply?[] RecipientReplies { get; }

    /// <summary>The reply that decided the message: to the end of the data, or the refusal that ended it.</summary>
    public SmtpReply? FinalReply { get; set; }

    /// <summary>The outcome of the attempt.</summary>
    public JobOutcome Outcome { get; set; }

    /// <summary>
    /// Why the session failed while this job was in flight, when it did; or, when the recipient-failure policy
    /// (<see cref="EngineOptions.StopOnRejected"/>) stopped the transaction, the error a single send would have thrown.
    /// </summary>
    public Exception? Failure { get; set; }

    /// <summary>Whatever the caller attached to the job (the pool's request).</summary>
    public object? Tag { get; init; }

    /// <summary>The activity the job's send activity belongs under (the caller's, when it handed the message over).</summary>
    public Activity? ActivityParent { get; init; }

    /// <summary>The send's telemetry, from the moment its transaction starts; null when it was refused before.</summary>
    public MessageTelemetry? Telemetry { get; set; }

    /// <summary>The commands of its envelope, as made for the session it is sent on.</summary>
    internal List<string> Commands { get; set; } = [];

    /// <summary>
    /// The engine began to make the job's commands. False for a job taken ahead while replies were awaited and handed
    /// back (<see cref="JobOutcome.Deferred"/>) because the session ended first: nothing of it was tried.
    /// </summary>
    internal bool Prepared { get; set; }

    /// <summary>The envelope starts with RSET (an earlier transaction on the session did not complete).</summary>
    internal bool ResetFirst { get; set; }

    /// <summary>The number of recipients the server accepted.</summary>
    public int AcceptedCount
    {
        get
        {
            // Read several times per message on the pipelined path: a plain loop, no enumerator.
            int accepted = 0;
            foreach (var reply in RecipientReplies)
            {
                if (reply is { IsSuccess: true })
                {
                    accepted++;
                }
            }
            return accepted;
        }
    }

    /// <summary>Decides the outcome from a refusal: 4xx defers, 5xx refuses.</summary>
    public void Fail(SmtpReply reply)
    {
        FinalReply = reply;
        Outcome = reply.Code is >= 400 and < 500 ? JobOutcome.Deferred : JobOutcome.Refused;
    }

    /// <summary>
    /// Decides the outcome when no recipient was accepted: deferred when any refusal was transient (a later attempt
    /// may succeed for it), refused when all were permanent.
    /// </summary>
    /// <param name="reply">The reply that ended the transaction (to DATA or BDAT), or null.</param>
    public void NoRecipient(SmtpReply? reply)
    {
        FinalReply = reply ?? RecipientReplies.LastOrDefault(r => r is not null);
        Outcome = RecipientReplies.Any(r => r is { Code: >= 400 and < 500 }) ? JobOutcome.Deferred : JobOutcome.Refused;
    }
}
