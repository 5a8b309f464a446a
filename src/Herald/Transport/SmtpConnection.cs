using System.Buffers;
using System.Net.Sockets;
using System.Text;
using Herald.Protocol;

namespace Herald.Transport;

/// <summary>Raised when the server closes the connection while a reply is expected.</summary>
internal sealed class ConnectionClosedException(string message) : IOException(message);

/// <summary>
/// A buffered SMTP connection: commands are queued into one pooled write buffer and sent with a single write (which
/// is what makes pipelining cheap), replies are parsed from a pooled read buffer and complete without I/O when the
/// bytes are already there. The underlying stream is a <see cref="NetworkStream"/>, an <see cref="System.Net.Security.SslStream"/>
/// after TLS starts, or a test stream.
/// </summary>
internal sealed class SmtpConnection : IDisposable
{
    private const int ReadBufferSize = 8 * 1024;

    private readonly Socket? _socket;
    private readonly SmtpReplyParser _parser;
    private byte[] _readBuffer;
    private int _readStart;
    private int _readEnd;
    private byte[] _writeBuffer;
    private int _writeLength;
    private volatile bool _aborted;

    /// <summary>Wraps a connected stream.</summary>
    /// <param name="stream">The connected stream.</param>
    /// <param name="socket">The socket under it, when there is one (closed on abort).</param>
    /// <param name="maxLineLength">Longest reply line accepted.</param>
    /// <param name="writeBufferSize">Size of the write buffer; message data is sent in pieces of this size.</param>
    /// <param name="maxLineLengthName">The name of the setting behind <paramref name="maxLineLength"/>, for the error
    /// about a line that is too long.</param>
    public SmtpConnection(Stream stream, Socket? socket, int maxLineLength, int writeBufferSize = 64 * 1024,
        string maxLineLengthName = "line length limit")
    {
        Stream = stream;
        _socket = socket;
        _parser = new SmtpReplyParser(maxLineLength, SmtpReplyParser.DefaultMaxLines, maxLineLengthName);
        _readBuffer = ArrayPool<byte>.Shared.Rent(ReadBufferSize);
        _writeBuffer = ArrayPool<byte>.Shared.Rent(Math.Max(writeBufferSize, 1024));
    }

    /// <summary>The stream in use (replaced by the TLS stream after a handshake).</summary>
    public Stream Stream { get; private set; }

    /// <summary>The socket, when there is one.</summary>
    public Socket? Socket => _socket;

    /// <summary>True once the connection was aborted or has failed.</summary>
    public bool IsBroken => _aborted;

    /// <summary>Bytes written to the stream so far.</summary>
    public long BytesSent { get; private set; }

    /// <summary>Bytes read from the stream so far.</summary>
    public long BytesReceived { get; private set; }

    /// <summary>True when bytes from the server are buffered but not yet consumed.</summary>
    public bool HasBufferedInput => _readEnd > _readStart || _parser.InReply;

    /// <summary>Bytes waiting in the write buffer.</summary>
    public int PendingWrite => _writeLength;

    /// <summary>Capacity of the write buffer.</summary>
    public int WriteCapacity => _writeBuffer.Length;

    /// <summary>Queues one command line; CRLF is appended.</summary>
    /// <param name="line">The command without its line end.</param>
    public void QueueLine(string line)
    {
        int max = Encoding.UTF8.GetMaxByteCount(line.Length) + 2;
        EnsureWriteSpace(max);
        int n = Encoding.UTF8.GetBytes(line, _writeBuffer.AsSpan(_writeLength));
        _writeLength += n;
        _writeBuffer[_writeLength++] = (byte)'\r';
        _writeBuffer[_writeLength++] = (byte)'\n';
    }

    /// <summary>Queues raw bytes.</summary>
    /// <param name="bytes">Bytes to send.</param>
    public void QueueBytes(ReadOnlySpan<byte> bytes)
    {
        EnsureWriteSpace(bytes.Length);
        bytes.CopyTo(_writeBuffer.AsSpan(_writeLength));
        _writeLength += bytes.Length;
    }

    /// <summary>The free part of the write buffer, for message data. Call <see cref="Advance"/> after filling it.</summary>
    public Span<byte> FreeSpace => _writeBuffer.AsSpan(_writeLength);

    /// <summary>Marks <paramref name="count"/> bytes of <see cref="FreeSpace"/> as written.</summary>
    /// <param name="count">Bytes added.</param>
    public void Advance(int count) => _writeLength += count;

