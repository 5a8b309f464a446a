using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Herald.IntegrationTests.Support;

/// <summary>
/// A read-only stream of generated CRLF text lines, made as it is read, so a test can send megabytes without holding
/// them. The lines include some that start with "." and some that are a lone ".", which the transfer must
/// dot-stuff (RFC 5321 §4.5.2) and the server must restore. The same size always gives the same bytes, so
/// <see cref="Sha256"/> tells what the receiver must have stored.
/// </summary>
internal sealed class GeneratedTextStream : Stream
{
    private readonly long _target;
    private readonly bool _lengthKnown;
    private long _position;
    private int _lineNumber;
    private byte[] _line = [];
    private int _lineOffset;

    /// <summary>Creates the stream.</summary>
    /// <param name="approximateSize">Lines are produced until at least this many bytes were; the last line is whole.</param>
    /// <param name="lengthKnown">True to report the exact <see cref="Length"/> (and CanSeek), as a file would; false
    /// for a stream whose length nobody knows in advance.</param>
    public GeneratedTextStream(long approximateSize, bool lengthKnown)
    {
        _target = approximateSize;
        _lengthKnown = lengthKnown;
        if (lengthKnown)
        {
            ExactLength = Measure(approximateSize);
        }
    }

    /// <summary>The byte count this stream produces (computed once when the length is reported).</summary>
    public long ExactLength { get; } = -1;

    /// <summary>True once the stream was disposed (closed).</summary>
    public bool IsDisposed { get; private set; }

    /// <inheritdoc/>
    public override bool CanRead => !IsDisposed;

    /// <inheritdoc/>
    public override bool CanSeek => _lengthKnown;

    /// <inheritdoc/>
    public override bool CanWrite => false;

    /// <inheritdoc/>
    public override long Length => _lengthKnown ? ExactLength : throw new NotSupportedException();

    /// <inheritdoc/>
    public override long Position
    {
        get => _lengthKnown ? _position : throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <summary>The SHA-256 (hex) of everything a stream of this size produces.</summary>
    public static string Sha256(long approximateSize)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var stream = new GeneratedTextStream(approximateSize, lengthKnown: false);
        var buffer = new byte[81920];
        int n;
        while ((n = stream.Read(buffer)) > 0)
        {
            hash.AppendData(buffer, 0, n);
        }
        return Convert.ToHexString(hash.GetHashAndReset());
    }

    /// <inheritdoc/>
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <inheritdoc/>
    public override int Read(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        int written = 0;
        while (written < buffer.Length)
        {
            if (_lineOffset == _line.Length)
            {
                if (_position >= _target)
                {
                    break;
                }
                _line = MakeLine(_lineNumber++);
                _lineOffset = 0;
            }
            int n = Math.Min(buffer.Length - written, _line.Length - _lineOffset);
            _line.AsSpan(_lineOffset, n).CopyTo(buffer[written..]);
            _lineOffset += n;
            written += n;
            _position += n;
        }
        return written;
    }

    /// <inheritdoc/>
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        new(Read(buffer.Span));

    /// <inheritdoc/>
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Task.FromResult(Read(buffer.AsSpan(offset, count)));

    /// <inheritdoc/>
    public override void Flush()
    {
    }

    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc/>
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc/>
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        IsDisposed = true;
        base.Dispose(disposing);
    }

    private static long Measure(long approximateSize)
    {
        long total = 0;
        for (int i = 0; total < approximateSize; i++)
        {
            total += MakeLine(i).Length;
        }
        return total;
    }

    private static byte[] MakeLine(int number)
    {
        if (number % 101 == 100)
        {
            return ".\r\n"u8.ToArray();
        }
        var sb = new StringBuilder(80);
        if (number % 17 == 3)
        {
            sb.Append("..starts with dots ");
        }
        sb.Append("line ").Append(number.ToString("D7", CultureInfo.InvariantCulture)).Append(' ');
        // Varying lengths and letters so that a lost, repeated or reordered piece changes the hash.
        int length = 20 + (number * 37 % 55);
        for (int i = 0; i < length; i++)
        {
            sb.Append((char)('a' + ((number + i * 7) % 26)));
        }
        sb.Append("\r\n");
        return Encoding.ASCII.GetBytes(sb.ToString());
    }
}
