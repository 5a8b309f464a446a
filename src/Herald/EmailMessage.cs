using System.Diagnostics;
using Herald.Message;
using Herald.Message.Mime;
using Herald.Protocol;
using Herald.Transport;

namespace Herald;

/// <summary>How urgent a message is; written as <c>X-Priority</c> and <c>Importance</c> headers.</summary>
public enum EmailPriority
{
    /// <summary><c>X-Priority: 5 (Lowest)</c> and <c>Importance: low</c>.</summary>
    Lowest = 0,
    /// <summary><c>X-Priority: 4 (Low)</c> and <c>Importance: low</c>.</summary>
    Low = 1,
    /// <summary>No priority headers (the default: readers treat a message without them as normal).</summary>
    Normal = 2,
    /// <summary><c>X-Priority: 2 (High)</c> and <c>Importance: high</c>.</summary>
    High = 3,
    /// <summary><c>X-Priority: 1 (Highest)</c> and <c>Importance: high</c>.</summary>
    Highest = 4,
}

/// <summary>
/// A message to send: addresses, subject and the other header fields, a plain-text and/or HTML body, attachments
/// (inline ones referred to by the HTML as <c>cid:</c>) and extra header fields. It is turned into MIME when it is sent
/// (or written with <see cref="WriteTo"/>): one text part when there is one body, <c>multipart/alternative</c> for plain
/// text plus HTML, <c>multipart/related</c> for HTML with inline attachments, <c>multipart/mixed</c> with attachments.
/// The output is streamed: each attachment is read once, from its source, while it is sent, and its exact size is known
/// beforehand whenever the sizes of the attachment sources are.
/// </summary>
/// <remarks>
/// <para>Address properties take RFC 5322 address lists as people type them (<c>a@example.com</c>,
/// <c>"Name" &lt;a@example.com&gt;</c>, several separated by commas). Every string property refuses CR, LF and NUL,
/// so no value can add a header or end the header block. Non-ASCII text in headers is sent as RFC 2047 encoded words
/// (UTF-8).</para>
/// <para>Disposing the message disposes the streams of attachments added with <c>leaveOpen: false</c>.</para>
/// <para>An instance is not thread-safe; changing it while it is being sent gives undefined results for that send.</para>
/// </remarks>
public sealed class EmailMessage : IDisposable
{
    private string _from = "";
    private string _sender = "";
    private string _sendTo = "";
    private string _cc = "";
    private string _bcc = "";
    private string _replyTo = "";
    private string _returnPath = "";
    private string _subject = "";
    private string _date = "";
    private string _id = "";
    private string _inReplyTo = "";
    private string _references = "";
    private string _keywords = "";
    private string _comments = "";
    private string _mailer = "";
    private string _plainText = "";
    private string _htmlText = "";
    private EmailPriority _priority = EmailPriority.Normal;

    /// <summary>Creates an empty message.</summary>
    public EmailMessage()
    {
    }

    /// <summary>
    /// The author(s): the <c>From</c> header, and the <c>MAIL FROM</c> address unless <see cref="ReturnPath"/> or
    /// <see cref="Sender"/> is set. Required for sending. With more than one address, <see cref="Sender"/> must be set
    /// (RFC 5322 §3.6.2).
    /// </summary>
    /// <exception cref="SmtpException">10022 when the list is malformed or holds CR, LF or NUL.</exception>
    public string From
    {
        get => _from;
        set => _from = AddressList(value, nameof(From));
    }

    /// <summary>
    /// The mailbox that actually sends the message on the author's behalf (<c>Sender</c> header, RFC 5322 §3.6.2); one
    /// address or "". It is also the <c>MAIL FROM</c> address when <see cref="ReturnPath"/> is empty.
    /// </summary>
    /// <exception cref="SmtpException">10022 when the value is not exactly one valid address, or holds CR, LF or
    /// NUL.</exception>
    public string Sender
    {
        get => _sender;
        set => _sender = OneAddress(value, nameof(Sender));
    }

