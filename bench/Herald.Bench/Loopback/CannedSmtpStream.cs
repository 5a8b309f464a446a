using System.Threading.Tasks.Sources;

namespace Herald.Bench.Loopback;

/// <summary>
/// An in-memory SMTP server that lives inside a <see cref="Stream"/>: every command line the client writes queues a
/// canned reply at once, and message data is scanned for the end-of-data line. It allocates nothing per command, so a
/// benchmark's allocation column shows only what the client allocates.
/// </summary>
/// <remarks>
/// With <see cref="YieldOnRead"/> off, asynchronous reads complete synchronously (the best case, as when a reply is
/// already in the socket buffer). With it on, each asynchronous read completes later on the thread pool, as a read on
/// a real socket usually does, so the client's async state machines really suspend; the stream completes those reads
/// through one reused <see cref="ManualResetValueTaskSourceCore{TResult}"/>, so they still cost the stream nothing.
/// </remarks>
internal sealed class CannedSmtpStream : Stream, IValueTaskSource<int>, IThreadPoolWorkItem
{
    private static readonly byte[] Greeting = "220 bench.localhost ESMTP ready\r\n"u8.ToArray();
    private static readonly byte[] Ok = "250 2.0.0 Ok\r\n"u8.ToArray();
    private static readonly byte[] StartData = "354 End data with <CR><LF>.<CR><LF>\r\n"u8.ToArray();
    private static readonly byte[] Queued = "250 2.0.0 Ok: queued as 4Xb1Zk0Yq2z9\r\n"u8.ToArray();
    private static readonly byte[] Bye = "221 2.0.0 Bye\r\n"u8.ToArray();
    private static readonly byte[] Unknown = "502 5.5.2 Error: command not recognized\r\n"u8.ToArray();

    /// <summary>The EHLO reply of a typical Postfix: twelve lines, PIPELINING among them.</summary>
    public static readonly byte[] EhloReply = (
        "250-bench.localhost\r\n" +
        "250-PIPELINING\r\n" +
        "250-SIZE 104857600\r\n" +
        "250-VRFY\r\n" +
        "250-ETRN\r\n" +
        "250-AUTH PLAIN LOGIN\r\n" +
        "250-ENHANCEDSTATUSCODES\r\n" +
        "250-8BITMIME\r\n" +
        "250-DSN\r\n" +
        "250-SMTPUTF8\r\n" +
        "250-CHUNKING\r\n" +
        "250 XCLIENT NAME ADDR PROTO HELO\r\n").Select(c => (byte)c).ToArray();

    // The end of message data (RFC 5321 §4.1.1.4) as matched from the start of a line: ".\r\n" after "\r\n".
    private static ReadOnlySpan<byte> EndOfData => "\r\n.\r\n"u8;

    private readonly byte[] _line = new byte[4096];
    private int _lineLength;
    private byte[] _out = new byte[16 * 1024];
    private int _outStart;
    private int _outEnd;
    private bool _inData;
    private int _endMatch;          // how many bytes of "\r\n.\r\n" the data seen so far ends with

    private ManualResetValueTaskSourceCore<int> _pending;
    private Memory<byte> _pendingBuffer;

    /// <summary>Creates the stream with the server's greeting ready to read.</summary>
    /// <param name="yieldOnRead">Complete asynchronous reads on the thread pool rather than at once.</param>
    public CannedSmtpStream(bool yieldOnRead)
    {
        YieldOnRead = yieldOnRead;
        Queue(Greeting);
    }

    /// <summary>
    /// Starts a new connection on the same buffers: pending bytes are dropped and the greeting is queued again. The
    /// counters keep counting. Reusing one stream keeps the server's own allocations out of per-session figures.
    /// </summary>
    public void Restart()
    {
        _lineLength = 0;
        _outStart = _outEnd = 0;
        _inData = false;
        _endMatch = 0;
        Queue(Greeting);
    }

    /// <summary>True when asynchronous reads complete on the thread pool.</summary>
    public bool YieldOnRead { get; }

    /// <summary>Messages received whole (each ended by the end-of-data line).</summary>
    public long MessagesReceived { get; private set; }

    /// <summary>Bytes of message data received, dot-stuffed, including the end-of-data line.</summary>
    public long DataBytesReceived { get; private set; }

    /// <inheritdoc />
    public override bool CanRead => true;

    /// <inheritdoc />
    public override bool CanSeek => false;

    /// <inheritdoc />
    public override bool CanWrite => true;

    /// <inheritdoc />
    public override long Length => throw new NotSupportedException();

