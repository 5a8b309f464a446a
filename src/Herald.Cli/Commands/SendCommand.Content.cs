using System.CommandLine;
using Herald.Cli.Options;
using Herald.Cli.Output;
using Herald.Message;
using Herald.Message.Mime;

namespace Herald.Cli.Commands;

/// <summary>What <c>herald send</c> puts on the wire: a plain text, a composed MIME message or a ready message.</summary>
internal static partial class SendCommand
{
    /// <summary>The largest text or HTML part of a composed message: <see cref="EmailMessage"/> holds its bodies as
    /// strings (attachments, which it streams, have no limit).</summary>
    public const long ComposedTextLimit = 32L << 20;

    // Header fields that the MIME structure of a composed message decides.
    private static readonly string[] MimeFields = ["MIME-Version", "Content-"];

    /// <summary>The body options as given.</summary>
    /// <param name="Body">--body.</param>
    /// <param name="BodyFile">--body-file.</param>
    /// <param name="Text">--text.</param>
    /// <param name="Html">--html.</param>
    /// <param name="Attachments">--attach.</param>
    /// <param name="Inline">--inline.</param>
    private sealed record Parts(string? Body, string? BodyFile, string? Text, string? Html, IReadOnlyList<AttachmentSpec> Attachments,
        IReadOnlyList<AttachmentSpec> Inline)
    {
        /// <summary>True when the message is MIME built by Herald (attachments, inline parts or HTML).</summary>
        public bool Composed => Attachments.Count + Inline.Count > 0 || Html is not null || Text is not null;

        /// <summary>The file the plain text comes from (--body-file or --text), or null.</summary>
        public string? PlainFile => BodyFile ?? Text;

        /// <summary>The option that gave the plain text, for messages.</summary>
        public string PlainOption => Text is not null ? "--text" : BodyFile is not null ? "--body-file" : "standard input";
    }

    /// <summary>Refuses options that contradict each other.</summary>
    /// <exception cref="CliException">64.</exception>
    private static void CheckCombination(ParseResult result, Parts parts, string? messageFile, Option[] messageOptions)
    {
        if (messageFile is not null)
        {
            var given = messageOptions.Where(o => result.GetResult(o) is { Implicit: false }).Select(o => o.Name).ToArray();
            if (given.Length > 0)
            {
                throw CliException.Usage($"--message sends the message as it is, so {string.Join(", ", given)} cannot apply: " +
                                         "change the message itself, or build one with --subject, --body, --attach ... instead.");
            }
        }
        if (parts.Text is not null && (parts.Body is not null || parts.BodyFile is not null))
        {
            throw CliException.Usage("Give the plain text one way: --text FILE, --body TEXT or --body-file FILE.");
        }
        var stdin = new[] { ("--body-file", parts.BodyFile), ("--text", parts.Text), ("--html", parts.Html), ("--message", messageFile) }
            .Where(o => o.Item2 == "-").Select(o => o.Item1).ToArray();
        if (stdin.Length > 1)
        {
            throw CliException.Usage($"Only one option can read standard input (\"-\"), not {string.Join(" and ", stdin)}.");
        }
    }

