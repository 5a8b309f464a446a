using System.Buffers.Text;
using Herald.Message.Mime;
using Herald.Transport;
using Xunit;

namespace Herald.Tests.Message.Mime;

/// <summary>
/// A 300 MB attachment, generated on the fly (no file), streams through the writer with a fixed amount of memory, and
/// every byte is checked on the way out.
/// </summary>
public class LargeAttachmentTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const long Size = 300L * 1024 * 1024;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_300_MB_attachment_streams_with_bounded_memory_and_arrives_intact(bool async)
    {
        using var message = new EmailMessage { From = "a@example.org", SendTo = "b@example.com", PlainText = "big one" };
        message.Attachments.Add("big.bin", new PatternStream(Size));
        var checker = new OutputChecker();
        var (announced, total, allocated) = Send(message, checker, async);
        Assert.Equal(announced, total);
        Assert.True(checker.Failure is null, checker.Failure);
        Assert.Equal(Size, checker.DecodedBytes);
        output.WriteLine($"{total} bytes written, {allocated} bytes allocated");
        Assert.True(allocated < 16 * 1024 * 1024, $"{allocated} bytes were allocated to send {Size} bytes");
    }

    // Counted on this thread: every read completes synchronously (the generated stream never waits), so nothing runs
    // elsewhere. This counts every allocation, not only what survives, so it bounds the heap's growth too.
    private static (long Announced, long Total, long Allocated) Send(EmailMessage message, OutputChecker checker, bool async)
    {
        var buffer = new byte[MimeMessageSource.PreferredReadSize];
        long before = GC.GetAllocatedBytesForCurrentThread();
        var source = MimeMessageSource.Create(message, new MimeWriterOptions());
        long total = 0;
        while (true)
        {
            var task = async
                ? source.ReadAsync(new AsyncIO(), buffer, CancellationToken.None)
                : source.ReadAsync(new SyncIO(), buffer, CancellationToken.None);
            if (!task.IsCompleted)
            {
                Assert.Fail("every read of the generated stream completes synchronously");
            }
            int n = task.GetAwaiter().GetResult();
            if (n == 0)
            {
                break;
            }
            checker.Check(buffer.AsSpan(0, n));
            total += n;
        }
        source.Complete();
        return (source.Length, total, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    /// <summary>A seekable stream of <c>length</c> bytes that repeat a prime-length block, so no two lines look
    /// alike.</summary>
    private sealed class PatternStream(long length) : Stream
    {
        public const int Period = 65521;
        public static readonly byte[] Block = MakeBlock();

        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => true;

        public override bool CanWrite => false;

        public override long Length => length;

        public override long Position
        {
            get => _position;
            set => _position = value;
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int n = (int)Math.Min(buffer.Length, length - _position);
            int done = 0;
            while (done < n)
            {
                int at = (int)((_position + done) % Period);
                int run = Math.Min(n - done, Period - at);
                Block.AsSpan(at, run).CopyTo(buffer[done..]);
                done += run;
            }
            _position += n;
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            new(Read(buffer.Span));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => _position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => length + offset,
        };

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        private static byte[] MakeBlock()
        {
            var block = new byte[Period];
            new Random(42).NextBytes(block);
            return block;
        }
    }

    /// <summary>
    /// Reads the output line by line with fixed buffers: checks CRLF and the 998-octet limit everywhere, and decodes
    /// the attachment's base64 lines, comparing each byte with the pattern.
    /// </summary>
    private sealed class OutputChecker
    {
        private readonly byte[] _line = new byte[1000];
        private readonly byte[] _decoded = new byte[1000];
        private int _lineLength;
        private bool _sawCr;
        private int _state;                     // 0 before the attachment, 1 in its headers, 2 in its base64, 3 after

        public string? Failure { get; private set; }

        public long DecodedBytes { get; private set; }

        public void Check(ReadOnlySpan<byte> chunk)
        {
            while (chunk.Length > 0 && Failure is null)
            {
                if (_sawCr)
                {
                    if (chunk[0] != '\n')
                    {
                        Failure = "bare CR";
                        return;
                    }
                    _sawCr = false;
                    EndLine(_line.AsSpan(0, _lineLength));
                    _lineLength = 0;
                    chunk = chunk[1..];
                    continue;
                }
                int end = chunk.IndexOfAny((byte)'\r', (byte)'\n');
                int take = end < 0 ? chunk.Length : end;
                if (_lineLength + take > 998)
                {
                    Failure = "a line longer than 998 octets";
                    return;
                }
                chunk[..take].CopyTo(_line.AsSpan(_lineLength));
                _lineLength += take;
                if (end < 0)
                {
                    return;
                }
                if (chunk[end] == '\n')
                {
                    Failure = "bare LF";
                    return;
                }
                _sawCr = true;
                chunk = chunk[(end + 1)..];
            }
        }

        private void EndLine(ReadOnlySpan<byte> line)
        {
            switch (_state)
            {
                case 0 when line.StartsWith("Content-Disposition: attachment; filename=big.bin"u8):
                    _state = 1;
                    break;
                case 1 when line.Length == 0:
                    _state = 2;
                    break;
                case 2 when line.StartsWith("--"u8):
                    _state = 3;
                    break;
                case 2:
                    if (Base64.DecodeFromUtf8(line, _decoded, out _, out int written) != System.Buffers.OperationStatus.Done)
                    {
                        Failure = "a base64 line does not decode";
                        return;
                    }
                    int at = (int)(DecodedBytes % PatternStream.Period);
                    int first = Math.Min(written, PatternStream.Period - at);
                    if (!_decoded.AsSpan(0, first).SequenceEqual(PatternStream.Block.AsSpan(at, first))
                        || !_decoded.AsSpan(first, written - first).SequenceEqual(PatternStream.Block.AsSpan(0, written - first)))
                    {
                        Failure = "the attachment differs near byte " + DecodedBytes;
                        return;
                    }
                    DecodedBytes += written;
                    break;
            }
        }
    }
}