    /// <inheritdoc />
    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <inheritdoc />
    public override int Read(Span<byte> buffer)
    {
        int n = _outEnd - _outStart;
        if (n == 0)
        {
            // A real server would leave the client waiting for ever; here that is a bug in the client or the stream.
            throw new InvalidOperationException("The client reads, but no reply is due.");
        }
        n = Math.Min(n, buffer.Length);
        _out.AsSpan(_outStart, n).CopyTo(buffer);
        _outStart += n;
        if (_outStart == _outEnd)
        {
            _outStart = _outEnd = 0;
        }
        return n;
    }

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <inheritdoc />
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (!YieldOnRead)
        {
            return new ValueTask<int>(Read(buffer.Span));
        }
        _pending.Reset();
        _pendingBuffer = buffer;
        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: true);
        return new ValueTask<int>(this, _pending.Version);
    }

    /// <inheritdoc />
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc />
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        int i = 0;
        while (i < buffer.Length)
        {
            i += _inData ? ScanData(buffer[i..]) : TakeCommandBytes(buffer[i..]);
        }
    }

    /// <inheritdoc />
    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    /// <inheritdoc />
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Write(buffer.Span);
        return default;
    }

    /// <inheritdoc />
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        Write(buffer.AsSpan(offset, count));
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public override void Flush()
    {
    }

    /// <inheritdoc />
    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc />
    public override void SetLength(long value) => throw new NotSupportedException();

    void IThreadPoolWorkItem.Execute()
    {
        try
        {
            _pending.SetResult(Read(_pendingBuffer.Span));
        }
        catch (InvalidOperationException e)
        {
            _pending.SetException(e);
        }
    }

    int IValueTaskSource<int>.GetResult(short token) => _pending.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<int>.GetStatus(short token) => _pending.GetStatus(token);

    void IValueTaskSource<int>.OnCompleted(Action<object?> continuation, object? state, short token,
        ValueTaskSourceOnCompletedFlags flags) => _pending.OnCompleted(continuation, state, token, flags);

    // Collects one command line and answers it when its LF arrives. Returns the bytes used.
    private int TakeCommandBytes(ReadOnlySpan<byte> data)
    {
        int lf = data.IndexOf((byte)'\n');
        int take = lf < 0 ? data.Length : lf + 1;
        if (_lineLength + take > _line.Length)
        {
            throw new InvalidOperationException("The client sent a command line longer than 4096 bytes.");
        }
        data[..take].CopyTo(_line.AsSpan(_lineLength));
        _lineLength += take;
        if (lf >= 0)
        {
            Answer(_line.AsSpan(0, _lineLength));
            _lineLength = 0;
        }
        return take;
    }

    private void Answer(ReadOnlySpan<byte> line)
    {
        var verb = line.Length >= 4 ? line[..4] : line;
        if (verb.SequenceEqual("EHLO"u8))
        {
            Queue(EhloReply);
        }
        else if (verb.SequenceEqual("MAIL"u8) || verb.SequenceEqual("RCPT"u8) || verb.SequenceEqual("RSET"u8)
                 || verb.SequenceEqual("HELO"u8) || verb.SequenceEqual("NOOP"u8))
        {
            Queue(Ok);
        }
        else if (verb.SequenceEqual("DATA"u8))
        {
            Queue(StartData);
            _inData = true;
            _endMatch = 2; // DATA's own CRLF counts: a message of no lines ends with ".\r\n" alone
        }
        else if (verb.SequenceEqual("QUIT"u8))
        {
            Queue(Bye);
        }
        else
        {
            Queue(Unknown);
        }
    }

    // Consumes message data up to and including the end-of-data line. Returns the bytes used.
    private int ScanData(ReadOnlySpan<byte> data)
    {
        var end = EndOfData;
        int i = 0;
        while (i < data.Length)
        {
            if (_endMatch == 0)
            {
                // Skip ahead to the next CR: most bytes are ordinary text.
                int cr = data[i..].IndexOf((byte)'\r');
                if (cr < 0)
                {
                    i = data.Length;
                    break;
                }
                i += cr;
            }
            byte b = data[i++];
            if (b == end[_endMatch])
            {
                _endMatch++;
                if (_endMatch == end.Length)
                {
                    DataBytesReceived += i;
                    MessagesReceived++;
                    _inData = false;
                    _endMatch = 0;
                    Queue(Queued);
                    return i;
                }
            }
            else
            {
                _endMatch = b == '\r' ? 1 : 0;
            }
        }
        DataBytesReceived += i;
        return i;
    }

    private void Queue(byte[] reply)
    {
        if (_out.Length - _outEnd < reply.Length)
        {
            int pending = _outEnd - _outStart;
            if (pending + reply.Length > _out.Length)
            {
                Array.Resize(ref _out, Math.Max(_out.Length * 2, pending + reply.Length));
            }
            _out.AsSpan(_outStart, pending).CopyTo(_out);
            _outStart = 0;
            _outEnd = pending;
        }
        reply.CopyTo(_out.AsSpan(_outEnd));
        _outEnd += reply.Length;
    }
}