    /// <summary>The envelope a ready message's headers give.</summary>
    /// <exception cref="CliException">65 when an address header is malformed.</exception>
    private static HeaderEnvelope Envelope(RawMessage raw, string what)
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
    private static MessageBody SetText(Smtp smtp, Parts parts, string? subject, IReadOnlyList<HeaderLine> headers, CliEnvironment env)
    {
        var body = OpenPlainText(parts, env);
        try
        {
            if (subject is not null)
            {
                smtp.Subject = subject;
            }
            ApplyHeaders(smtp, headers, body);
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
    private static MessageBody OpenPlainText(Parts parts, CliEnvironment env)
    {
        var body = MessageBody.Open(parts.Body, parts.PlainFile, env);
        if (body.LooksLikeMessage)
        {
            body.Dispose();
            throw CliException.Usage(
                "Standard input starts with header lines (From:, Subject: ...): it looks like a complete message, which would be " +
                "sent as the text of a new one, headers and all. To send it as it is, use --message - (the recipients then " +
                "come from its To, Cc and Bcc headers unless --to is given); to send the text anyway, save it to a file and " +
                "give --body-file FILE.");
        }
        return body;
    }

    /// <summary>A MIME message from the options: the text parts, the attachments (streamed when sent) and the headers.</summary>
    /// <exception cref="CliException">64 for a header that the MIME structure decides, or an invalid attachment setting;
    /// 66 for an unreadable file.</exception>
    private static EmailMessage ComposeMessage(Parts parts, string sender, IReadOnlyList<string> to, IReadOnlyList<string> cc,
        IReadOnlyList<string> bcc, string? subject, IReadOnlyList<HeaderLine> headers, CliEnvironment env)
    {
        var message = new EmailMessage
        {
            From = sender,
            SendTo = string.Join(", ", to),
            Cc = string.Join(", ", cc),
            Bcc = string.Join(", ", bcc),
            Subject = subject ?? "",
        };
        // Standard input is the plain text only when no option names a text: with --html alone, an unrelated pipe (a
        // script's) is not read.
        if (parts.Body is not null || parts.PlainFile is not null || parts.Html is null)
        {
            using var plain = OpenPlainText(parts, env);
            message.PlainText = plain.ReadText(ComposedTextLimit, parts.PlainOption);
        }
        if (parts.Html is not null)
        {
            using var html = MessageBody.Open(null, parts.Html, env);
            message.HtmlText = html.ReadText(ComposedTextLimit, "--html");
        }
        foreach (var header in headers)
        {
            if (MimeFields.Any(f => header.Name.StartsWith(f, StringComparison.OrdinalIgnoreCase)))
            {
                throw CliException.Usage($"--header {header.Name}: with --attach, --inline, --text or --html Herald builds the " +
                                         "MIME structure and writes that header itself; leave it out.");
            }
            SetHeader(message, header);
        }
        foreach (var spec in parts.Attachments)
        {
            Attach(spec, "--attach", () =>
            {
                var attachment = message.Attachments.Add(spec.Path, ContentType(spec));
                attachment.FileName = spec.Name ?? attachment.FileName;
            });
        }
        foreach (var spec in parts.Inline)
        {
            Attach(spec, "--inline", () =>
            {
                string name = spec.Name ?? Path.GetFileName(spec.Path);
                var attachment = message.Attachments.AddInline(spec.Path, name, ContentType(spec));
                attachment.FileName = name;
            });
        }
        return message;
    }

    /// <summary>The type given, else the one the shown name's extension implies, else the file's own extension's (so
    /// <c>logo.png;name=logo</c> is still an image).</summary>
    private static string ContentType(AttachmentSpec spec)
    {
        if (spec.ContentType is { } given)
        {
            return given;
        }
        string byName = spec.Name is null ? MimeTypes.OctetStream : MimeTypes.FromFileName(spec.Name);
        return byName != MimeTypes.OctetStream ? byName : MimeTypes.FromFileName(spec.Path);
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

    /// <summary>What is sent, for the progress bar, and what to close afterwards.</summary>
    private sealed class Outgoing : IDisposable
    {
        private readonly IDisposable? _owned;
        private long _transferred;

        private Outgoing(long total, Func<long>? position, IDisposable? owned, Smtp? smtp)
        {
            Total = total;
            _owned = owned;
            Position = position ?? (() => _transferred);
            if (position is null && smtp is not null)
            {
                // The bytes sent so far: there is no file position to follow for a message that writes itself.
                smtp.OnTransfer += (_, e) => _transferred = e.BytesTransferred;
            }
        }

        /// <summary>The size the progress bar counts to (-1 when unknown: no bar).</summary>
        public long Total { get; }

        /// <summary>How far the send has got, in the same unit as <see cref="Total"/>.</summary>
        public Func<long> Position { get; }

        /// <summary>A plain text (its file position moves as it is read).</summary>
        public static Outgoing Text(MessageBody body) =>
            new(body.File is null ? 0 : body.Length, body.File is { } file ? () => file.Position : () => 0, body, null);

        /// <summary>A composed message, set as the component's message content.</summary>
        public static Outgoing Composed(EmailMessage message, Smtp smtp)
        {
            try
            {
                var content = new EmailMessageContent(message);
                smtp.SetMessageContent(content);
                return new Outgoing(content.Length, null, message, content.Length >= TransferProgress.Threshold ? smtp : null);
            }
            catch (SmtpException e)
            {
                message.Dispose();
                throw e.Code == SmtpErrorCodes.CannotOpenFile ? new CliException(ExitCodes.NoInput, e.Message, e)
                    : CliException.Usage(e.Message);
            }
        }

        /// <summary>A ready message, measured and set as the component's message content.</summary>
        public static async Task<Outgoing> RawAsync(RawMessage raw, Smtp smtp, CancellationToken cancellationToken)
        {
            smtp.SetMessageContent(await raw.PrepareAsync(cancellationToken).ConfigureAwait(false));
            return new Outgoing(raw.Length, () => raw.Position, raw, null);
        }

        public void Dispose() => _owned?.Dispose();
    }

    /// <summary>Date, Message-ID and Reply-To have their own properties (so the library does not add a second copy);
    /// every other header goes to OtherHeaders, followed, for a streamed body that needs it, by the MIME headers of
    /// its quoted-printable encoding (the component adds none for a stream, whose content it does not know).</summary>
    private static void ApplyHeaders(Smtp smtp, IReadOnlyList<HeaderLine> headers, MessageBody body)
    {
        var other = new List<string>();
        foreach (var h in headers)
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
        if (body.NeedsEncoding && !headers.Any(h => h.Is("Content-Type")))
        {
            other.Add("MIME-Version: 1.0");
            other.Add("Content-Type: text/plain; charset=utf-8");
            other.Add("Content-Transfer-Encoding: quoted-printable");
        }
        smtp.OtherHeaders = string.Join("\r\n", other);
    }

}
