using System.Text;
using Herald.Message;
using Herald.Message.Mime;

namespace Herald;

/// <summary>
/// A message that was written elsewhere (a saved <c>.eml</c>, the input of <c>sendmail -t</c>), read as it should be
/// sent: its header block is read first, so the envelope can be taken from its To, Cc and Bcc fields
/// (<see cref="ReadHeaders"/>), its Bcc and Resent-Bcc fields are left out of what is read (RFC 5322 §3.6.3: blind
/// copies must not see each other), a leading mbox <c>From </c> line is dropped, and the body streams on from the
/// source a buffer at a time. Only the header block is held in memory (at most 1 MiB).
/// </summary>
/// <remarks>
/// <para>When the source can seek, so can this stream, and its <see cref="Length"/> is the length of the edited
/// message: it can be measured for <c>SIZE=</c> and read again for a retry. Line ends are passed on as they are; Herald
/// sends them as CRLF.</para>
/// <para>Give it to <see cref="Smtp.SetMessageStream"/> with <see cref="Smtp.OtherHeaders"/> set to an empty line
/// (<c>"\r\n"</c>, so that the stream is the whole message) and the envelope in <see cref="Smtp.From"/> and
/// <see cref="Smtp.SendTo"/>, or wrap it in a <see cref="MessageContent"/>. <see cref="SmtpClient"/>'s SendFile,
/// SendBytes and SendStream do all of this themselves.</para>
/// </remarks>
public sealed class ReadyMessageStream : Stream
{
    private readonly HeaderFilterStream _inner;
    private ReadyMessageHeaders? _headers;

    /// <summary>Wraps <paramref name="source"/>, read from its current position.</summary>
    /// <param name="source">The complete message (RFC 5322: header fields, an empty line, the body).</param>
    /// <param name="removeBcc">True (the default) to leave the Bcc and Resent-Bcc fields out.</param>
    /// <param name="leaveOpen">True to leave <paramref name="source"/> open when this stream is disposed.</param>
    /// <exception cref="ArgumentNullException"><paramref name="source"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="source"/> cannot be read.</exception>
    public ReadyMessageStream(Stream source, bool removeBcc = true, bool leaveOpen = false)
    {
        _inner = new HeaderFilterStream(source, removeBcc, leaveOpen);
    }

    /// <summary>The header fields, once <see cref="ReadHeaders"/> (or the first read) has read them; else null.</summary>
    public ReadyMessageHeaders? Headers => _headers ??= _inner.Headers is { } headers ? new ReadyMessageHeaders(headers) : null;

    /// <inheritdoc />
    public override bool CanRead => true;

    /// <summary>True when the source can seek.</summary>
    public override bool CanSeek => _inner.CanSeek;

    /// <inheritdoc />
    public override bool CanWrite => false;

    /// <summary>The length of the edited message (the header block is read first if it was not yet).</summary>
    /// <exception cref="NotSupportedException">The source cannot seek.</exception>
    /// <exception cref="SmtpException">10022 when no header block ends within 1 MiB.</exception>
    public override long Length => _inner.Length;

    /// <summary>The position in the edited message.</summary>
    /// <exception cref="NotSupportedException">Setting it when the source cannot seek.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The value set is negative.</exception>
    public override long Position
    {
        get => _inner.Position;
        set => _inner.Position = value;
    }

    /// <summary>Reads the header block (once; later calls return the same fields), before anything else is read.</summary>
    /// <returns>The header fields.</returns>
    /// <exception cref="SmtpException">10022 when no header block ends within 1 MiB (the input is not a message).</exception>
    /// <exception cref="IOException">The source failed.</exception>
    /// <exception cref="ObjectDisposedException">The stream was disposed.</exception>
    public ReadyMessageHeaders ReadHeaders()
    {
        _inner.ReadHeaders();
        return Headers!;
    }

    /// <summary>Asynchronous <see cref="ReadHeaders"/>.</summary>
    /// <param name="cancellationToken">Stops the read.</param>
    /// <returns>The header fields.</returns>
    /// <exception cref="SmtpException">10022 when no header block ends within 1 MiB (the input is not a message).</exception>
    /// <exception cref="IOException">The source failed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="ObjectDisposedException">The stream was disposed.</exception>
    public async Task<ReadyMessageHeaders> ReadHeadersAsync(CancellationToken cancellationToken = default)
    {
        await _inner.ReadHeadersAsync(cancellationToken).ConfigureAwait(false);
        return Headers!;
    }

