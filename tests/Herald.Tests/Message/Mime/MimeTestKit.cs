using System.Text;
using Herald.Message.Mime;
using Herald.Transport;
using MimeKit;
using Xunit;

namespace Herald.Tests.Message.Mime;

/// <summary>Runs the MIME writer the way the engine does and checks what it produced.</summary>
internal static class MimeTestKit
{
    public static readonly DateTimeOffset FixedTime = new(2026, 3, 14, 15, 9, 26, TimeSpan.FromHours(1));

    /// <summary>The output and the length announced before it was read.</summary>
    public sealed record Output(byte[] Bytes, long Length, bool Is8Bit, bool HasBody, MimeMessageSource Source);

    /// <summary>Creates the source and reads it to the end, synchronously, with buffers of <paramref name="bufferSize"/>
    /// bytes.</summary>
    public static Output Produce(EmailMessage message, bool eightBitMime = false, int bufferSize = 16 * 1024)
    {
        var task = ProduceAsync(message, eightBitMime, async: false, bufferSize);
        Assert.True(task.IsCompleted, "a sync read must complete synchronously");
        return task.GetAwaiter().GetResult();
    }

    /// <summary>Creates the source and reads it to the end with buffers of <paramref name="bufferSize"/> bytes, through
    /// the sync or the async I/O adapter.</summary>
    public static async Task<Output> ProduceAsync(EmailMessage message, bool eightBitMime, bool async, int bufferSize = 16 * 1024)
    {
        var source = MimeMessageSource.Create(message, new MimeWriterOptions { EightBitMime = eightBitMime, Clock = () => FixedTime });
        long length = source.Length;
        var output = new MemoryStream();
        var buffer = new byte[bufferSize];
        try
        {
            while (true)
            {
                int n;
                if (async)
                {
                    n = await source.ReadAsync(new AsyncIO(), buffer, CancellationToken.None);
                }
                else
                {
                    var task = source.ReadAsync(new SyncIO(), buffer, CancellationToken.None);
                    Assert.True(task.IsCompleted, "a sync read must complete synchronously");
                    n = task.Result;
                }
                if (n == 0)
                {
                    break;
                }
                Assert.InRange(n, 1, bufferSize);
                output.Write(buffer, 0, n);
            }
        }
        finally
        {
            source.Complete();
        }
        return new Output(output.ToArray(), length, source.Is8Bit, source.HasBody, source);
    }

    /// <summary>Checks the wire rules: CRLF line ends only, no line over 998 octets, a final CRLF, no NUL.</summary>
    public static void AssertWireClean(byte[] bytes)
    {
        Assert.True(bytes.Length >= 2 && bytes[^2] == '\r' && bytes[^1] == '\n', "the message must end with CRLF");
        int lineStart = 0;
        for (int i = 0; i < bytes.Length; i++)
        {
            Assert.True(bytes[i] != 0, $"NUL at offset {i}");
            if (bytes[i] == '\r')
            {
                Assert.True(i + 1 < bytes.Length && bytes[i + 1] == '\n', $"bare CR at offset {i}");
                Assert.True(i - lineStart <= 998, $"line of {i - lineStart} octets at offset {lineStart}");
                i++;
                lineStart = i + 1;
            }
            else if (bytes[i] == '\n')
            {
                Assert.Fail($"bare LF at offset {i}");
            }
        }
    }

    /// <summary>Parses with MimeKit.</summary>
    public static MimeMessage Parse(byte[] bytes) => MimeMessage.Load(new MemoryStream(bytes));

    /// <summary>The decoded content of a part.</summary>
    public static byte[] Decoded(MimePart part)
    {
        var output = new MemoryStream();
        part.Content?.DecodeTo(output); // MimeKit has no content object for an empty part
        return output.ToArray();
    }

    /// <summary>Text with every line end made CRLF, the canonical form of text (RFC 2046 §4.1.1).</summary>
    public static string Crlf(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal)
        .Replace('\r', '\n').Replace("\n", "\r\n", StringComparison.Ordinal);

    /// <summary>The decoded text of a text part, line ends made CRLF: MimeKit hands out the text of a 7bit or 8bit part
    /// nested in a multipart with LF line ends, whatever was sent (the wire bytes are checked by
    /// <see cref="AssertWireClean"/>).</summary>
    public static string TextOf(MimePart part) => Crlf(Encoding.UTF8.GetString(Decoded(part)));

    /// <summary>Every byte value 0-255, several times, in a scrambled order.</summary>
    public static byte[] AllByteValues()
    {
        var data = new byte[256 * 5 + 1];
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = (byte)(i * 167 + (i >> 8));
        }
        return data;
    }

    /// <summary>A stream that cannot seek (so its length is unknown), handing out at most a few bytes per read.</summary>
    public sealed class TrickleStream(byte[] data, int maxRead = 1000) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int n = Math.Min(Math.Min(buffer.Length, maxRead), data.Length - _position);
            data.AsSpan(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