    /// <summary>The primary recipients: the <c>To</c> header and one <c>RCPT TO</c> each.</summary>
    /// <exception cref="SmtpException">10022 when the list is malformed or holds CR, LF or NUL.</exception>
    public string SendTo
    {
        get => _sendTo;
        set => _sendTo = AddressList(value, nameof(SendTo));
    }

    /// <summary>The copy recipients: the <c>Cc</c> header and one <c>RCPT TO</c> each.</summary>
    /// <exception cref="SmtpException">10022 when the list is malformed or holds CR, LF or NUL.</exception>
    public string Cc
    {
        get => _cc;
        set => _cc = AddressList(value, nameof(Cc));
    }

    /// <summary>The blind-copy recipients: one <c>RCPT TO</c> each; they never appear in any header.</summary>
    /// <exception cref="SmtpException">10022 when the list is malformed or holds CR, LF or NUL.</exception>
    public string Bcc
    {
        get => _bcc;
        set => _bcc = AddressList(value, nameof(Bcc));
    }

    /// <summary>Where replies should go (<c>Reply-To</c> header); an address list or "".</summary>
    /// <exception cref="SmtpException">10022 when the list is malformed or holds CR, LF or NUL.</exception>
    public string ReplyTo
    {
        get => _replyTo;
        set => _replyTo = AddressList(value, nameof(ReplyTo));
    }

    /// <summary>
    /// The envelope sender (<c>MAIL FROM</c>), where bounces go: one address, <c>&lt;&gt;</c> for the null reverse path
    /// (RFC 5321 §4.5.5, for automatic replies), or "" to use <see cref="Sender"/> or else the first <see cref="From"/>
    /// address. It is not written as a header: the receiving server adds <c>Return-Path</c> itself (RFC 5321 §4.4).
    /// </summary>
    /// <exception cref="SmtpException">10022 when the value is not one valid address or <c>&lt;&gt;</c>, or holds CR,
    /// LF or NUL.</exception>
    public string ReturnPath
    {
        get => _returnPath;
        set
        {
            var v = value ?? "";
            _returnPath = v.Trim() == "<>" ? "<>" : OneAddress(v, nameof(ReturnPath));
        }
    }

    /// <summary>The <c>Subject</c> header; "" for none.</summary>
    /// <exception cref="SmtpException">10022 when the value holds CR, LF or NUL.</exception>
    public string Subject
    {
        get => _subject;
        set => _subject = SingleLine(value, nameof(Subject));
    }

    /// <summary>
    /// The <c>Date</c> header: "" (the default) or "*" for the moment the message is written, or a date in RFC 5322
    /// §3.3 form (for example <c>Tue, 1 Jul 2025 10:00:00 +0200</c>), sent as given.
    /// </summary>
    /// <exception cref="SmtpException">10022 when the value holds CR, LF or NUL.</exception>
    public string Date
    {
        get => _date;
        set => _date = SingleLine(value, nameof(Date));
    }

    /// <summary>
    /// The <c>Message-ID</c> header: "" (the default) or "*" to generate a unique id when the message is written, or an
    /// id such as <c>&lt;1234@example.com&gt;</c> (angle brackets are added when missing).
    /// </summary>
    /// <exception cref="SmtpException">10022 when the value holds CR, LF or NUL.</exception>
    public string ID
    {
        get => _id;
        set => _id = SingleLine(value, nameof(ID));
    }

    /// <summary>The <c>In-Reply-To</c> header: the Message-ID(s) of the message this one answers, or "".</summary>
    /// <exception cref="SmtpException">10022 when the value holds CR, LF or NUL.</exception>
    public string InReplyTo
    {
        get => _inReplyTo;
        set => _inReplyTo = SingleLine(value, nameof(InReplyTo));
    }

    /// <summary>The <c>References</c> header: the Message-IDs of the thread, separated by spaces, or "".</summary>
    /// <exception cref="SmtpException">10022 when the value holds CR, LF or NUL.</exception>
    public string References
    {
        get => _references;
        set => _references = SingleLine(value, nameof(References));
    }

