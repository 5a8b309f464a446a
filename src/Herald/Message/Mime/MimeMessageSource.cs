using System.Buffers;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using Herald.Engine;
using Herald.Transport;

namespace Herald.Message.Mime;

/// <summary>
/// An <see cref="EmailMessage"/> in MIME form (RFC 2045-2049), streamed piece by piece for the DATA or BDAT command.
/// </summary>
/// <remarks>
/// <para>Structure: one text part when there is one body and no attachment; <c>multipart/alternative</c> (plain text
/// first, RFC 2046 §5.1.4) for plain text plus HTML; the HTML inside <c>multipart/related</c> (RFC 2387) with the inline
/// attachments when there are any; all of that inside <c>multipart/mixed</c> with the regular attachments. Inline
/// attachments of a message without HTML go into <c>multipart/mixed</c> as inline parts.</para>
/// <para>The exact length is computed when the source is created, before anything is read: header text is built in
/// memory, text bodies are measured (quoted-printable by an encoding pass that only counts), and attachments are base64
/// whose length follows from the source's size. The output has CRLF line ends only and no line over 998 octets, so the
/// SMTP layer changes nothing but dot-stuffing, which RFC 1870 §3 leaves out of <c>SIZE=</c>.</para>
/// <para>Each attachment source is opened when its part is reached, read once through one pooled buffer, and closed at
/// its end, so memory does not depend on the size of the message.</para>
/// </remarks>
internal sealed class MimeMessageSource : MessageSource
{
    /// <summary>A good size for the buffer handed to <see cref="ReadAsync"/>.</summary>
    public const int PreferredReadSize = 32 * 1024;

    private const string BoundaryAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    private readonly List<MimeSegment> _segments;
    private int _index;
    private byte[]? _small;         // output staged for a caller whose buffer is smaller than MimeSegment.MinRoom
    private int _smallStart;
    private int _smallEnd;

    private MimeMessageSource(List<MimeSegment> segments, BuiltHeaders headers, string messageId, bool hasBody,
        IReadOnlyList<string> boundaries)
    {
        _segments = segments;
        Headers = headers;
        MessageId = messageId;
        HasBody = hasBody;
        Boundaries = boundaries;
        long length = 0;
        foreach (var segment in segments)
        {
            if (segment.Length < 0)
            {
                length = -1;
                break;
            }
            length += segment.Length;
        }
        Length = length;
        Is8Bit = segments.Any(s => s.Is8Bit);
    }

    /// <inheritdoc />
    public override long Length { get; }

    /// <inheritdoc />
    public override bool HasBody { get; }

    /// <inheritdoc />
    public override bool Is8Bit { get; }

    /// <summary>The top-level header fields as written (values unfolded), and the header block's text.</summary>
    public BuiltHeaders Headers { get; }

    /// <summary>The Message-ID as written, with its angle brackets.</summary>
    public string MessageId { get; }

    /// <summary>The multipart boundaries, in the order they were drawn (outermost first), for
    /// <see cref="MimeWriterOptions.Boundaries"/>.</summary>
    public IReadOnlyList<string> Boundaries { get; }

    /// <summary>
    /// Lays out <paramref name="message"/> and measures it. The message's properties are read now; attachment sources
    /// are only measured (file sizes, stream lengths) and are read later, while the source is read.
    /// </summary>
    /// <param name="message">The message.</param>
    /// <param name="options">Writer options.</param>
    /// <exception cref="SmtpException">164 when From is empty; 10022 for an invalid header, a duplicate Content-ID or an
    /// invalid attachment content type; 303 when an attachment file cannot be read.</exception>
    public static MimeMessageSource Create(EmailMessage message, MimeWriterOptions options)
    {
        var fields = new List<KeyValuePair<string, string>>();
        var head = new StringBuilder();
        MessageHeaderWriter.Write(message, options, fields, head);

        var plain = message.PlainText;
        var html = message.HtmlText;
        var attachments = message.Attachments.ToList();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var a in attachments.Where(a => a.IsInline))
        {
            if (!ids.Add(a.ContentId))
            {
                throw new SmtpException(SmtpErrorCodes.InvalidArgument,
                    $"Two inline attachments have the Content-ID '{a.ContentId}'; give each its own, since the HTML " +
                    "refers to them by it.");
            }
        }
        var inline = html.Length > 0 ? attachments.Where(a => a.IsInline).ToList() : [];
        var separate = attachments.Where(a => html.Length == 0 || !a.IsInline).ToList();

