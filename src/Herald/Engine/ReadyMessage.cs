using Herald.Message;
using Herald.Transport;

namespace Herald.Engine;

/// <summary>How a ready-made message becomes an envelope and a message source.</summary>
internal sealed record ReadyMessageOptions
{
    /// <summary>The reverse path to use, or null to take it from the message's header ("" is the null reverse path).</summary>
    public string? ReversePath { get; init; }

    /// <summary>The recipients to use; empty to take them from the message's header.</summary>
    public IReadOnlyList<EnvelopeRecipient> Recipients { get; init; } = [];

    /// <summary>Leave the Bcc and Resent-Bcc fields out of what is sent (RFC 5322 §3.6.3: they are for the
    /// envelope only).</summary>
    public bool RemoveBcc { get; init; } = true;

    /// <summary>A directory where a stream that cannot seek is copied first, so its exact length can be declared
    /// (SIZE=); empty to send such a stream without a declared length.</summary>
    public string SpoolDirectory { get; init; } = "";
}

/// <summary>A ready-made message prepared for one transaction. Disposing it releases what it opened (a spool file).</summary>
internal sealed class PreparedMessage : IDisposable
{
    private readonly HeaderFilterStream _message;
    private readonly Stream? _spool;

    internal PreparedMessage(Envelope envelope, MessageSource source, HeaderFilterStream message, Stream? spool)
    {
        Envelope = envelope;
        Source = source;
        _message = message;
        _spool = spool;
    }

    /// <summary>The envelope.</summary>
    public Envelope Envelope { get; }

    /// <summary>The message as DATA sends it.</summary>
    public MessageSource Source { get; }

    /// <summary>The message's header fields.</summary>
    public MessageHeaders Headers => _message.Headers!;

    /// <inheritdoc />
    public void Dispose()
    {
        _spool?.Dispose();
        _message.Dispose(); // leaves the caller's stream open
    }
}

/// <summary>
/// Sends a message that already exists as bytes (a file, a stream) through <see cref="HeaderFilterStream"/>: its header
/// block is read first, the envelope is taken from it where the caller gives none (as <c>sendmail -t</c> does), the Bcc
/// fields are left out, and the body streams on from where the header block ended, so memory does not grow with the
/// message.
/// </summary>
internal static class ReadyMessage
{
    /// <summary>Prepares <paramref name="stream"/>, from its current position, for sending.</summary>
    /// <param name="io">The sync or async adapter.</param>
    /// <param name="stream">The message. It is read from now on and not closed here.</param>
    /// <param name="options">Where the envelope comes from and what is left out.</param>
    /// <param name="spool">True to copy a stream that cannot seek to <see cref="ReadyMessageOptions.SpoolDirectory"/>
    /// first (when a length must be declared).</param>
    /// <param name="cancellationToken">Stops the reading.</param>
    /// <exception cref="SmtpException">164 no sender, 165 no recipient, 10022 a header field cannot be read or the header
    /// block is too long, 303 the spool file cannot be written.</exception>
    public static async ValueTask<PreparedMessage> PrepareAsync<TIO>(TIO io, Stream stream, ReadyMessageOptions options, bool spool,
        CancellationToken cancellationToken) where TIO : struct, ISmtpIO
    {
        var message = new HeaderFilterStream(stream, options.RemoveBcc, leaveOpen: true);
        Stream? copy = null;
        try
        {
            var headers = await message.ReadHeadersAsync(io, cancellationToken).ConfigureAwait(false);
            var envelope = headers.ToEnvelope(options.ReversePath, options.Recipients);
            bool hasBody = message.HasBody;
            if (spool && !message.CanSeek && options.SpoolDirectory.Length > 0)
            {
                copy = await MessageSpool.CopyAsync(io, message, options.SpoolDirectory, cancellationToken).ConfigureAwait(false);
            }
            var source = new StreamMessageSource([], copy ?? message, closeAfter: false, hasBody);
            return new PreparedMessage(envelope, source, message, copy);
        }
        catch
        {
            copy?.Dispose();
            message.Dispose();
            throw;
        }
    }
}
