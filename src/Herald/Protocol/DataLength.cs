namespace Herald.Protocol;

/// <summary>
/// Counts the octets a message occupies once <see cref="DotStuffer"/> has normalised its line ends, as RFC 1870 §4
/// counts them for <c>SIZE=</c>: every line end as CRLF (a bare CR or a bare LF becomes two octets), the CRLF added to
/// end an unterminated last line included, the doubled dots and the final <c>.CRLF</c> not. Fed in pieces, it keeps
/// the same state between them as the stuffer does, so the count equals what the server receives.
/// </summary>
internal struct DataLength
{
    private long _octets;
    private bool _midLine;   // the last character seen was not part of a line end
    private bool _afterCr;   // the last character seen was a CR

    /// <summary>Creates a counter at the start of a message.</summary>
    public DataLength()
    {
    }

    /// <summary>Counts a piece of message bytes.</summary>
    /// <param name="data">The bytes, as the source gives them.</param>
    public void Add(ReadOnlySpan<byte> data) => _octets += data.Length + Scan(data, (byte)'\r', (byte)'\n');

    /// <summary>
    /// Counts a piece of text whose encoded size is already known: only the octets that line-end normalisation adds
    /// are counted here (each CR and LF is one octet in every charset a message body is sent in).
    /// </summary>
    /// <param name="text">The characters.</param>
    /// <param name="encodedLength">Their length in bytes once encoded.</param>
    public void Add(ReadOnlySpan<char> text, long encodedLength) => _octets += encodedLength + Scan(text, '\r', '\n');

    /// <summary>The total, including the CRLF the client adds when the message does not end with a line end.</summary>
    public readonly long Total => _octets + (_midLine ? 2 : 0);

    /// <summary>Counts the octets normalisation adds to <paramref name="data"/> and tracks the line state.</summary>
    private long Scan<T>(ReadOnlySpan<T> data, T cr, T lf) where T : IEquatable<T>
    {
        long added = 0;
        int i = 0;
        while (i < data.Length)
        {
            if (_afterCr)
            {
                _afterCr = false;
                if (data[i].Equals(lf))
                {
                    added--; // CR LF was counted as a bare CR (+1); as a pair it stays two octets
                    i++;
                    continue;
                }
            }
            int next = data[i..].IndexOfAny(cr, lf);
            if (next < 0)
            {
                _midLine = true;
                break;
            }
            i += next;
            // Either a bare LF or (until an LF follows) a bare CR: each becomes CRLF, one octet more.
            added++;
            _afterCr = data[i].Equals(cr);
            _midLine = false;
            i++;
        }
        return added;
    }
}
