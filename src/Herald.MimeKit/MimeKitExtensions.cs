using MimeKit;
using MimeHeader = MimeKit.Header;

namespace Herald.MimeKit;

/// <summary>
/// Sends MimeKit messages through Herald's <see cref="Smtp"/> component, its <see cref="SmtpClient"/> and its
/// <see cref="SmtpPool"/>.
/// </summary>
public static class MimeKitExtensions
{
    // The address fields that make a message a resent one (RFC 5322 §3.6.6).
    private static readonly HeaderId[] ResentAddressFields =
        [HeaderId.ResentFrom, HeaderId.ResentSender, HeaderId.ResentTo, HeaderId.ResentCc, HeaderId.ResentBcc];

    /// <summary>
    /// The envelope a message implies, by the rule Herald applies to the header of any ready-made message it sends
    /// (SmtpClient.SendBytes, <c>herald send --message</c>, <c>herald sendmail -t</c>). When the message carries Resent-*
    /// address fields, its newest block of Resent-* fields decides: RFC 5322 §3.6.6 has each resending prepend a block of
    /// its own, so the block nearest the top is the latest, and the older ones (whose recipients already had the
    /// message) are not used. The sender is then <c>Resent-Sender</c>, else the first <c>Resent-From</c> address, and the
    /// recipients are that block's <c>Resent-To</c>, <c>Resent-Cc</c> and <c>Resent-Bcc</c>. Otherwise the sender is
    /// <c>Sender</c>, else the first <c>From</c> address, and the recipients are <c>To</c>, <c>Cc</c> and <c>Bcc</c>.
    /// Each address is listed once, in that order.
    /// </summary>
    /// <param name="message">The message.</param>
    /// <returns>The sender's address and the recipients' addresses.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="message"/> is null.</exception>
    /// <exception cref="ArgumentException">The message names no sender or no recipient.</exception>
    public static (string From, IReadOnlyList<string> Recipients) GetEnvelope(this MimeMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var headers = message.Headers;
        int first = 0;
        while (first < headers.Count && !ResentAddressFields.Contains(headers[first].Id))
        {
            first++;
        }
        bool resent = first < headers.Count;
        string? sender;
        IEnumerable<MailboxAddress> recipients;
        if (resent)
        {
            // The block runs on while the fields are Resent-* ones (Resent-Date and Resent-Message-ID included).
            var block = headers.Skip(first).TakeWhile(h => h.Field.StartsWith("Resent-", StringComparison.OrdinalIgnoreCase)).ToList();
            sender = (Mailboxes(block, HeaderId.ResentSender).FirstOrDefault() ?? Mailboxes(block, HeaderId.ResentFrom).FirstOrDefault())
                ?.Address;
            recipients = Mailboxes(block, HeaderId.ResentTo).Concat(Mailboxes(block, HeaderId.ResentCc))
                .Concat(Mailboxes(block, HeaderId.ResentBcc));
        }
        else
        {
            sender = (message.Sender ?? message.From.Mailboxes.FirstOrDefault())?.Address;
            recipients = new[] { message.To, message.Cc, message.Bcc }.SelectMany(l => l.Mailboxes);
        }
        if (sender is null)
        {
            throw new ArgumentException(resent
                ? "The message has no sender: its newest block of Resent-* fields has no Resent-From (or Resent-Sender)."
                : "The message has no sender: set From (or Sender).", nameof(message));
        }
        var addresses = recipients.Select(m => m.Address).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (addresses.Count == 0)
        {
            throw new ArgumentException(resent
                ? "The message has no recipient: its newest block of Resent-* fields has no Resent-To, Resent-Cc or Resent-Bcc."
                : "The message has no recipient: set To, Cc or Bcc.", nameof(message));
        }
        return (sender, addresses);
    }

    // The mailboxes of the fields named by id (groups opened), read the way MimeKit reads its own address lists.
    private static IEnumerable<MailboxAddress> Mailboxes(IEnumerable<MimeHeader> fields, HeaderId id) =>
        fields.Where(h => h.Id == id)
            .SelectMany(h => InternetAddressList.TryParse(ParserOptions.Default, h.RawValue, out var list) ? list.Mailboxes : []);

    /// <summary>
    /// Sends <paramref name="message"/> with <paramref name="smtp"/>, written by MimeKit straight onto the connection.
    /// The envelope comes from the message's headers (<see cref="GetEnvelope"/>) unless <paramref name="from"/> and
    /// <paramref name="recipients"/> are given; it replaces the component's ReturnPath and recipients, and its message
    /// properties are left as they were after the send (the content is cleared).
    /// </summary>
    /// <param name="smtp">The component (connected or not, as for <see cref="Smtp.Send"/>).</param>
    /// <param name="message">The message.</param>
    /// <param name="from">The envelope sender, or null for the message's.</param>
    /// <param name="recipients">The envelope recipients, or null for the message's.</param>
    /// <exception cref="SmtpException">As <see cref="Smtp.Send"/>.</exception>
    public static void Send(this Smtp smtp, MimeMessage message, string? from = null, IEnumerable<string>? recipients = null)
    {
        Prepare(smtp, message, from, recipients);
        try
        {
            smtp.Send();
        }
        finally
        {
            smtp.SetMessageContent(null);
        }
    }