    /// <summary>The <c>Keywords</c> header: comma-separated words or phrases, or "".</summary>
    /// <exception cref="SmtpException">10022 when the value holds CR, LF or NUL.</exception>
    public string Keywords
    {
        get => _keywords;
        set => _keywords = SingleLine(value, nameof(Keywords));
    }

    /// <summary>The <c>Comments</c> header: a remark about the message, or "".</summary>
    /// <exception cref="SmtpException">10022 when the value holds CR, LF or NUL.</exception>
    public string Comments
    {
        get => _comments;
        set => _comments = SingleLine(value, nameof(Comments));
    }

    /// <summary>The name of the sending software, written as <c>X-Mailer</c>; "" (the default) for none.</summary>
    /// <exception cref="SmtpException">10022 when the value holds CR, LF or NUL.</exception>
    public string Mailer
    {
        get => _mailer;
        set => _mailer = SingleLine(value, nameof(Mailer));
    }

    /// <summary>The priority; <see cref="EmailPriority.Normal"/> (the default) writes no header.</summary>
    /// <exception cref="SmtpException">10022 when the value is not a member of <see cref="EmailPriority"/>.</exception>
    public EmailPriority Priority
    {
        get => _priority;
        set => _priority = Enum.IsDefined(value) ? value
            : throw new SmtpException(SmtpErrorCodes.InvalidArgument,
                $"Priority value {(int)value} is not defined; use one of the EmailPriority members.");
    }

    /// <summary>
    /// Asks for a delivery receipt with a <c>Return-Receipt-To</c> header naming <see cref="Sender"/> or else
    /// <see cref="From"/>. Few servers honour the header; a sending component may also request an RFC 3461 DSN
    /// (<c>NOTIFY=SUCCESS</c>) when the server offers it.
    /// </summary>
    public bool DeliveryReceipt { get; set; }

    /// <summary>
    /// Asks for a read receipt (a message disposition notification, RFC 8098) with a <c>Disposition-Notification-To</c>
    /// header naming <see cref="Sender"/> or else <see cref="From"/>.
    /// </summary>
    public bool ReadReceipt { get; set; }

    /// <summary>
    /// The plain-text body, or "". Line ends may be CR, LF or CRLF; they are sent as CRLF. Sent as 7bit, 8bit (when
    /// the server offers 8BITMIME) or quoted-printable, whichever keeps it intact.
    /// </summary>
    public string PlainText
    {
        get => _plainText;
        set => _plainText = value ?? "";
    }

    /// <summary>
    /// The HTML body, or "". With <see cref="PlainText"/> the two are sent as <c>multipart/alternative</c>; inline
    /// attachments are referred to from it as <c>cid:</c> followed by their <see cref="EmailAttachment.ContentId"/>.
    /// </summary>
    public string HtmlText
    {
        get => _htmlText;
        set => _htmlText = value ?? "";
    }

    /// <summary>The attachments, regular and inline, in the order they are sent.</summary>
    public EmailAttachmentList Attachments { get; } = [];

    /// <summary>The number of attachments (regular and inline).</summary>
    public int AttachmentCount => Attachments.Count;

    /// <summary>
    /// Extra header fields, written after the computed ones. Non-ASCII text in a value is sent as encoded words. Fields
    /// that a property or the MIME structure decides (From, Sender, To, Cc, Bcc, Reply-To, Subject, Date, Message-ID,
    /// In-Reply-To, References, MIME-Version and Content-*) are refused when the message is written; an
    /// <c>X-Mailer</c>, <c>X-Priority</c>, <c>Importance</c>, <c>Return-Receipt-To</c> or
    /// <c>Disposition-Notification-To</c> given here replaces the one the properties would make.
    /// </summary>
    public HeaderList Headers { get; } = [];

