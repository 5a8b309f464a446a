namespace Herald.Message;

/// <summary>
/// Streams bytes into quoted-printable (RFC 2045 §6.7) chunk by chunk, keeping only a few bytes of state, in the
/// manner of <see cref="Herald.Protocol.DotStuffer"/>. Output lines are at most 76 characters: a line that would be
/// longer ends in a soft break (<c>=</c> CRLF). Bytes other than printable ASCII, and '=', become <c>=XX</c>; a space
/// or tab at the end of a line is encoded too (rule 3), so nothing a relay strips is lost; CRLF is a hard line break.
/// </summary>
/// <remarks>
/// In text mode (the default, for a text/plain body) a bare LF or bare CR is a line break as well and goes out as
/// CRLF, as any line end of text does in canonical form (RFC 2045 §6.7 rule 4). In binary mode only CRLF is a line
/// break and a lone CR or LF is encoded (<c>=0D</c>, <c>=0A</c>), so decoding gives back exactly the bytes given.
/// </remarks>
internal struct QuotedPrintableEncoder
{
    /// <summary>The longest encoded line, soft-break '=' included, CRLF not (RFC 2045 §6.7 rule 5).</summary>
    public const int MaxLineLength = 76;

    /// <summary>The destination room <see cref="Encode"/> needs to make progress and <see cref="Finish"/> needs at
    /// most. One source byte can flush two held-back bytes, each with a soft break.</summary>
    public const int MinDestinationLength = 16;

    private const int MaxContent = MaxLineLength - 1;   // room left for the '=' of a soft break
    private const string HexDigits = "0123456789ABCDEF";

    private readonly bool _binary;
    private int _lineLength;     // characters on the current output line
    private byte _heldSpace;     // a space or tab not yet written (0 for none): it is encoded if the line ends here
    private bool _heldCr;        // binary mode: a CR waiting to see whether an LF follows
    private bool _afterCr;       // text mode: a CR was just written as a line break, so an LF right after belongs to it

    /// <summary>Creates an encoder positioned at the start of the data.</summary>
    /// <param name="binary">True to encode bare CR and LF rather than treat them as line breaks.</param>
    public QuotedPrintableEncoder(bool binary = false)
    {
        _binary = binary;
    }

    /// <summary>
    /// Encodes as much of <paramref name="source"/> as fits into <paramref name="destination"/>; stops when
    /// fewer than <see cref="MinDestinationLength"/> bytes of room are left.
    /// </summary>
    /// <param name="source">Bytes to encode.</param>
    /// <param name="destination">Where encoded bytes go.</param>
    /// <param name="consumed">Source bytes used.</param>
    /// <returns>Destination bytes written.</returns>
    public int Encode(ReadOnlySpan<byte> source, Span<byte> destination, out int consumed)
    {
        int s = 0;
        int d = 0;
        while (s < source.Length && destination.Length - d >= MinDestinationLength)
        {
            Step(source[s++], destination, ref d);
        }
        consumed = s;
        return d;
    }

    /// <summary>
    /// Writes what is still held back at the end of the data and resets the encoder. Needs at most
    /// <see cref="MinDestinationLength"/> bytes. The output does not gain a final line break.
    /// </summary>
    /// <param name="destination">Where the last bytes go.</param>
    /// <returns>Bytes written.</returns>
    public int Finish(Span<byte> destination)
    {
        int d = 0;
        if (_heldCr)
        {
            WriteHeldSpaceLiteral(destination, ref d); // followed by =0D, so not at the end of a line
            WriteEncoded((byte)'\r', destination, ref d);
        }
        else if (_heldSpace != 0)
        {
            WriteEncoded(_heldSpace, destination, ref d);
        }
        _lineLength = 0;
        _heldSpace = 0;
        _heldCr = false;
        _afterCr = false;
        return d;
    }

    private void Step(byte b, Span<byte> dst, ref int d)
    {
        if (_binary)
        {
            if (_heldCr)
            {
                _heldCr = false;
                if (b == (byte)'\n')
                {
                    LineBreak(dst, ref d);
                    return;
                }
                WriteHeldSpaceLiteral(dst, ref d);
                WriteEncoded((byte)'\r', dst, ref d);
            }
            if (b == (byte)'\r')
            {
                _heldCr = true;
                return;
            }
        }
        else
        {
            if (_afterCr)
            {
                _afterCr = false;
                if (b == (byte)'\n')
                {
                    return;
                }
            }
            if (b is (byte)'\r' or (byte)'\n')
            {
                LineBreak(dst, ref d);
                _afterCr = b == (byte)'\r';
                return;
            }
        }
        WriteHeldSpaceLiteral(dst, ref d);
        if (b is (byte)' ' or (byte)'\t')
        {
            _heldSpace = b;
        }
        else if (b is >= 33 and <= 126 and not (byte)'=')
        {
            SoftBreakIfNeeded(1, dst, ref d);
            dst[d++] = b;
            _lineLength++;
        }
        else
        {
            WriteEncoded(b, dst, ref d);
        }
    }

    // A hard line break: whitespace held before it would end the line, so it is encoded (RFC 2045 §6.7 rule 3).
    private void LineBreak(Span<byte> dst, ref int d)
    {
        if (_heldSpace != 0)
        {
            WriteEncoded(_heldSpace, dst, ref d);
            _heldSpace = 0;
        }
        dst[d++] = (byte)'\r';
        dst[d++] = (byte)'\n';
        _lineLength = 0;
    }

    private void WriteHeldSpaceLiteral(Span<byte> dst, ref int d)
    {
        if (_heldSpace != 0)
        {
            SoftBreakIfNeeded(1, dst, ref d);
            dst[d++] = _heldSpace;
            _lineLength++;
            _heldSpace = 0;
        }
    }

    private void WriteEncoded(byte b, Span<byte> dst, ref int d)
    {
        SoftBreakIfNeeded(3, dst, ref d);
        dst[d++] = (byte)'=';
        dst[d++] = (byte)HexDigits[b >> 4];
        dst[d++] = (byte)HexDigits[b & 0xF];
        _lineLength += 3;
    }

    // Keeps room for the '=' of a soft break on every line (RFC 2045 §6.7 rule 5).
    private void SoftBreakIfNeeded(int width, Span<byte> dst, ref int d)
    {
        if (_lineLength + width > MaxContent)
        {
            dst[d++] = (byte)'=';
            dst[d++] = (byte)'\r';
            dst[d++] = (byte)'\n';
            _lineLength = 0;
        }
    }
}
