namespace Herald.Cli.Capture;

/// <summary>What <see cref="SmtpLineReader.ReadLineAsync"/> found.</summary>
internal enum LineStatus
{
    /// <summary>A complete line (without its line end).</summary>
    Line,
    /// <summary>A line longer than the limit; its bytes were read and thrown away.</summary>
    TooLong,
    /// <summary>The client closed the connection (any partial line is lost).</summary>
    EndOfStream,
}

/// <summary>One line read by <see cref="SmtpLineReader"/>; <see cref="Bytes"/> is only valid until the next read.</summary>
internal readonly record struct LineResult(LineStatus Status, ReadOnlyMemory<byte> Bytes);

/// <summary>
/// Reads the client's input line by line from one fixed buffer, so a long message never sits in memory whole and an
/// over-long line cannot make the buffer grow. Two ways to end a line: commands accept LF with or without a CR before
/// it (lenient, harmless there), while message data ends a line only at CRLF, so a bare LF inside the data stays part
/// of the content and "\n.\n" can never end the message early (RFC 5321 §2.3.8 and §4.1.1.4).
/// </summary>
internal sealed class SmtpLineReader
{
    private readonly Stream _stream;
    private readonly byte[] _buffer;
    private readonly Func<CancellationToken, ValueTask> _beforeWait;
    private int _start; // first byte not yet returned
    private int _end;   // one past the last byte read from the stream

    /// <summary>Creates a reader.</summary>
    /// <param name="stream">The connection.</param>
    /// <param name="bufferSize">Buffer size; it bounds the longest line the reader can return.</param>
    /// <param name="beforeWait">Called each time the reader is about to wait for more input (the session flushes
    /// its pending replies there, as RFC 2920 §3.2 asks of a pipelining server).</param>
    public SmtpLineReader(Stream stream, int bufferSize, Func<CancellationToken, ValueTask> beforeWait)
    {
        _stream = stream;
        _buffer = new byte[bufferSize];
        _beforeWait = beforeWait;
    }

    /// <summary>The longest line (without its line end) this reader can return.</summary>
    public int MaxLineLength => _buffer.Length - 2;

    /// <summary>True when input that has not been returned yet is already buffered.</summary>
    public bool HasBufferedInput => _end > _start;

    /// <summary>Reads the next line.</summary>
    /// <param name="maxLength">The longest line accepted, line end excluded (at most <see cref="MaxLineLength"/>).</param>
    /// <param name="crlfOnly">True to end lines only at CRLF (message data), false to accept a bare LF too.</param>
    /// <param name="cancellationToken">Stops the wait for input.</param>
    public async ValueTask<LineResult> ReadLineAsync(int maxLength, bool crlfOnly, CancellationToken cancellationToken)
    {
        if (maxLength > MaxLineLength)
        {
            throw new ArgumentOutOfRangeException(nameof(maxLength), maxLength,
                $"The buffer holds lines of up to {MaxLineLength} bytes.");
        }
        int scan = _start;
        bool tooLong = false;
        while (true)
        {
            int lf = FindLineEnd(scan, crlfOnly);
            if (lf >= 0)
            {
                int lineEnd = lf > _start && _buffer[lf - 1] == (byte)'\r' ? lf - 1 : lf;
                int lineStart = _start;
                _start = lf + 1;
                if (tooLong || lineEnd - lineStart > maxLength)
                {
                    return new LineResult(LineStatus.TooLong, default);
                }
                return new LineResult(LineStatus.Line, _buffer.AsMemory(lineStart, lineEnd - lineStart));
            }
            scan = _end;
            if (_end - _start > maxLength + 1)
            {
                // Too long to ever fit: drop what we have except the last byte, which may be the CR of the CRLF.
                tooLong = true;
                _buffer[0] = _buffer[_end - 1];
                _start = 0;
                _end = 1;
                scan = 1;
            }
            else if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                scan -= _start;
                _end -= _start;
                _start = 0;
            }
            await _beforeWait(cancellationToken).ConfigureAwait(false);
            int read = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                _start = _end = 0;
                return new LineResult(LineStatus.EndOfStream, default);
            }
            _end += read;
        }
    }

    /// <summary>The index of the LF that ends the current line, searching from <paramref name="from"/>, or -1.</summary>
    private int FindLineEnd(int from, bool crlfOnly)
    {
        while (from < _end)
        {
            int offset = _buffer.AsSpan(from, _end - from).IndexOf((byte)'\n');
            if (offset < 0)
            {
                return -1;
            }
            int lf = from + offset;
            if (!crlfOnly || (lf > _start && _buffer[lf - 1] == (byte)'\r'))
            {
                return lf;
            }
            from = lf + 1;
        }
        return -1;
    }
}
