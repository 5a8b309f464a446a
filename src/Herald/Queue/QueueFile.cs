using System.Globalization;
using System.Text;
using Herald.Engine;

namespace Herald.Queue;

/// <summary>
/// The format of a queue file: a text header (the envelope, so Bcc recipients survive without ever becoming a
/// header line), a blank line, the message exactly as DATA would send it before dot-stuffing, then a journal of what
/// happened to it, one line per event, appended in place.
/// </summary>
/// <remarks>
/// <code>
/// HERALD-QUEUE 2
/// CREATED 2026-11-22T10:00:00.000Z
/// FROM &lt;sender@example.org&gt;
/// TO &lt;a@example.com&gt; NOTIFY=SUCCESS
/// BCC &lt;b@example.com&gt;
/// SIZE 1234
///
/// From: ...                                   (SIZE bytes of message)
/// @2026-11-22T10:00:01.120Z ATTEMPT 1 host=mail1 pid=4242
/// @2026-11-22T10:00:01.180Z DATA-END
/// @2026-11-22T10:00:01.190Z DELIVERED 1,2 250 2.0.0 Ok: queued as 4Xz
/// </code>
/// <para>Header lines: <c>CREATED</c> (UTC), <c>FROM</c>, one <c>TO</c>/<c>CC</c>/<c>BCC</c> per recipient with its
/// RFC 3461 options, <c>BODY 8BITMIME</c> or <c>BODY BINARYMIME</c> when the message needs it, <c>MAIL-PARAMETERS</c>
/// for extra MAIL FROM parameters, and <c>SIZE</c>: the message's length in bytes in the file (written padded with
/// spaces, since it is filled in after the message). Version 1 files (the format before the journal) have only FROM
/// and the recipient lines, and the message runs to the end of the file; they are still read and sent.</para>
/// <para>Journal lines start with <c>@</c> and a UTC time; recipients are numbered from 1 in header order. A line
/// cut short by a crash (no line end) is ignored and cut off before the next one is appended; lines that are not
/// journal lines are ignored too, so a later version may add kinds an older reader skips.</para>
/// </remarks>
internal static class QueueFile
{
    /// <summary>The extension of a file waiting to be sent.</summary>
    public const string Queued = ".queued";

    /// <summary>The extension while a worker holds the file.</summary>
    public const string Sending = ".sending";

    /// <summary>The extension after a permanent failure.</summary>
    public const string Failed = ".failed";

    /// <summary>The extension of a sent file that is kept.</summary>
    public const string Sent = ".sent";

    /// <summary>The extension of a file still being written; never picked up.</summary>
    public const string Temporary = ".tmp";

    /// <summary>The format version this code writes.</summary>
    public const int CurrentVersion = 2;

    private const string MagicPrefix = "HERALD-QUEUE ";
    private const int SizeFieldWidth = 20; // room for any long

