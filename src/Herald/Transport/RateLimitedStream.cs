using System.Diagnostics;

namespace Herald.Transport;

/// <summary>
/// Caps the bytes per second read from and written to the connection (below TLS, so the limit is on what crosses the
/// wire). Each direction keeps its own clock from its first byte: a call that would get ahead of the rate waits first,
/// the synchronous methods by sleeping on their own thread and the asynchronous ones with
/// <see cref="Task.Delay(TimeSpan, CancellationToken)"/>, so the sync path never waits on a task. Reads and writes go
/// in pieces of about a tenth of a second's worth, so a wait never runs far past a stop (an interrupt closes the socket
/// under it).
/// </summary>
internal sealed class RateLimitedStream : Stream
{
    private readonly Stream _inner;
    private readonly Direction _read;
    private readonly Direction _write;

    /// <summary>Wraps <paramref name="inner"/>.</summary>
    /// <param name="inner">The connection's stream; disposed with this one.</param>
    /// <param name="readRate">Bytes per second read at most; 0 for no limit.</param>
    /// <param name="writeRate">Bytes per second written at most; 0 for no limit.</param>
    public RateLimitedStream(Stream inner, int readRate, int writeRate)
    {
        _inner = inner;
        _read = new Direction(readRate);
        _write = new Direction(writeRate);
    }

    /// <inheritdoc />
    public override bool CanRead => _inner.CanRead;

    /// <inheritdoc />
    public override bool CanSeek => false;

    /// <inheritdoc />
    public override bool CanWrite => _inner.CanWrite;

    /// <inheritdoc />
    public override long Length => throw new NotSupportedException();

    /// <inheritdoc />
    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <inheritdoc />
    public override int Read(Span<byte> buffer)
    {
        Sleep(_read.Wait());
        int n = _inner.Read(buffer[.._read.Piece(buffer.Length)]);
        _read.Add(n);
        return n;
    }

    /// <inheritdoc />
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc />
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var wait = _read.Wait();
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
        }
        int n = await _inner.ReadAsync(buffer[.._read.Piece(buffer.Length)], cancellationToken).ConfigureAwait(false);
        _read.Add(n);
        return n;
    }

    /// <inheritdoc />
    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    /// <inheritdoc />
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            Sleep(_write.Wait());
            int n = _write.Piece(buffer.Length);
            _inner.Write(buffer[..n]);
            _write.Add(n);
            buffer = buffer[n..];
        }
    }

    /// <inheritdoc />
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc />
    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (!buffer.IsEmpty)
        {
            var wait = _write.Wait();
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
            }
            int n = _write.Piece(buffer.Length);
            await _inner.WriteAsync(buffer[..n], cancellationToken).ConfigureAwait(false);
            _write.Add(n);
            buffer = buffer[n..];
        }
    }

    /// <inheritdoc />
    public override void Flush() => _inner.Flush();

    /// <inheritdoc />
    public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);

    /// <inheritdoc />
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc />
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }
        base.Dispose(disposing);
    }

    private static void Sleep(TimeSpan wait)
    {
        if (wait > TimeSpan.Zero)
        {
            Thread.Sleep(wait);
        }
    }

    /// <summary>The clock and byte count of one direction.</summary>
    private sealed class Direction(int rate)
    {
        private long _start;
        private long _bytes;

        /// <summary>How long to wait before the next piece so the bytes so far keep to the rate.</summary>
        public TimeSpan Wait()
        {
            if (rate <= 0)
            {
                return TimeSpan.Zero;
            }
            if (_start == 0)
            {
                _start = Stopwatch.GetTimestamp();
                return TimeSpan.Zero;
            }
            var due = TimeSpan.FromSeconds((double)_bytes / rate);
            var elapsed = Stopwatch.GetElapsedTime(_start);
            return due > elapsed ? due - elapsed : TimeSpan.Zero;
        }

        /// <summary>The size of the next piece: about a tenth of a second's worth, at least 1 byte.</summary>
        public int Piece(int wanted) => rate <= 0 ? wanted : Math.Min(wanted, Math.Max(1, rate / 10));

        public void Add(int n) => _bytes += Math.Max(0, n);
    }
}
