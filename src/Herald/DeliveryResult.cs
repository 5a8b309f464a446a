namespace Herald;

/// <summary>What became of a message sent through an <see cref="SmtpPool"/>.</summary>
public enum DeliveryStatus
{
    /// <summary>The server accepted the message for every recipient.</summary>
    Delivered,

    /// <summary>The server accepted the message for some recipients and refused it for the others.</summary>
    PartiallyDelivered,

    /// <summary>The server refused the message for good (a 5xx reply), or it cannot be sent to this server.</summary>
    Refused,

    /// <summary>Every attempt failed with a transient error (4xx, or a connection failure) and the retries ran out.</summary>
    Failed,

    /// <summary>
    /// The end of the message was sent but its reply never came: the server may have accepted it. It is not sent
    /// again, since that could deliver it twice.
    /// </summary>
    MayHaveBeenDelivered,
}

/// <summary>One recipient's result.</summary>
/// <param name="Address">The recipient address.</param>
/// <param name="Accepted">True when the server accepted the message for it.</param>
/// <param name="ReplyCode">The reply to its RCPT (the last attempt's), or 0 when it was never asked.</param>
/// <param name="EnhancedStatusCode">The RFC 3463 code of that reply, or "".</param>
/// <param name="ReplyText">The whole reply, or "".</param>
public sealed record RecipientResult(string Address, bool Accepted, int ReplyCode, string EnhancedStatusCode, string ReplyText);

/// <summary>What became of a message sent through an <see cref="SmtpPool"/>: overall and per recipient.</summary>
public sealed class DeliveryResult
{
    internal DeliveryResult(DeliveryStatus status, IReadOnlyList<RecipientResult> recipients, int replyCode, string enhancedStatusCode,
        string replyText, int attempts, TimeSpan elapsed, string error)
    {
        Status = status;
        Recipients = recipients;
        ReplyCode = replyCode;
        EnhancedStatusCode = enhancedStatusCode;
        ReplyText = replyText;
        QueueId = ParseQueueId(replyText);
        Attempts = attempts;
        Elapsed = elapsed;
        Error = error;
    }

    /// <summary>The overall result.</summary>
    public DeliveryStatus Status { get; }

    /// <summary>True when the server accepted the message for at least one recipient.</summary>
    public bool Delivered => Status is DeliveryStatus.Delivered or DeliveryStatus.PartiallyDelivered;

    /// <summary>Each recipient, in the order of the envelope.</summary>
    public IReadOnlyList<RecipientResult> Recipients { get; }

    /// <summary>The reply that decided the message (to the end of its data, or the refusal), or 0 when none came.</summary>
    public int ReplyCode { get; }

    /// <summary>The RFC 3463 code of that reply, or "".</summary>
    public string EnhancedStatusCode { get; }

    /// <summary>The whole reply, or "".</summary>
    public string ReplyText { get; }

    /// <summary>The server's id for the message when its reply names one (<c>queued as X</c>, <c>id=X</c>), else "".</summary>
    public string QueueId { get; }

    /// <summary>How many times the message was tried.</summary>
    public int Attempts { get; }

    /// <summary>From the call to the result, retries included.</summary>
    public TimeSpan Elapsed { get; }

    /// <summary>Why the last attempt failed, in words, or "" when it did not.</summary>
    public string Error { get; }

    /// <inheritdoc />
    public override string ToString() =>
        $"{Status} after {Attempts} attempt(s){(ReplyText.Length > 0 ? ": " + ReplyText : "")}{(Error.Length > 0 ? " (" + Error + ")" : "")}";

    /// <summary>The queue id a reply names (<c>queued as X</c>, <c>id=X</c>), or "".</summary>
    internal static string ParseQueueId(string reply)
    {
        foreach (string marker in (ReadOnlySpan<string>)["queued as ", "id="])
        {
            int at = reply.IndexOf(marker, StringComparison.OrdinalIgnoreCase);
            if (at < 0)
            {
                continue;
            }
            int start = at + marker.Length;
            int end = start;
            while (end < reply.Length && (char.IsAsciiLetterOrDigit(reply[end]) || reply[end] is '-' or '.' or '_'))
            {
                end++;
            }
            if (end > start)
            {
                return reply[start..end].TrimEnd('.');
            }
        }
        return "";
    }
}
