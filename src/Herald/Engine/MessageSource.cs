using System.Text;
using Herald.Transport;

namespace Herald.Engine;

/// <summary>
/// The bytes of one message as the DATA command sends them (headers, blank line, body), produced piece by piece so
/// that a message of any size needs only a fixed buffer.
/// </summary>
internal abstract class MessageSource
{
    /// <summary>Total length in bytes when known (for SIZE= and PercentDone), otherwise -1.</summary>
    public abstract long Length { get; }

    /// <summary>True when the message has a body (StartTransfer/EndTransfer fire only then).</summary>
    public abstract bool HasBody { get; }

    /// <summary>True when the message is known to contain bytes above 127 (BODY=8BITMIME is then declared).</summary>
    public virtual bool Is8Bit => false;

    /// <summary>Reads the next piece; 0 means the end.</summary>
    public abstract ValueTask<int> ReadAsync<TIO>(TIO io, Memory<byte> buffer, CancellationToken cancellationToken)
        where TIO : struct, ISmtpIO;

    /// <summary>Called once the message has been sent or the send failed (closes a stream when asked to).</summary>
    public virtual void Complete()
    {
    }
}

/// <summary>A message held in memory as bytes (raw Message/MessageB, or headers alone).</summary>
internal sealed class BytesMessageSource(ReadOnlyMemory<byte> data, bool hasBody) : MessageSource
{
    private int _position;

    /// <inheritdoc />
    public override long Length => data.Length;

    /// <inheritdoc />
    public override bool HasBody => hasBody;

    /// <inheritdoc />
    public override bool Is8Bit => !Ascii.IsValid(data.Span);

    /// <inheritdoc />
    public override ValueTask<int> ReadAsync<TIO>(TIO io, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        int n = Math.Min(buffer.Length, data.Length - _position);
        data.Span.Slice(_position, n).CopyTo(buffer.Span);
        _position += n;
        return new ValueTask<int>(n);
    }
}

/// <summary>
/// Computed headers followed by a body held as a string (MessageText). The body is encoded (UTF-8 unless the Charset
/// setting names another charset that can hold it) piece by piece, so no second full copy of it is made.
/// </summary>
internal sealed class TextMessageSource : MessageSource
{
    private readonly byte[] _head;
    private readonly string _body;
    private readonly Encoder _encoder;
    private readonly int _maxBytesPerChar;
    private int _headPosition;
    private int _bodyPosition;

    /// <summary>Creates the source.</summary>
    /// <param name="head">The header block and the blank line after it.</param>
    /// <param name="body">The body text.</param>
    /// <param name="encoding">How the body's characters become bytes.</param>
    public TextMessageSource(byte[] head, string body, Encoding encoding)
    {
        _head = head;
        _body = body;
        _encoder = encoding.GetEncoder();
        _maxBytesPerChar = Math.Max(1, encoding.GetMaxByteCount(1) - encoding.GetMaxByteCount(0));
        Length = head.Length + encoding.GetByteCount(body);
    }

    /// <inheritdoc />
    public override long Length { get; }

    /// <inheritdoc />
    public override bool HasBody => _body.Length > 0;

    /// <inheritdoc />
    public override bool Is8Bit => !Ascii.IsValid(_head) || !Ascii.IsValid(_body);

    /// <inheritdoc />
    public override ValueTask<int> ReadAsync<TIO>(TIO io, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var span = buffer.Span;
        int written = 0;
        if (_headPosition < _head.Length)
        {
            int n = Math.Min(span.Length, _head.Length - _headPosition);
            _head.AsSpan(_headPosition, n).CopyTo(span);
            _headPosition += n;
            written = n;
        }
        // Leave room for the longest byte sequence of one character so the encoder always makes progress; loop in case
        // it only took a lone high surrogate (which yields no bytes until its pair arrives), since 0 would mean "end".
        while (span.Length - written >= 2 * _maxBytesPerChar && _bodyPosition < _body.Length)
        {
            var chars = _body.AsSpan(_bodyPosition, Math.Min(_body.Length - _bodyPosition, (span.Length - written) / _maxBytesPerChar - 1));
            _encoder.Convert(chars, span[written..], flush: _bodyPosition + chars.Length == _body.Length,
                out int used, out int bytes, out _);
            _bodyPosition += used;
            written += bytes;
            if (bytes > 0)
            {
                break;
            }
        }
        return new ValueTask<int>(written);
    }
}

/// <summary>Computed headers followed by a body read from a caller's stream (SetMessageStream).</summary>
internal sealed class StreamMessageSource : MessageSource
{
    private readonly byte[] _head;
    private readonly Stream _body;
    private readonly bool _closeAfter;
    private int _headPosition;
    private bool _started; // the transfer began: the stream is no longer where the caller left it

    /// <summary>Creates the source.</summary>
    /// <param name="head">The header block and blank line, or empty when the stream holds the whole message.</param>
    /// <param name="body">The stream, read from its current position to the end.</param>
    /// <param name="closeAfter">Close the stream when the transfer ends (CloseStreamAfterTransfer). A stream the
    /// transfer never reached (the transaction failed before DATA) is left open and untouched, so the send can be
    /// retried with it.</param>
    public StreamMessageSource(byte[] head, Stream body, bool closeAfter)
    {
        _head = head;
        _body = body;
        _closeAfter = closeAfter;
        long rest = -1;
        try
        {
            if (body.CanSeek)
            {
                rest = Math.Max(0, body.Length - body.Position);
            }
        }
        catch (NotSupportedException)
        {
        }
        Length = rest < 0 ? -1 : head.Length + rest;
    }

    /// <inheritdoc />
    public override long Length { get; }

    /// <inheritdoc />
    public override bool HasBody => Length != _head.Length;

    /// <inheritdoc />
    public override async ValueTask<int> ReadAsync<TIO>(TIO io, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        _started = true;
        if (_headPosition < _head.Length)
        {
            int n = Math.Min(buffer.Length, _head.Length - _headPosition);
            _head.AsMemory(_headPosition, n).CopyTo(buffer);
            _headPosition += n;
            return n;
        }
        return await io.ReadAsync(_body, buffer, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public override void Complete()
    {
        if (_closeAfter && _started)
        {
            _body.Dispose();
        }
    }
}
