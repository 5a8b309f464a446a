namespace Herald.Engine;

/// <summary>One envelope recipient: the address for RCPT TO, which header it belongs to, and its options.</summary>
/// <param name="Address">The addr-spec.</param>
/// <param name="Kind">To, Cc or Bcc (decides whether a rejection stops the transaction).</param>
/// <param name="Options">ESMTP options already in RFC 3461 form, or empty.</param>
internal readonly record struct EnvelopeRecipient(string Address, RecipientKind Kind, string Options);

/// <summary>The SMTP envelope of one message (RFC 5321 §2.3.1): reverse path and recipients.</summary>
internal sealed class Envelope
{
    /// <summary>Creates an envelope.</summary>
    /// <param name="reversePath">The MAIL FROM address (empty for the null reverse path).</param>
    /// <param name="recipients">The recipients, in order.</param>
    /// <param name="verb">MAIL, or SEND/SOML/SAML for the RFC 821 terminal delivery variants.</param>
    public Envelope(string reversePath, IReadOnlyList<EnvelopeRecipient> recipients, string verb = "MAIL")
    {
        ReversePath = reversePath;
        Recipients = recipients;
        Verb = verb;
    }

    /// <summary>MAIL, SEND, SOML or SAML.</summary>
    public string Verb { get; }

    /// <summary>The reverse path.</summary>
    public string ReversePath { get; }

    /// <summary>The recipients.</summary>
    public IReadOnlyList<EnvelopeRecipient> Recipients { get; }

    /// <summary>Extra MAIL FROM parameters (for example RET=HDRS or ENVID=...), already validated.</summary>
    public IReadOnlyList<string> ExtraMailParameters { get; init; } = [];

    /// <summary>True when an address needs RFC 6531 SMTPUTF8.</summary>
    public bool NeedsSmtpUtf8 =>
        !Protocol.LineValidation.IsAscii(ReversePath) || Recipients.Any(r => !Protocol.LineValidation.IsAscii(r.Address));
}

/// <summary>The outcome of one mail transaction.</summary>
internal sealed class TransactionResult
{
    /// <summary>Recipients the server accepted.</summary>
    public List<EnvelopeRecipient> Accepted { get; } = [];

    /// <summary>Recipients the server rejected, with its reply, when the recipient-failure policy let the send go on.</summary>
    public List<(EnvelopeRecipient Recipient, Protocol.SmtpReply Reply)> Rejected { get; } = [];

    /// <summary>The server's reply to the end of the message data.</summary>
    public Protocol.SmtpReply? FinalReply { get; set; }
}
