using System.Buffers;

namespace Herald.Cli.Options;

/// <summary>
/// A ready RFC 5322 message (<c>send --message FILE|-</c>, <c>sendmail</c>'s standard input), sent as it is but for its
/// Bcc fields, which are removed. Its header block is read first, for the envelope; the rest is streamed from the file,
/// or from a private temporary copy of standard input, so memory does not grow with the message.
/// </summary>
internal sealed class RawMessage : IDisposable
{
    private const int BufferSize = 64 * 1024;

    private readonly ReadyMessageStream _stream;

    private RawMessage(ReadyMessageStream stream, ReadyMessageHeaders headers)
    {
        _stream = stream;
        Headers = headers;
    }

    /// <summary>The message's header fields.</summary>
    public ReadyMessageHeaders Headers { get; }

    /// <summary>The message's size as sent (line ends counted as CRLF), known once <see cref="PrepareAsync"/> ran.</summary>
    public long Length { get; private set; } = -1;

    /// <summary>How much of the message has been read for sending.</summary>
    public long Position => _stream.Position;

    /// <summary>Opens the message and reads its header block.</summary>
    /// <param name="path">A file, or "-" for standard input.</param>
    /// <param name="option">The option that named it, for messages.</param>
    /// <param name="env">The process environment (standard input).</param>
    /// <param name="wrapInput">Wraps standard input before it is copied (sendmail's end-of-input dot), or null.</param>
    /// <param name="cancellationToken">Stops reading.</param>
    /// <exception cref="CliException">66 when the file cannot be read; 65 when no header block ends within 1 MiB; 73 when
    /// the temporary copy cannot be made.</exception>
    public static async Task<RawMessage> OpenAsync(string path, string option, CliEnvironment env, Func<Stream, Stream>? wrapInput,
        CancellationToken cancellationToken)
    {
        Stream source;
        if (path == "-")
        {
            using var input = wrapInput is null ? env.OpenInput() : wrapInput(env.OpenInput());
            source = await Spool.CopyAsync(input, "standard input", cancellationToken).ConfigureAwait(false);
        }
        else
        {
            source = InputFiles.OpenSequential(path, option);
            if (!source.CanSeek)
            {
                await using (source.ConfigureAwait(false))
                {
                    source = await Spool.CopyAsync(source, path, cancellationToken).ConfigureAwait(false); // a named pipe
                }
            }
        }
        var stream = new ReadyMessageStream(source, removeBcc: true);
        try
        {
            var headers = await stream.ReadHeadersAsync(cancellationToken).ConfigureAwait(false);
            return new RawMessage(stream, headers);
        }
        catch (SmtpException e)
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw new CliException(ExitCodes.DataError, $"{(path == "-" ? "standard input" : path)}: {e.Message}", e);
        }
        catch
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Adds the From, Date and Message-ID the message lacks (before <see cref="PrepareAsync"/>).</summary>
    /// <param name="from">The mailbox for a From, or null to add none.</param>
    /// <exception cref="SmtpException">10022 when <paramref name="from"/> is not a single mailbox.</exception>
    public void AddMissingFields(string? from) => _stream.AddMissingFields(from);

    /// <summary>
    /// Reads the message once to measure it as the server will count it (<c>SIZE=</c>, RFC 1870) and to see whether it
    /// holds 8-bit bytes, and returns the content to send.
    /// </summary>
    /// <param name="cancellationToken">Stops the reading.</param>
    /// <returns>The content for <see cref="Smtp.SetMessageContent"/>.</returns>
    public async Task<MessageContent> PrepareAsync(CancellationToken cancellationToken)
    {
        var count = new LineEndCount();
        bool eightBit = false;
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            _stream.Position = 0;
            int n;
            while ((n = await _stream.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken).ConfigureAwait(false)) > 0)
            {
                count.Add(buffer.AsSpan(0, n));
                eightBit |= !System.Text.Ascii.IsValid(buffer.AsSpan(0, n));
            }
            _stream.Position = 0;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        Length = count.Total;
        return new Content(_stream, Length, eightBit);
    }

    /// <summary>Closes the file (and deletes a temporary copy).</summary>
    public void Dispose() => _stream.Dispose();

    /// <summary>
    /// Counts a message's octets as the server counts them for <c>SIZE=</c> (RFC 1870 §4): every line end as CRLF, as the
    /// library sends a bare CR or LF, and the CRLF it adds after an unterminated last line.
    /// </summary>
    private struct LineEndCount
    {
        private long _octets;
        private bool _afterCr;   // the last byte was a CR: an LF right after it completes a CRLF already counted
        private bool _midLine;   // the last byte was not part of a line end

        public readonly long Total => _octets + (_midLine ? 2 : 0);

        public void Add(ReadOnlySpan<byte> data)
        {
            _octets += data.Length;
            while (!data.IsEmpty)
            {
                if (_afterCr && data[0] == '\n')
                {
                    _octets--; // the CR was counted as a CRLF
                    data = data[1..];
                }
                _afterCr = false;
                int end = data.IndexOfAny((byte)'\r', (byte)'\n');
                if (end < 0)
                {
                    _midLine |= !data.IsEmpty;
                    return;
                }
                _octets++; // a bare LF, or a CR counted as CRLF until an LF follows
                _afterCr = data[end] == '\r';
                _midLine = false;
                data = data[(end + 1)..];
            }
        }
    }

    /// <summary>The edited message, written from the start each time it is sent.</summary>
    private sealed class Content(ReadyMessageStream stream, long length, bool eightBit) : MessageContent
    {
        public override long Length => length;

        public override bool Is8Bit => eightBit;

        public override void WriteTo(Stream destination, CancellationToken cancellationToken)
        {
            stream.Position = 0;
            stream.CopyTo(destination, BufferSize);
        }

        public override async Task WriteToAsync(Stream destination, CancellationToken cancellationToken)
        {
            stream.Position = 0;
            await stream.CopyToAsync(destination, BufferSize, cancellationToken).ConfigureAwait(false);
        }
    }
}
