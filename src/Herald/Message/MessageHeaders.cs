using System.Text;

namespace Herald.Message;

/// <summary>
/// The envelope a message's own header fields imply, as <c>sendmail -t</c> reads it.
/// </summary>
/// <param name="Sender">The addr-spec of the sender (Resent-Sender, else the first Resent-From, for a resent message;
/// else Sender, else the first From), or null when the header names none.</param>
/// <param name="Recipients">The addr-specs of the recipients, each once (compared without regard to case), in the order
/// To, Cc, Bcc (or Resent-To, Resent-Cc, Resent-Bcc).</param>
/// <param name="Resent">True when the Resent-* fields decided (RFC 5322 §3.6.6).</param>
internal sealed record HeaderEnvelope(string? Sender, IReadOnlyList<string> Recipients, bool Resent);

/// <summary>
/// The header block of a message that was written elsewhere, as <see cref="HeaderBlockScanner"/> found it: the fields'
/// names, their values on demand, and the envelope they imply. Values are decoded as UTF-8 (RFC 6532), unfolded, and
/// trimmed of the white space after the colon; encoded words are left as they are, except in addresses, whose parser
/// decodes display names.
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
        string text = Encoding.UTF8.GetString(bytes[(colon + 1)..]);
        return HeaderFolding.Unfold(text).Trim(' ', '\t', '\r', '\n');
    }

    /// <summary>
    /// The envelope the fields imply. When the message carries Resent-* address fields, the newest resent block (the
    /// run of Resent-* fields nearest the top, RFC 5322 §3.6.6 prepends them) decides; otherwise Sender/From and To, Cc
    /// and Bcc do.
    /// </summary>
    /// <exception cref="SmtpException">10022 when an address field is malformed (the message names the field).</exception>
    public HeaderEnvelope GetEnvelope()
    {
        int first = -1;
        for (int i = 0; i < Fields.Count && first < 0; i++)
        {
            if (s_resentAddressFields.Contains(Fields[i].Name, StringComparer.OrdinalIgnoreCase))
            {
                first = i;
            }
        }
        if (first >= 0)
        {
            // The block runs on while the fields are Resent-* ones (Resent-Date and Resent-Message-ID included).
            int end = first;
            while (end < Fields.Count && Fields[end].Name.StartsWith("Resent-", StringComparison.OrdinalIgnoreCase))
            {
                end++;
            }
            var block = Fields.Skip(first).Take(end - first).ToList();
            string? sender = Addresses(block, "Resent-Sender").FirstOrDefault() ?? Addresses(block, "Resent-From").FirstOrDefault();
            var recipients = Addresses(block, "Resent-To").Concat(Addresses(block, "Resent-Cc")).Concat(Addresses(block, "Resent-Bcc"));
            return new HeaderEnvelope(sender, Distinct(recipients), Resent: true);
        }
        string? from = Addresses(Fields, "Sender").FirstOrDefault() ?? Addresses(Fields, "From").FirstOrDefault();
        var to = Addresses(Fields, "To").Concat(Addresses(Fields, "Cc")).Concat(Addresses(Fields, "Bcc"));
        return new HeaderEnvelope(from, Distinct(to), Resent: false);
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

    private static List<string> Distinct(IEnumerable<string> addresses) =>
        addresses.Distinct(StringComparer.OrdinalIgnoreCase).ToList();
}
