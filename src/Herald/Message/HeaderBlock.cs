using System.Text;
using Herald.Protocol;

namespace Herald.Message;

/// <summary>
/// Computes the header block of a message from the Smtp component's properties (RFC 5322 §3.6, RFC 2047).
/// </summary>
/// <remarks>
/// <para>Fields, in this order: From, To, Cc, Subject, Date, Message-ID, Reply-To, Importance, Priority, Sensitivity,
/// Return-Receipt-To, Disposition-Notification-To, the MIME headers (when a body encoding is given), then the
/// OtherHeaders lines. Empty properties and enum value 0 give no field. Blind copies never produce a field.</para>
/// <para>A computed field is left out when OtherHeaders supplies a field of the same name, so a user can replace any
/// of them (RFC 5322 §3.6 allows most of them only once). A Content-Type in OtherHeaders also takes over
/// Content-Transfer-Encoding, since ours would describe a text/plain body that is no longer there.</para>
/// <para>Address fields (From, To, Cc, Reply-To, Return-Receipt-To, Disposition-Notification-To) are parsed with
/// <see cref="AddressParser"/> and written again as <c>"Name" &lt;addr&gt;</c> or <c>addr</c>, joined with ", ".
/// A display name that is not printable ASCII is written as encoded words: in the Charset when set and able to hold
/// it, otherwise in UTF-8, even when Charset is empty, because raw 8-bit header text is not valid in a message sent
/// without SMTPUTF8 (RFC 6532 needs it) and the headers are built before we know whether the server offers it.
/// Subject is handled the same way (RFC 2047 §5 rule 1). ASCII text is never encoded, whatever Charset says.</para>
/// <para>Dates, Message-IDs and OtherHeaders values are written as given. When OtherHeaders starts with a line
/// break, its lines are the whole block: nothing is computed, not even the MIME headers.</para>
/// <para>Folding (RFC 5322 §2.2.3) aims at MaxHeaderLength when FoldHeaders is on and never cuts an encoded word or
/// an address; whatever the settings, no line passes 998 characters: an over-long Subject word is sent as encoded
/// words, and any other value that cannot be folded under that limit is refused.</para>
/// </remarks>
internal static class HeaderBlock
{
    /// <summary>Builds the header block.</summary>
    /// <param name="spec">The inputs.</param>
    /// <exception cref="SmtpException">Code 10022 when an input holds CR, LF or NUL (OtherHeaders: a stray CR or
    /// NUL), an address list is malformed, OtherHeaders has a malformed line, Charset or MessageIdAlgorithm is unknown,
    /// an enum value is out of range, or a value cannot be folded under 998 characters per line.</exception>
    public static BuiltHeaders Build(HeaderSpec spec)
    {
        // Validate every input first, whether or not it ends up in the block, so a bad value is reported the same
        // way every time.
        foreach (var (value, what) in new[]
        {
            (spec.Subject, "Subject"), (spec.MessageDate, "MessageDate"), (spec.MessageId, "MessageId"),
            (spec.IdDomain, "IdDomain"),
        })
        {
            LineValidation.EnsureSingleLine(value, what);
        }
        var from = AddressParser.ParseList(spec.From, "From");
        var to = AddressParser.ParseList(spec.SendTo, "SendTo");
        var cc = AddressParser.ParseList(spec.Cc, "Cc");
        var replyTo = AddressParser.ParseList(spec.ReplyTo, "ReplyTo");
        var returnReceipt = AddressParser.ParseList(spec.DeliveryNotificationTo, "DeliveryNotificationTo");
        var dispositionTo = AddressParser.ParseList(spec.ReadReceiptTo, "ReadReceiptTo");
        var charset = Charsets.Resolve(spec.Charset, "Charset");
        MessageIds.ParseAlgorithm(spec.MessageIdAlgorithm, "MessageIdAlgorithm");
        var importance = spec.Importance switch
        {
            SmtpImportances.miUnspecified => "",
            SmtpImportances.miHigh => "high",
            SmtpImportances.miNormal => "normal",
            SmtpImportances.miLow => "low",
            _ => throw OutOfRange("Importance", (int)spec.Importance),
        };
        var priority = spec.Priority switch
        {
            SmtpPriorities.epUnspecified => "",
            SmtpPriorities.epNormal => "normal",
            SmtpPriorities.epUrgent => "urgent",
            SmtpPriorities.epNonUrgent => "non-urgent",
            _ => throw OutOfRange("Priority", (int)spec.Priority),
        };
        var sensitivity = spec.Sensitivity switch
        {
            SmtpSensitivities.esUnspecified => "",
            SmtpSensitivities.esPersonal => "Personal",
            SmtpSensitivities.esPrivate => "Private",
            SmtpSensitivities.esCompanyConfidential => "Company-Confidential",
            _ => throw OutOfRange("Sensitivity", (int)spec.Sensitivity),
        };
        if (!Enum.IsDefined(spec.Body))
        {
            throw OutOfRange("Body", (int)spec.Body);
        }
        var (replace, userFields) = OtherHeadersParser.Parse(spec.OtherHeaders);

        var fields = new List<KeyValuePair<string, string>>();
        var text = new StringBuilder();
        if (!replace)
        {
            var supplied = new HashSet<string>(userFields.Select(f => f.Name), StringComparer.OrdinalIgnoreCase);
            int limit = HeaderFolding.EffectiveLimit(spec.FoldHeaders, spec.MaxHeaderLength);
            void Add(string name, string what, Action<HeaderFieldWriter> write)
            {
                if (supplied.Contains(name))
                {
                    return;
                }
                var writer = new HeaderFieldWriter(name, limit, what);
                write(writer);
                fields.Add(new(name, writer.Value));
                text.Append(writer.Text);
            }
            void AddAddresses(string name, string what, IReadOnlyList<MailAddress> list)
            {
                if (list.Count > 0)
                {
                    Add(name, what, w => WriteAddresses(w, list, charset));
                }
            }
            void AddVerbatim(string name, string what, string value)
            {
                if (value.Length > 0)
                {
                    Add(name, what, w => w.AppendVerbatim(value));
                }
            }

            AddAddresses("From", "From", from);
            AddAddresses("To", "SendTo", to);
            AddAddresses("Cc", "Cc", cc);
            if (!string.IsNullOrEmpty(spec.Subject))
            {
                Add("Subject", "Subject", w => w.AppendUnstructured(spec.Subject, charset));
            }
            var date = spec.MessageDate?.Trim() ?? "";
            AddVerbatim("Date", "MessageDate", date == "*" ? MessageDates.Format(spec.Clock()) : date);
            var id = spec.MessageId?.Trim() ?? "";
            if (id.Length > 0 && !supplied.Contains("Message-ID"))
            {
                AddVerbatim("Message-ID", "MessageId",
                    id == "*" ? MessageIds.Generate(spec.MessageIdAlgorithm, spec.IdDomain, spec.Clock()) : MessageIds.Normalize(id));
            }
            AddAddresses("Reply-To", "ReplyTo", replyTo);
            AddVerbatim("Importance", "Importance", importance);
            AddVerbatim("Priority", "Priority", priority);
            AddVerbatim("Sensitivity", "Sensitivity", sensitivity);
            AddAddresses("Return-Receipt-To", "DeliveryNotificationTo", returnReceipt);
            AddAddresses("Disposition-Notification-To", "ReadReceiptTo", dispositionTo);
            if (spec.Body != BodyEncoding.None)
            {
                bool ownContentType = supplied.Contains("Content-Type");
                AddVerbatim("MIME-Version", "Body", "1.0");
                if (!ownContentType)
                {
                    AddVerbatim("Content-Type", "Charset", "text/plain; charset=" + Charsets.Label(charset));
                    AddVerbatim("Content-Transfer-Encoding", "Body",
                        spec.Body == BodyEncoding.QuotedPrintable ? "quoted-printable" : "8bit");
                }
            }
        }
        foreach (var field in userFields)
        {
            fields.Add(new(field.Name, field.Value));
            text.Append(field.Text);
        }
        return new BuiltHeaders(fields, text.ToString());
    }

