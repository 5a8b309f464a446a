using System.Text;
using Herald.Protocol;

namespace Herald.Message.Mime;

/// <summary>The top-level header fields of an <see cref="EmailMessage"/> (RFC 5322 §3.6), without the MIME ones.</summary>
internal static class MessageHeaderWriter
{
    // Fields a property or the MIME structure decides: a Headers entry may not add a second one (RFC 5322 §3.6 allows
    // most of them once) or contradict the structure.
    private static readonly HashSet<string> s_owned = new(StringComparer.OrdinalIgnoreCase)
    {
        "From", "Sender", "To", "Cc", "Bcc", "Reply-To", "Subject", "Date", "Message-ID", "In-Reply-To", "References",
        "MIME-Version",
    };

    /// <summary>Builds the fields.</summary>
    /// <param name="message">The message.</param>
    /// <param name="options">The writer options (clock, Message-ID domain).</param>
    /// <param name="fields">Receives each field as (name, unfolded value).</param>
    /// <param name="text">Receives the fields as they go on the wire, each ending in CRLF.</param>
    /// <exception cref="SmtpException">164 when From is empty; 10022 when From holds several addresses and Sender is
    /// empty, a Headers entry is invalid or names a field the message decides, or a value cannot be folded.</exception>
    public static void Write(EmailMessage message, MimeWriterOptions options, List<KeyValuePair<string, string>> fields,
        StringBuilder text)
    {
        var from = AddressParser.ParseList(message.From, "From");
        if (from.Count == 0)
        {
            throw new SmtpException(SmtpErrorCodes.NoSender, "No sender specified: set From to the sender's address.");
        }
        var sender = AddressParser.ParseList(message.Sender, "Sender");
        if (from.Count > 1 && sender.Count == 0)
        {
            throw new SmtpException(SmtpErrorCodes.InvalidArgument,
                $"From holds {from.Count} addresses; set Sender to the one who sends the message (RFC 5322 §3.6.2).");
        }
        var user = new List<Header>(message.Headers.Count);
        var supplied = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var header in message.Headers)
        {
            var name = header.Field?.Trim() ?? "";
            if (!OtherHeadersParser.IsFieldName(name))
            {
                throw new SmtpException(SmtpErrorCodes.InvalidArgument,
                    $"Headers has an invalid field name '{name}'; a name is printable ASCII without spaces or colons " +
                    "(RFC 5322 §3.6.8).");
            }
            if (s_owned.Contains(name) || name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase))
            {
                throw new SmtpException(SmtpErrorCodes.InvalidArgument,
                    $"Headers may not hold a {name} field: the message writes it from its properties and its MIME " +
                    "structure. Set the matching property instead (From, SendTo, Subject, ID, ...), or remove it.");
            }
            LineValidation.EnsureSingleLine(header.Value, $"The value of header {name}");
            user.Add(new Header(name, header.Value ?? ""));
            supplied.Add(name);
        }

        var now = options.Clock();
        void Add(string name, Action<HeaderFieldWriter> write)
        {
            var writer = new HeaderFieldWriter(name, ContentTypes.LineLimit, name);
            write(writer);
            fields.Add(new(name, writer.Value));
            text.Append(writer.Text);
        }
        void AddAddresses(string name, IReadOnlyList<MailAddress> list)
        {
            if (list.Count > 0)
            {
                Add(name, w => HeaderBlock.WriteAddresses(w, list, Charsets.Utf8));
            }
        }
        void AddText(string name, string value)
        {
            if (value.Length > 0 && !supplied.Contains(name))
            {
                Add(name, w => w.AppendUnstructured(value, Charsets.Utf8));
            }
        }

        AddAddresses("From", from);
        AddAddresses("Sender", sender);
        AddAddresses("To", AddressParser.ParseList(message.SendTo, "SendTo"));
        AddAddresses("Cc", AddressParser.ParseList(message.Cc, "Cc"));
        if (options.IncludeBcc)
        {
            AddAddresses("Bcc", AddressParser.ParseList(message.Bcc, "Bcc"));
        }
        AddAddresses("Reply-To", AddressParser.ParseList(message.ReplyTo, "ReplyTo"));
        if (message.Subject.Length > 0)
        {
            Add("Subject", w => w.AppendUnstructured(message.Subject, Charsets.Utf8));
        }
        var date = message.Date.Trim();
        Add("Date", w => w.AppendVerbatim(date is "" or "*" ? MessageDates.Format(now) : date));
        var id = message.ID.Trim();
        if (id is "" or "*" && options.GeneratedId is { } fixedId)
        {
            id = fixedId; // a retry of the same message keeps the id its first attempt generated
        }
        else if (id is "" or "*")
        {
            var domain = options.IdDomain ?? DomainOf(from[0].Address);
            id = MessageIds.Generate("SHA256", domain, now);
        }
        else
        {
            id = MessageIds.Normalize(id);
        }
        Add("Message-ID", w => w.AppendVerbatim(id));
        if (IdList(message.InReplyTo) is { Length: > 0 } inReplyTo)
        {
            Add("In-Reply-To", w => w.AppendVerbatim(inReplyTo));
        }
        if (IdList(message.References) is { Length: > 0 } references)
        {
            Add("References", w => w.AppendVerbatim(references));
        }
        AddText("Keywords", message.Keywords);
        AddText("Comments", message.Comments);
        AddText("X-Mailer", message.Mailer);
        var (xPriority, importance) = message.Priority switch
        {
            EmailPriority.Highest => ("1 (Highest)", "high"),
            EmailPriority.High => ("2 (High)", "high"),
            EmailPriority.Low => ("4 (Low)", "low"),
            EmailPriority.Lowest => ("5 (Lowest)", "low"),
            _ => ("", ""),
        };
        AddText("X-Priority", xPriority);
        AddText("Importance", importance);
        var notify = sender.Count > 0 ? sender : from;
        if (message.DeliveryReceipt && !supplied.Contains("Return-Receipt-To"))
        {
            AddAddresses("Return-Receipt-To", notify);
        }
        if (message.ReadReceipt && !supplied.Contains("Disposition-Notification-To"))
        {
            AddAddresses("Disposition-Notification-To", notify);
        }
        foreach (var header in user)
        {
            Add(header.Field, w => w.AppendUnstructured(header.Value, Charsets.Utf8));
        }
    }

    // "a@x, <b@y>" or "a@x <b@y>": each id in angle brackets, separated by one space (RFC 5322 §3.6.4).
    private static string IdList(string value) =>
        string.Join(' ', value.Split([' ', '\t', ','], StringSplitOptions.RemoveEmptyEntries).Select(MessageIds.Normalize));

    private static string DomainOf(string address)
    {
        int at = address.LastIndexOf('@');
        return at < 0 ? "" : address[(at + 1)..];
    }
}
