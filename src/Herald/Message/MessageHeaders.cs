using System.Text;
using Herald.Engine;

namespace Herald.Message;

/// <summary>
/// The envelope a message's own header fields imply, as <c>sendmail -t</c> reads it.
/// </summary>
/// <param name="Sender">The addr-spec of the sender (Resent-Sender, else the first Resent-From, for a resent message;
/// else Sender, else the first From), or null when the header names none.</param>
/// <param name="Recipients">The recipients, each address once (compared without regard to case), in the order To, Cc,
/// Bcc (or Resent-To, Resent-Cc, Resent-Bcc), each with the kind of the field it came from.</param>
/// <param name="Resent">True when the Resent-* fields decided (RFC 5322 §3.6.6).</param>
internal sealed record HeaderEnvelope(string? Sender, IReadOnlyList<EnvelopeRecipient> Recipients, bool Resent)
{
    /// <summary>The recipients' addr-specs, in order.</summary>
    public IReadOnlyList<string> Addresses => Recipients.Select(r => r.Address).ToList();
}

/// <summary>
/// The header block of a message that was written elsewhere, as <see cref="HeaderBlockScanner"/> found it: the fields'
/// names, their values on demand, and the envelope they imply. Values are decoded as UTF-8 (RFC 6532; a field that is
/// not UTF-8 is read as Latin-1), unfolded, and trimmed of the white space after the colon; encoded words are left as
/// they are, except in addresses, whose parser decodes display names.
/// </summary>
internal sealed class MessageHeaders
{
    private static readonly string[] s_resentAddressFields = ["Resent-From", "Resent-Sender", "Resent-To", "Resent-Cc", "Resent-Bcc"];

    // Fields that say "this is a message" when a plain-text body was expected (RFC 5322 §3.6, RFC 2045 §3, and the trace
    // fields a server adds). A body that merely starts with "Note: ..." names none of them.
    private static readonly HashSet<string> s_messageFields = new(StringComparer.OrdinalIgnoreCase)
    {
        "From", "Sender", "To", "Cc", "Bcc", "Reply-To", "Subject", "Date", "Message-ID", "In-Reply-To", "References",
        "MIME-Version", "Content-Type", "Content-Transfer-Encoding", "Received", "Return-Path", "Delivered-To",
        "Resent-From", "Resent-To", "Resent-Date", "DKIM-Signature", "X-Mailer", "User-Agent",
    };

    private static readonly UTF8Encoding s_strictUtf8 = new(false, throwOnInvalidBytes: true);

    private readonly byte[] _block;

    /// <summary>Wraps a scanned block.</summary>
    /// <param name="block">The bytes the scanner was fed, at least up to its <see cref="HeaderBlockScanner.End"/>.</param>
    /// <param name="scanner">A scanner that has completed.</param>
    public MessageHeaders(byte[] block, HeaderBlockScanner scanner)
    {
        _block = block;
        Fields = scanner.Fields.ToArray();
        Ending = scanner.Ending;
    }

    /// <summary>The fields in order, located in the block.</summary>
    public IReadOnlyList<ScannedField> Fields { get; }

    /// <summary>How the header block ended.</summary>
    public HeaderBlockEnd Ending { get; }

