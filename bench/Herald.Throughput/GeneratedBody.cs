using System.Text;

namespace Herald.Throughput;

/// <summary>
/// The body of the large message, produced on the fly: <see cref="Workload.Line"/> with CRLF, repeated, where every
/// 50th line starts with a dot (so dot-stuffing has work to do). It never holds more than two lines in memory, so
/// the sender's memory use is what the peak working set shows.
/// </summary>
internal sealed class GeneratedBody : Stream
{
    private readonly byte[] _line;
    private readonly byte[] _dotLine;
    private readonly long _length;
    private long _position;

    /// <summary>Creates a body of <paramref name="lines"/> lines.</summary>
    /// <param name="lines">How many lines.</param>
    public GeneratedBody(long lines)
    {
        _line = Encoding.ASCII.GetBytes(Workload.Line + "\r\n");
        _dotLine = Encoding.ASCII.GetBytes("." + Workload.Line[1..] + "\r\n");
        _length = lines * _line.Length;
    }

    /// <inheritdoc />
    public override bool CanRead => true;

    /// <inheritdoc />
    public override bool CanSeek => true;

    /// <inheritdoc />
    public override bool CanWrite => false;

    /// <inheritdoc />
    public override long Length => _length;

    /// <inheritdoc />
    public override long Position
    {
        get => _position;
        set => _position = Math.Clamp(value, 0, _length);
    }

    /// <inheritdoc />
    public override int Read(Span<byte> buffer)
    {
        int written = 0;
        while (written < buffer.Length && _position < _length)
        {
            long lineIndex = _position / _line.Length;
            int offset = (int)(_position % _line.Length);
            var source = (lineIndex % 50 == 0 ? _dotLine : _line).AsSpan(offset);
            int n = Math.Min(source.Length, buffer.Length - written);
            source[..n].CopyTo(buffer[written..]);
            written += n;
            _position += n;
        }
        return written;
    }

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <inheritdoc />
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        new(Read(buffer.Span));

    /// <inheritdoc />
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Task.FromResult(Read(buffer.AsSpan(offset, count)));

    /// <inheritdoc />
    public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
    {
        SeekOrigin.Begin => offset,
        SeekOrigin.Current => _position + offset,
        _ => _length + offset,
    };

    /// <inheritdoc />
    public override void Flush()
    {
    }

    /// <inheritdoc />
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc />
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
