using Herald.Cli.Output;

namespace Herald.Cli.Options;

/// <summary>
/// The message a <see cref="MessageInput"/> set on the component: its envelope recipients, its size and progress (for
/// the progress bar), and what to close once it has been sent or queued.
/// </summary>
internal sealed class OutgoingMessage : IDisposable
{
    private readonly IDisposable? _owned;
    private long _transferred;

    private OutgoingMessage(long total, Func<long>? position, IDisposable? owned, Smtp? smtp, string[] recipients)
    {
        Total = total;
        _owned = owned;
        Recipients = recipients;
        Position = position ?? (() => _transferred);
        if (position is null && smtp is not null)
        {
            // The bytes sent so far: there is no file position to follow for a message that writes itself.
            smtp.OnTransfer += (_, e) => _transferred = e.BytesTransferred;
        }
    }

    /// <summary>Every envelope recipient's address (addr-spec): To, Cc and Bcc in that order.</summary>
    public string[] Recipients { get; }

    /// <summary>The size the progress bar counts to (-1 when unknown: no bar).</summary>
    public long Total { get; }

    /// <summary>How far the send has got, in the same unit as <see cref="Total"/>.</summary>
    public Func<long> Position { get; }

    /// <summary>A plain text (its file position moves as it is read).</summary>
    /// <param name="body">The text, owned from now on.</param>
    /// <param name="recipients">The envelope recipients.</param>
    public static OutgoingMessage Text(MessageBody body, string[] recipients) =>
        new(body.File is null ? 0 : body.Length, body.File is { } file ? () => file.Position : () => 0, body, null, recipients);

    /// <summary>A composed message, set as the component's message content.</summary>
    /// <param name="message">The message, owned from now on.</param>
    /// <param name="smtp">The component.</param>
    /// <param name="recipients">The envelope recipients.</param>
    /// <exception cref="CliException">64 for a message the library refuses; 66 for an attachment that cannot be read.</exception>
    public static OutgoingMessage Composed(EmailMessage message, Smtp smtp, string[] recipients)
    {
        try
        {
            var content = new EmailMessageContent(message);
            smtp.SetMessageContent(content);
            return new OutgoingMessage(content.Length, null, message, content.Length >= TransferProgress.Threshold ? smtp : null,
                recipients);
        }
        catch (SmtpException e)
        {
            message.Dispose();
            throw e.Code == SmtpErrorCodes.CannotOpenFile ? new CliException(ExitCodes.NoInput, e.Message, e)
                : CliException.Usage(e.Message);
        }
    }

    /// <summary>A ready message, measured and set as the component's message content.</summary>
    /// <param name="raw">The message, owned once this returns.</param>
    /// <param name="smtp">The component.</param>
    /// <param name="recipients">The envelope recipients.</param>
    /// <param name="cancellationToken">Stops the measuring.</param>
    public static async Task<OutgoingMessage> RawAsync(RawMessage raw, Smtp smtp, string[] recipients, CancellationToken cancellationToken)
    {
        smtp.SetMessageContent(await raw.PrepareAsync(cancellationToken).ConfigureAwait(false));
        return new OutgoingMessage(raw.Length, () => raw.Position, raw, null, recipients);
    }

    /// <summary>Closes the files the message is read from.</summary>
    public void Dispose() => _owned?.Dispose();
}
