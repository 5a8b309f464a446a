using System.Text;
using Herald.Engine;
using Herald.Message;
using Herald.Protocol;

namespace Herald;

public partial class Smtp
{
    private string _from = "";
    private string _subject = "";
    private string _messageDate = "*";
    private string _messageId = "*";
    private string _replyTo = "";
    private string _deliveryNotificationTo = "";
    private string _readReceiptTo = "";
    private string _otherHeaders = "";
    private string _returnPath = "";
    private string _messageText = "";
    private string _message = "";
    private byte[] _messageB = [];
    private SmtpImportances _importance;
    private SmtpPriorities _priority;
    private SmtpSensitivities _sensitivity;
    private Stream? _messageStream;
    private MessageContent? _messageContent;
    private readonly MessageRecipientList _recipients = [];

    // Config settings of the message.
    private string _charset = "";
    private bool _foldHeaders = true;
    private int _maxHeaderLength = 80;
    private string _messageIdAlgorithm = "SHA1";
    private bool _allowEmptyTo;
    private bool _closeStreamAfterTransfer = true;

    // The computed headers: reused while the inputs are unchanged, so that what MessageHeadersString shows before a
    // send is exactly what the send uses (same Date and Message-ID), and kept after the send for introspection.
    private BuiltHeaders? _headers;
    private string _headersKey = "";
    private bool _headersSent;
    private BodyEncoding _headersBody;        // the body encoding _headers was built for
    private string _headersCharset = "";      // the charset _headers was built for
    private string? _transferBody;            // the body as sent (TransferText), when it was held in memory as text
    private byte[]? _transferBytes;           // ... or as bytes (MessageB), decoded only when TransferText is read

    /// <summary>
    /// Comma-separated blind-copy addresses: each gets its own <c>RCPT TO</c>, none appears in any header. A rejected
    /// Bcc fires <see cref="OnError"/> and delivery goes on (config StopOnBccErrors). Setting it adds the addresses to
    /// <see cref="MessageRecipients"/>; reading it lists the Bcc entries there.
    /// </summary>
    /// <exception cref="SmtpException">10022 when an address is malformed or contains a line break.</exception>
    public string BCc
    {
        get => FormatRecipients(EmailRecipientTypes.rtBcc);
        set => AddRecipients(value, EmailRecipientTypes.rtBcc, "BCc");
    }

    /// <summary>
    /// Comma-separated copy addresses: one <c>RCPT TO</c> each and a <c>Cc</c> header. A rejected Cc fails the send
    /// (config StopOnCcErrors). Setting it adds the addresses to <see cref="MessageRecipients"/> (clear that list to drop
    /// earlier recipients); reading it lists the Cc entries there.
    /// </summary>
    /// <exception cref="SmtpException">10022 when an address is malformed or contains a line break.</exception>
    public string Cc
    {
        get => FormatRecipients(EmailRecipientTypes.rtCc);
        set => AddRecipients(value, EmailRecipientTypes.rtCc, "Cc");
    }

    /// <summary>
    /// Comma-separated primary recipients (required unless config AllowEmptyTo is True): one <c>RCPT TO</c> each and a
    /// <c>To</c> header. A rejected To fails the send (config StopOnToErrors). Setting it adds the addresses to
    /// <see cref="MessageRecipients"/> (clear that list to drop earlier recipients); reading it lists the To entries there.
    /// </summary>
    /// <exception cref="SmtpException">10022 when an address is malformed or contains a line break.</exception>
    public string SendTo
    {
        get => FormatRecipients(EmailRecipientTypes.rtTo);
        set => AddRecipients(value, EmailRecipientTypes.rtTo, "SendTo");
    }

    /// <summary>Every envelope recipient (To, Cc and Bcc) with its display name and options.</summary>
    public MessageRecipientList MessageRecipients => _recipients;

    /// <summary>When set, a <c>Return-Receipt-To</c> header with this address is added.</summary>
    public string DeliveryNotificationTo
    {
        get => _deliveryNotificationTo;
        set => _deliveryNotificationTo = SingleLine(value, "DeliveryNotificationTo");
    }

