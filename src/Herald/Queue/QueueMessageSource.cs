using Herald.Engine;
using Herald.Protocol;
using Herald.Transport;
using Microsoft.Win32.SafeHandles;

namespace Herald.Queue;

/// <summary>
/// The message of a claimed queue file, read through the claim's handle (the only open handle a locked file can
/// have) at its own offsets, so journal lines can be appended while it is read. It tells the queue when the engine has
/// read its last byte: the engine sends the end of the data (the final dot, or <c>BDAT ... LAST</c>) only after that.
/// </summary>
internal sealed class QueueMessageSource : MessageSource
{
    private const int MeasureBufferSize = 64 * 1024;

    private readonly SafeFileHandle _handle;
    private readonly long _start;
    private readonly long _size;
    private readonly string _body;
    private readonly Action _dataEnding;
    private long _read;
    private long _length = -1;
    private bool _ended;

    /// <summary>Creates the source.</summary>
    /// <param name="handle">The claimed file.</param>
    /// <param name="start">The offset of the message.</param>
    /// <param name="size">Its length in bytes.</param>
    /// <param name="body">The header's BODY value ("", 8BITMIME or BINARYMIME).</param>
    /// <param name="dataEnding">Called once when the last byte has been read.</param>
    public QueueMessageSource(SafeFileHandle handle, long start, long size, string body, Action dataEnding)
    {
        _handle = handle;
        _start = start;
        _size = size;
        _body = body;
        _dataEnding = dataEnding;
    }

    /// <inheritdoc />
    public override long Length => _length;

    /// <inheritdoc />
    public override bool HasBody => _size > 0;

    /// <inheritdoc />
    public override bool Is8Bit => _body.Equals("8BITMIME", StringComparison.OrdinalIgnoreCase);

    /// <inheritdoc />
    public override bool IsBinary => _body.Equals("BINARYMIME", StringComparison.OrdinalIgnoreCase);

    /// <inheritdoc />
    public override async ValueTask<long> MeasureAsync<TIO>(TIO io, CancellationToken cancellationToken)
    {
        if (_length >= 0)
        {
            return _length;
        }
        if (IsBinary)
        {
            _length = _size; // sent unchanged
            return _length;
        }
        // SIZE= counts line ends as CRLF (RFC 1870 §4), so a message with bare line ends is counted once before it is sent.
        var count = new DataLength();
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(MeasureBufferSize);
        try
        {
            for (long at = 0; at < _size;)
            {
                int n = await ReadAtAsync(io, buffer.AsMemory(0, (int)Math.Min(MeasureBufferSize, _size - at)), at, cancellationToken)
                    .ConfigureAwait(false);
                if (n <= 0)
                {
                    break;
                }
                count.Add(buffer.AsSpan(0, n));
                at += n;
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
        _length = count.Total;
        return _length;
    }

    /// <inheritdoc />
    public override async ValueTask<int> ReadAsync<TIO>(TIO io, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        int want = (int)Math.Min(buffer.Length, _size - _read);
        int n = want <= 0 ? 0 : await ReadAtAsync(io, buffer[..want], _read, cancellationToken).ConfigureAwait(false);
        if (n <= 0)
        {
            if (_read < _size)
            {
                throw new IOException("The queue file is shorter than its header says; it was changed while being sent.");
            }
            if (!_ended)
            {
                _ended = true;
                _dataEnding();
            }
            return 0;
        }
        _read += n;
        return n;
    }

    private ValueTask<int> ReadAtAsync<TIO>(TIO io, Memory<byte> buffer, long offset, CancellationToken cancellationToken)
        where TIO : struct, ISmtpIO =>
        io.IsAsync
            ? RandomAccess.ReadAsync(_handle, buffer, _start + offset, cancellationToken)
            : new ValueTask<int>(RandomAccess.Read(_handle, buffer.Span, _start + offset));
}
