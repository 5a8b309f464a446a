using System.Diagnostics;
using System.Text;
using Herald.Transport;

namespace Herald.Message;

/// <summary>
/// Reads a complete message (RFC 5322) from another stream and passes it on with its header block edited: Bcc and
/// Resent-Bcc fields removed with their continuation lines (RFC 5322 §3.6.3: the blind copies must not see each other),
/// a leading mbox <c>From </c> line dropped, the empty line put back before a body that started without one, and, on
/// request, fields added at the end of the block. The body is passed through untouched, a buffer at a time. Only the
/// header block is held in memory (at most <see cref="MaxHeaderBytes"/> by default), which is what <c>sendmail -t</c>
/// and a client's "recipients from the headers" need: <see cref="ReadHeaders"/> reads it, before anything is sent, to
/// tell the envelope (<see cref="MessageHeaders.ToEnvelope"/>). This is the one reader of ready-made messages: the
/// SmtpClient facade's SendBytes/SendFile/SendStream and the command line's <c>--message</c> and <c>sendmail</c> use it.
/// </summary>
/// <remarks>
/// When the source can seek, so can this stream (its length is the edited header block plus the rest of the source),
/// so a sender can measure it for <c>SIZE=</c> and send it again for a retry. Line ends are passed on as they are; the
/// SMTP layer turns them into CRLF. Reading goes through one implementation for the synchronous and the asynchronous
/// methods.
/// </remarks>
internal sealed class HeaderFilterStream : Stream
{
    /// <summary>The largest header block read by default (Postfix's default header_size_limit is 100 KiB for one field;
    /// real header blocks are a few kilobytes).</summary>
    public const int MaxHeaderBytes = 1 << 20;

    private const int ReadSize = 16 * 1024;

    private readonly Stream _source;
    private readonly bool _removeBcc;
    private readonly bool _leaveOpen;
    private readonly int _maxHeaderBytes;
    private readonly long _origin;                  // the source's position when this stream was made (-1: cannot seek)
    private MessageHeaders? _headers;
    private HeaderBlockScanner? _scanner;
    private byte[] _block = [];                     // the header block as read (and, from a source that cannot seek, what
    private int _blockFilled;                       //   was read past it)
    private string _added = "";
    private byte[] _head = [];                      // the edited header block as it is sent
    private int _headPosition;
    private int _leftover;                          // next unsent byte of _block past the header block (source cannot seek)
    private bool _bodyStarted;                      // a byte after the edited header block was read
    private long _bodyRead;                         // bytes of the body passed on
    private bool _sourceEnded;                      // the source ended while the header block was read

