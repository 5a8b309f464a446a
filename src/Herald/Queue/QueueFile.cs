using System.Text;
using Herald.Engine;
using Herald.Protocol;

namespace Herald.Queue;

/// <summary>
/// The format of a queued message: a short envelope preamble (the sender and every recipient with its type and
/// options, so Bcc recipients survive without ever becoming a header), a blank line, then the message exactly as
/// DATA would send it (before dot-stuffing, which happens when it is sent).
/// </summary>
/// <remarks>
/// <code>
/// HERALD-QUEUE 1
/// FROM &lt;sender@example.org&gt;
/// TO &lt;a@example.com&gt; NOTIFY=SUCCESS
/// BCC &lt;b@example.com&gt;
///
/// From: ...
/// </code>
/// </remarks>
internal static class QueueFile
{
    private const string Magic = "HERALD-QUEUE 1";

    /// <summary>The extension of a file waiting to be sent.</summary>
    public const string Queued = ".queued";

    /// <summary>The extension while the file is being sent.</summary>
    public const string Sending = ".sending";

    /// <summary>The extension after a failed send.</summary>
    public const string Failed = ".failed";

    /// <summary>The extension after a successful send when KeepQueue is True.</summary>
    public const string Sent = ".sent";

    /// <summary>The envelope preamble as bytes.</summary>
    public static byte[] FormatEnvelope(Envelope envelope)
    {
        var sb = new StringBuilder();
        sb.Append(Magic).Append("\r\n");
        sb.Append("FROM <").Append(envelope.ReversePath).Append(">\r\n");
        foreach (var r in envelope.Recipients)
        {
            sb.Append(r.Kind switch { RecipientKind.Cc => "CC", RecipientKind.Bcc => "BCC", _ => "TO" })
                .Append(" <").Append(r.Address).Append('>');
            if (r.Options.Length > 0)
            {
                sb.Append(' ').Append(r.Options);
            }
            sb.Append("\r\n");
        }
        sb.Append("\r\n");
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    /// <summary>Reads the envelope preamble; the stream is left at the first byte of the message.</summary>
    /// <exception cref="FormatException">The file is not a Herald queue file.</exception>
    public static Envelope ReadEnvelope(Stream input)
    {
        string? first = ReadLine(input);
        if (first != Magic)
        {
            throw new FormatException("it is not a Herald queue file (the first line is not \"" + Magic + "\")");
        }
        string reversePath = "";
        bool sawFrom = false;
        var recipients = new List<EnvelopeRecipient>();
        while (true)
        {
            string line = ReadLine(input) ?? throw new FormatException("the envelope does not end with an empty line");
            if (line.Length == 0)
            {
                break;
            }
            int open = line.IndexOf('<', StringComparison.Ordinal);
            int close = line.LastIndexOf('>');
            if (open < 1 || close < open)
            {
                throw new FormatException($"malformed envelope line \"{line}\"");
            }
            string keyword = line[..open].Trim();
            string address = line[(open + 1)..close];
            string options = line[(close + 1)..].Trim();
            switch (keyword)
            {
                case "FROM":
                    reversePath = address;
                    sawFrom = true;
                    break;
                case "TO":
                    recipients.Add(new EnvelopeRecipient(address, RecipientKind.To, options));
                    break;
                case "CC":
                    recipients.Add(new EnvelopeRecipient(address, RecipientKind.Cc, options));
                    break;
                case "BCC":
                    recipients.Add(new EnvelopeRecipient(address, RecipientKind.Bcc, options));
                    break;
                default:
                    throw new FormatException($"unknown envelope line \"{line}\"");
            }
        }
        if (!sawFrom || recipients.Count == 0)
        {
            throw new FormatException("the envelope lacks a sender or recipients");
        }
        return new Envelope(reversePath, recipients);
    }

    /// <summary>Reads one CRLF (or LF) terminated UTF-8 line, or null at the end of the stream.</summary>
    private static string? ReadLine(Stream input)
    {
        var bytes = new List<byte>(64);
        while (true)
        {
            int b = input.ReadByte();
            if (b < 0)
            {
                return bytes.Count == 0 ? null : Encoding.UTF8.GetString(bytes.ToArray());
            }
            if (b == '\n')
            {
                if (bytes.Count > 0 && bytes[^1] == '\r')
                {
                    bytes.RemoveAt(bytes.Count - 1);
                }
                return Encoding.UTF8.GetString(bytes.ToArray());
            }
            if (bytes.Count > 64 * 1024)
            {
                throw new FormatException("an envelope line is too long");
            }
            bytes.Add((byte)b);
        }
    }
}
