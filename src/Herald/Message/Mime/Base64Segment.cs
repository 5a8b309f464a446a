using System.Buffers;
using System.Buffers.Text;
using System.Runtime.CompilerServices;
using Herald.Transport;

namespace Herald.Message.Mime;

/// <summary>
/// An attachment's bytes, base64-encoded in lines of 76 characters joined by CRLF (RFC 2045 §6.8), read once from the
/// attachment's file, stream or memory through a fixed pooled buffer. Because the size of base64 follows from the size of
/// the source, the segment's length is known before it is read; a source that turns out to be shorter or longer than
/// it was when the length was computed is an error, since the message's size has already been announced.
/// </summary>
internal sealed class Base64Segment : MimeSegment
{
    /// <summary>Source bytes per full line.</summary>
    public const int LineBytes = 57;

    /// <summary>Characters per full line (RFC 2045 §6.8: at most 76).</summary>
    public const int LineChars = 76;

    private const int InputSize = 64 * 1024;

    private readonly EmailAttachment _attachment;
    private readonly long _sourceLength;        // -1 when the source cannot tell
    private Stream? _stream;
    private bool _ownsStream;                   // a file this segment opened
    private byte[]? _input;
    private int _inputStart;
    private int _inputEnd;
    private long _read;                         // source bytes read so far
    private bool _eof;
    private long _lines;                        // lines written so far
    private byte[]? _probe;                     // one byte, to see that a source of known size really ends there
    private int _memoryPosition;
    private bool _done;

    /// <summary>Creates the segment for <paramref name="attachment"/>, taking the source's size now.</summary>
    /// <param name="attachment">The attachment.</param>
    /// <exception cref="SmtpException">303 when the attachment's file cannot be read.</exception>
    public Base64Segment(EmailAttachment attachment)
    {
        _attachment = attachment;
        _sourceLength = attachment.Length;
        Length = _sourceLength < 0 ? -1 : EncodedLength(_sourceLength);
    }

    /// <summary>The number of source bytes, or -1 when unknown.</summary>
    public long SourceLength => _sourceLength;

    /// <inheritdoc />
    public override long Length { get; }

    /// <summary>
    /// The length of <paramref name="sourceLength"/> bytes in base64: 4 characters for every 3 bytes or part of them,
    /// in lines of 76 characters with a CRLF between two lines (none after the last).
    /// </summary>
    /// <param name="sourceLength">The number of bytes, 0 or more.</param>
    public static long EncodedLength(long sourceLength)
    {
        if (sourceLength <= 0)
        {
            return 0;
        }
        long chars = (sourceLength + 2) / 3 * 4;
        long lines = (chars + LineChars - 1) / LineChars;
        return chars + 2 * (lines - 1);
    }

    /// <inheritdoc />
    public override ValueTask<int> ReadAsync<TIO>(TIO io, Memory<byte> destination, CancellationToken cancellationToken)
    {
        if (_done)
        {
            return new ValueTask<int>(0);
        }
        if (_attachment.Path is null && _attachment.Stream is null)
        {
            var data = _attachment.Data.Span;
            int written = Encode(data[_memoryPosition..], destination.Span, final: true, out int consumed);
            _memoryPosition += consumed;
            if (written == 0)
            {
                _done = true;
            }
            return new ValueTask<int>(written);
        }
        return ReadSourceAsync(io, destination, cancellationToken);
    }