    /// <summary>Wraps <paramref name="source"/>, read from its current position.</summary>
    /// <param name="source">The message.</param>
    /// <param name="removeBcc">True to leave the Bcc and Resent-Bcc fields out.</param>
    /// <param name="leaveOpen">True to leave <paramref name="source"/> open when this stream is disposed.</param>
    /// <param name="maxHeaderBytes">The longest header block accepted.</param>
    /// <exception cref="ArgumentNullException"><paramref name="source"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="source"/> cannot be read.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxHeaderBytes"/> is not positive.</exception>
    public HeaderFilterStream(Stream source, bool removeBcc = true, bool leaveOpen = false, int maxHeaderBytes = MaxHeaderBytes)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxHeaderBytes);
        if (!source.CanRead)
        {
            throw new ArgumentException("The message stream must be readable.", nameof(source));
        }
        _source = source;
        _removeBcc = removeBcc;
        _leaveOpen = leaveOpen;
        _maxHeaderBytes = maxHeaderBytes;
        _origin = source.CanSeek ? source.Position : -1;
    }

    /// <summary>The header fields, once <see cref="ReadHeaders"/> (or the first read) has read them; else null.</summary>
    public MessageHeaders? Headers => _headers;

    /// <inheritdoc />
    public override bool CanRead => true;

    /// <inheritdoc />
    public override bool CanSeek => _origin >= 0;

    /// <inheritdoc />
    public override bool CanWrite => false;

    /// <summary>The length of the edited message (the header block is read first if it was not yet).</summary>
    /// <exception cref="NotSupportedException">The source cannot seek.</exception>
    public override long Length
    {
        get
        {
            if (!CanSeek)
            {
                throw new NotSupportedException("The length of a message read from a stream that cannot seek is not known.");
            }
            ReadHeaders();
            return _head.Length + Math.Max(0, _source.Length - BodyOrigin);
        }
    }

    /// <summary>The position in the edited message.</summary>
    /// <exception cref="NotSupportedException">Setting it when the source cannot seek.</exception>
    public override long Position
    {
        get
        {
            if (_headers is null)
            {
                return 0;
            }
            if (!_bodyStarted)
            {
                return _headPosition;
            }
            return _head.Length + _bodyRead;
        }
        set => Seek(value, SeekOrigin.Begin);
    }

    /// <summary>
    /// Once the header block was read: true when the message has a body after it, or may have one (a source that cannot
    /// seek and did not end within what was read).
    /// </summary>
    /// <exception cref="InvalidOperationException">The header block was not read yet.</exception>
    public bool HasBody
    {
        get
        {
            var scanner = _scanner ?? throw new InvalidOperationException("The header block was not read yet.");
            return CanSeek ? _source.Length > BodyOrigin : _blockFilled > scanner.End || !_sourceEnded;
        }
    }

    private long BodyOrigin => _origin + _scanner!.End;

    /// <summary>Reads the header block (once) and returns its fields.</summary>
    /// <returns>The fields.</returns>
    /// <exception cref="SmtpException">10022 when no header block ends within the limit the stream was made with.</exception>
    /// <exception cref="IOException">The source failed.</exception>
    public MessageHeaders ReadHeaders()
    {
        var task = ReadHeadersAsync(new SyncIO(), CancellationToken.None);
        Debug.Assert(task.IsCompleted, "sync I/O completes synchronously");
        return task.GetAwaiter().GetResult();
    }

    /// <summary>Asynchronous <see cref="ReadHeaders"/>.</summary>
    /// <param name="cancellationToken">Stops the read.</param>
    /// <returns>The fields.</returns>
    /// <exception cref="SmtpException">10022 when no header block ends within the limit the stream was made with.</exception>
    public Task<MessageHeaders> ReadHeadersAsync(CancellationToken cancellationToken) =>
        ReadHeadersAsync(new AsyncIO(), cancellationToken).AsTask();

    /// <summary>
    /// Adds header fields at the end of the header block (before the empty line), for example a Date a message
    /// lacks. Call it after <see cref="ReadHeaders"/> and before the message is read.
    /// </summary>
    /// <param name="fields">Complete field lines, each ending with CRLF.</param>
    /// <exception cref="InvalidOperationException">The headers were not read yet, or the message was already read.</exception>
    /// <exception cref="ArgumentException"><paramref name="fields"/> does not end with CRLF.</exception>
    public void AddFields(string fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        if (_headers is null || _headPosition > 0 || _bodyStarted)
        {
            throw new InvalidOperationException("Fields are added after the headers were read and before the message is.");
        }
        if (fields.Length > 0 && !fields.EndsWith("\r\n", StringComparison.Ordinal))
        {
            throw new ArgumentException("Each added field must end with CRLF.", nameof(fields));
        }
        _added += fields;
        _head = BuildHead();
    }

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        var task = ReadCoreAsync(new SyncIO(), buffer.AsMemory(offset, count), CancellationToken.None);
        Debug.Assert(task.IsCompleted, "sync I/O completes synchronously");
        return task.GetAwaiter().GetResult();
    }

    /// <inheritdoc />
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ReadCoreAsync(new AsyncIO(), buffer, cancellationToken);

    /// <inheritdoc />
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    /// <inheritdoc />
    public override long Seek(long offset, SeekOrigin origin)
    {
        if (!CanSeek)
        {
            throw new NotSupportedException("A message read from a stream that cannot seek cannot seek either.");
        }
        ReadHeaders();
        long target = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => Position + offset,
            _ => Length + offset,
        };
        ArgumentOutOfRangeException.ThrowIfNegative(target, nameof(offset));
        if (target < _head.Length)
        {
            _headPosition = (int)target;
            _bodyStarted = false;
            _bodyRead = 0;
            _source.Position = BodyOrigin;
        }
        else
        {
            _headPosition = _head.Length;
            _bodyStarted = true;
            _bodyRead = target - _head.Length;
            _source.Position = BodyOrigin + _bodyRead;
        }
        return target;
    }

    /// <inheritdoc />
    public override void Flush()
    {
    }

    /// <inheritdoc />
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc />
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing && !_leaveOpen)
        {
            _source.Dispose();
        }
        base.Dispose(disposing);
    }

    /// <summary>Reads the header block once: from the source, into a buffer that grows up to the limit.</summary>
    internal async ValueTask<MessageHeaders> ReadHeadersAsync<TIO>(TIO io, CancellationToken cancellationToken) where TIO : struct, ISmtpIO
    {
        if (_headers is not null)
        {
            return _headers;
        }
        var scanner = new HeaderBlockScanner();
        var block = new byte[Math.Min(ReadSize, _maxHeaderBytes)];
        int filled = 0;
        while (true)
        {
            if (filled == block.Length)
            {
                if (block.Length >= _maxHeaderBytes)
                {
                    string limit = _maxHeaderBytes % (1 << 20) == 0 ? $"{_maxHeaderBytes >> 20} MiB" : $"{_maxHeaderBytes} bytes";
                    throw new SmtpException(SmtpErrorCodes.InvalidArgument,
                        $"The message's header block is longer than {limit}: no empty line ends it. Check that the input is " +
                        "an RFC 5322 message (header fields, an empty line, the body).");
                }
                Array.Resize(ref block, Math.Min(_maxHeaderBytes, block.Length * 2));
            }
            int n = await io.ReadAsync(_source, block.AsMemory(filled), cancellationToken).ConfigureAwait(false);
            filled += n;
            _sourceEnded = n == 0;
            if (scanner.Scan(block.AsSpan(0, filled), final: _sourceEnded))
            {
                break;
            }
        }
        _scanner = scanner;
        _block = block;
        _blockFilled = filled;
        _leftover = scanner.End;
        if (CanSeek)
        {
            _source.Position = BodyOrigin; // the body is read from the source itself, where a seek can find it again
            _blockFilled = scanner.End;
        }
        _headers = new MessageHeaders(block, scanner);
        _head = BuildHead();
        return _headers;
    }

    private async ValueTask<int> ReadCoreAsync<TIO>(TIO io, Memory<byte> buffer, CancellationToken cancellationToken)
        where TIO : struct, ISmtpIO
    {
        await ReadHeadersAsync(io, cancellationToken).ConfigureAwait(false);
        if (buffer.IsEmpty)
        {
            return 0;
        }
        if (_headPosition < _head.Length)
        {
            int n = Math.Min(buffer.Length, _head.Length - _headPosition);
            _head.AsSpan(_headPosition, n).CopyTo(buffer.Span);
            _headPosition += n;
            return n;
        }
        _bodyStarted = true;
        if (_leftover < _blockFilled)
        {
            int n = Math.Min(buffer.Length, _blockFilled - _leftover);
            _block.AsSpan(_leftover, n).CopyTo(buffer.Span);
            _leftover += n;
            _bodyRead += n;
            return n;
        }
        int read = await io.ReadAsync(_source, buffer, cancellationToken).ConfigureAwait(false);
        _bodyRead += read;
        return read;
    }

    /// <summary>The header block as it is sent: the fields kept, the added ones, and the separator.</summary>
    private byte[] BuildHead()
    {
        var scanner = _scanner!;
        var head = new MemoryStream(scanner.End + _added.Length + 2);
        int lastEnd = scanner.SkippedPrefix;
        foreach (var field in scanner.Fields)
        {
            if (_removeBcc && (field.Name.Equals("Bcc", StringComparison.OrdinalIgnoreCase)
                               || field.Name.Equals("Resent-Bcc", StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }
            head.Write(_block, field.Start, field.End - field.Start);
            lastEnd = field.End;
        }
        if (_added.Length > 0)
        {
            if (head.Length > 0 && _block[lastEnd - 1] != '\n')
            {
                head.Write("\r\n"u8); // the last field ended the input without a line end
            }
            head.Write(Encoding.UTF8.GetBytes(_added));
        }
        switch (scanner.Ending)
        {
            case HeaderBlockEnd.Separator:
                head.Write(_block, scanner.SeparatorStart, scanner.End - scanner.SeparatorStart);
                break;
            case HeaderBlockEnd.BodyLine when head.Length > 0:
                head.Write("\r\n"u8); // the body started without the empty line that must come before it
                break;
        }
        return head.ToArray();
    }
}
