namespace Herald.Cli.Options;

/// <summary>The body options as given.</summary>
/// <param name="Body">--body.</param>
/// <param name="BodyFile">--body-file.</param>
/// <param name="Text">--text.</param>
/// <param name="Html">--html.</param>
/// <param name="Attachments">--attach.</param>
/// <param name="Inline">--inline.</param>
internal sealed record MessageParts(string? Body, string? BodyFile, string? Text, string? Html, IReadOnlyList<AttachmentSpec> Attachments,
    IReadOnlyList<AttachmentSpec> Inline)
{
    /// <summary>True when the message is MIME built by Herald (attachments, inline parts or HTML).</summary>
    public bool Composed => Attachments.Count + Inline.Count > 0 || Html is not null || Text is not null;

    /// <summary>The file the plain text comes from (--body-file or --text), or null.</summary>
    public string? PlainFile => BodyFile ?? Text;

    /// <summary>The option that gave the plain text, for messages.</summary>
    public string PlainOption => Text is not null ? "--text" : BodyFile is not null ? "--body-file" : "standard input";
}

/// <summary>
/// A message as the options of <see cref="MessageOptions"/> describe it, checked, and how it becomes the
/// <see cref="Smtp"/> component's message: a plain text goes as the component's message text (streamed from its file
/// when large); with attachments, inline images or HTML the message is an <see cref="EmailMessage"/>; a ready message
/// (<c>--message</c>) goes as it is, without its Bcc fields, its headers naming the sender and recipients the options
/// leave out.
/// </summary>
internal sealed class MessageInput
{
    /// <summary>The largest text or HTML part of a composed message: <see cref="EmailMessage"/> holds its bodies as
    /// strings (attachments, which it streams, have no limit).</summary>
    public const long ComposedTextLimit = 32L << 20;

    private const string OctetStream = "application/octet-stream";

    // Header fields that the MIME structure of a composed message decides.
    private static readonly string[] MimeFields = ["MIME-Version", "Content-"];

    private readonly IReadOnlyList<string> _to;
    private readonly IReadOnlyList<string> _cc;
    private readonly IReadOnlyList<string> _bcc;
    private readonly IReadOnlyList<HeaderLine> _headers;
    private readonly string? _subject;
    private readonly MessageParts _parts;

    /// <summary>Holds what <see cref="MessageOptions.Read"/> checked.</summary>
    internal MessageInput(IReadOnlyList<string> to, IReadOnlyList<string> cc, IReadOnlyList<string> bcc, IReadOnlyList<HeaderLine> headers,
        string? subject, MessageParts parts, string? messageFile)
    {
        _to = to;
        _cc = cc;
        _bcc = bcc;
        _headers = headers;
        _subject = subject;
        _parts = parts;
        MessageFile = messageFile;
    }

    /// <summary>The ready message's file (--message), "-" for standard input, or null.</summary>
    public string? MessageFile { get; }

