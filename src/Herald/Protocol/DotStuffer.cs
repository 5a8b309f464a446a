namespace Herald.Protocol;

/// <summary>
/// Prepares message bytes for the DATA command while they stream: every line end becomes CRLF (a bare LF or a bare
/// CR is normalised, RFC 5321 §2.3.8), and a line that starts with "." gets a second "." (RFC 5321 §4.5.2). It keeps
/// the few bits of state it needs between chunks, so a message of any size passes through a fixed-size buffer.
/// For BDAT (RFC 3030), which carries the message as counted octets, it normalises line ends only.
/// </summary>
internal struct DotStuffer
{
    private readonly bool _noDots; // BDAT: line ends only, no dot-stuffing
    private bool _midLine;         // false at the start of a line
    private bool _afterCr;         // the previous byte was a CR (already written as CRLF)

    /// <summary>Creates a stuffer positioned at the start of the message, for DATA.</summary>
    public DotStuffer()
    {
    }

    /// <summary>Creates a stuffer positioned at the start of the message.</summary>
    /// <param name="stuffDots">True for DATA; false for BDAT, where only line ends are normalised.</param>
    public DotStuffer(bool stuffDots)
    {
        _noDots = !stuffDots;
    }

    /// <summary>True when the bytes seen so far end in the middle of a line.</summary>
    public readonly bool MidLine => _midLine;

    /// <summary>
    /// Transforms as much of <paramref name="source"/> as fits into <paramref name="destination"/>.
    /// Each source byte needs at most two destination bytes.
    /// </summary>
    /// <param name="source">Message bytes.</param>
    /// <param name="destination">Where the transformed bytes go.</param>
    /// <param name="consumed">Source bytes used.</param>
    /// <returns>Destination bytes written.</returns>
    public int Encode(ReadOnlySpan<byte> source, Span<byte> destination, out int consumed)
    {
        int s = 0;
        int d = 0;
        while (s < source.Length && destination.Length - d >= 2)
        {
            byte b = source[s];
            if (_afterCr)
            {
                _afterCr = false;
                if (b == (byte)'\n')
                {
                    s++; // the LF of a CRLF whose CR was already written as CRLF
                    continue;
                }
            }
            if (b == (byte)'\r' || b == (byte)'\n')
            {
                destination[d++] = (byte)'\r';
                destination[d++] = (byte)'\n';
                _afterCr = b == (byte)'\r';
                _midLine = false;
                s++;
                continue;
            }
            if (!_midLine)
            {
                _midLine = true;
                if (b == (byte)'.' && !_noDots)
                {
                    destination[d++] = (byte)'.';
                    destination[d++] = (byte)'.';
                    s++;
                    continue;
                }
            }
            // Copy the run of ordinary bytes up to the next line end in one go.
            var run = source[s..];
            int stop = run.IndexOfAny((byte)'\r', (byte)'\n');
            if (stop < 0)
            {
                stop = run.Length;
            }
            int n = Math.Min(stop, destination.Length - d);
            run[..n].CopyTo(destination[d..]);
            s += n;
            d += n;
        }
        consumed = s;
        return d;
    }

    /// <summary>
    /// Writes the end of the data: a CRLF when the message did not end with one, then ".CRLF".
    /// <paramref name="destination"/> needs 5 bytes.
    /// </summary>
    /// <returns>Bytes written.</returns>
    public int Finish(Span<byte> destination)
    {
        System.Diagnostics.Debug.Assert(!_noDots, "BDAT data ends with FinishLine.");
        int d = 0;
        if (_midLine)
        {
            destination[d++] = (byte)'\r';
            destination[d++] = (byte)'\n';
        }
        SmtpCommands.EndOfData.CopyTo(destination[d..]);
        _midLine = false;
        _afterCr = false;
        return d + SmtpCommands.EndOfData.Length;
    }

    /// <summary>Ends the data for BDAT: a CRLF when the message did not end with one. Needs 2 bytes.</summary>
    /// <returns>Bytes written.</returns>
    public int FinishLine(Span<byte> destination)
    {
        if (!_midLine)
        {
            return 0;
        }
        destination[0] = (byte)'\r';
        destination[1] = (byte)'\n';
        _midLine = false;
        _afterCr = false;
        return 2;
    }
}
