using System.Text;
using Herald.Protocol;
using Herald.Transport;

namespace Herald.Engine;

/// <summary>
/// The bytes of one message as the DATA command sends them (headers, blank line, body), produced piece by piece so
/// that a message of any size needs only a fixed buffer.
/// </summary>
internal abstract class MessageSource
{
    /// <summary>
    /// The message's length as DATA carries it (line ends as CRLF, RFC 1870 §4: without the doubled dots and the
    /// final <c>.CRLF</c>), for <c>SIZE=</c> and PercentDone; -1 while unknown (see <see cref="MeasureAsync"/>).
    /// </summary>
    public abstract long Length { get; }

    /// <summary>
    /// Works out <see cref="Length"/> when that needs I/O (a stream that must be read once to count its line ends);
    /// sources that know it already return it. Called only when the length is needed.
    /// </summary>
    /// <returns>The length, or -1 when it cannot be known in advance.</returns>
    public virtual ValueTask<long> MeasureAsync<TIO>(TIO io, CancellationToken cancellationToken) where TIO : struct, ISmtpIO =>
        new(Length);

    /// <summary>True when the message has a body (StartTransfer/EndTransfer fire only then).</summary>
    public abstract bool HasBody { get; }

    /// <summary>True when the message is known to contain bytes above 127 (BODY=8BITMIME is then declared).</summary>
    public virtual bool Is8Bit => false;

    /// <summary>
    /// True when the message holds binary MIME content (RFC 3030 BINARYMIME): it goes by BDAT with its bytes
    /// unchanged (no line-end normalisation), and a server without CHUNKING and BINARYMIME cannot take it.
    /// </summary>
    public virtual bool IsBinary => false;

    /// <summary>
    /// True when the message writes itself (<see cref="WriteToAsync"/>) instead of being read with
    /// <see cref="ReadAsync"/>.
    /// </summary>
    public virtual bool IsPush => false;

    /// <summary>Writes the message into <paramref name="sink"/> (for sources where <see cref="IsPush"/> is true).</summary>
    public virtual ValueTask WriteToAsync<TIO>(TIO io, Stream sink, CancellationToken cancellationToken) where TIO : struct, ISmtpIO =>
        throw new NotSupportedException("This message is read, not written.");

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
    private long _length = -1;

    /// <inheritdoc />
    public override long Length
    {
        get
        {
            if (_length < 0)
            {
                var count = new DataLength();
                count.Add(data.Span);
                _length = count.Total;
            }
            return _length;
        }
    }

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
        var count = new DataLength();
        count.Add(head);
        count.Add(body, encoding.GetByteCount(body));
        Length = count.Total;
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

/// <summary>
/// Computed headers followed by a body read from a caller's stream (SetMessageStream). A seekable stream's length is
/// measured by reading it once before the transfer (counting its line ends, so <c>SIZE=</c> is exact) and seeking
/// back; a stream that reports a length but cannot be repositioned declares that length as an estimate (exact when
/// its line ends are already CRLF); a stream that cannot seek is sent without <c>SIZE=</c> and without a percentage.
/// </summary>
internal sealed class StreamMessageSource : MessageSource
{
    private const int MeasureBufferSize = 64 * 1024;

    private readonly byte[] _head;
    private readonly Stream _body;
    private readonly bool _closeAfter;
    private readonly long _rest;     // bytes from the stream's position to its end, or -1 when it cannot seek
    private readonly bool? _hasBody; // given by the caller when the head already holds part of the body
    private long _length = -1;
    private int _headPosition;
    private bool _started; // the transfer began: the stream is no longer where the caller left it

    /// <summary>Creates the source.</summary>
    /// <param name="head">The header block and blank line, or empty when the stream holds the whole message.</param>
    /// <param name="body">The stream, read from its current position to the end.</param>
    /// <param name="closeAfter">Close the stream when the transfer ends (CloseStreamAfterTransfer). A stream the
    /// transfer never reached (the transaction failed before DATA) is left open and untouched, so the send can be
    /// retried with it.</param>
    /// <param name="hasBody">Whether the message has a body, when the caller knows better than the stream's length
    /// (the head may already hold the start of the body); null to judge by the stream.</param>
    public StreamMessageSource(byte[] head, Stream body, bool closeAfter, bool? hasBody = null)
    {
        _head = head;
        _hasBody = hasBody;
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
        _rest = rest;
    }

    /// <inheritdoc />
    public override long Length => _length;

    /// <inheritdoc />
    public override bool HasBody => _hasBody ?? _rest != 0;

    /// <inheritdoc />
    public override async ValueTask<long> MeasureAsync<TIO>(TIO io, CancellationToken cancellationToken)
    {
        if (_length >= 0 || _rest < 0 || _started)
        {
            return _length;
        }
        long start;
        try
        {
            // A stream that claims to seek but cannot be put back must not be read ahead: it would lose its data.
            start = _body.Position;
            _body.Position = start;
        }
        catch (Exception e) when (e is NotSupportedException or IOException)
        {
            _length = _head.Length + _rest; // the estimate: exact when the stream's line ends are already CRLF
            return _length;
        }
        var count = new DataLength();
        count.Add(_head);
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(MeasureBufferSize);
        try
        {
            int n;
            while ((n = await io.ReadAsync(_body, buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                count.Add(buffer.AsSpan(0, n));
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
            _body.Position = start; // back where the caller left it, for the transfer (or a retry)
        }
        _length = count.Total;
        return _length;
    }

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
