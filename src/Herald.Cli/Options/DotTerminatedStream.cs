using System.Diagnostics;

namespace Herald.Cli.Options;

/// <summary>
/// Standard input as <c>sendmail</c> reads it without <c>-i</c>: a line that holds a single dot (<c>.</c> followed by
/// LF or CRLF, or by the end of the input) ends the message; the dot line and anything after it are not read. Other
/// lines, those starting with a dot included, pass unchanged (sendmail does not undo dot-stuffing on its command line).
/// </summary>
internal sealed class DotTerminatedStream(Stream inner) : Stream
{
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;
    private bool _eof;          // the inner stream has ended
    private bool _ended;        // the dot line was found
    private bool _atLineStart = true;

    /// <inheritdoc />
    public override bool CanRead => true;

    /// <inheritdoc />
    public override bool CanSeek => false;

    /// <inheritdoc />
    public override bool CanWrite => false;

    /// <inheritdoc />
    public override long Length => throw new NotSupportedException();

    /// <inheritdoc />
    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        var task = ReadCoreAsync(new SyncReading(), buffer.AsMemory(offset, count), CancellationToken.None);
        Debug.Assert(task.IsCompleted, "sync I/O completes synchronously");
        return task.GetAwaiter().GetResult();
    }

    /// <inheritdoc />
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ReadCoreAsync(new AsyncReading(), buffer, cancellationToken);

    /// <inheritdoc />
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return ReadCoreAsync(new AsyncReading(), buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    /// <inheritdoc />
    public override void Flush()
    {
    }

    /// <inheritdoc />
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc />
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc />
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }
        base.Dispose(disposing);
    }

    private async ValueTask<int> ReadCoreAsync<TIO>(TIO io, Memory<byte> destination, CancellationToken cancellationToken)
        where TIO : struct, IStreamReading
    {
        int written = 0;
        while (written < destination.Length && !_ended)
        {
            if (_start == _end)
            {
                if (written > 0 || !await FillAsync(io, cancellationToken).ConfigureAwait(false))
                {
                    break; // hand over what is there rather than wait for more; or the input ended
                }
                continue;
            }
            if (_atLineStart && _buffer[_start] == '.')
            {
                switch (IsDotLine())
                {
                    case true:
                        _ended = true;
                        continue;
                    case null:
                        // Too few bytes to tell: read more (this keeps at most two bytes back, so an interactive "."
                        // followed by Enter ends the input at once).
                        if (written > 0)
                        {
                            return written;
                        }
                        await FillAsync(io, cancellationToken).ConfigureAwait(false);
                        continue;
                }
            }
            var available = _buffer.AsSpan(_start, _end - _start);
            int lf = available.IndexOf((byte)'\n');
            int take = Math.Min(lf < 0 ? available.Length : lf + 1, destination.Length - written);
            available[..take].CopyTo(destination.Span[written..]);
            _start += take;
            written += take;
            _atLineStart = available[take - 1] == '\n';
        }
        return written;
    }

    /// <summary>Whether the line starting at the dot is the end line; null when more bytes are needed to tell.</summary>
    private bool? IsDotLine()
    {
        int available = _end - _start;
        if (available >= 2 && _buffer[_start + 1] == '\n')
        {
            return true;
        }
        if (available >= 2 && _buffer[_start + 1] != '\r')
        {
            return false;
        }
        if (available >= 3)
        {
            return _buffer[_start + 2] == '\n';
        }
        return _eof ? true : null; // "." or ".\r" and then the end of the input
    }

    /// <summary>Moves what is left to the front and reads more behind it; false at the end of the input.</summary>
    private async ValueTask<bool> FillAsync<TIO>(TIO io, CancellationToken cancellationToken) where TIO : struct, IStreamReading
    {
        if (_eof)
        {
            return false;
        }
        if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }
        int n = await io.ReadAsync(inner, _buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
        _end += n;
        _eof = n == 0;
        return n > 0;
    }
}
