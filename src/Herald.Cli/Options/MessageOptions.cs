using System.CommandLine;
using System.Text;

namespace Herald.Cli.Options;

/// <summary>
/// The options that describe a message (sender, recipients, subject, body, extra headers), shared by
/// <c>herald send</c> and <c>herald queue add</c>, and how they become the <see cref="Smtp"/> component's properties.
/// </summary>
internal sealed class MessageOptions
{
    public readonly Option<string?> From;

    public readonly Option<string[]> To = AddressOption("--to", "A recipient (To). Repeat it, or give a comma-separated list.");

    public readonly Option<string[]> Cc = AddressOption("--cc", "A copy recipient (Cc). Repeat it, or give a comma-separated list.");

    public readonly Option<string[]> Bcc =
        AddressOption("--bcc", "A blind-copy recipient (Bcc: in no header). Repeat it, or give a comma-separated list.");

    public readonly Option<string?> Subject = new("--subject")
    {
        HelpName = "TEXT",
        Description = "The subject line.",
    };

    public readonly Option<string?> Body = new("--body")
    {
        HelpName = "TEXT",
        Description = "The message text. Without --body or --body-file, the text is read from stdin when it is not a terminal.",
    };

    public readonly Option<string?> BodyFile = new("--body-file")
    {
        HelpName = "FILE",
        Description = "Read the message text (UTF-8) from FILE; \"-\" reads stdin.",
    };

    public readonly Option<string[]> Header = new("--header")
    {
        HelpName = "\"NAME: VALUE\"",
        Description = "Add a header line, e.g. \"X-Campaign: spring\". Repeatable.",
        Arity = ArgumentArity.ZeroOrMore,
    };

    /// <summary>Creates the option set.</summary>
    /// <param name="fromDescription">What --from's help says (whether it is required depends on the command).</param>
    public MessageOptions(string fromDescription)
    {
        From = new Option<string?>("--from") { HelpName = "ADDRESS", Description = fromDescription };
    }

    /// <summary>Adds the options to a command, in the order help lists them.</summary>
    /// <param name="command">The command.</param>
    public void AddTo(Command command)
    {
        command.Options.Add(From);
        command.Options.Add(To);
        command.Options.Add(Cc);
        command.Options.Add(Bcc);
        command.Options.Add(Subject);
        command.Options.Add(Body);
        command.Options.Add(BodyFile);
        command.Options.Add(Header);
    }

    /// <summary>Reads and checks the envelope and header options (not the body, which may come from stdin).</summary>
    /// <param name="result">The parsed command line.</param>
    /// <exception cref="CliException">64 for a missing recipient, a malformed address, header or subject.</exception>
    public MessageInput Read(ParseResult result)
    {
        var to = AddressList.Parse(result.GetValue(To), "--to");
        var cc = AddressList.Parse(result.GetValue(Cc), "--cc");
        var bcc = AddressList.Parse(result.GetValue(Bcc), "--bcc");
        if (to.Count + cc.Count + bcc.Count == 0)
        {
            throw CliException.Usage("No recipient: give at least one --to (or --cc/--bcc) ADDRESS.");
        }
        var headers = HeaderLine.Parse(result.GetValue(Header));
        string? subject = result.GetValue(Subject);
        if (subject is not null && subject.AsSpan().ContainsAny('\r', '\n', '\0'))
        {
            throw CliException.Usage("--subject must be a single line.");
        }
        string? sender = result.GetValue(From);
        if (sender is not null && AddressList.Parse([sender], "--from").Count != 1)
        {
            throw CliException.Usage("--from takes exactly one address.");
        }
        return new MessageInput(sender, to, cc, bcc, headers, subject);
    }

    /// <summary>The body: --body, --body-file (or stdin for "-"), stdin when it is redirected, else empty.</summary>
    /// <param name="result">The parsed command line.</param>
    /// <param name="env">The process environment (stdin).</param>
    /// <exception cref="CliException">64 for both --body and --body-file; 65 for text that is not UTF-8; 66 for a
    /// file that cannot be read.</exception>
    public string ReadBody(ParseResult result, CliEnvironment env) => ReadBody(result.GetValue(Body), result.GetValue(BodyFile), env);