    /// <summary>
    /// Sets the component's message and envelope. A ready message is opened first: its headers give the sender when
    /// <paramref name="sender"/> is null and the recipients when no option gave one (the Resent-* fields of its newest
    /// resent block when it has them, RFC 5322 §3.6.6). The result must stay open until the message is sent or queued.
    /// </summary>
    /// <param name="smtp">The component.</param>
    /// <param name="sender">The sender the options or settings give, or null.</param>
    /// <param name="defaultSender">The sender when nothing gives one, or null when one is required.</param>
    /// <param name="env">The process environment (files, standard input).</param>
    /// <param name="cancellationToken">Stops reading.</param>
    /// <returns>What the component now sends, for the progress bar and the report; dispose it afterwards.</returns>
    /// <exception cref="CliException">64 when the ready message names no sender or recipient that is needed, for a header
    /// that the MIME structure decides, an invalid attachment setting or a whole message piped in as text; 65 for text that
    /// is not UTF-8 or a malformed ready message; 66 for a file that cannot be read.</exception>
    public async Task<OutgoingMessage> ApplyAsync(Smtp smtp, string? sender, string? defaultSender, CliEnvironment env,
        CancellationToken cancellationToken)
    {
        var raw = MessageFile is null ? null
            : await RawMessage.OpenAsync(MessageFile, "--message", env, null, cancellationToken).ConfigureAwait(false);
        try
        {
            var to = _to;
            if (raw is not null)
            {
                var envelope = Envelope(raw, MessageFile == "-" ? "--message -" : "--message " + MessageFile);
                sender ??= envelope.Sender;
                if (_to.Count + _cc.Count + _bcc.Count == 0)
                {
                    to = envelope.Recipients.Count > 0 ? envelope.Recipients
                        : throw CliException.Usage($"--message {MessageFile}: the message names no recipient (no To, Cc or Bcc " +
                                                   "header); give them with --to ADDRESS.");
                }
                if (sender is null && defaultSender is null)
                {
                    throw CliException.Usage($"--message {MessageFile}: the message has no From header; give the sender with " +
                                             "--from ADDRESS (or HERALD_FROM, or from in the account).");
                }
            }
            sender ??= defaultSender ?? throw new InvalidOperationException("The caller checks that there is a sender.");

            smtp.From = sender;
            if (to.Count > 0)
            {
                smtp.SendTo = string.Join(", ", to);
            }
            else
            {
                smtp.Config("AllowEmptyTo=True"); // only Cc/Bcc recipients
            }
            if (_cc.Count > 0)
            {
                smtp.Cc = string.Join(", ", _cc);
            }
            if (_bcc.Count > 0)
            {
                smtp.BCc = string.Join(", ", _bcc);
            }
            var recipients = to.Concat(_cc).Concat(_bcc).Select(AddressList.AddrSpec).ToArray();
            // Last, so that nothing can fail once the outgoing message owns the ready message or the opened files.
            return raw is not null ? await OutgoingMessage.RawAsync(raw, smtp, recipients, cancellationToken).ConfigureAwait(false)
                : _parts.Composed ? OutgoingMessage.Composed(ComposeMessage(sender, to, env), smtp, recipients)
                : OutgoingMessage.Text(SetText(smtp, env), recipients);
        }
        catch
        {
            raw?.Dispose();
            throw;
        }
    }

    /// <summary>The envelope a ready message's headers give.</summary>
    /// <exception cref="CliException">65 when an address header is malformed.</exception>
    private static ReadyMessageEnvelope Envelope(RawMessage raw, string what)
    {
        try
        {
            return raw.Headers.GetEnvelope();
        }
        catch (SmtpException e)
        {
            throw new CliException(ExitCodes.DataError, $"{what}: {e.Message}", e);
        }
    }