    /// <summary>Asynchronous <see cref="Send(Smtp, MimeMessage, string?, IEnumerable{string}?)"/>.</summary>
    /// <param name="smtp">The component.</param>
    /// <param name="message">The message.</param>
    /// <param name="from">The envelope sender, or null for the message's.</param>
    /// <param name="recipients">The envelope recipients, or null for the message's.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    /// <exception cref="SmtpException">As <see cref="Smtp.SendAsync"/>.</exception>
    public static async Task SendAsync(this Smtp smtp, MimeMessage message, string? from = null, IEnumerable<string>? recipients = null,
        CancellationToken cancellationToken = default)
    {
        Prepare(smtp, message, from, recipients);
        try
        {
            await smtp.SendAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            smtp.SetMessageContent(null);
        }
    }

    /// <summary>
    /// Sends <paramref name="message"/> with <paramref name="client"/> (connected), written by MimeKit straight onto
    /// the connection, with the envelope from its headers unless given; the client's <c>Msg</c> is not used.
    /// </summary>
    /// <param name="client">The connected client.</param>
    /// <param name="message">The message.</param>
    /// <param name="from">The envelope sender, or null for the message's.</param>
    /// <param name="recipients">The envelope recipients, or null for the message's.</param>
    /// <exception cref="SmtpException">As <see cref="SmtpClient.SendContent"/>.</exception>
    public static void SendMessage(this SmtpClient client, MimeMessage message, string? from = null,
        IEnumerable<string>? recipients = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        var (sender, to) = Envelope(message, from, recipients);
        client.SendContent(new MimeMessageContent(message), sender, to);
    }

    /// <summary>Asynchronous <see cref="SendMessage(SmtpClient, MimeMessage, string?, IEnumerable{string}?)"/>.</summary>
    /// <param name="client">The connected client.</param>
    /// <param name="message">The message.</param>
    /// <param name="from">The envelope sender, or null for the message's.</param>
    /// <param name="recipients">The envelope recipients, or null for the message's.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    /// <exception cref="SmtpException">As <see cref="SmtpClient.SendContentAsync"/>.</exception>
    public static Task SendMessageAsync(this SmtpClient client, MimeMessage message, string? from = null,
        IEnumerable<string>? recipients = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        var (sender, to) = Envelope(message, from, recipients);
        return client.SendContentAsync(new MimeMessageContent(message), sender, to, cancellationToken);
    }

    /// <summary>
    /// Sends <paramref name="message"/> through <paramref name="pool"/>, written by MimeKit straight onto the
    /// connection (again for a retry), with the envelope from its headers unless given.
    /// </summary>
    /// <param name="pool">The pool.</param>
    /// <param name="message">The message. Do not change it until the task completes.</param>
    /// <param name="from">The envelope sender, or null for the message's.</param>
    /// <param name="recipients">The envelope recipients, or null for the message's.</param>
    /// <param name="cancellationToken">Drops the message if it fires before an attempt starts.</param>
    /// <returns>What became of the message.</returns>
    public static Task<DeliveryResult> SendAsync(this SmtpPool pool, MimeMessage message, string? from = null,
        IEnumerable<string>? recipients = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pool);
        var (sender, to) = Envelope(message, from, recipients);
        return pool.SendAsync(sender, to, new MimeMessageContent(message), cancellationToken);
    }

    private static void Prepare(Smtp smtp, MimeMessage message, string? from, IEnumerable<string>? recipients)
    {
        ArgumentNullException.ThrowIfNull(smtp);
        var (sender, to) = Envelope(message, from, recipients);
        smtp.ReturnPath = sender.Length == 0 ? "<>" : sender;
        smtp.MessageRecipients.Clear();
        foreach (string address in to)
        {
            smtp.MessageRecipients.Add(new MessageRecipient(address, (int)EmailRecipientTypes.rtTo));
        }
        smtp.SetMessageContent(new MimeMessageContent(message));
    }

    private static (string From, IReadOnlyList<string> Recipients) Envelope(MimeMessage message, string? from,
        IEnumerable<string>? recipients)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (from is not null && recipients is not null)
        {
            return (from, recipients.ToList());
        }
        var implied = message.GetEnvelope();
        return (from ?? implied.From, recipients?.ToList() ?? implied.Recipients);
    }
}
