using MimeKit;

namespace Herald.MimeKit;

/// <summary>
/// A MimeKit message as Herald message content: MimeKit writes it straight onto the connection. Bcc headers are never
/// written (neither are Resent-Bcc ones), and line ends are CRLF whatever MimeKit's default is on this platform.
/// </summary>
public sealed class MimeMessageContent : MessageContent
{
    private readonly MimeMessage _message;
    private readonly FormatOptions _options;

    /// <summary>Wraps <paramref name="message"/>.</summary>
    /// <param name="message">The message. Do not change it while it is being sent.</param>
    /// <param name="options">MimeKit's formatting options, or null for its defaults; a copy is used, with CRLF line ends
    /// and the Bcc headers hidden.</param>
    /// <exception cref="ArgumentNullException"><paramref name="message"/> is null.</exception>
    public MimeMessageContent(MimeMessage message, FormatOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        _message = message;
        _options = (options ?? FormatOptions.Default).Clone();
        _options.NewLineFormat = NewLineFormat.Dos;
        _options.HiddenHeaders.Add(HeaderId.Bcc);
        _options.HiddenHeaders.Add(HeaderId.ResentBcc);
    }

    /// <summary>True when some part is sent as 8-bit, or a header holds non-ASCII text written as UTF-8.</summary>
    public override bool Is8Bit =>
        _message.BodyParts.OfType<MimePart>().Any(p => p.ContentTransferEncoding is ContentEncoding.EightBit or ContentEncoding.Binary)
        || _options.International;

    /// <summary>
    /// Writes the message once into a stream that only counts, for an exact <c>SIZE=</c>. A message with a part whose
    /// content stream cannot seek cannot be written twice, so it is not measured (-1: sent without <c>SIZE=</c>).
    /// </summary>
    /// <param name="cancellationToken">Stops the measuring.</param>
    /// <returns>The number of octets the message takes, or -1.</returns>
    public override long Measure(CancellationToken cancellationToken)
    {
        if (_message.BodyParts.OfType<MimePart>().Any(p => p.Content?.Stream is { CanSeek: false }))
        {
            return -1;
        }
        using var counter = new CountingStream();
        _message.WriteTo(_options, counter, cancellationToken);
        return counter.Length;
    }

    /// <inheritdoc />
    public override void WriteTo(Stream destination, CancellationToken cancellationToken) =>
        _message.WriteTo(_options, destination, cancellationToken);

    /// <inheritdoc />
    public override Task WriteToAsync(Stream destination, CancellationToken cancellationToken) =>
        _message.WriteToAsync(_options, destination, cancellationToken);

    /// <summary>A write-only stream that keeps nothing but the count.</summary>
    private sealed class CountingStream : Stream
    {
        private long _length;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => _length;

        public override long Position
        {
            get => _length;
            set => throw new NotSupportedException();
        }

        public override void Write(byte[] buffer, int offset, int count) => _length += count;

        public override void Write(ReadOnlySpan<byte> buffer) => _length += buffer.Length;

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