    /// <summary>
    /// Writes an address list: <c>addr</c> or <c>"Name" &lt;addr&gt;</c>, joined with ", ". Folds go between
    /// addresses; a name written as several encoded words may also be folded between them when the whole address does
    /// not fit on a line of its own. A quoted name too long to stay under 998 characters is sent as encoded words.
    /// </summary>
    /// <param name="writer">The field being written.</param>
    /// <param name="list">The addresses, at least one.</param>
    /// <param name="charset">The preferred charset of encoded display names.</param>
    internal static void WriteAddresses(HeaderFieldWriter writer, IReadOnlyList<MailAddress> list, Encoding charset)
    {
        const int longestQuotedName = 700; // + " <254-octet address>," + the longest field name stays under 998
        var pieces = new List<(string, string)>();
        for (int i = 0; i < list.Count; i++)
        {
            var (name, address) = list[i];
            string ws = i == 0 ? "" : " ";
            string comma = i == list.Count - 1 ? "" : ",";
            pieces.Clear();
            if (name.Length == 0)
            {
                pieces.Add((ws, address + comma));
            }
            else
            {
                string quoted = Quote(name);
                if (!NameNeedsEncoding(name) && quoted.Length <= longestQuotedName)
                {
                    pieces.Add((ws, quoted + " <" + address + ">" + comma));
                }
                else
                {
                    var words = EncodedWords.EncodeToList(name, charset, EncodedWordContext.Phrase);
                    for (int w = 0; w < words.Count; w++)
                    {
                        string last = w == words.Count - 1 ? " <" + address + ">" + comma : "";
                        pieces.Add((w == 0 ? ws : " ", words[w] + last));
                    }
                }
            }
            writer.AppendGroup(pieces);
        }
    }

    // A name goes in a quoted string unless it holds something a quoted string cannot carry in 7-bit headers, or a
    // "=?" that lenient readers would decode even inside quotes.
    private static bool NameNeedsEncoding(string name)
    {
        foreach (var c in name)
        {
            if ((c < 0x20 && c != '\t') || c > 0x7E)
            {
                return true;
            }
        }
        return name.Contains("=?", StringComparison.Ordinal);
    }

    // RFC 5322 §3.2.4 quoted-string.
    private static string Quote(string name)
    {
        var sb = new StringBuilder(name.Length + 2).Append('"');
        foreach (var c in name)
        {
            if (c is '"' or '\\')
            {
                sb.Append('\\');
            }
            sb.Append(c);
        }
        return sb.Append('"').ToString();
    }

    private static SmtpException OutOfRange(string what, int value) =>
        new(SmtpErrorCodes.InvalidArgument, $"{what} value {value} is not defined; use one of the enumeration's members.");
}