    /// <summary>The body from its options.</summary>
    /// <param name="text">--body.</param>
    /// <param name="file">--body-file.</param>
    /// <param name="env">The process environment (stdin).</param>
    /// <exception cref="CliException">As <see cref="ReadBody(ParseResult, CliEnvironment)"/>.</exception>
    internal static string ReadBody(string? text, string? file, CliEnvironment env)
    {
        if (text is not null && file is not null)
        {
            throw CliException.Usage("Give the body one way: --body TEXT or --body-file FILE, not both.");
        }
        if (text is not null)
        {
            return text;
        }
        byte[] bytes;
        string source;
        if (file is not null && file != "-")
        {
            bytes = InputFiles.Read(file, "--body-file");
            source = file;
        }
        else if (file == "-" || env.IsInputRedirected)
        {
            using var input = env.OpenInput();
            using var copy = new MemoryStream();
            input.CopyTo(copy);
            bytes = copy.ToArray();
            source = "standard input";
        }
        else
        {
            return "";
        }
        try
        {
            var utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
            int bom = bytes.AsSpan().StartsWith("\uFEFF"u8) ? 3 : 0;
            return utf8.GetString(bytes, bom, bytes.Length - bom);
        }
        catch (DecoderFallbackException e)
        {
            throw new CliException(ExitCodes.DataError,
                $"The message text from {source} is not UTF-8 text (bad byte at offset {e.Index}). " +
                "Convert it first, e.g. with iconv.", e);
        }
    }

    private static Option<string[]> AddressOption(string name, string description) => new(name)
    {
        HelpName = "ADDRESS",
        Description = description,
        Arity = ArgumentArity.ZeroOrMore,
    };
}

/// <summary>A message as the command line describes it, checked.</summary>
/// <param name="Sender">--from, or null.</param>
/// <param name="To">The To recipients.</param>
/// <param name="Cc">The Cc recipients.</param>
/// <param name="Bcc">The Bcc recipients.</param>
/// <param name="Headers">The --header lines.</param>
/// <param name="Subject">--subject, or null.</param>
internal sealed record MessageInput(string? Sender, IReadOnlyList<string> To, IReadOnlyList<string> Cc, IReadOnlyList<string> Bcc,
    IReadOnlyList<HeaderLine> Headers, string? Subject)
{
    /// <summary>Every recipient's address (addr-spec), To, Cc and Bcc in that order.</summary>
    public string[] Recipients => [.. To.Concat(Cc).Concat(Bcc).Select(AddressList.AddrSpec)];

    /// <summary>Sets the component's message properties.</summary>
    /// <param name="smtp">The component.</param>
    /// <param name="sender">The sender to use.</param>
    /// <param name="text">The body.</param>
    public void ApplyTo(Smtp smtp, string sender, string text)
    {
        smtp.From = sender;
        if (To.Count > 0)
        {
            smtp.SendTo = string.Join(", ", To);
        }
        else
        {
            smtp.Config("AllowEmptyTo=True"); // only Cc/Bcc recipients
        }
        if (Cc.Count > 0)
        {
            smtp.Cc = string.Join(", ", Cc);
        }
        if (Bcc.Count > 0)
        {
            smtp.BCc = string.Join(", ", Bcc);
        }
        if (Subject is not null)
        {
            smtp.Subject = Subject;
        }
        ApplyHeaders(smtp);
        smtp.MessageText = text;
    }

    /// <summary>Date, Message-ID and Reply-To have their own properties (so the library does not add a second copy);
    /// every other header goes to OtherHeaders.</summary>
    private void ApplyHeaders(Smtp smtp)
    {
        var other = new List<string>();
        foreach (var h in Headers)
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
        smtp.OtherHeaders = string.Join("\r\n", other);
    }
}
