using System.Text;
using Herald.Engine;
using Herald.Transport;

namespace Herald.Message;

/// <summary>One header field of a ready-made message.</summary>
/// <param name="Name">The field name as written.</param>
/// <param name="Value">The value, unfolded (RFC 5322 §2.2.3) and trimmed; encoded words are left as they are.</param>
/// <param name="Start">Offset of the field's first byte in the head.</param>
/// <param name="End">Offset just past its last line end (continuation lines included).</param>
internal readonly record struct RawHeaderField(string Name, string Value, int Start, int End);

/// <summary>
/// The header block of a ready-made message (a file, a stream, bytes), read from the front of its stream with a bounded
/// buffer so that the body can then stream on: what <c>sendmail -t</c> does to find the envelope in the message
/// itself, and what removing <c>Bcc</c> before sending needs.
/// </summary>
/// <remarks>
/// <para>The header block is the run of lines at the start that are fields (<c>Name: value</c>, RFC 5322 §2.2) or
/// their continuation lines; it ends at the empty line (which belongs to it) or at the first line that is neither (the
/// body then starts there, for a message written without the empty line). Line ends may be CRLF or a bare LF.</para>
/// <para>Bytes read past the header block are kept in <see cref="Lookahead"/>; the body continues with them and then
/// with the rest of the stream, which is never read here.</para>
/// </remarks>
internal sealed class RawMessageHead
{
    /// <summary>The largest header block read by default (1 MiB); real ones are a few kilobytes.</summary>
    public const int DefaultMaxHeadBytes = 1 << 20;

    private const int ReadSize = 16 * 1024;

    private readonly byte[] _buffer;
    private readonly int _headEnd;
    private readonly int _filled;

    private RawMessageHead(byte[] buffer, int headEnd, int filled, List<RawHeaderField> fields)
    {
        _buffer = buffer;
        _headEnd = headEnd;
        _filled = filled;
        Fields = fields;
    }

    /// <summary>The header fields in order.</summary>
    public IReadOnlyList<RawHeaderField> Fields { get; }

    /// <summary>The header block as read (with its empty line, when there is one).</summary>
    public ReadOnlyMemory<byte> Head => _buffer.AsMemory(0, _headEnd);

    /// <summary>The bytes read past the header block: the start of the body.</summary>
    public ReadOnlyMemory<byte> Lookahead => _buffer.AsMemory(_headEnd, _filled - _headEnd);

    /// <summary>Reads the header block from the current position of <paramref name="stream"/>.</summary>
    /// <param name="io">The sync or async adapter.</param>
    /// <param name="stream">The message; left positioned after the bytes read (see <see cref="Lookahead"/>).</param>
    /// <param name="maxHeadBytes">The longest header block accepted.</param>
    /// <param name="cancellationToken">Stops the read.</param>
    /// <exception cref="SmtpException">10022 when the header block is longer than <paramref name="maxHeadBytes"/>.</exception>
    public static async ValueTask<RawMessageHead> ReadAsync<TIO>(TIO io, Stream stream, int maxHeadBytes,
        CancellationToken cancellationToken) where TIO : struct, ISmtpIO
    {
        var buffer = new byte[Math.Min(ReadSize, maxHeadBytes + 1)];
        int filled = 0;
        var scan = new Scanner();
        bool ended = false;
        while (true)
        {
            if (scan.TryFinish(buffer, filled, ended, out int headEnd))
            {
                return new RawMessageHead(buffer, headEnd, filled, scan.Fields);
            }
            if (filled > maxHeadBytes)
            {
                throw new SmtpException(SmtpErrorCodes.InvalidArgument,
                    $"The message's header block is longer than {maxHeadBytes} bytes, or the message has no empty line " +
                    "after its header fields; it cannot be read as a message.");
            }
            if (filled == buffer.Length)
            {
                Array.Resize(ref buffer, Math.Min(buffer.Length * 2, maxHeadBytes + ReadSize));
            }
            int n = await io.ReadAsync(stream, buffer.AsMemory(filled), cancellationToken).ConfigureAwait(false);
            if (n <= 0)
            {
                ended = true;
            }
            else
            {
                filled += n;
            }
        }
    }