    /// <summary>True when a field of this name is present.</summary>
    /// <param name="name">A field name (compared without regard to case).</param>
    public bool Contains(string name) => Fields.Any(f => f.Name.Equals(name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The value of the first field of this name, or null.</summary>
    /// <param name="name">A field name (compared without regard to case).</param>
    public string? Get(string name) => GetAll(name).FirstOrDefault();

    /// <summary>The values of every field of this name, in order.</summary>
    /// <param name="name">A field name (compared without regard to case).</param>
    public IEnumerable<string> GetAll(string name) =>
        Fields.Where(f => f.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(Value);

    /// <summary>The value of <paramref name="field"/>: after the colon, unfolded, without surrounding white space.</summary>
    /// <param name="field">One of <see cref="Fields"/>.</param>
    public string Value(ScannedField field)
    {
        var bytes = _block.AsSpan(field.Start, field.End - field.Start);
        int colon = bytes.IndexOf((byte)':');
        return HeaderFolding.Unfold(Decode(bytes[(colon + 1)..])).Trim(' ', '\t', '\r', '\n');
    }

    /// <summary>
    /// The envelope the fields imply. When the message carries Resent-* address fields, the newest resent block decides
    /// (RFC 5322 §3.6.6: each resending prepends its own block, so the one nearest the top is the latest); otherwise
    /// Sender/From and To, Cc and Bcc do.
    /// </summary>
    /// <exception cref="SmtpException">10022 when an address field is malformed (the message names the field).</exception>
    public HeaderEnvelope GetEnvelope()
    {
        var (fields, resent) = EnvelopeFields();
        return new HeaderEnvelope(Sender(fields, resent), Recipients(fields, resent), resent);
    }

    /// <summary>
    /// The envelope to send the message with: <paramref name="reversePath"/> and <paramref name="recipients"/> where the
    /// caller gives them, the header's (as <see cref="GetEnvelope"/> finds them) for what it leaves open. Only the fields
    /// that are needed are read, so a malformed field the caller overrides costs nothing.
    /// </summary>
    /// <param name="reversePath">The reverse path, or null to take it from the header ("" is the null reverse path).</param>
    /// <param name="recipients">The recipients, or empty to take them from the header.</param>
    /// <exception cref="SmtpException">164 when the header names no sender; 165 when it names no recipient; 10022 when a
    /// field that is read is malformed.</exception>
    public Envelope ToEnvelope(string? reversePath, IReadOnlyList<EnvelopeRecipient> recipients)
    {
        var (fields, resent) = EnvelopeFields();
        string fieldNames = resent ? "the newest block of Resent-* fields has no Resent-From (or Resent-Sender)"
            : "the message has no From (or Sender) field";
        reversePath ??= Sender(fields, resent) ?? throw new SmtpException(SmtpErrorCodes.NoSender,
            $"No sender: {fieldNames} to take the envelope sender from, and none is set.");
        if (recipients.Count == 0)
        {
            recipients = Recipients(fields, resent);
            if (recipients.Count == 0)
            {
                string names = resent ? "the newest block of Resent-* fields has no Resent-To, Resent-Cc or Resent-Bcc"
                    : "the message has no To, Cc or Bcc";
                throw new SmtpException(SmtpErrorCodes.NoRecipient,
                    $"No recipient: {names} field with an address to take the recipients from, and none is set.");
            }
        }
        return new Envelope(reversePath, recipients);
    }

    /// <summary>The fields the envelope comes from: the newest Resent-* block when there is one, else all of them.</summary>
    private (IReadOnlyList<ScannedField> Fields, bool Resent) EnvelopeFields()
    {
        int first = -1;
        for (int i = 0; i < Fields.Count && first < 0; i++)
        {
            if (s_resentAddressFields.Contains(Fields[i].Name, StringComparer.OrdinalIgnoreCase))
            {
                first = i;
            }
        }
        if (first < 0)
        {
            return (Fields, false);
        }
        // The block runs on while the fields are Resent-* ones (Resent-Date and Resent-Message-ID included).
        int end = first;
        while (end < Fields.Count && Fields[end].Name.StartsWith("Resent-", StringComparison.OrdinalIgnoreCase))
        {
            end++;
        }
        return (Fields.Skip(first).Take(end - first).ToList(), true);
    }

    private string? Sender(IReadOnlyList<ScannedField> fields, bool resent)
    {
        string prefix = resent ? "Resent-" : "";
        return Addresses(fields, prefix + "Sender").FirstOrDefault() ?? Addresses(fields, prefix + "From").FirstOrDefault();
    }

    private List<EnvelopeRecipient> Recipients(IReadOnlyList<ScannedField> fields, bool resent)
    {
        string prefix = resent ? "Resent-" : "";
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var recipients = new List<EnvelopeRecipient>();
        foreach (var (name, kind) in new[] { ("To", RecipientKind.To), ("Cc", RecipientKind.Cc), ("Bcc", RecipientKind.Bcc) })
        {
            foreach (string address in Addresses(fields, prefix + name))
            {
                if (seen.Add(address))
                {
                    recipients.Add(new EnvelopeRecipient(address, kind, ""));
                }
            }
        }
        return recipients;
    }

    /// <summary>
    /// True when <paramref name="start"/>, the first bytes of a text that was meant to be a message body, rather looks
    /// like a whole message: it starts with header fields, at least one of them a field messages have (From, Subject,
    /// Received, MIME-Version ...), and the header block ends (an empty line, or the end of the text) within it.
    /// </summary>
    /// <param name="start">The first bytes (64 KiB is plenty).</param>
    /// <param name="isWhole">True when <paramref name="start"/> is the whole text.</param>
    public static bool LooksLikeMessage(ReadOnlySpan<byte> start, bool isWhole)
    {
        var scanner = new HeaderBlockScanner();
        return scanner.Scan(start, isWhole)
               && scanner.Ending is HeaderBlockEnd.Separator or HeaderBlockEnd.EndOfInput
               && scanner.Fields.Any(f => s_messageFields.Contains(f.Name));
    }

    private IEnumerable<string> Addresses(IEnumerable<ScannedField> fields, string name) =>
        fields.Where(f => f.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
            .SelectMany(f => AddressParser.ParseList(Value(f), $"The {f.Name} header of the message"))
            .Select(a => a.Address);

    // RFC 6532 allows UTF-8 in header fields; a message from an older system may carry another 8-bit charset, which is
    // read byte for byte (Latin-1) rather than turned into replacement characters, so its addresses still parse.
    private static string Decode(ReadOnlySpan<byte> bytes)
    {
        try
        {
            return s_strictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return Encoding.Latin1.GetString(bytes);
        }
    }
}