    /// <summary>The header of a new file. With <paramref name="size"/> null the SIZE value is left blank (spaces), to be
    /// filled in at <paramref name="sizeOffset"/> once the message has been written.</summary>
    /// <param name="header">What the header says (its offsets are ignored).</param>
    /// <param name="size">The message length, when known.</param>
    /// <param name="sizeOffset">Where the SIZE value starts.</param>
    public static byte[] FormatHeader(QueueHeader header, long? size, out int sizeOffset)
    {
        var sb = new StringBuilder();
        sb.Append(MagicPrefix).Append(CurrentVersion.ToString(CultureInfo.InvariantCulture)).Append("\r\n");
        if (header.Created is { } created)
        {
            sb.Append("CREATED ").Append(FormatTime(created)).Append("\r\n");
        }
        sb.Append("FROM <").Append(header.Envelope.ReversePath).Append(">\r\n");
        foreach (var r in header.Envelope.Recipients)
        {
            sb.Append(KindWord(r.Kind)).Append(" <").Append(r.Address).Append('>');
            if (r.Options.Length > 0)
            {
                sb.Append(' ').Append(r.Options);
            }
            sb.Append("\r\n");
        }
        if (header.Body.Length > 0)
        {
            sb.Append("BODY ").Append(header.Body).Append("\r\n");
        }
        if (header.Envelope.ExtraMailParameters.Count > 0)
        {
            sb.Append("MAIL-PARAMETERS ").AppendJoin(' ', header.Envelope.ExtraMailParameters).Append("\r\n");
        }
        sb.Append("SIZE ");
        sizeOffset = Encoding.UTF8.GetByteCount(sb.ToString());
        sb.Append(size is { } known ? known.ToString(CultureInfo.InvariantCulture) : new string(' ', SizeFieldWidth));
        sb.Append("\r\n\r\n");
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    /// <summary>The SIZE value to write over the blank field.</summary>
    /// <param name="size">The message length.</param>
    public static byte[] FormatSize(long size) =>
        Encoding.ASCII.GetBytes(size.ToString(CultureInfo.InvariantCulture).PadRight(SizeFieldWidth));

    /// <summary>Reads the header; the stream is left at the first byte of the message.</summary>
    /// <param name="input">The file from its start.</param>
    /// <exception cref="FormatException">It is not a Herald queue file, or its header is damaged.</exception>
    public static QueueHeader ReadHeader(Stream input)
    {
        long offset = 0;
        string first = ReadLine(input, ref offset) ?? "";
        if (!first.StartsWith(MagicPrefix, StringComparison.Ordinal)
            || !int.TryParse(first.AsSpan(MagicPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out int version))
        {
            throw new FormatException("it is not a Herald queue file (the first line is not \"HERALD-QUEUE n\")");
        }
        if (version is < 1 or > CurrentVersion)
        {
            throw new FormatException($"it was written by a newer version of Herald (queue format {version}; this one reads " +
                                      $"1 to {CurrentVersion})");
        }
        string? reversePath = null;
        DateTimeOffset? created = null;
        long size = -1;
        string body = "";
        IReadOnlyList<string> parameters = [];
        var recipients = new List<EnvelopeRecipient>();
        while (true)
        {
            string line = ReadLine(input, ref offset) ?? throw new FormatException("the envelope does not end with an empty line");
            if (line.Length == 0)
            {
                break;
            }
            int space = line.IndexOf(' ', StringComparison.Ordinal);
            string keyword = space < 0 ? line : line[..space];
            string value = space < 0 ? "" : line[(space + 1)..].Trim();
            switch (keyword)
            {
                case "CREATED":
                    created = ParseTime(value) ?? throw new FormatException($"malformed header line \"{line}\"");
                    break;
                case "SIZE":
                    if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out size))
                    {
                        throw new FormatException($"malformed header line \"{line}\"");
                    }
                    break;
                case "BODY":
                    body = value;
                    break;
                case "MAIL-PARAMETERS":
                    parameters = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    break;
                case "FROM":
                    reversePath = Address(line, out _);
                    break;
                case "TO":
                case "CC":
                case "BCC":
                    string address = Address(line, out string options);
                    var kind = keyword switch { "CC" => RecipientKind.Cc, "BCC" => RecipientKind.Bcc, _ => RecipientKind.To };
                    recipients.Add(new EnvelopeRecipient(address, kind, options));
                    break;
                default:
                    throw new FormatException($"unknown header line \"{line}\"");
            }
        }
        if (reversePath is null || recipients.Count == 0)
        {
            throw new FormatException("the envelope lacks a sender or recipients");
        }
        if (version >= 2 && size < 0)
        {
            throw new FormatException("the header has no SIZE line");
        }
        var envelope = new Envelope(reversePath, recipients) { ExtraMailParameters = parameters };
        return new QueueHeader(envelope)
        {
            Version = version,
            Created = created,
            Body = body,
            MessageOffset = offset,
            MessageSize = size,
        };
    }

