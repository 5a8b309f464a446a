using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace Herald.Cli.Options;

/// <summary>
/// The message text from <c>--body</c>, <c>--body-file</c> or standard input. A body up to <see cref="InMemoryLimit"/>
/// is read into memory and given to the component as MessageText, which picks the transfer encoding itself. A larger
/// one is never held in memory: it is checked in one pass (UTF-8, longest line), then streamed to the server from its
/// file; standard input is first copied to a private temporary file, so it can be checked before anything is sent and
/// its size declared (SIZE, RFC 1870).
/// </summary>
internal sealed class MessageBody : IDisposable
{
    /// <summary>The largest body handled in memory.</summary>
    public const int InMemoryLimit = 1 << 20;

    private const int BufferSize = 64 * 1024;

    /// <summary>The longest line 7bit data may carry, CRLF not counted (RFC 5322 §2.1.1).</summary>
    private const int MaxLineOctets = 998;

    /// <summary>How much of standard input is looked at to tell whether it is a whole message.</summary>
    private const int MessageCheckBytes = 64 * 1024;

    private MessageBody(string? text, Stream? file, long length, bool needsEncoding, bool looksLikeMessage = false)
    {
        Text = text;
        File = file;
        Length = length;
        NeedsEncoding = needsEncoding;
        LooksLikeMessage = looksLikeMessage;
    }

    /// <summary>True when the body came from standard input and starts like a whole message (header fields such as
    /// From or Subject, then an empty line): it was most likely meant for <c>--message -</c>.</summary>
    public bool LooksLikeMessage { get; }

    /// <summary>The body as text when it is small (or given with --body); null for a streamed body.</summary>
    public string? Text { get; }

    /// <summary>The body's file, positioned after any UTF-8 byte order mark, for a streamed body.</summary>
    public Stream? File { get; }

    /// <summary>The body's size in bytes (of the text as given, before any transfer encoding).</summary>
    public long Length { get; }

    /// <summary>True for a streamed body that is not plain 7-bit text with lines of at most 998 octets and no NUL
    /// (RFC 5322 §2.1.1, RFC 2045 §2.7): it is sent quoted-printable (RFC 2045 §6.7), which any server takes. 8-bit
    /// text is encoded too, since the server, and whether it offers 8BITMIME, is not known yet.</summary>
    public bool NeedsEncoding { get; }

    /// <summary>Reads or opens the body.</summary>
    /// <param name="text">--body.</param>
    /// <param name="file">--body-file ("-" for stdin).</param>
    /// <param name="env">The process environment (stdin).</param>
    /// <exception cref="CliException">64 for both options; 66 for an unreadable file; 65 for text that is not UTF-8;
    /// 73 when the temporary copy of stdin cannot be written.</exception>
    public static MessageBody Open(string? text, string? file, CliEnvironment env)
    {
        if (text is not null && file is not null)
        {
            throw CliException.Usage("Give the body one way: --body TEXT or --body-file FILE, not both.");
        }
        if (text is not null)
        {
            return new MessageBody(text, null, Encoding.UTF8.GetByteCount(text), false);
        }
        if (file is not null && file != "-")
        {
            var stream = InputFiles.OpenSequential(file, "--body-file");
            if (stream.CanSeek)
            {
                if (stream.Length <= InMemoryLimit)
                {
                    using (stream)
                    {
                        return FromBytes(ReadAll(stream), file);
                    }
                }
                return Streamed(stream, file);
            }
            return FromPipe(stream, file); // a named pipe or process substitution: like stdin
        }
        if (file == "-" || env.IsInputRedirected)
        {
            return FromPipe(env.OpenInput(), "standard input", checkForMessage: true);
        }
        return new MessageBody("", null, 0, false);
    }

    /// <summary>The stream to send: the file itself, or its quoted-printable encoding.</summary>
    public Stream OpenForSending() => NeedsEncoding ? new QuotedPrintableReadStream(File!) : File!;

    /// <summary>Closes (and for stdin deletes) the file.</summary>
    public void Dispose() => File?.Dispose();

    /// <summary>
    /// The body as one string, for a message whose text parts are built in memory (one with attachments or HTML): the
    /// text itself, or the streamed file read whole when it is at most <paramref name="limit"/> bytes.
    /// </summary>
    /// <param name="limit">The largest body read into memory.</param>
    /// <param name="option">The option that gave the body, for the message.</param>
    /// <exception cref="CliException">64 when the body is larger than <paramref name="limit"/>.</exception>
    public string ReadText(long limit, string option)
    {
        if (Text is not null)
        {
            return Text;
        }
        if (Length > limit)
        {
            throw CliException.Usage(
                $"{option}: the text is {Length >> 20} MiB; the text of a message with --attach, --inline or --html is built in " +
                $"memory, up to {limit >> 20} MiB. Send a text that large as an attachment (--attach FILE), or alone with " +
                "--body-file, which streams it.");
        }
        using var reader = new StreamReader(File!, new UTF8Encoding(false, throwOnInvalidBytes: true), false, BufferSize, leaveOpen: true);
        return reader.ReadToEnd(); // checked as UTF-8 when it was opened
    }

