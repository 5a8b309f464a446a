using System.Text;

namespace Herald.Tests.Infrastructure;

/// <summary>
/// A stream that plays the server side of a transcript. It checks each byte the client writes against the
/// transcript as it arrives (a wrong byte fails at once, naming the transcript line), serves the server's bytes only
/// once the client has written everything the transcript puts before them (reading earlier would hang against a real
/// server, so it fails instead), and fails when the sync path calls an asynchronous member or the async path a
/// blocking one. Every failure is also remembered, so code under test that catches the exception cannot hide it:
/// <see cref="ThrowIfFailed"/> and <see cref="AssertComplete"/> report it again.
/// </summary>
internal sealed class ReplayStream : Stream
{
    // A line with a wildcard is buffered until its LF; a client that never ends its line must not grow it forever.
    private const int MaxPatternLine = 64 * 1024;

    private readonly object _gate = new();
    private readonly TranscriptSession _session;
    private readonly IReadOnlyList<TranscriptStep> _steps;
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<int> _readSizes = [];
    private readonly List<byte> _patternLine = [];  // the wildcard line written so far
    private int _index;                             // the step the stream is at
    private int _offset;                            // bytes of the current literal step already matched or served
    private bool _serverClosed;                     // the client has written past "-- close"
    private bool _disposed;
    private TranscriptException? _failure;          // the first failure, reported again by every later call

    /// <summary>Creates the stream for one connection of a transcript.</summary>
    /// <param name="session">The connection's steps.</param>
    /// <param name="mode">Sync or async, and how server bytes are split into reads.</param>
    public ReplayStream(TranscriptSession session, ReplayMode mode)
    {
        _session = session;
        _steps = session.Steps;
        Mode = mode;
    }

    /// <summary>The mode the stream enforces.</summary>
    public ReplayMode Mode { get; }

    /// <summary>
    /// How long a read at <c>-- silence</c> may wait for the client's own timeout or interrupt before the replay
    /// gives up and fails the test (so a missing timeout fails rather than hangs).
    /// </summary>
    public TimeSpan SilenceLimit { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The number of bytes each read that returned server data delivered, in order.</summary>
    public IReadOnlyList<int> ReadSizes
    {
        get
        {
            lock (_gate)
            {
                return [.. _readSizes];
            }
        }
    }

    /// <summary>True once the client has closed the stream.</summary>
    public bool IsClosed
    {
        get
        {
            lock (_gate)
            {
                return _disposed;
            }
        }
    }

    /// <summary>The first failure, or null.</summary>
    public TranscriptException? Failure
    {
        get
        {
            lock (_gate)
            {
                return _failure;
            }
        }
    }

    /// <inheritdoc />
    public override bool CanRead => true;

    /// <inheritdoc />
    public override bool CanWrite => true;

    /// <inheritdoc />
    public override bool CanSeek => false;

    /// <inheritdoc />
    public override long Length => throw new NotSupportedException();

    /// <inheritdoc />
    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <summary>Throws the first failure again, if there was one.</summary>
    /// <exception cref="TranscriptException">The client broke the transcript earlier.</exception>
    public void ThrowIfFailed()
    {
        lock (_gate)
        {
            if (_failure is not null)
            {
                throw new TranscriptException(_failure.Message, _failure);
            }
        }
    }

    /// <summary>
    /// Checks that the client did everything the transcript asks: wrote every client line, read every server line,
    /// and closed the connection where <c>-- client-close</c> says so. Server behaviour (<c>-- close</c>,
    /// <c>-- silence</c>) need not have been observed.
    /// </summary>
    /// <exception cref="TranscriptException">The replay failed earlier or is not finished.</exception>
    public void AssertComplete()
    {
        lock (_gate)
        {
            ThrowIfFailed();
            for (int i = _index; i < _steps.Count; i++)
            {
                var step = _steps[i];
                bool started = i == _index && (_offset > 0 || _patternLine.Count > 0);
                string closedNote = _disposed ? " (it closed the connection first)" : "";
                switch (step.Kind)
                {
                    case TranscriptStepKind.Client:
                        throw Unfinished(step, (started ? "the client wrote only part of " : "the client never wrote ")
                            + $"\"{step.Source}\"{closedNote}.");
                    case TranscriptStepKind.Server:
                        throw Unfinished(step, (started ? "the client read only part of " : "the client never read ")
                            + $"\"{step.Source}\"{closedNote}.");
                    case TranscriptStepKind.ClientClose when !_disposed:
                        throw Unfinished(step, "the client did not close the connection.");
                }
            }
        }
    }

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        return Read(buffer.AsSpan(offset, count));
    }

