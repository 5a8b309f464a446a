using Herald.Message;
using Herald.Transport;

namespace Herald.Engine;

/// <summary>How a ready-made message becomes an envelope and a message source.</summary>
internal sealed record RawMessageOptions
{
    /// <summary>The reverse path to use, or null to take it from the message's Sender or From field ("" is the null
    /// reverse path).</summary>
    public string? ReversePath { get; init; }

    /// <summary>The recipients to use; empty to take them from the message's To, Cc and Bcc fields.</summary>
    public IReadOnlyList<EnvelopeRecipient> Recipients { get; init; } = [];

    /// <summary>Leave the Bcc and Resent-Bcc fields out of what is sent (RFC 5322 §3.6.3: they are for the
    /// envelope only).</summary>
    public bool RemoveBcc { get; init; } = true;

    /// <summary>A directory where a stream that cannot seek is copied first, so its exact length can be declared
    /// (SIZE=); empty to send such a stream without a declared length.</summary>
    public string SpoolDirectory { get; init; } = "";

    /// <summary>The longest header block accepted.</summary>
    public int MaxHeadBytes { get; init; } = RawMessageHead.DefaultMaxHeadBytes;
}

/// <summary>A ready-made message prepared for one transaction. Disposing it releases what it opened (a spool file).</summary>
internal sealed class PreparedMessage : IDisposable
{
    private readonly Stream? _owned;

    internal PreparedMessage(Envelope envelope, MessageSource source, RawMessageHead head, Stream? owned)
    {
        Envelope = envelope;
        Source = source;
        Head = head;
        _owned = owned;
    }

    /// <summary>The envelope.</summary>
    public Envelope Envelope { get; }

    /// <summary>The message as DATA sends it.</summary>
    public MessageSource Source { get; }

    /// <summary>The message's header block as read.</summary>
    public RawMessageHead Head { get; }

    /// <inheritdoc />
    public void Dispose() => _owned?.Dispose();
}

/// <summary>
/// Sends a message that already exists as bytes (a file, a stream): reads its header block, takes the envelope from it
/// where the caller gives none (as <c>sendmail -t</c> does), leaves out the Bcc fields, and streams the body on from
/// where the header block ended, so memory does not grow with the message.
/// </summary>
internal static class RawMessage
{
    private static readonly string[] s_bccFields = ["Bcc", "Resent-Bcc"];

    /// <summary>Prepares <paramref name="stream"/>, from its current position, for sending.</summary>
    /// <param name="io">The sync or async adapter.</param>
    /// <param name="stream">The message. It is read from now on and not closed here.</param>
    /// <param name="options">Where the envelope comes from and what is left out.</param>
    /// <param name="spool">True to copy a stream that cannot seek to <see cref="RawMessageOptions.SpoolDirectory"/>
    /// first (when a length must be declared).</param>
    /// <param name="cancellationToken">Stops the reading.</param>
    /// <exception cref="SmtpException">164 no sender, 165 no recipient, 10022 a header field cannot be read or the header
    /// block is too long, 303 the spool file cannot be written.</exception>
    public static async ValueTask<PreparedMessage> PrepareAsync<TIO>(TIO io, Stream stream, RawMessageOptions options, bool spool,
        CancellationToken cancellationToken) where TIO : struct, ISmtpIO
    {
        var head = await RawMessageHead.ReadAsync(io, stream, options.MaxHeadBytes, cancellationToken).ConfigureAwait(false);
        var (reversePath, recipients) = head.Envelope(options.ReversePath is null, options.Recipients.Count == 0);
        var envelope = new Envelope(options.ReversePath ?? reversePath,
            options.Recipients.Count > 0 ? options.Recipients : recipients);

        byte[] headBytes = options.RemoveBcc && head.Fields.Any(f => s_bccFields.Contains(f.Name, StringComparer.OrdinalIgnoreCase))
            ? head.HeadWithout(s_bccFields)
            : head.Head.ToArray();
        var lookahead = head.Lookahead;
        var start = new byte[headBytes.Length + lookahead.Length];
        headBytes.CopyTo(start, 0);
        lookahead.CopyTo(start.AsMemory(headBytes.Length));

        Stream body = stream;
        Stream? owned = null;
        if (spool && !stream.CanSeek && options.SpoolDirectory.Length > 0)
        {
            owned = await SpoolAsync(io, stream, options.SpoolDirectory, cancellationToken).ConfigureAwait(false);
            body = owned;
        }
        bool hasBody = lookahead.Length > 0 || !body.CanSeek || body.Length > body.Position;
        var source = new StreamMessageSource(start, body, closeAfter: false, hasBody);
        return new PreparedMessage(envelope, source, head, owned);
    }

    /// <summary>Copies the rest of <paramref name="stream"/> into a file that is deleted when closed.</summary>
    private static async ValueTask<Stream> SpoolAsync<TIO>(TIO io, Stream stream, string directory, CancellationToken cancellationToken)
        where TIO : struct, ISmtpIO
    {
        FileStream file;
        string path = Path.Combine(directory, "herald-" + Guid.NewGuid().ToString("N") + ".tmp");
        try
        {
            file = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1,
                FileOptions.DeleteOnClose | (typeof(TIO) == typeof(AsyncIO) ? FileOptions.Asynchronous : FileOptions.None));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new SmtpException(SmtpErrorCodes.CannotOpenFile,
                $"The message could not be copied to a temporary file in '{directory}': {e.Message}", e);
        }
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            int n;
            while ((n = await io.ReadAsync(stream, buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                await io.WriteAsync(file, buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
            }
            file.Position = 0;
            return file;
        }
        catch
        {
            file.Dispose();
            throw;
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