    /// <summary>A stream that cannot seek: small ones are read into memory, larger ones copied to a temporary file.</summary>
    private static MessageBody FromPipe(Stream input, string source, bool checkForMessage = false)
    {
        using (input)
        {
            var head = new byte[InMemoryLimit + 1];
            int filled = 0;
            int n;
            while (filled < head.Length && (n = input.Read(head, filled, head.Length - filled)) > 0)
            {
                filled += n;
            }
            bool looksLikeMessage = checkForMessage && ReadyMessageHeaders.LooksLikeMessage(
                head.AsSpan(0, Math.Min(filled, MessageCheckBytes)), isWhole: filled <= MessageCheckBytes);
            if (filled <= InMemoryLimit)
            {
                return FromBytes(head.AsSpan(0, filled).ToArray(), source, looksLikeMessage);
            }
            var spool = Spool.CreateFile();
            try
            {
                spool.Write(head, 0, filled);
                input.CopyTo(spool, BufferSize);
                spool.Position = 0;
            }
            catch (IOException e)
            {
                spool.Dispose();
                throw new CliException(ExitCodes.CannotCreate,
                    $"Cannot keep the message from {source} in a temporary file ({Path.GetTempPath()}): {e.Message}", e);
            }
            return Streamed(spool, source, looksLikeMessage);
        }
    }

    private static byte[] ReadAll(Stream stream)
    {
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private static MessageBody FromBytes(byte[] bytes, string source, bool looksLikeMessage = false)
    {
        try
        {
            var utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
            int bom = bytes.AsSpan().StartsWith("\uFEFF"u8) ? 3 : 0;
            return new MessageBody(utf8.GetString(bytes, bom, bytes.Length - bom), null, bytes.Length, false, looksLikeMessage);
        }
        catch (DecoderFallbackException e)
        {
            throw NotUtf8(source, e.Index, e);
        }
    }

    /// <summary>Checks a large body in one pass and positions it for sending.</summary>
    private static MessageBody Streamed(Stream stream, string source, bool looksLikeMessage = false)
    {
        try
        {
            var (bom, ascii, hasNul, longestLine) = Scan(stream, source);
            stream.Position = bom;
            bool encode = !ascii || hasNul || longestLine > MaxLineOctets;
            return new MessageBody(null, stream, stream.Length - bom, encode, looksLikeMessage);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reads the stream once: the length of a UTF-8 byte order mark at its start (0 or 3), whether every byte is
    /// ASCII, whether a NUL occurs, and the longest line in octets (CR and LF both end a line). Memory stays at one
    /// buffer.
    /// </summary>
    /// <exception cref="CliException">65 when the bytes are not UTF-8, with the offset of the first bad one.</exception>
    internal static (int Bom, bool Ascii, bool HasNul, long LongestLine) Scan(Stream stream, string source)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        char[] scratch = ArrayPool<char>.Shared.Rent(BufferSize);
        try
        {
            int carried = 0;     // bytes of an incomplete UTF-8 sequence kept from the end of the last read
            int counted = 0;     // of those, how many the line lengths already include
            long offset = 0;     // stream offset of buffer[0]
            int bom = -1;
            bool ascii = true;
            bool nul = false;
            long line = 0;
            long longest = 0;
            while (true)
            {
                int n = stream.Read(buffer, carried, BufferSize - carried);
                int length = carried + n;
                bool final = n == 0;
                var data = buffer.AsSpan(0, length);
                int start = 0;
                if (bom < 0 && (length >= 3 || final))
                {
                    bom = data.StartsWith("\uFEFF"u8) ? 3 : 0;
                    start = bom;
                }
                else if (bom < 0)
                {
                    carried = length; // too few bytes yet to tell whether a byte order mark starts the stream
                    counted = 0;
                    continue;
                }
                var text = data[start..];
                // Line lengths count only the new bytes (the carried ones were counted before).
                var fresh = data[Math.Max(start, counted)..];
                nul |= fresh.Contains((byte)0);
                while (fresh.IndexOfAny((byte)'\r', (byte)'\n') is var end and >= 0)
                {
                    longest = Math.Max(longest, line + end);
                    line = 0;
                    fresh = fresh[(end + 1)..];
                }
                line += fresh.Length;
                int used = text.Length;
                if (!System.Text.Ascii.IsValid(text))
                {
                    ascii = false;
                    used = 0;
                    while (used < text.Length)
                    {
                        var status = Utf8.ToUtf16(text[used..], scratch, out int read, out _, replaceInvalidSequences: false,
                            isFinalBlock: final);
                        used += read;
                        if (status == System.Buffers.OperationStatus.InvalidData)
                        {
                            throw NotUtf8(source, offset + start + used, null);
                        }
                        if (status == System.Buffers.OperationStatus.NeedMoreData)
                        {
                            break;
                        }
                    }
                }
                longest = Math.Max(longest, line);
                if (final)
                {
                    return (bom, ascii, nul, longest);
                }
                carried = text.Length - used;
                counted = carried;
                text[used..].CopyTo(buffer);
                offset += start + used;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            ArrayPool<char>.Shared.Return(scratch);
        }
    }

    private static CliException NotUtf8(string source, long offset, Exception? inner) =>
        new(ExitCodes.DataError, $"The message text from {source} is not UTF-8 text (bad byte at offset {offset}). " +
            "Convert it first, e.g. with iconv.", inner);
}
