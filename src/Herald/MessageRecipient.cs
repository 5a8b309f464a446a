namespace Herald;

/// <summary>One envelope recipient of the message (an element of <see cref="Smtp.MessageRecipients"/>).</summary>
public class MessageRecipient
{
    /// <summary>Creates an empty recipient (type To).</summary>
    public MessageRecipient()
    {
    }

    /// <summary>Creates a To recipient.</summary>
    /// <param name="address">The e-mail address.</param>
    public MessageRecipient(string address) => Address = address;

    /// <summary>Creates a recipient of the given type.</summary>
    /// <param name="address">The e-mail address.</param>
    /// <param name="recipientType">0 To, 1 Cc, 2 Bcc (see <see cref="EmailRecipientTypes"/>).</param>
    /// <exception cref="ArgumentOutOfRangeException">The type is not 0, 1 or 2.</exception>
    public MessageRecipient(string address, int recipientType)
    {
        if (recipientType is < 0 or > 2)
        {
            throw new ArgumentOutOfRangeException(nameof(recipientType), recipientType, "The recipient type is 0 (To), 1 (Cc) or 2 (Bcc).");
        }
        Address = address;
        RecipientType = (EmailRecipientTypes)recipientType;
    }

    /// <summary>The e-mail address used in <c>RCPT TO</c>.</summary>
    public string Address { get; set; } = "";

    /// <summary>The display name used in the To or Cc header.</summary>
    public string Name { get; set; } = "";

    /// <summary>
    /// ESMTP options appended to this recipient's <c>RCPT TO</c>, e.g. the RFC 3461 DSN options
    /// <c>NOTIFY=SUCCESS,FAILURE</c> (the form <c>NOTIFY SUCCESS,FAILURE</c> is accepted too). Options of an extension
    /// the server does not offer are not sent (the protocol trace says so).
    /// </summary>
    public string Options { get; set; } = "";

    /// <summary>To, Cc or Bcc: which header (if any) lists the address.</summary>
    public EmailRecipientTypes RecipientType { get; set; } = EmailRecipientTypes.rtTo;
}

/// <summary>The collection type of <see cref="Smtp.MessageRecipients"/>.</summary>
public class MessageRecipientList : System.Collections.ObjectModel.Collection<MessageRecipient>
{
}