    /// <summary>The plain text as the component's message text (streamed from its file when it is large).</summary>
    private MessageBody SetText(Smtp smtp, CliEnvironment env)
    {
        var body = OpenPlainText(env);
        try
        {
            if (_subject is not null)
            {
                smtp.Subject = _subject;
            }
            ApplyHeaders(smtp, body);
            if (body.Text is { } text)
            {
                smtp.MessageText = text;
            }
            else
            {
                smtp.SetMessageStream(body.OpenForSending());
            }
            return body;
        }
        catch
        {
            body.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The plain text from --body, --body-file, --text or standard input, refused when standard input holds what looks
    /// like a whole message: sent as text, its headers would show up in the body.
    /// </summary>
    private MessageBody OpenPlainText(CliEnvironment env)
    {
        var body = MessageBody.Open(_parts.Body, _parts.PlainFile, env);
        if (body.LooksLikeMessage)
        {
            body.Dispose();
            throw CliException.Usage(
                "Standard input starts with header lines (From:, Subject: ...): it looks like a complete message, which would " +
                "become the text of a new one, headers and all. To take it as it is, use --message - (the recipients then " +
                "come from its To, Cc and Bcc headers unless --to is given); to use the text anyway, save it to a file and " +
                "give --body-file FILE.");
        }
        return body;
    }

    /// <summary>A MIME message from the options: the text parts, the attachments (streamed when sent) and the headers.</summary>
    /// <exception cref="CliException">64 for a header that the MIME structure decides, or an invalid attachment setting;
    /// 66 for an unreadable file.</exception>
    private EmailMessage ComposeMessage(string sender, IReadOnlyList<string> to, CliEnvironment env)
    {
        var message = new EmailMessage
        {
            From = sender,
            SendTo = string.Join(", ", to),
            Cc = string.Join(", ", _cc),
            Bcc = string.Join(", ", _bcc),
            Subject = _subject ?? "",
        };
        try
        {
            // Standard input is the plain text only when no option names a text: with --html alone, an unrelated pipe (a
            // script's) is not read.
            if (_parts.Body is not null || _parts.PlainFile is not null || _parts.Html is null)
            {
                using var plain = OpenPlainText(env);
                message.PlainText = plain.ReadText(ComposedTextLimit, _parts.PlainOption);
            }
            if (_parts.Html is not null)
            {
                using var html = MessageBody.Open(null, _parts.Html, env);
                message.HtmlText = html.ReadText(ComposedTextLimit, "--html");
            }
            foreach (var header in _headers)
            {
                if (MimeFields.Any(f => header.Name.StartsWith(f, StringComparison.OrdinalIgnoreCase)))
                {
                    throw CliException.Usage($"--header {header.Name}: with --attach, --inline, --text or --html Herald builds the " +
                                             "MIME structure and writes that header itself; leave it out.");
                }
                SetHeader(message, header);
            }
            foreach (var spec in _parts.Attachments)
            {
                Attach(spec, "--attach", () =>
                {
                    var attachment = message.Attachments.Add(spec.Path, spec.ContentType);
                    Name(attachment, spec.Name ?? attachment.FileName, spec.ContentType);
                });
            }
            foreach (var spec in _parts.Inline)
            {
                Attach(spec, "--inline", () =>
                {
                    string name = spec.Name ?? Path.GetFileName(spec.Path);
                    var attachment = message.Attachments.AddInline(spec.Path, name, spec.ContentType);
                    Name(attachment, name, spec.ContentType);
                });
            }
            return message;
        }
        catch
        {
            message.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Gives the attachment its shown name. Without a given type, its type is then the one the shown name's extension
    /// implies, else the file's own extension's (so <c>logo.png;name=logo</c> is still an image): the library chooses a
    /// type from the file name, and application/octet-stream means that it knows none for that extension.
    /// </summary>
    private static void Name(EmailAttachment attachment, string name, string? givenType)
    {
        string byPath = attachment.ContentType;
        attachment.FileName = name;
        if (givenType is null && attachment.ContentType == OctetStream)
        {
            attachment.ContentType = byPath;
        }
    }

    /// <summary>Header fields that are properties of the message go there; the others are extra headers.</summary>
    private static void SetHeader(EmailMessage message, HeaderLine header)
    {
        try
        {
            switch (header.Name.ToUpperInvariant())
            {
                case "DATE":
                    message.Date = header.Value;
                    break;
                case "MESSAGE-ID":
                    message.ID = header.Value;
                    break;
                case "REPLY-TO":
                    message.ReplyTo = header.Value;
                    break;
                case "SENDER":
                    message.Sender = header.Value;
                    break;
                case "IN-REPLY-TO":
                    message.InReplyTo = header.Value;
                    break;
                case "REFERENCES":
                    message.References = header.Value;
                    break;
                default:
                    message.Headers.Add(header.Name, header.Value);
                    break;
            }
        }
        catch (SmtpException e)
        {
            throw CliException.Usage($"--header {header.Name}: {e.Message}");
        }
    }

    private static void Attach(AttachmentSpec spec, string option, Action add)
    {
        try
        {
            add();
        }
        catch (SmtpException e) when (e.Code == SmtpErrorCodes.CannotOpenFile)
        {
            throw new CliException(ExitCodes.NoInput, $"{option} {spec.Path}: {e.Message}", e);
        }
        catch (SmtpException e)
        {
            string hint = option == "--inline" && spec.Name is null
                ? " The file name is the Content-ID the HTML refers to; give another with ;name=NAME."
                : "";
            throw CliException.Usage($"{option} {spec.Path}: {e.Message}{hint}");
        }
    }

    /// <summary>Date, Message-ID and Reply-To have their own properties (so the library does not add a second copy);
    /// every other header goes to OtherHeaders, followed, for a streamed body that needs it, by the MIME headers of
    /// its quoted-printable encoding (the component adds none for a stream, whose content it does not know).</summary>
    private void ApplyHeaders(Smtp smtp, MessageBody body)
    {
        var other = new List<string>();
        foreach (var h in _headers)
        {
            if (h.Is("Date"))
            {
                smtp.MessageDate = h.Value;
            }
            else if (h.Is("Message-ID"))
            {
                smtp.MessageId = h.Value;
            }
            else if (h.Is("Reply-To"))
            {
                smtp.ReplyTo = h.Value;
            }
            else
            {
                other.Add(h.ToString());
            }
        }
        // RFC 2045 §4 and §5: a user's own Content-Type describes a body they prepared, which then goes as it is.
        if (body.NeedsEncoding && !_headers.Any(h => h.Is("Content-Type")))
        {
            other.Add("MIME-Version: 1.0");
            other.Add("Content-Type: text/plain; charset=utf-8");
            other.Add("Content-Transfer-Encoding: quoted-printable");
        }
        smtp.OtherHeaders = string.Join("\r\n", other);
    }
}
