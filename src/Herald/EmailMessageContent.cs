using System.Diagnostics;
using Herald.Message.Mime;
using Herald.Transport;

namespace Herald;

/// <summary>
/// An <see cref="EmailMessage"/> as <see cref="MessageContent"/>, so that anything that sends message content (for
/// example <see cref="Smtp.SetMessageContent"/> or
/// <see cref="SmtpPool.SendAsync(string, IEnumerable{string}, MessageContent, CancellationToken)"/>) sends it, streamed
/// from its parts, with its exact size declared.
/// </summary>
/// <remarks>
/// <para>The message is laid out when the content is created: its header fields and attachment settings are checked
/// then, its length is computed (no attachment is read for that), and a Date, a Message-ID and the multipart boundaries
/// are chosen once. Every write, a retry or a second send, writes the same bytes as long as the message and its
/// attachment sources do not change; a write finds a message whose length changed and refuses it before writing
/// anything.</para>
/// <para>Text bodies go as 7bit or quoted-printable and attachments as base64, so the output is 7-bit ASCII
/// (<see cref="Is8Bit"/> is false) unless an address holds non-ASCII characters, and any server takes it.</para>
/// <para>The envelope is not part of the content: give the sender and recipients to whatever sends it (the message's
/// own are its <see cref="EmailMessage.From"/>, <see cref="EmailMessage.SendTo"/>, <see cref="EmailMessage.Cc"/> and
/// <see cref="EmailMessage.Bcc"/>; Bcc appears in no header).</para>
/// </remarks>
public sealed class EmailMessageContent : MessageContent
{
    private readonly EmailMessage _message;
    private readonly MimeWriterOptions _options;  // the Date, Message-ID and boundaries of the first layout
    private readonly long _length;
    private readonly bool _is8Bit;
    private MimeMessageSource? _first;            // the first layout, written by the first write

    /// <summary>Lays out <paramref name="message"/> for sending.</summary>
    /// <param name="message">The message. Do not change it while the content is in use.</param>
    /// <exception cref="ArgumentNullException"><paramref name="message"/> is null.</exception>
    /// <exception cref="SmtpException">164 when <see cref="EmailMessage.From"/> is empty; 10022 when a header field,
    /// Content-ID or attachment content type is invalid; 303 when an attachment file cannot be read.</exception>
    public EmailMessageContent(EmailMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        _message = message;
        var now = DateTimeOffset.Now;
        _first = MimeMessageSource.Create(message, new MimeWriterOptions { Clock = () => now });
        _options = new MimeWriterOptions { Clock = () => now, GeneratedId = _first.MessageId, Boundaries = _first.Boundaries };
        _length = _first.Length;
        _is8Bit = _first.Is8Bit;
        MessageId = _first.MessageId;
    }

    /// <summary>The Message-ID the content writes, with its angle brackets (generated unless the message has one).</summary>
    public string MessageId { get; }

    /// <summary>
    /// The exact number of octets the content writes, or -1 when an attachment comes from a stream that cannot seek
    /// (whose size is not known until it has been read).
    /// </summary>
    public override long Length => _length;

    /// <summary>False unless an address holds non-ASCII characters: bodies and attachments are sent 7-bit.</summary>
    public override bool Is8Bit => _is8Bit;

    /// <summary>Writes the message to <paramref name="destination"/>.</summary>
    /// <param name="destination">Where the message goes.</param>
    /// <param name="cancellationToken">Stops the write.</param>
    /// <exception cref="ArgumentNullException"><paramref name="destination"/> is null.</exception>
    /// <exception cref="SmtpException">10022 when the message was changed since the content was made so that its
    /// length is no longer the one declared; 303 when an attachment cannot be read (a stream that cannot seek was
    /// already read, or a file changed size).</exception>
    public override void WriteTo(Stream destination, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var task = WriteAsync(new SyncIO(), destination, cancellationToken);
        Debug.Assert(task.IsCompleted, "sync I/O completes synchronously");
        task.GetAwaiter().GetResult();
    }

    /// <summary>Asynchronous form of <see cref="WriteTo"/>.</summary>
    /// <param name="destination">Where the message goes.</param>
    /// <param name="cancellationToken">Stops the write.</param>
    /// <returns>The write.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="destination"/> is null.</exception>
    /// <exception cref="SmtpException">As for <see cref="WriteTo"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public override Task WriteToAsync(Stream destination, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        return WriteAsync(new AsyncIO(), destination, cancellationToken).AsTask();
    }

    private async ValueTask WriteAsync<TIO>(TIO io, Stream destination, CancellationToken cancellationToken) where TIO : struct, ISmtpIO
    {
        // The first write sends the layout the length was taken from; later ones lay the message out again with the
        // same Date, Message-ID and boundaries.
        var source = Interlocked.Exchange(ref _first, null) ?? MimeMessageSource.Create(_message, _options);
        if (source.Length != _length)
        {
            source.Complete();
            throw new SmtpException(SmtpErrorCodes.InvalidArgument,
                $"The message was changed after its EmailMessageContent was made: it now takes {source.Length} octets, not the " +
                $"{_length} declared. Make a new EmailMessageContent after changing the message.");
        }
        await source.CopyToAsync(io, destination, cancellationToken).ConfigureAwait(false);
    }
}
