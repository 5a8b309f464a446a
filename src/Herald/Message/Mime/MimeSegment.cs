using Herald.Transport;

namespace Herald.Message.Mime;

/// <summary>
/// One stretch of a MIME message's bytes: header text and boundaries held in memory, a text body being encoded, or an
/// attachment being base64-encoded from its source. Its length is known before anything is produced (-1 only for a
/// source that cannot tell its size).
/// </summary>
internal abstract class MimeSegment
{
    /// <summary>The room <see cref="ReadAsync"/> needs in its destination to make progress.</summary>
    public const int MinRoom = 256;

    /// <summary>The exact number of bytes the segment produces, or -1 when its source cannot tell.</summary>
    public abstract long Length { get; }

    /// <summary>True when the segment holds bytes above 127.</summary>
    public virtual bool Is8Bit => false;

    /// <summary>Writes the next bytes into <paramref name="destination"/> (at least <see cref="MinRoom"/> long); 0 means
    /// the segment is finished.</summary>
    public abstract ValueTask<int> ReadAsync<TIO>(TIO io, Memory<byte> destination, CancellationToken cancellationToken)
        where TIO : struct, ISmtpIO;

    /// <summary>Releases what the segment holds (open files, pooled buffers); called when it is finished or the send ends
    /// early.</summary>
    public virtual void Complete()
    {
    }
}

/// <summary>Bytes held in memory: header blocks, boundary lines.</summary>
internal sealed class BytesSegment(byte[] bytes) : MimeSegment
{
    private int _position;

    /// <inheritdoc />
    public override long Length => bytes.Length;

    /// <inheritdoc />
    public override bool Is8Bit => !System.Text.Ascii.IsValid(bytes);

    /// <inheritdoc />
    public override ValueTask<int> ReadAsync<TIO>(TIO io, Memory<byte> destination, CancellationToken cancellationToken)
    {
        int n = Math.Min(destination.Length, bytes.Length - _position);
        bytes.AsSpan(_position, n).CopyTo(destination.Span);
        _position += n;
        return new ValueTask<int>(n);
    }
}