    /// <inheritdoc />
    public override void Complete()
    {
        _done = true;
        if (_input is not null)
        {
            ArrayPool<byte>.Shared.Return(_input);
            _input = null;
        }
        if (_ownsStream)
        {
            _stream?.Dispose();
            _ownsStream = false;
        }
        _stream = null;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> ReadSourceAsync<TIO>(TIO io, Memory<byte> destination, CancellationToken cancellationToken)
        where TIO : struct, ISmtpIO
    {
        if (_stream is null)
        {
            Open(io.IsAsync);
        }
        var stream = _stream!;
        var input = _input!;
        while (true)
        {
            if (!_eof && _inputEnd - _inputStart < LineBytes)
            {
                if (_inputStart > 0)
                {
                    input.AsSpan(_inputStart, _inputEnd - _inputStart).CopyTo(input);
                    _inputEnd -= _inputStart;
                    _inputStart = 0;
                }
                int want = input.Length - _inputEnd;
                if (_sourceLength >= 0)
                {
                    want = (int)Math.Min(want, _sourceLength - _read);
                }
                if (want > 0)
                {
                    int n = await ReadSourceAsync(io, stream, input.AsMemory(_inputEnd, want), cancellationToken).ConfigureAwait(false);
                    if (n == 0)
                    {
                        if (_sourceLength >= 0)
                        {
                            throw Changed(_read);
                        }
                        _eof = true;
                    }
                    _inputEnd += n;
                    _read += n;
                }
                if (!_eof && _read == _sourceLength)
                {
                    // The announced size is reached: one more read must find the end, or the source grew.
                    _probe ??= new byte[1];
                    int extra = await ReadSourceAsync(io, stream, _probe, cancellationToken).ConfigureAwait(false);
                    if (extra > 0)
                    {
                        throw Changed(_read + extra);
                    }
                    _eof = true;
                }
                if (!_eof && _inputEnd - _inputStart < LineBytes)
                {
                    continue;
                }
            }
            int written = Encode(input.AsSpan(_inputStart, _inputEnd - _inputStart), destination.Span, _eof, out int consumed);
            _inputStart += consumed;
            if (written == 0)
            {
                Complete();
            }
            return written;
        }
    }

    private async ValueTask<int> ReadSourceAsync<TIO>(TIO io, Stream stream, Memory<byte> buffer, CancellationToken cancellationToken)
        where TIO : struct, ISmtpIO
    {
        try
        {
            return await io.ReadAsync(stream, buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ObjectDisposedException or NotSupportedException)
        {
            throw new SmtpException(SmtpErrorCodes.CannotOpenFile,
                $"Reading attachment '{Name}' failed: {e.Message}", e);
        }
    }

    private void Open(bool asynchronous)
    {
        if (_attachment.Path is { } path)
        {
            try
            {
                _stream = new FileStream(path, new FileStreamOptions
                {
                    Mode = FileMode.Open,
                    Access = FileAccess.Read,
                    Share = FileShare.Read,
                    BufferSize = 0, // reads are already large; a second buffer would only copy
                    Options = FileOptions.SequentialScan | (asynchronous ? FileOptions.Asynchronous : FileOptions.None),
                });
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.SecurityException)
            {
                throw new SmtpException(SmtpErrorCodes.CannotOpenFile, $"The attachment file '{path}' cannot be opened: {e.Message}", e);
            }
            _ownsStream = true;
        }
        else
        {
            var stream = _attachment.Stream!;
            if (stream.CanSeek)
            {
                try
                {
                    stream.Position = _attachment.StreamOrigin;
                }
                catch (Exception e) when (e is IOException or ObjectDisposedException or NotSupportedException)
                {
                    throw new SmtpException(SmtpErrorCodes.CannotOpenFile,
                        $"The stream of attachment '{Name}' cannot be read: {e.Message}", e);
                }
            }
            else
            {
                _attachment.ClaimUnseekableStream();
            }
            _stream = stream;
        }
        _input = ArrayPool<byte>.Shared.Rent(InputSize);
    }

    // Encodes whole lines while they fit; at the end of the source also the last, shorter line.
    private int Encode(ReadOnlySpan<byte> source, Span<byte> destination, bool final, out int consumed)
    {
        int s = 0;
        int d = 0;
        while (true)
        {
            int take = Math.Min(LineBytes, source.Length - s);
            if (take == 0 || (take < LineBytes && !final))
            {
                break;
            }
            int separator = _lines > 0 ? 2 : 0;
            if (destination.Length - d < separator + (take + 2) / 3 * 4)
            {
                break;
            }
            if (separator > 0)
            {
                destination[d++] = (byte)'\r';
                destination[d++] = (byte)'\n';
            }
            Base64.EncodeToUtf8(source.Slice(s, take), destination[d..], out _, out int written);
            d += written;
            s += take;
            _lines++;
        }
        consumed = s;
        return d;
    }

    private string Name => _attachment.FileName.Length > 0 ? _attachment.FileName : _attachment.ContentId;

    private SmtpException Changed(long actual) =>
        new(SmtpErrorCodes.CannotOpenFile,
            $"Attachment '{Name}' was {_sourceLength} bytes when the message size was computed but " +
            (actual < _sourceLength ? $"ended after {actual} bytes" : "holds more") +
            "; it changed while the message was being sent, so the message was not completed.");
}
