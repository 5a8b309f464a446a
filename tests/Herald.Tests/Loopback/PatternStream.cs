namespace Herald.Tests.Loopback;

/// <summary>
/// A read-only stream of <see cref="Length"/> bytes made on the fly: lines of 78 letters and CRLF, none starting with
/// a dot. It holds one 64 KB pattern, so a message of any size costs no memory.
/// </summary>
internal sealed class PatternStream : Stream
{
    private const int LineLength = 80;
    private static readonly byte[] s_pattern = MakePattern();
    private readonly long _length;
    private long _position;

    /// <summary>Creates a stream of <paramref name="length"/> bytes.</summary>
    public PatternStream(long length) => _length = length;

    /// <summary>True once the stream was disposed.</summary>
    public bool IsDisposed { get; private set; }

    public override bool CanRead => !IsDisposed;

    public override bool CanSeek => !IsDisposed;

    public override bool CanWrite => false;

    public override long Length => _length;

    public override long Position
    {
        get => _position;
        set => _position = value;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        int total = (int)Math.Min(buffer.Length, _length - _position);
        int done = 0;
        while (done < total)
        {
            int at = (int)(_position % s_pattern.Length);
            int n = Math.Min(total - done, s_pattern.Length - at);
            s_pattern.AsSpan(at, n).CopyTo(buffer[done..]);
            done += n;
            _position += n;
        }
        return total;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        new(Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Task.FromResult(Read(buffer.AsSpan(offset, count)));

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => _position = origin switch
    {
        SeekOrigin.Begin => offset,
        SeekOrigin.Current => _position + offset,
        _ => _length + offset,
    };

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        IsDisposed = true;
        base.Dispose(disposing);
    }

    private static byte[] MakePattern()
    {
        var pattern = new byte[64 * 1024 / LineLength * LineLength];
        for (int i = 0; i < pattern.Length; i++)
        {
            int column = i % LineLength;
            pattern[i] = column == LineLength - 2 ? (byte)'\r'
                : column == LineLength - 1 ? (byte)'\n'
                : (byte)('a' + (i / LineLength + column) % 26);
        }
        return pattern;
    }
}
