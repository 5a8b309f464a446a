using System.Globalization;
using System.Text;

namespace Herald.Cli.Load;

/// <summary>
/// The messages of a load run: a header block of its own per message (a Subject and Message-ID that number it, so
/// each one can be told apart at the server) in front of one body that every message shares, so that memory does not
/// grow with the number of messages in flight times their size.
/// </summary>
internal sealed class LoadMessages
{
    /// <summary>The line bodies are made of: 76 characters (and CRLF), under RFC 5322's 78.</summary>
    private static readonly string Line = string.Concat(Enumerable.Repeat("The quick brown fox jumps over the lazy dog. ", 2))[..76];

    private readonly byte[] _body;
    private readonly string _from;
    private readonly string _to;
    private readonly string _date;
    private readonly string _run;

    /// <summary>Makes the shared body.</summary>
    /// <param name="from">The sender, for the From header.</param>
    /// <param name="to">The first recipient, for the To header.</param>
    /// <param name="bodyBytes">The body's size in bytes: whole lines, the last one cut short to fit.</param>
    public LoadMessages(string from, string to, int bodyBytes)
    {
        _from = from;
        _to = to;
        _body = Body(bodyBytes);
        // One Date for the run (RFC 5322 §3.3); a run id keeps Message-IDs of two runs apart (§3.6.4).
        _date = DateTimeOffset.UtcNow.ToString("ddd, dd MMM yyyy HH:mm:ss '+0000'", CultureInfo.InvariantCulture);
        _run = Guid.NewGuid().ToString("N")[..12];
    }

    /// <summary>The shared body's size in bytes.</summary>
    public int BodyLength => _body.Length;

    /// <summary>Message number <paramref name="index"/> (from 1), as a stream the pool can read again for a retry.</summary>
    public Stream Open(int index)
    {
        string n = index.ToString(CultureInfo.InvariantCulture);
        string headers = $"From: <{_from}>\r\nTo: <{_to}>\r\nSubject: herald load {n}\r\nDate: {_date}\r\n" +
                         $"Message-ID: <{_run}.{n}@load.herald.invalid>\r\nMIME-Version: 1.0\r\n" +
                         "Content-Type: text/plain; charset=us-ascii\r\n\r\n";
        return new MessageStream(Encoding.ASCII.GetBytes(headers), _body);
    }

    private static byte[] Body(int size)
    {
        var body = new byte[size];
        var line = Encoding.ASCII.GetBytes(Line + "\r\n");
        for (int at = 0; at < size; at += line.Length)
        {
            line.AsSpan(0, Math.Min(line.Length, size - at)).CopyTo(body.AsSpan(at));
        }
        // A body cut inside a line still ends with a line end, so the size asked for is the size sent.
        if (size >= 2)
        {
            body[^2] = (byte)'\r';
            body[^1] = (byte)'\n';
        }
        else if (size == 1)
        {
            body[0] = (byte)'\n';
        }
        return body;
    }

    /// <summary>Headers then the shared body, read-only and seekable.</summary>
    private sealed class MessageStream(byte[] headers, byte[] body) : Stream
    {
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => true;

        public override bool CanWrite => false;

        public override long Length => headers.Length + body.Length;

        public override long Position
        {
            get => _position;
            set => _position = Math.Clamp(value, 0, Length);
        }

        public override int Read(Span<byte> buffer)
        {
            int written = 0;
            while (written < buffer.Length && _position < Length)
            {
                var source = _position < headers.Length
                    ? headers.AsSpan((int)_position)
                    : body.AsSpan((int)(_position - headers.Length));
                int n = Math.Min(source.Length, buffer.Length - written);
                source[..n].CopyTo(buffer[written..]);
                written += n;
                _position += n;
            }
            return written;
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            new(Read(buffer.Span));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Task.FromResult(Read(buffer.AsSpan(offset, count)));

        public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => Length + offset,
        };

        public override void Flush()
        {
        }

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