    /// <summary>
    /// The sender (required): <c>"Name" &lt;address&gt;</c> or a bare address. It becomes the <c>From</c> header and,
    /// unless <see cref="ReturnPath"/> is set, the <c>MAIL FROM</c> address.
    /// </summary>
    public string From
    {
        get => _from;
        set => _from = SingleLine(value, "From");
    }

    /// <summary>Adds an <c>Importance</c> header (high, normal, low) unless miUnspecified.</summary>
    public SmtpImportances Importance
    {
        get => _importance;
        set => _importance = value;
    }

    /// <summary>
    /// A complete, already formatted message (headers and body) sent instead of the computed headers and
    /// <see cref="MessageText"/>. Only line ends are normalised and lines starting with "." escaped, as the protocol
    /// requires.
    /// </summary>
    public string Message
    {
        get => _message;
        set => _message = value ?? "";
    }

    /// <summary>The byte form of <see cref="Message"/>.</summary>
    public byte[] MessageB
    {
        get => _messageB.Length > 0 ? _messageB : Encoding.UTF8.GetBytes(_message);
        set => _messageB = value ?? [];
    }

    /// <summary>
    /// The <c>Date</c> header: "*" (default) for the current date and time, "" for none, anything else verbatim.
    /// </summary>
    public string MessageDate
    {
        get => _messageDate;
        set => _messageDate = SingleLine(value, "MessageDate");
    }

    /// <summary>
    /// The computed header fields of the message (the ones last sent, or the ones the next send will use); empty until
    /// <see cref="From"/> is set, and for a raw <see cref="Message"/>.
    /// </summary>
    public HeaderList MessageHeaders => new(CurrentHeaders().Fields);

    /// <summary>
    /// The computed header block as sent, including the blank line that ends it, so that
    /// <c>MessageHeadersString + TransferText</c> is the whole message.
    /// </summary>
    public string MessageHeadersString => HeadText(CurrentHeaders());

    /// <summary>The <c>Message-ID</c> header: "*" (default) generates a unique id; any other value is used as given.</summary>
    public string MessageId
    {
        get => _messageId;
        set => _messageId = SingleLine(value, "MessageId");
    }

    /// <summary>
    /// The body of the message, without headers. Line ends are sent as CRLF and lines starting with "." are escaped.
    /// Non-ASCII text is sent as UTF-8 (8BITMIME) or quoted-printable when the server lacks 8BITMIME.
    /// </summary>
    public string MessageText
    {
        get => _messageText;
        set => _messageText = value ?? "";
    }

    /// <summary>
    /// Extra header lines (<c>Name: value</c>, CRLF separated) added after the computed headers. When the value starts
    /// with an empty line (CRLF), it replaces the computed headers entirely.
    /// </summary>
    public string OtherHeaders
    {
        get => _otherHeaders;
        set => _otherHeaders = value ?? "";
    }

    /// <summary>Adds a <c>Priority</c> header (normal, urgent, non-urgent) unless epUnspecified.</summary>
    public SmtpPriorities Priority
    {
        get => _priority;
        set => _priority = value;
    }

    /// <summary>When set, a <c>Disposition-Notification-To</c> header with this address is added.</summary>
    public string ReadReceiptTo
    {
        get => _readReceiptTo;
        set => _readReceiptTo = SingleLine(value, "ReadReceiptTo");
    }

    /// <summary>When set, a <c>Reply-To</c> header is added.</summary>
    public string ReplyTo
    {
        get => _replyTo;
        set => _replyTo = SingleLine(value, "ReplyTo");
    }

    /// <summary>The <c>MAIL FROM</c> address (bounces go there); when empty the From address is used. "&lt;&gt;" sends the null path.</summary>
    public string ReturnPath
    {
        get => _returnPath;
        set => _returnPath = SingleLine(value, "ReturnPath");
    }

    /// <summary>Adds a <c>Sensitivity</c> header (Personal, Private, Company-Confidential) unless esUnspecified.</summary>
    public SmtpSensitivities Sensitivity
    {
        get => _sensitivity;
        set => _sensitivity = value;
    }