    /// <inheritdoc />
    public override int Read(Span<byte> buffer)
    {
        RequireSync(nameof(Read));
        int n = ReadCore(buffer, out var silence);
        if (silence is null)
        {
            return n;
        }
        // Blocking here is the point: a sync client stuck on a silent server is freed only by its own timeout or
        // interrupt closing the connection.
        if (!_closed.Task.Wait(SilenceLimit))
        {
            throw SilenceTooLong(silence);
        }
        throw ClosedWhileWaiting();
    }

    /// <inheritdoc />
    public override int ReadByte()
    {
        Span<byte> one = stackalloc byte[1];
        return Read(one) == 0 ? -1 : one[0];
    }

    /// <inheritdoc />
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    /// <inheritdoc />
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            RequireAsync(nameof(ReadAsync));
        }
        catch (TranscriptException e)
        {
            return ValueTask.FromException<int>(e);
        }
        return ReadAsyncCore(buffer, cancellationToken);
    }

    /// <inheritdoc />
    public override IAsyncResult BeginRead(byte[] buffer, int offset, int count, AsyncCallback? callback, object? state)
    {
        ValidateBufferArguments(buffer, offset, count);
        RequireAsync(nameof(BeginRead));
        return TaskToAsyncResult.Begin(ReadAsyncCore(buffer.AsMemory(offset, count), CancellationToken.None).AsTask(), callback, state);
    }

    /// <inheritdoc />
    public override int EndRead(IAsyncResult asyncResult) => TaskToAsyncResult.End<int>(asyncResult);

    /// <inheritdoc />
    public override void Write(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        Write(buffer.AsSpan(offset, count));
    }

    /// <inheritdoc />
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        RequireSync(nameof(Write));
        WriteCore(buffer);
    }

    /// <inheritdoc />
    public override void WriteByte(byte value) => Write([value]);

    /// <inheritdoc />
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    /// <inheritdoc />
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        // A socket send normally completes at once (the bytes go to the kernel's buffer), so this does too; errors
        // still travel in the task, as they would from a real asynchronous write.
        try
        {
            RequireAsync(nameof(WriteAsync));
            cancellationToken.ThrowIfCancellationRequested();
            WriteCore(buffer.Span);
            return default;
        }
        catch (Exception e)
        {
            return ValueTask.FromException(e);
        }
    }

    /// <inheritdoc />
    public override IAsyncResult BeginWrite(byte[] buffer, int offset, int count, AsyncCallback? callback, object? state)
    {
        ValidateBufferArguments(buffer, offset, count);
        RequireAsync(nameof(BeginWrite));
        WriteCore(buffer.AsSpan(offset, count));
        return TaskToAsyncResult.Begin(Task.CompletedTask, callback, state);
    }

    /// <inheritdoc />
    public override void EndWrite(IAsyncResult asyncResult) => TaskToAsyncResult.End(asyncResult);

    /// <inheritdoc />
    public override void Flush()
    {
        RequireSync(nameof(Flush));
        lock (_gate)
        {
            Preflight();
        }
    }

    /// <inheritdoc />
    public override Task FlushAsync(CancellationToken cancellationToken)
    {
        try
        {
            RequireAsync(nameof(FlushAsync));
            lock (_gate)
            {
                Preflight();
            }
            return cancellationToken.IsCancellationRequested ? Task.FromCanceled(cancellationToken) : Task.CompletedTask;
        }
        catch (Exception e)
        {
            return Task.FromException(e);
        }
    }

    /// <inheritdoc />
    public override ValueTask DisposeAsync()
    {
        Dispose();
        try
        {
            RequireAsync(nameof(DisposeAsync));
            return default;
        }
        catch (TranscriptException e)
        {
            return ValueTask.FromException(e);
        }
    }

    /// <inheritdoc />
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc />
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        lock (_gate)
        {
            _disposed = true;
        }
        _closed.TrySetResult();
        base.Dispose(disposing);
    }

    private async ValueTask<int> ReadAsyncCore(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        // A reply arrives some time after the request, so a real asynchronous read completes later rather than
        // inline; yielding makes the async path run its continuations the way it will against a socket.
        await Task.Yield();
        int n = ReadCore(buffer.Span, out var silence);
        if (silence is null)
        {
            return n;
        }
        try
        {
            await _closed.Task.WaitAsync(SilenceLimit, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw SilenceTooLong(silence);
        }
        throw ClosedWhileWaiting();
    }

    private int ReadCore(Span<byte> buffer, out TranscriptStep? silence)
    {
        lock (_gate)
        {
            silence = null;
            Preflight();
            if (_serverClosed)
            {
                return 0;
            }
            var step = Current;
            switch (step?.Kind)
            {
                case null:
                    throw Fail(null, "the client read after the end of the transcript. A real server would send nothing " +
                        "more, so this read would hang.");
                case TranscriptStepKind.Server:
                    int n = Serve(buffer);
                    if (n > 0)
                    {
                        _readSizes.Add(n);
                    }
                    return n;
                case TranscriptStepKind.ServerClose:
                    return 0;
                case TranscriptStepKind.Silence:
                    silence = step;
                    return 0;
                case TranscriptStepKind.Client:
                    string what = _offset > 0 || _patternLine.Count > 0 ? "finish writing" : "write";
                    throw Fail(step, $"the client read too early: it must first {what} \"{step.Source}\". A real " +
                        "server would not have answered yet, so this read would hang.");
                default:
                    throw Fail(step, "the client read where it should close the connection.");
            }
        }
    }

    private int Serve(Span<byte> buffer)
    {
        var chunking = Mode.Chunking();
        int written = 0;
        while (written < buffer.Length && Current is { Kind: TranscriptStepKind.Server } step)
        {
            var rest = step.Bytes.AsSpan(_offset);
            int take = chunking switch
            {
                ReplayChunking.Byte => 1,
                ReplayChunking.Line => rest.IndexOf((byte)'\n') is int lf and >= 0 ? lf + 1 : rest.Length,
                _ => rest.Length,
            };
            take = Math.Min(take, buffer.Length - written);
            rest[..take].CopyTo(buffer[written..]);
            written += take;
            Advance(take);
            if (chunking != ReplayChunking.Whole)
            {
                break;
            }
        }
        return written;
    }

    private void WriteCore(ReadOnlySpan<byte> data)
    {
        lock (_gate)
        {
            Preflight();
            int i = 0;
            while (i < data.Length)
            {
                var step = Current;
                if (_serverClosed && step?.Kind != TranscriptStepKind.Client)
                {
                    throw BrokenPipe();
                }
                switch (step?.Kind)
                {
                    case null:
                        throw Fail(null, $"the client wrote {Show(UpToLineEnd(data[i..]))} after the end of the transcript.");
                    case TranscriptStepKind.Client:
                        i += step.Pattern is null ? MatchLiteral(step, data[i..]) : MatchPattern(step, data[i..]);
                        break;
                    case TranscriptStepKind.Server:
                        throw Fail(step, $"the client wrote {Show(UpToLineEnd(data[i..]))} before reading \"{step.Source}\". " +
                            "The transcript has the server answer first: a client may only send ahead of a reply where " +
                            "the transcript lists its lines before the reply (pipelining).");
                    case TranscriptStepKind.ServerClose:
                        if (_index + 1 < _steps.Count && _steps[_index + 1].Kind == TranscriptStepKind.Client)
                        {
                            _serverClosed = true;
                            _index++;
                            break;
                        }
                        // Writing to a connection the peer has closed fails like this on a real socket; it is not
                        // a test failure, because the client cannot know the server closed until it reads.
                        throw BrokenPipe();
                    case TranscriptStepKind.Silence:
                        throw Fail(step, $"the client wrote {Show(UpToLineEnd(data[i..]))} while waiting for a reply " +
                            "that never comes.");
                    default:
                        throw Fail(step, $"the client wrote {Show(UpToLineEnd(data[i..]))} where it should close the connection.");
                }
            }
        }
    }

    private int MatchLiteral(TranscriptStep step, ReadOnlySpan<byte> data)
    {
        var expected = step.Bytes.AsSpan(_offset);
        int n = Math.Min(expected.Length, data.Length);
        int same = expected[..n].CommonPrefixLength(data[..n]);
        if (same < n)
        {
            var actual = step.Bytes.AsSpan(0, _offset).ToArray().Concat(UpToLineEnd(data).ToArray()).ToArray();
            throw WrongLine(step, actual);
        }
        Advance(n);
        return n;
    }

    private int MatchPattern(TranscriptStep step, ReadOnlySpan<byte> data)
    {
        var pattern = step.Pattern!;
        int lf = data.IndexOf((byte)'\n');
        int take = lf < 0 ? data.Length : lf + 1;
        _patternLine.AddRange(data[..take]);
        var line = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_patternLine);
        if (!pattern.CouldStartWith(line) || (lf >= 0 && !pattern.Matches(line)))
        {
            throw WrongLine(step, line.ToArray());
        }
        if (_patternLine.Count > MaxPatternLine)
        {
            throw Fail(step, $"the client wrote over {MaxPatternLine} bytes without ending the line \"{step.Source}\".");
        }
        if (lf >= 0)
        {
            _patternLine.Clear();
            _index++;
            _offset = 0;
        }
        return take;
    }

    private void Advance(int count)
    {
        _offset += count;
        if (_offset == _steps[_index].Bytes.Length)
        {
            _index++;
            _offset = 0;
        }
    }

    private TranscriptStep? Current => _index < _steps.Count ? _steps[_index] : null;

    private void Preflight()
    {
        if (_failure is not null)
        {
            throw new TranscriptException("The replay already failed: " + _failure.Message, _failure);
        }
        ObjectDisposedException.ThrowIf(_disposed, this);
    }

    private void RequireSync(string member)
    {
        if (Mode.IsAsync())
        {
            lock (_gate)
            {
                throw Fail(Current, $"{member} was called in an async mode: the async path must not block on " +
                    "synchronous I/O.");
            }
        }
    }

    private void RequireAsync(string member)
    {
        if (!Mode.IsAsync())
        {
            lock (_gate)
            {
                throw Fail(Current, $"{member} was called in a sync mode: the sync path must never use asynchronous I/O.");
            }
        }
    }

    private TranscriptException Fail(TranscriptStep? step, string message)
    {
        var failure = new TranscriptException(Where(step) + message);
        _failure ??= failure;
        return failure;
    }

    private TranscriptException WrongLine(TranscriptStep step, byte[] actual) =>
        Fail(step, "the client wrote something else than the transcript expects." + Environment.NewLine +
            $"  expected: {step.Source}" + Environment.NewLine +
            $"  actual:   {Show(actual)}");

    private TranscriptException Unfinished(TranscriptStep step, string message) =>
        new(Where(step) + "the transcript is not finished: " + message);

    private TranscriptException SilenceTooLong(TranscriptStep step)
    {
        lock (_gate)
        {
            return Fail(step, $"the client waited {SilenceLimit.TotalSeconds:0.#} s for a reply that never comes and " +
                "nothing stopped it: its timeout or interrupt did not close the connection.");
        }
    }

    private IOException BrokenPipe()
    {
        int line = _steps.First(s => s.Kind == TranscriptStepKind.ServerClose).LineNumber;
        return new IOException($"Broken pipe: the server closed the connection ({_session.TranscriptName}:{line}).");
    }

    private static IOException ClosedWhileWaiting() =>
        new("The connection was closed while a read was waiting for the server, which stayed silent.");

    private string Where(TranscriptStep? step)
    {
        string place = step is null ? $"{_session.TranscriptName} (past its end)" : $"{_session.TranscriptName}:{step.LineNumber}";
        string connection = _session.Index > 0 ? $", connection {_session.Index + 1}" : "";
        return $"{place} [{Mode}{connection}]: ";
    }

    private static ReadOnlySpan<byte> UpToLineEnd(ReadOnlySpan<byte> data)
    {
        int lf = data.IndexOf((byte)'\n');
        return lf < 0 ? data : data[..(lf + 1)];
    }

    /// <summary>Shows bytes as readable text: CR, LF and other control bytes escaped, long data cut short.</summary>
    internal static string Show(ReadOnlySpan<byte> bytes)
    {
        const int Max = 200;
        var text = Encoding.UTF8.GetString(bytes.Length > Max ? bytes[..Max] : bytes);
        var sb = new StringBuilder("\"");
        foreach (char c in text)
        {
            sb.Append(c switch
            {
                '\r' => "\\r",
                '\n' => "\\n",
                '\t' => "\\t",
                '"' => "\\\"",
                '\\' => "\\\\",
                < ' ' or '\x7f' => $"\\x{(int)c:X2}",
                _ => c.ToString(),
            });
        }
        sb.Append('"');
        if (bytes.Length > Max)
        {
            sb.Append($"... ({bytes.Length} bytes)");
        }
        else if (bytes.Length == 0 || bytes[^1] != (byte)'\n')
        {
            sb.Append(" (no line end yet)");
        }
        return sb.ToString();
    }
}