    /// <summary>Sends everything queued.</summary>
    public async ValueTask FlushAsync<TIO>(TIO io, OperationGuard guard) where TIO : struct, ISmtpIO
    {
        if (_writeLength == 0)
        {
            return;
        }
        int length = _writeLength;
        _writeLength = 0;
        await io.WriteAsync(Stream, _writeBuffer.AsMemory(0, length), guard.Token).ConfigureAwait(false);
        await io.FlushAsync(Stream, guard.Token).ConfigureAwait(false);
        BytesSent += length;
        guard.Touch();
    }

    /// <summary>Drops everything queued but not yet sent.</summary>
    public void DiscardPendingWrites() => _writeLength = 0;

    /// <summary>Reads one complete reply.</summary>
    /// <remarks>
    /// A reply already buffered (the second and later replies of a pipelined group usually arrive in the same read as
    /// the first) is returned without entering the asynchronous method at all; only a reply that needs a read goes
    /// through the state machine.
    /// </remarks>
    /// <exception cref="SmtpProtocolException">The reply is malformed or too long.</exception>
    /// <exception cref="ConnectionClosedException">The server closed the connection.</exception>
    public ValueTask<SmtpReply> ReadReplyAsync<TIO>(TIO io, OperationGuard guard) where TIO : struct, ISmtpIO
    {
        if (_readEnd > _readStart)
        {
            var reply = _parser.Feed(_readBuffer.AsSpan(_readStart, _readEnd - _readStart), out int consumed);
            _readStart += consumed;
            if (reply is not null)
            {
                return new ValueTask<SmtpReply>(reply);
            }
        }
        return ReadMoreAsync(io, guard);
    }

    // A reply that is not complete in the buffer: read until it is. The box of a suspended call is pooled, since on a
    // busy connection this suspends once or twice per message.
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<SmtpReply> ReadMoreAsync<TIO>(TIO io, OperationGuard guard) where TIO : struct, ISmtpIO
    {
        while (true)
        {
            if (_readEnd > _readStart)
            {
                var reply = _parser.Feed(_readBuffer.AsSpan(_readStart, _readEnd - _readStart), out int consumed);
                _readStart += consumed;
                if (reply is not null)
                {
                    return reply;
                }
            }
            _readStart = 0;
            _readEnd = 0;
            int n = await io.ReadAsync(Stream, _readBuffer.AsMemory(), guard.Token).ConfigureAwait(false);
            if (n <= 0)
            {
                throw new ConnectionClosedException(_parser.InReply
                    ? "The server closed the connection in the middle of a reply."
                    : "The server closed the connection.");
            }
            _readEnd = n;
            BytesReceived += n;
            guard.Touch();
        }
    }

    /// <summary>
    /// Replaces the stream (after a TLS handshake). Any byte still buffered from the old stream is an injection
    /// attempt (RFC 3207 §4.2, CVE-2011-0411): the caller checks <see cref="HasBufferedInput"/> before the handshake.
    /// </summary>
    /// <param name="stream">The new stream.</param>
    public void ReplaceStream(Stream stream)
    {
        if (HasBufferedInput)
        {
            throw new InvalidOperationException("Buffered plaintext must be rejected before the stream is replaced.");
        }
        Stream = stream;
    }

    /// <summary>Closes the socket and stream at once; safe to call from any thread, any number of times.</summary>
    public void Abort()
    {
        _aborted = true;
        try
        {
            _socket?.Dispose();
        }
        catch (ObjectDisposedException)
        {
        }
        try
        {
            Stream.Dispose();
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException or NotSupportedException)
        {
        }
    }

    /// <summary>Closes the connection and returns the buffers to the pool.</summary>
    public void Dispose()
    {
        Abort();
        var r = _readBuffer;
        var w = _writeBuffer;
        _readBuffer = [];
        _writeBuffer = [];
        if (r.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(r);
        }
        if (w.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(w);
        }
    }

    private void EnsureWriteSpace(int count)
    {
        if (_writeBuffer.Length - _writeLength >= count)
        {
            return;
        }
        // Commands are queued whole (a pipelined batch of many RCPTs can exceed the buffer), so grow rather than flush.
        var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_writeBuffer.Length * 2, _writeLength + count));
        _writeBuffer.AsSpan(0, _writeLength).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(_writeBuffer);
        _writeBuffer = bigger;
    }
}