    /// <summary>The <c>Subject</c> header (RFC 2047 encoded when it is not plain ASCII).</summary>
    public string Subject
    {
        get => _subject;
        set => _subject = SingleLine(value, "Subject");
    }

    /// <summary>
    /// The body as last sent (line ends as CRLF, and the CRLF the client adds to end an unterminated last line, since
    /// CRLF.CRLF ends the data), or "" when it came from a stream.
    /// </summary>
    internal string TransferText
    {
        get
        {
            string? body = _transferBody ?? (_transferBytes is null ? null : Encoding.UTF8.GetString(_transferBytes));
            string text = body is null ? "" : NormalizeLineEnds(body);
            return text.Length == 0 || text.EndsWith("\r\n", StringComparison.Ordinal) ? text : text + "\r\n";
        }
    }

    private static string SingleLine(string? value, string what)
    {
        LineValidation.EnsureSingleLine(value, what);
        return value ?? "";
    }

    private void AddRecipients(string? list, EmailRecipientTypes type, string what)
    {
        foreach (var address in AddressParser.ParseList(list, what))
        {
            _recipients.Add(new MessageRecipient(address.Address, (int)type) { Name = address.DisplayName });
        }
    }

    private string FormatRecipients(EmailRecipientTypes type)
    {
        var sb = new StringBuilder();
        foreach (var r in _recipients)
        {
            if (r.RecipientType != type || string.IsNullOrWhiteSpace(r.Address))
            {
                continue;
            }
            if (sb.Length > 0)
            {
                sb.Append(", ");
            }
            if (r.Name.Length > 0)
            {
                sb.Append('"').Append(r.Name.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal))
                    .Append("\" <").Append(r.Address).Append('>');
            }
            else
            {
                sb.Append(r.Address);
            }
        }
        return sb.ToString();
    }

    private HeaderSpec CurrentSpec(BodyEncoding body, string charset) => new()
    {
        From = _from,
        SendTo = FormatRecipients(EmailRecipientTypes.rtTo),
        Cc = FormatRecipients(EmailRecipientTypes.rtCc),
        Subject = _subject,
        MessageDate = _messageDate,
        MessageId = _messageId,
        ReplyTo = _replyTo,
        DeliveryNotificationTo = _deliveryNotificationTo,
        ReadReceiptTo = _readReceiptTo,
        OtherHeaders = _otherHeaders,
        Charset = charset,
        MessageIdAlgorithm = _messageIdAlgorithm,
        Importance = _importance,
        Priority = _priority,
        Sensitivity = _sensitivity,
        MaxHeaderLength = _maxHeaderLength,
        FoldHeaders = _foldHeaders,
        IdDomain = HelloName,
        Body = body,
    };

    /// <summary>
    /// The headers to show: the ones built last (sent, or about to be) while nothing that shapes them has changed —
    /// including the body encoding and charset the send actually chose — otherwise the ones the next send will most
    /// likely use (8-bit for a non-ASCII body; the server decides at send time). A raw Message or MessageB carries its
    /// own headers, so none are computed for it; without a sender there is no message to send (error 164), so there are
    /// no headers either (a new component shows none, as documented).
    /// </summary>
    private BuiltHeaders CurrentHeaders()
    {
        if (HasRawMessage || _from.Trim().Length == 0)
        {
            return new BuiltHeaders([], "");
        }
        if (_headers is not null && HeaderInputsKey(CurrentSpec(_headersBody, _headersCharset)) == _headersKey)
        {
            return _headers;
        }
        return HeadersFor(_messageStream is null && !Ascii.IsValid(_messageText) ? BodyEncoding.EightBit : BodyEncoding.None, forSend: false);
    }

    private bool HasRawMessage => _messageContent is not null || _messageB.Length > 0 || _message.Length > 0;

    private BuiltHeaders HeadersFor(BodyEncoding body, bool forSend, string? charset = null)
    {
        charset ??= _charset;
        var spec = CurrentSpec(body, charset);
        string key = HeaderInputsKey(spec);
        // After a send, the same inputs still show the sent headers, but the next send builds new ones (a fresh
        // Date and Message-ID: two messages must not share an id).
        if (_headers is null || key != _headersKey || (forSend && _headersSent))
        {
            _headers = HeaderBlock.Build(spec);
            _headersKey = key;
            _headersBody = body;
            _headersCharset = charset;
            _headersSent = false;
        }
        return _headers;
    }

    /// <summary>
    /// Everything that shapes the header block, as one string to compare: the spec's inputs, and whether the body
    /// (which decides the MIME headers at send time) is non-ASCII text.
    /// </summary>
    private string HeaderInputsKey(HeaderSpec spec) =>
        string.Join('\u0001', spec.From, spec.SendTo, spec.Cc, spec.Subject, spec.MessageDate, spec.MessageId, spec.ReplyTo,
            spec.DeliveryNotificationTo, spec.ReadReceiptTo, spec.OtherHeaders, spec.Charset, spec.MessageIdAlgorithm,
            (int)spec.Importance, (int)spec.Priority, (int)spec.Sensitivity, spec.MaxHeaderLength, spec.FoldHeaders, spec.IdDomain,
            (int)spec.Body, _messageStream is null && !Ascii.IsValid(_messageText));

    private static string HeadText(BuiltHeaders headers) => headers.Text.Length == 0 ? "" : headers.Text + "\r\n";

    /// <summary>Checks that the message can be sent at all (before any connection is made).</summary>
    /// <param name="requireServer">False for Queue, which needs no server yet.</param>
    private void ValidateForSend(bool requireServer = true)
    {
        if (requireServer && _settings.Host.Length == 0)
        {
            throw new SmtpException(SmtpErrorCodes.NoMailServer, "No MailServer specified: set MailServer to the host name or address of the SMTP server.");
        }
        bool raw = HasRawMessage;
        if (!raw && _messageStream is { CanRead: false })
        {
            throw new SmtpException(SmtpErrorCodes.CannotOpenFile,
                "The message stream is closed (an earlier transfer read and closed it); call SetMessageStream with the " +
                "message again, or with null to send MessageText.");
        }
        if (_from.Trim().Length == 0 && (!raw || _returnPath.Length == 0))
        {
            throw new SmtpException(SmtpErrorCodes.NoSender, "No sender specified: set From to the sender's address.");
        }
        bool anyTo = _recipients.Any(r => r.RecipientType == EmailRecipientTypes.rtTo && !string.IsNullOrWhiteSpace(r.Address));
        bool any = _recipients.Any(r => !string.IsNullOrWhiteSpace(r.Address));
        if (!any)
        {
            throw new SmtpException(SmtpErrorCodes.NoRecipient, "No recipient specified: set SendTo (or Cc, BCc, MessageRecipients).");
        }
        if (!anyTo && !_allowEmptyTo)
        {
            throw new SmtpException(SmtpErrorCodes.NoRecipient,
                "No To recipient specified: set SendTo, or set config AllowEmptyTo=True to send with only Cc/Bcc recipients.");
        }
    }

    /// <summary>The SMTP envelope for the current sender and recipients.</summary>
    private Envelope BuildEnvelope(string verb)
    {
        string reversePath;
        string rp = _returnPath.Trim();
        if (rp == "<>")
        {
            reversePath = "";
        }
        else
        {
            reversePath = AddressParser.ParseOne(rp.Length > 0 ? rp : _from, rp.Length > 0 ? "ReturnPath" : "From").Address;
        }
        var recipients = new List<EnvelopeRecipient>(_recipients.Count);
        foreach (var r in _recipients)
        {
            if (string.IsNullOrWhiteSpace(r.Address))
            {
                continue;
            }
            var address = AddressParser.ParseOne(r.Address, "A MessageRecipients address");
            recipients.Add(new EnvelopeRecipient(address.Address, (RecipientKind)r.RecipientType, RecipientOptions.Normalize(r.Options)));
        }
        return new Envelope(reversePath, recipients, verb);
    }

    /// <summary>
    /// The bytes DATA sends: the raw Message when set; otherwise the computed headers followed by the message stream
    /// or MessageText. A non-ASCII MessageText goes as 8-bit when the server offers 8BITMIME, else as quoted-printable;
    /// one with a line over 998 octets or a NUL goes quoted-printable (<see cref="TextStats.Choose"/>).
    /// </summary>
    private MessageSource BuildSource(Capabilities caps)
    {
        if (HasRawMessage)
        {
            _headers = new BuiltHeaders([], "");
            _headersKey = "";
            _headersSent = true;
            if (_messageContent is { } content)
            {
                _transferBody = null;
                _transferBytes = null;
                return new PushMessageSource(content);
            }
            if (_messageB.Length > 0)
            {
                _transferBody = null;
                _transferBytes = _messageB;
                return new BytesMessageSource(_messageB, hasBody: true);
            }
            // The string is encoded piece by piece on its way out, never copied whole.
            _transferBody = _message;
            _transferBytes = null;
            return new TextMessageSource([], _message, Charsets.Utf8);
        }
        if (_messageStream is { } stream)
        {
            var streamHeaders = HeadersFor(BodyEncoding.None, forSend: true);
            _transferBody = null;
            _transferBytes = null;
            return new StreamMessageSource(Encoding.UTF8.GetBytes(HeadText(streamHeaders)), stream, _closeStreamAfterTransfer);
        }
        // The rule the MIME writer follows too: a line over 998 octets (RFC 5322 §2.1.1) or a NUL goes quoted-printable,
        // whose soft line breaks and =XX escapes the reader undoes.
        var transfer = TextStats.Of(_messageText).Transfer(caps.EightBitMime) switch
        {
            TextTransfer.SevenBit => BodyEncoding.None,
            TextTransfer.EightBit => BodyEncoding.EightBit,
            _ => BodyEncoding.QuotedPrintable,
        };
        // The body goes out in the Charset setting when that charset can hold it, otherwise in UTF-8; the headers'
        // Content-Type names the same charset.
        var charset = Charsets.Resolve(_charset, "Charset");
        bool useCharset = transfer == BodyEncoding.None || Charsets.CanEncode(charset, _messageText);
        var bodyEncoding = useCharset ? charset : Charsets.Utf8;
        var headers = HeadersFor(transfer, forSend: true, useCharset ? _charset : "");
        string body = transfer == BodyEncoding.QuotedPrintable
            ? Encoding.ASCII.GetString(QuotedPrintable.Encode(bodyEncoding.GetBytes(NormalizeLineEnds(_messageText))))
            : _messageText;
        _transferBody = body;
        _transferBytes = null;
        return new TextMessageSource(Encoding.UTF8.GetBytes(HeadText(headers)), body,
            transfer == BodyEncoding.QuotedPrintable ? Encoding.ASCII : bodyEncoding);
    }

    /// <summary>Called after a message went out: its headers now describe what was sent.</summary>
    private void MarkSent()
    {
        _headersSent = true;
        if (_messageStream is not null && _closeStreamAfterTransfer)
        {
            _messageStream = null; // closed by the transfer; SetMessageStream must be called again
        }
    }

    private static string NormalizeLineEnds(string text)
    {
        if (text.AsSpan().IndexOfAny('\r', '\n') < 0)
        {
            return text;
        }
        var sb = new StringBuilder(text.Length + 16);
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '\r')
            {
                sb.Append("\r\n");
                if (i + 1 < text.Length && text[i + 1] == '\n')
                {
                    i++;
                }
            }
            else if (c == '\n')
            {
                sb.Append("\r\n");
            }
            else
            {
                sb.Append(c);
            }
        }
        return sb.ToString();
    }

    private void ResetMessageProperties()
    {
        _from = _subject = _replyTo = _deliveryNotificationTo = _readReceiptTo = _otherHeaders = _returnPath = "";
        _messageDate = _messageId = "*";
        _importance = SmtpImportances.miUnspecified;
        _priority = SmtpPriorities.epUnspecified;
        _sensitivity = SmtpSensitivities.esUnspecified;
        _recipients.Clear();
        _headers = null;
        _headersKey = "";
        _headersSent = false;
        _transferBody = null;
        _transferBytes = null;
    }
}