    /// <summary>One journal line, with its line end.</summary>
    /// <param name="record">The event.</param>
    public static byte[] FormatRecord(QueueRecord record)
    {
        var sb = new StringBuilder(80);
        sb.Append('@').Append(FormatTime(record.Time)).Append(' ').Append(record.Kind);
        if (record.Text.Length > 0)
        {
            sb.Append(' ').Append(OneLine(record.Text));
        }
        sb.Append("\r\n");
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    /// <summary>
    /// Parses the journal (the bytes after the message). <paramref name="complete"/> is the length of the part that
    /// ends with a line end; anything after it is a line a crash cut short.
    /// </summary>
    /// <param name="journal">The bytes.</param>
    /// <param name="complete">The length up to and including the last line end.</param>
    public static List<QueueRecord> ReadJournal(ReadOnlySpan<byte> journal, out int complete)
    {
        var records = new List<QueueRecord>();
        complete = journal.LastIndexOf((byte)'\n') + 1;
        var rest = journal[..complete];
        while (rest.Length > 0)
        {
            int end = rest.IndexOf((byte)'\n');
            var line = rest[..end];
            rest = rest[(end + 1)..];
            if (line.Length > 0 && line[^1] == '\r')
            {
                line = line[..^1];
            }
            if (line.Length < 2 || line[0] != '@')
            {
                continue;
            }
            string text = Encoding.UTF8.GetString(line[1..]);
            int space = text.IndexOf(' ', StringComparison.Ordinal);
            if (space < 0 || ParseTime(text[..space]) is not { } time)
            {
                continue;
            }
            string body = text[(space + 1)..];
            int kindEnd = body.IndexOf(' ', StringComparison.Ordinal);
            records.Add(kindEnd < 0
                ? new QueueRecord(time, body, "")
                : new QueueRecord(time, body[..kindEnd], body[(kindEnd + 1)..]));
        }
        return records;
    }

    /// <summary>A time as the file writes it: UTC, milliseconds, ISO 8601.</summary>
    /// <param name="time">The time.</param>
    public static string FormatTime(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>Parses a time written by <see cref="FormatTime"/>.</summary>
    /// <param name="text">The text.</param>
    public static DateTimeOffset? ParseTime(string text) =>
        DateTimeOffset.TryParseExact(text, ["yyyy-MM-dd'T'HH:mm:ss.fff'Z'", "yyyy-MM-dd'T'HH:mm:ss'Z'"], CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time) ? time : null;

    /// <summary>The time encoded at the start of a name the queue gave a file (<c>yyyyMMddHHmmssfff-...</c>), if any.</summary>
    /// <param name="id">The file name without its extension.</param>
    public static DateTimeOffset? TimeFromId(string id) =>
        id.Length >= 17 && DateTimeOffset.TryParseExact(id[..17], "yyyyMMddHHmmssfff", CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time) ? time : null;

    /// <summary>Text made safe for one journal line: line breaks become " / ", other control characters spaces.</summary>
    /// <param name="text">The text.</param>
    public static string OneLine(string text)
    {
        if (text.AsSpan().IndexOfAnyInRange('\0', '\x1f') < 0)
        {
            return text;
        }
        var sb = new StringBuilder(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
            {
                continue;
            }
            sb.Append(c is '\r' or '\n' ? " / " : c < ' ' ? " " : c);
        }
        return sb.ToString();
    }

    /// <summary>The header keyword of a recipient kind.</summary>
    /// <param name="kind">The kind.</param>
    public static string KindWord(RecipientKind kind) => kind switch { RecipientKind.Cc => "CC", RecipientKind.Bcc => "BCC", _ => "TO" };

    private static string Address(string line, out string options)
    {
        int open = line.IndexOf('<', StringComparison.Ordinal);
        int close = line.LastIndexOf('>');
        if (open < 1 || close < open)
        {
            throw new FormatException($"malformed envelope line \"{line}\"");
        }
        options = line[(close + 1)..].Trim();
        return line[(open + 1)..close];
    }

    /// <summary>Reads one CRLF (or LF) terminated UTF-8 line, or null at the end of the stream.</summary>
    private static string? ReadLine(Stream input, ref long offset)
    {
        var bytes = new List<byte>(64);
        while (true)
        {
            int b = input.ReadByte();
            if (b < 0)
            {
                return bytes.Count == 0 ? null : Encoding.UTF8.GetString(bytes.ToArray());
            }
            offset++;
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
                throw new FormatException("a header line is too long");
            }
            bytes.Add((byte)b);
        }
    }
}

/// <summary>What a queue file's header says.</summary>
/// <param name="envelope">The envelope.</param>
internal sealed class QueueHeader(Envelope envelope)
{
    /// <summary>The sender, recipients and extra MAIL FROM parameters.</summary>
    public Envelope Envelope { get; } = envelope;

    /// <summary>The format version (1 or 2).</summary>
    public int Version { get; init; } = QueueFile.CurrentVersion;

    /// <summary>When the message was queued (version 2), or null.</summary>
    public DateTimeOffset? Created { get; init; }

    /// <summary>"", <c>8BITMIME</c> or <c>BINARYMIME</c>.</summary>
    public string Body { get; init; } = "";

    /// <summary>The byte offset of the message in the file.</summary>
    public long MessageOffset { get; init; }

    /// <summary>The message's length in bytes, or -1 (version 1) when it runs to the end of the file.</summary>
    public long MessageSize { get; init; } = -1;
}

/// <summary>One journal line.</summary>
/// <param name="Time">When it happened (UTC).</param>
/// <param name="Kind">What happened (see <see cref="QueueRecordKind"/>).</param>
/// <param name="Text">The details.</param>
internal readonly record struct QueueRecord(DateTimeOffset Time, string Kind, string Text);

/// <summary>The kinds of journal line and what their text holds.</summary>
internal static class QueueRecordKind
{
    /// <summary>A delivery attempt started: "n host=... pid=...".</summary>
    public const string Attempt = "ATTEMPT";

    /// <summary>
    /// The end of the message is about to be sent. From here until the reply is recorded, a lost connection or a
    /// dead worker leaves it unknown whether the server took the message.
    /// </summary>
    public const string DataEnd = "DATA-END";

    /// <summary>The server accepted the message for these recipients: "1,3 &lt;final reply&gt;".</summary>
    public const string Delivered = "DELIVERED";

    /// <summary>A recipient got a transient (4xx) refusal and stays pending: "2 &lt;reply&gt;".</summary>
    public const string Deferred = "DEFERRED";

    /// <summary>A recipient got a permanent (5xx) refusal that the transaction went on without: "4 &lt;reply&gt;".</summary>
    public const string Rejected = "REJECTED";

    /// <summary>The message waits for another attempt: "&lt;time of next attempt&gt; &lt;reason&gt;".</summary>
    public const string Retry = "RETRY";

    /// <summary>The message failed for good: "&lt;reason&gt;".</summary>
    public const string Failed = "FAILED";

    /// <summary>An attempt ended between the end of the data and its reply; the message may have been delivered.</summary>
    public const string InDoubt = "IN-DOUBT";

    /// <summary>The worker of an unfinished attempt died; the message went back to the queue.</summary>
    public const string Recovered = "RECOVERED";

    /// <summary>A failed message was put back in the queue by hand: its failure, rejected recipients and age start over.</summary>
    public const string Reset = "RESET";
}