    /// <summary>
    /// Writes the message in MIME form (RFC 5322, RFC 2045-2049) to <paramref name="destination"/>, as it would be
    /// sent: CRLF line ends, no line over 998 octets, no dot-stuffing. Each call generates the Date and Message-ID anew
    /// when they are left to be generated, and reads each attachment source again (a stream that cannot seek can be
    /// read only once).
    /// </summary>
    /// <param name="destination">Where the bytes go; it is neither flushed nor closed.</param>
    /// <param name="allow8Bit">True to send non-ASCII text bodies as 8bit (for a server that offers 8BITMIME, or a
    /// file); false to send them quoted-printable, so that the output is 7-bit ASCII.</param>
    /// <returns>The number of bytes written.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="destination"/> is null.</exception>
    /// <exception cref="SmtpException">10022 when a header field or attachment setting is invalid; 164 when
    /// <see cref="From"/> is empty; 303 when an attachment file cannot be opened or read, a stream was already read
    /// to its end, or a source changed size while it was read.</exception>
    /// <exception cref="IOException">Writing to <paramref name="destination"/> failed.</exception>
    public long WriteTo(Stream destination, bool allow8Bit = false)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var task = CopyAsync(new SyncIO(), destination, allow8Bit, CancellationToken.None);
        Debug.Assert(task.IsCompleted, "sync I/O completes synchronously");
        return task.GetAwaiter().GetResult();
    }

    /// <summary>Asynchronous form of <see cref="WriteTo"/>.</summary>
    /// <param name="destination">Where the bytes go; it is neither flushed nor closed.</param>
    /// <param name="allow8Bit">See <see cref="WriteTo"/>.</param>
    /// <param name="cancellationToken">Stops the write.</param>
    /// <returns>The number of bytes written.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="destination"/> is null.</exception>
    /// <exception cref="SmtpException">As for <see cref="WriteTo"/>.</exception>
    /// <exception cref="IOException">Writing to <paramref name="destination"/> failed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<long> WriteToAsync(Stream destination, bool allow8Bit = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        return await CopyAsync(new AsyncIO(), destination, allow8Bit, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Disposes the streams of attachments that were added with <c>leaveOpen: false</c>.</summary>
    public void Dispose()
    {
        foreach (var attachment in Attachments)
        {
            attachment.DisposeOwnedStream();
        }
    }

    /// <summary>
    /// The envelope this message implies: the reverse path (<see cref="ReturnPath"/>, else <see cref="Sender"/>, else the
    /// first <see cref="From"/> address; "" for <c>&lt;&gt;</c>) and the To, Cc and Bcc addr-specs in order.
    /// </summary>
    /// <exception cref="SmtpException">164 when there is no sender at all.</exception>
    internal MessageEnvelope GetEnvelope()
    {
        string reversePath;
        if (_returnPath == "<>")
        {
            reversePath = "";
        }
        else if (_returnPath.Length > 0)
        {
            reversePath = AddressParser.ParseOne(_returnPath, nameof(ReturnPath)).Address;
        }
        else if (_sender.Length > 0)
        {
            reversePath = AddressParser.ParseOne(_sender, nameof(Sender)).Address;
        }
        else
        {
            var from = AddressParser.ParseList(_from, nameof(From));
            reversePath = from.Count > 0 ? from[0].Address
                : throw new SmtpException(SmtpErrorCodes.NoSender, "No sender specified: set From to the sender's address.");
        }
        return new MessageEnvelope(reversePath, Addresses(_sendTo, nameof(SendTo)), Addresses(_cc, nameof(Cc)),
            Addresses(_bcc, nameof(Bcc)));

        static string[] Addresses(string list, string what) =>
            AddressParser.ParseList(list, what).Select(a => a.Address).ToArray();
    }

    private ValueTask<long> CopyAsync<TIO>(TIO io, Stream destination, bool allow8Bit, CancellationToken cancellationToken)
        where TIO : struct, ISmtpIO =>
        MimeMessageSource.Create(this, new MimeWriterOptions { EightBitMime = allow8Bit }).CopyToAsync(io, destination, cancellationToken);

    private static string AddressList(string? value, string what)
    {
        AddressParser.ParseList(value, what);
        return value ?? "";
    }

    private static string OneAddress(string? value, string what)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            LineValidation.EnsureSingleLine(value, what);
            return "";
        }
        AddressParser.ParseOne(value, what);
        return value;
    }

    private static string SingleLine(string? value, string what)
    {
        LineValidation.EnsureSingleLine(value, what);
        return value ?? "";
    }
}
