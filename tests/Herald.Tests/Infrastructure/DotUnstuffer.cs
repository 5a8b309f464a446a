namespace Herald.Tests.Infrastructure;

/// <summary>
/// The receiving side of <see cref="Herald.Protocol.DotStuffer"/>: reads DATA lines, removes the extra leading "." and
/// recognises the lone "." that ends the data (RFC 5321 §4.5.2). The fake servers and the stuffing round trip use it.
/// </summary>
internal static class DotUnstuffer
{
    /// <summary>Processes one received line (without its CRLF).</summary>
    /// <param name="line">The line as received.</param>
    /// <param name="content">The line as it was before stuffing.</param>
    /// <returns>True when the line is the end-of-data marker.</returns>
    public static bool ProcessLine(ReadOnlySpan<byte> line, out ReadOnlySpan<byte> content)
    {
        if (line.Length == 1 && line[0] == (byte)'.')
        {
            content = default;
            return true;
        }
        content = line.Length > 0 && line[0] == (byte)'.' ? line[1..] : line;
        return false;
    }

    /// <summary>Restores a whole stuffed message (ending with CRLF.CRLF) to its original bytes.</summary>
    /// <param name="stuffed">Everything the client sent after the 354 reply.</param>
    /// <returns>The message content with CRLF line ends.</returns>
    /// <exception cref="FormatException">The data does not end with the end-of-data line.</exception>
    public static byte[] Unstuff(ReadOnlySpan<byte> stuffed)
    {
        var output = new List<byte>(stuffed.Length);
        while (stuffed.Length > 0)
        {
            int lf = stuffed.IndexOf((byte)'\n');
            if (lf < 1 || stuffed[lf - 1] != (byte)'\r')
            {
                throw new FormatException("DATA line without CRLF.");
            }
            if (ProcessLine(stuffed[..(lf - 1)], out var content))
            {
                return output.ToArray();
            }
            output.AddRange(content);
            output.Add((byte)'\r');
            output.Add((byte)'\n');
            stuffed = stuffed[(lf + 1)..];
        }
        throw new FormatException("DATA ended without the end-of-data line.");
    }
}