    /// <summary>
    /// Adds header fields at the end of the header block, before the empty line: for example the Date or Message-ID a
    /// message lacks (RFC 5322 §3.6). Call it after <see cref="ReadHeaders"/> and before the message is read.
    /// </summary>
    /// <param name="fields">Complete field lines, folded as they should be sent, each ending with CRLF.</param>
    /// <exception cref="ArgumentNullException"><paramref name="fields"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="fields"/> does not end with CRLF.</exception>
    /// <exception cref="InvalidOperationException">The headers were not read yet, or reading the message has begun.</exception>
    public void AddFields(string fields) => _inner.AddFields(fields);

    /// <summary>
    /// Adds the fields RFC 5322 §3.6 requires that the message lacks, as a submission server completes a message
    /// (RFC 6409 §8): From (when <paramref name="from"/> is given), Date (now) and Message-ID (at the domain of
    /// <paramref name="from"/>'s address, else at this machine's name). Fields the message has are left alone. Call it
    /// after <see cref="ReadHeaders"/> and before the message is read.
    /// </summary>
    /// <param name="from">The author's mailbox, such as <c>Backups &lt;backup@example.org&gt;</c> or a bare address; a
    /// display name that is not ASCII is written as encoded words (RFC 2047). Null or empty adds no From.</param>
    /// <exception cref="SmtpException">10022 when <paramref name="from"/> is not a single mailbox.</exception>
    /// <exception cref="InvalidOperationException">The headers were not read yet, or reading the message has begun.</exception>
    public void AddMissingFields(string? from)
    {
        var headers = Headers ?? throw new InvalidOperationException(
            "Fields are added after the headers were read and before the message is.");
        MailAddress? author = string.IsNullOrWhiteSpace(from) ? null : AddressParser.ParseOne(from, "The From address");
        var text = new StringBuilder();
        var now = DateTimeOffset.Now;
        if (author is not null && !headers.Contains("From"))
        {
            var writer = new HeaderFieldWriter("From", ContentTypes.LineLimit, "The From address");
            HeaderBlock.WriteAddresses(writer, [author.Value], Charsets.Utf8);
            text.Append(writer.Text);
        }
        if (!headers.Contains("Date"))
        {
            text.Append("Date: ").Append(MessageDates.Format(now)).Append("\r\n");
        }
        if (!headers.Contains("Message-ID"))
        {
            string address = author?.Address ?? "";
            int at = address.LastIndexOf('@');
            string domain = at > 0 ? address[(at + 1)..] : System.Net.Dns.GetHostName();
            text.Append("Message-ID: ").Append(MessageIds.Generate("SHA256", domain, now)).Append("\r\n");
        }
        AddFields(text.ToString());
    }

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);

    /// <inheritdoc />
    public override int Read(Span<byte> buffer) => _inner.Read(buffer);

    /// <inheritdoc />
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        _inner.ReadAsync(buffer, cancellationToken);

    /// <inheritdoc />
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        _inner.ReadAsync(buffer, offset, count, cancellationToken);

    /// <summary>Moves to a position in the edited message.</summary>
    /// <param name="offset">The offset from <paramref name="origin"/>.</param>
    /// <param name="origin">Where <paramref name="offset"/> counts from.</param>
    /// <returns>The new position.</returns>
    /// <exception cref="NotSupportedException">The source cannot seek.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The position would be negative.</exception>
    public override long Seek(long offset, SeekOrigin origin) => _inner.Seek(offset, origin);

    /// <inheritdoc />
    public override void Flush()
    {
    }

    /// <summary>Not supported: the stream is read-only.</summary>
    /// <param name="value">Unused.</param>
    /// <exception cref="NotSupportedException">Always.</exception>
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>Not supported: the stream is read-only.</summary>
    /// <param name="buffer">Unused.</param>
    /// <param name="offset">Unused.</param>
    /// <param name="count">Unused.</param>
    /// <exception cref="NotSupportedException">Always.</exception>
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }
        base.Dispose(disposing);
    }
}