        var texts = new List<string>();
        Node? body = null;
        if (html.Length > 0)
        {
            texts.Add(html);
            Node htmlNode = Text(html, "html", options);
            if (inline.Count > 0)
            {
                var related = new MultipartNode("related", [htmlNode], "text/html");
                related.Children.AddRange(inline.Select(a => (Node)new AttachmentNode(a)));
                htmlNode = related;
            }
            if (plain.Length > 0)
            {
                texts.Add(plain);
                body = new MultipartNode("alternative", [Text(plain, "plain", options), htmlNode], null);
            }
            else
            {
                body = htmlNode;
            }
        }
        else if (plain.Length > 0 || separate.Count == 0)
        {
            texts.Add(plain);
            body = Text(plain, "plain", options);
        }
        Node root = body!;
        if (separate.Count > 0)
        {
            var mixed = new MultipartNode("mixed", [], null);
            if (body is not null)
            {
                mixed.Children.Add(body);
            }
            mixed.Children.AddRange(separate.Select(a => (Node)new AttachmentNode(a)));
            root = mixed;
        }
        var boundaries = new List<string>();
        AssignBoundaries(root, texts, boundaries, new Queue<string>(options.Boundaries ?? []));

        var builder = new SegmentBuilder();
        builder.Append(head.ToString());
        builder.Append("MIME-Version: 1.0\r\n");
        fields.Add(new("MIME-Version", "1.0"));
        Emit(root, builder, fields, isRoot: true);
        var segments = builder.Finish();
        bool hasBody = root is not TextNode { Text.Length: 0 };
        string messageId = fields.First(f => f.Key == "Message-ID").Value;
        return new MimeMessageSource(segments, new BuiltHeaders(fields, builder.RootHeaderText), messageId, hasBody, boundaries);
    }

    /// <summary>Copies the whole message to <paramref name="destination"/> through one pooled buffer, then completes
    /// the source.</summary>
    /// <param name="io">Sync or async I/O.</param>
    /// <param name="destination">Where the bytes go; it is neither flushed nor closed.</param>
    /// <param name="cancellationToken">Stops the copy.</param>
    /// <returns>The number of bytes written.</returns>
    public async ValueTask<long> CopyToAsync<TIO>(TIO io, Stream destination, CancellationToken cancellationToken)
        where TIO : struct, ISmtpIO
    {
        var buffer = ArrayPool<byte>.Shared.Rent(PreferredReadSize);
        try
        {
            long total = 0;
            while (true)
            {
                int n = await ReadAsync(io, buffer.AsMemory(0, PreferredReadSize), cancellationToken).ConfigureAwait(false);
                if (n == 0)
                {
                    return total;
                }
                await io.WriteAsync(destination, buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                total += n;
            }
        }
        finally
        {
            Complete();
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <inheritdoc />
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public override async ValueTask<int> ReadAsync<TIO>(TIO io, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        if (buffer.Length == 0)
        {
            return 0;
        }
        while (true)
        {
            if (_smallStart < _smallEnd)
            {
                int n = Math.Min(buffer.Length, _smallEnd - _smallStart);
                _small.AsSpan(_smallStart, n).CopyTo(buffer.Span);
                _smallStart += n;
                return n;
            }
            if (_index >= _segments.Count)
            {
                ReleaseSmall();
                return 0;
            }
            var segment = _segments[_index];
            int produced;
            if (buffer.Length >= MimeSegment.MinRoom)
            {
                produced = await segment.ReadAsync(io, buffer, cancellationToken).ConfigureAwait(false);
                if (produced > 0)
                {
                    return produced;
                }
            }
            else
            {
                _small ??= ArrayPool<byte>.Shared.Rent(MimeSegment.MinRoom);
                produced = await segment.ReadAsync(io, _small.AsMemory(0, MimeSegment.MinRoom), cancellationToken).ConfigureAwait(false);
                _smallStart = 0;
                _smallEnd = produced;
                if (produced > 0)
                {
                    continue;
                }
            }
            segment.Complete();
            _index++;
        }
    }

    /// <inheritdoc />
    public override void Complete()
    {
        for (int i = _index; i < _segments.Count; i++)
        {
            _segments[i].Complete();
        }
        _index = _segments.Count;
        ReleaseSmall();
    }

    private void ReleaseSmall()
    {
        if (_small is not null)
        {
            ArrayPool<byte>.Shared.Return(_small);
            _small = null;
            _smallStart = _smallEnd = 0;
        }
    }

    private static TextNode Text(string text, string subtype, MimeWriterOptions options)
    {
        var stats = TextStats.Of(text);
        return new TextNode(text, subtype, stats, stats.Transfer(options.EightBitMime));
    }

    // Every multipart gets a random boundary of the same length, so none is a prefix of another (RFC 2046 §5.1.1: a
    // boundary must not appear inside an enclosed part). It starts with "=_", which base64 and quoted-printable output
    // never contain ('=' in them is padding at the end of base64, or followed by two hex digits or a line end); text sent
    // as 7bit or 8bit is searched, and a boundary found in it is drawn again. An earlier layout's boundaries are taken
    // first (same message, same bytes), under the same checks.
    private static void AssignBoundaries(Node node, List<string> texts, List<string> used, Queue<string> earlier)
    {
        if (node is not MultipartNode multipart)
        {
            return;
        }
        string boundary;
        do
        {
            boundary = earlier.TryDequeue(out var again) ? again : "=_" + RandomNumberGenerator.GetString(BoundaryAlphabet, 28);
        }
        while (used.Contains(boundary) || texts.Any(t => t.Contains(boundary, StringComparison.Ordinal)));
        used.Add(boundary);
        multipart.Boundary = boundary;
        foreach (var child in multipart.Children)
        {
            AssignBoundaries(child, texts, used, earlier);
        }
    }

    private static void Emit(Node node, SegmentBuilder builder, List<KeyValuePair<string, string>> fields, bool isRoot)
    {
        void Field(string text)
        {
            builder.Append(text);
            if (isRoot)
            {
                int colon = text.IndexOf(':', StringComparison.Ordinal);
                fields.Add(new(text[..colon], HeaderFolding.Unfold(text[(colon + 2)..^2])));
            }
        }
        switch (node)
        {
            case TextNode text:
                Field(ContentTypes.Field("Content-Type", "text/" + text.Subtype, [new("charset", "utf-8")], "The body"));
                Field("Content-Transfer-Encoding: " + text.Transfer switch
                {
                    TextTransfer.SevenBit => "7bit",
                    TextTransfer.EightBit => "8bit",
                    _ => "quoted-printable",
                } + "\r\n");
                builder.EndHeaders(isRoot);
                builder.Add(new TextSegment(text.Text, text.Stats, text.Transfer, endWithLineBreak: isRoot));
                break;
            case AttachmentNode part:
                var attachment = part.Attachment;
                var media = ContentTypes.Parse(attachment.ContentType, "The attachment content type");
                var typeParameters = media.Parameters.Where(p => p.Key != "name")
                    .Select(p => new MimeParameter(p.Key, p.Value)).ToList();
                var dispositionParameters = new List<MimeParameter>();
                if (attachment.FileName.Length > 0)
                {
                    typeParameters.Add(new MimeParameter("name", attachment.FileName, ParameterForm.Rfc2047));
                    dispositionParameters.Add(new MimeParameter("filename", attachment.FileName));
                }
                Field(ContentTypes.Field("Content-Type", media.Value, typeParameters, "The attachment content type"));
                Field(ContentTypes.Field("Content-Disposition", attachment.IsInline ? "inline" : "attachment",
                    dispositionParameters, "The attachment file name"));
                Field("Content-Transfer-Encoding: base64\r\n");
                if (attachment.IsInline)
                {
                    Field(ContentTypes.Field("Content-ID", "<" + attachment.ContentId + ">", [], "The attachment Content-ID"));
                }
                builder.EndHeaders(isRoot);
                builder.Add(new Base64Segment(attachment));
                break;
            case MultipartNode multipart:
                // RFC 2046 §5.1.1; the value is quoted because the boundary holds '='. RFC 2387 §3.1 for type.
                var boundary = multipart.Boundary!;
                var parameters = new List<MimeParameter> { new("boundary", boundary) };
                if (multipart.RelatedType is not null)
                {
                    parameters.Add(new MimeParameter("type", multipart.RelatedType));
                }
                Field(ContentTypes.Field("Content-Type", "multipart/" + multipart.Subtype, parameters, "The body"));
                builder.EndHeaders(isRoot);
                for (int i = 0; i < multipart.Children.Count; i++)
                {
                    builder.Append(i == 0 ? "--" + boundary + "\r\n" : "\r\n--" + boundary + "\r\n");
                    Emit(multipart.Children[i], builder, fields, isRoot: false);
                }
                builder.Append("\r\n--" + boundary + "--" + (isRoot ? "\r\n" : ""));
                break;
        }
    }

    private abstract class Node;

    private sealed class TextNode(string text, string subtype, TextStats stats, TextTransfer transfer) : Node
    {
        public string Text => text;

        public string Subtype => subtype;

        public TextStats Stats => stats;

        public TextTransfer Transfer => transfer;
    }

    private sealed class AttachmentNode(EmailAttachment attachment) : Node
    {
        public EmailAttachment Attachment => attachment;
    }

    private sealed class MultipartNode(string subtype, List<Node> children, string? relatedType) : Node
    {
        public string Subtype => subtype;

        public List<Node> Children => children;

        public string? RelatedType => relatedType;

        public string? Boundary { get; set; }
    }

    // Collects header and boundary text into byte segments between the body segments.
    private sealed class SegmentBuilder
    {
        private readonly StringBuilder _text = new();
        private readonly List<MimeSegment> _segments = [];

        public string RootHeaderText { get; private set; } = "";

        public void Append(string text) => _text.Append(text);

        public void EndHeaders(bool isRoot)
        {
            if (isRoot)
            {
                RootHeaderText = _text.ToString();
            }
            _text.Append("\r\n");
        }

        public void Add(MimeSegment segment)
        {
            Flush();
            _segments.Add(segment);
        }

        public List<MimeSegment> Finish()
        {
            Flush();
            return _segments;
        }

        private void Flush()
        {
            if (_text.Length > 0)
            {
                _segments.Add(new BytesSegment(Encoding.UTF8.GetBytes(_text.ToString())));
                _text.Clear();
            }
        }
    }
}
