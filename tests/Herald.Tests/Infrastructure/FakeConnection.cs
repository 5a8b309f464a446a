namespace Herald.Tests.Infrastructure;

/// <summary>
/// The fake server's side of one connection: a read buffer that yields lines or exact byte counts, and an output
/// queue that goes out in one write when flushed (so replies to pipelined commands share a packet, as real servers
/// send them).
/// </summary>
internal sealed class FakeConnection
{
    private readonly MemoryStream _pending = new();
    private byte[] _buffer = new byte[16 * 1024];
    private int _start;
    private int _end;

    public FakeConnection(Stream stream)
    {
        Stream = stream;
    }

    /// <summary>The stream in use (an SslStream once TLS started).</summary>
    public Stream Stream { get; private set; }

    /// <summary>True when a whole line is already buffered, so the client pipelined more than one command.</summary>
    public bool HasBufferedLine => _buffer.AsSpan(_start, _end - _start).IndexOf((byte)'\n') >= 0;

    /// <summary>Reads one line, including its LF; null when the client closed the connection.</summary>
    /// <exception cref="InvalidDataException">The line is longer than <paramref name="maxLength"/>.</exception>
    public async ValueTask<byte[]?> ReadLineAsync(int maxLength, CancellationToken cancellationToken)
    {
        int searched = 0;
        while (true)
        {
            int lf = _buffer.AsSpan(_start + searched, _end - _start - searched).IndexOf((byte)'\n');
            if (lf >= 0)
            {
                int end = _start + searched + lf + 1;
                var line = _buffer[_start..end];
                _start = end;
                return line;
            }
            searched = _end - _start;
            if (searched > maxLength)
            {
                throw new InvalidDataException($"The client sent a line longer than {maxLength} bytes.");
            }
            if (!await FillAsync(cancellationToken).ConfigureAwait(false))
            {
                return null;
            }
        }
    }

    /// <summary>Reads exactly <paramref name="count"/> bytes; null when the client closed the connection first.</summary>
    public async ValueTask<byte[]?> ReadExactAsync(int count, CancellationToken cancellationToken)
    {
        var result = new byte[count];
        int have = 0;
        while (have < count)
        {
            if (_end == _start && !await FillAsync(cancellationToken).ConfigureAwait(false))
            {
                return null;
            }
            int n = Math.Min(count - have, _end - _start);
            _buffer.AsSpan(_start, n).CopyTo(result.AsSpan(have));
            _start += n;
            have += n;
        }
        return result;
    }

    /// <summary>Removes and returns whatever is buffered but not yet consumed.</summary>
    public byte[] TakeBuffered()
    {
        var rest = _buffer[_start.._end];
        _start = _end = 0;
        return rest;
    }

    /// <summary>Queues bytes for the next flush.</summary>
    public void Queue(ReadOnlySpan<byte> bytes) => _pending.Write(bytes);

    /// <summary>Sends everything queued in one write.</summary>
    public async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        if (_pending.Length == 0)
        {
            return;
        }
        var bytes = _pending.GetBuffer().AsMemory(0, (int)_pending.Length);
        await Stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
        await Stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        _pending.SetLength(0);
    }

    /// <summary>Switches to a new stream (after the TLS handshake); the caller has already emptied the buffer.</summary>
    public void ReplaceStream(Stream stream) => Stream = stream;

    private async ValueTask<bool> FillAsync(CancellationToken cancellationToken)
    {
        if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }
        if (_end == _buffer.Length)
        {
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }
        int n = await Stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
        _end += n;
        return n > 0;
    }
}