    /// <summary>The values of every field named <paramref name="name"/>, in order.</summary>
    /// <param name="name">The field name (compared without regard to case).</param>
    public IEnumerable<string> Values(string name) =>
        Fields.Where(f => f.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(f => f.Value);

    /// <summary>The header block without the fields named in <paramref name="names"/> (continuation lines and all).</summary>
    /// <param name="names">Field names to leave out (compared without regard to case).</param>
    public byte[] HeadWithout(params string[] names)
    {
        var output = new MemoryStream(_headEnd);
        int at = 0;
        foreach (var field in Fields)
        {
            if (names.Contains(field.Name, StringComparer.OrdinalIgnoreCase))
            {
                output.Write(_buffer, at, field.Start - at);
                at = field.End;
            }
        }
        output.Write(_buffer, at, _headEnd - at);
        return output.ToArray();
    }

    /// <summary>
    /// The envelope the header fields imply: the reverse path is the <c>Sender</c> address, else the first <c>From</c>
    /// address; the recipients are every address of every <c>To</c>, <c>Cc</c> and <c>Bcc</c> field, in that order.
    /// </summary>
    /// <param name="needSender">True when the reverse path must come from the header (164 when it cannot).</param>
    /// <param name="needRecipients">True when the recipients must come from the header (165 when there are none).</param>
    /// <exception cref="SmtpException">164 no Sender or From field; 165 no recipient; 10022 an address field that cannot
    /// be read.</exception>
    public (string ReversePath, List<EnvelopeRecipient> Recipients) Envelope(bool needSender, bool needRecipients)
    {
        string reversePath = "";
        if (needSender)
        {
            string? sender = Values("Sender").SelectMany(v => AddressParser.ParseList(v, "The message's Sender field"))
                .Select(a => a.Address).FirstOrDefault();
            string? from = Values("From").SelectMany(v => AddressParser.ParseList(v, "The message's From field"))
                .Select(a => a.Address).FirstOrDefault();
            reversePath = sender ?? from
                ?? throw new SmtpException(SmtpErrorCodes.NoSender,
                    "No sender: the message has no From (or Sender) field to take the envelope sender from, and none is set.");
        }
        var recipients = new List<EnvelopeRecipient>();
        if (needRecipients)
        {
            foreach (var (name, kind) in new[] { ("To", RecipientKind.To), ("Cc", RecipientKind.Cc), ("Bcc", RecipientKind.Bcc) })
            {
                foreach (var value in Values(name))
                {
                    foreach (var address in AddressParser.ParseList(value, $"The message's {name} field"))
                    {
                        recipients.Add(new EnvelopeRecipient(address.Address, kind, ""));
                    }
                }
            }
            if (recipients.Count == 0)
            {
                throw new SmtpException(SmtpErrorCodes.NoRecipient,
                    "No recipient: the message has no To, Cc or Bcc field to take the recipients from, and none is set.");
            }
        }
        return (reversePath, recipients);
    }

    /// <summary>Finds the fields and the end of the header block in what has been read so far.</summary>
    private sealed class Scanner
    {
        private int _lineStart;          // where the next unread line starts
        private int _fieldStart = -1;    // the field being read (continuation lines may still follow), or -1

        public List<RawHeaderField> Fields { get; } = [];

        /// <summary>True when the header block ends within the first <paramref name="filled"/> bytes.</summary>
        public bool TryFinish(byte[] buffer, int filled, bool ended, out int headEnd)
        {
            while (true)
            {
                int lf = Array.IndexOf(buffer, (byte)'\n', _lineStart, filled - _lineStart);
                if (lf < 0 && !ended)
                {
                    headEnd = 0;
                    return false; // the line is not complete yet
                }
                int lineEnd = lf < 0 ? filled : lf + 1;
                var line = buffer.AsSpan(_lineStart, lineEnd - _lineStart).TrimEnd("\r\n"u8);
                if (_lineStart == filled)
                {
                    // The stream ended where a line would start: a message of header fields only.
                    EndField(buffer);
                    headEnd = filled;
                    return true;
                }
                if (line.IsEmpty)
                {
                    EndField(buffer);
                    headEnd = lineEnd; // the empty line belongs to the header block
                    return true;
                }
                if (line[0] is (byte)' ' or (byte)'\t' && _fieldStart >= 0)
                {
                    _lineStart = lineEnd; // a continuation line of the current field
                    continue;
                }
                int colon = line.IndexOf((byte)':');
                if (colon <= 0 || !IsFieldName(line[..colon]))
                {
                    // Not a header line: the body starts here (a message written without the empty line).
                    EndField(buffer);
                    headEnd = _lineStart;
                    return true;
                }
                EndField(buffer);
                _fieldStart = _lineStart;
                _lineStart = lineEnd;
            }
        }

        private void EndField(byte[] buffer)
        {
            if (_fieldStart < 0)
            {
                return;
            }
            string text = Decode(buffer.AsSpan(_fieldStart, _lineStart - _fieldStart));
            int colon = text.IndexOf(':', StringComparison.Ordinal);
            string value = HeaderFolding.Unfold(text[(colon + 1)..].TrimEnd('\r', '\n')).Trim();
            Fields.Add(new RawHeaderField(text[..colon], value, _fieldStart, _lineStart));
            _fieldStart = -1;
        }

        private static bool IsFieldName(ReadOnlySpan<byte> name)
        {
            // RFC 5322 §3.6.8: printable US-ASCII except the colon.
            foreach (byte b in name)
            {
                if (b is < 33 or > 126)
                {
                    return false;
                }
            }
            return true;
        }

        private static string Decode(ReadOnlySpan<byte> bytes)
        {
            // RFC 6532 allows UTF-8 in header fields; anything else is read byte for byte.
            try
            {
                return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
            }
            catch (DecoderFallbackException)
            {
                return Encoding.Latin1.GetString(bytes);
            }
        }
    }
}
