using System.CommandLine;
using Herald.Cli.Profiles;

namespace Herald.Cli.Options;

/// <summary>
/// The options that describe a message, defined once for <c>herald send</c> and <c>herald queue add</c> so that the two
/// take the same inputs: sender and recipients, subject, text (inline, from a file or standard input), HTML, attachments,
/// inline parts, extra headers, or a ready message (<c>--message</c>). This class holds the option objects, their help
/// and the checks of what was given; <see cref="MessageInput"/> turns the result into the <see cref="Smtp"/>
/// component's message.
/// </summary>
internal sealed class MessageOptions
{
    private readonly string _verb; // what the command does with the message: "send" or "queue"

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

    public readonly Option<string?> BodyFile;

    public readonly Option<string[]> Header = new("--header")
    {
        HelpName = "\"NAME: VALUE\"",
        Description = "Add a header line, e.g. \"X-Campaign: spring\". Repeatable.",
        Arity = ArgumentArity.ZeroOrMore,
    };

    public readonly Option<string?> Text = new("--text")
    {
        HelpName = "FILE",
        Description = "The plain-text part (UTF-8) from FILE (\"-\": stdin); with --html the two go as alternatives.",
    };

    public readonly Option<string?> Html = new("--html")
    {
        HelpName = "FILE",
        Description = "An HTML part (UTF-8) from FILE (\"-\": stdin); with a plain text (--text, --body, --body-file) the "
                      + "reader shows whichever it prefers (multipart/alternative).",
    };

    public readonly Option<string[]> Attach = new("--attach")
    {
        HelpName = "FILE[;type=T][;name=N]",
        Description = "Attach FILE, streamed from disk. The content type comes from the extension unless ;type= gives it; "
                      + ";name= sets the file name the recipient sees. Repeatable.",
        Arity = ArgumentArity.ZeroOrMore,
    };

    public readonly Option<string[]> Inline = new("--inline")
    {
        HelpName = "FILE[;type=T][;name=N]",
        Description = "Add FILE as an inline part the HTML shows with <img src=\"cid:NAME\">, NAME being the file name (or "
                      + ";name=). Repeatable.",
        Arity = ArgumentArity.ZeroOrMore,
    };

    public readonly Option<string?> Message;

    private MessageOptions(string verb, string senderRule, string streaming)
    {
        _verb = verb;
        From = new Option<string?>("--from")
        {
            HelpName = "ADDRESS",
            Description = $"The sender, e.g. \"Jane <jane@example.com>\" ({senderRule}). Falls back to $HERALD_FROM, then to the "
                          + "account's from.",
        };
        BodyFile = new Option<string?>("--body-file")
        {
            HelpName = "FILE",
            Description = $"Read the message text (UTF-8) from FILE; \"-\" reads stdin. A large body is streamed, never held in "
                          + $"memory{streaming}.",
        };
        Message = new Option<string?>("--message")
        {
            HelpName = "FILE",
            Description = $"{char.ToUpperInvariant(verb[0])}{verb[1..]} FILE (\"-\": stdin), a complete RFC 5322 message with its "
                          + "own headers, as it is, its Bcc lines removed. The recipients come from its To, Cc and Bcc headers "
                          + "unless --to, --cc or --bcc are given.",
        };
    }

    /// <summary>The options of <c>herald send</c>.</summary>
    /// <param name="captureSender">The sender used when capturing without one.</param>
    public static MessageOptions ForSend(string captureSender) =>
        new("send", $"required with a server; {captureSender} when capturing", ", with a progress bar when stderr is a terminal");

    /// <summary>The options of <c>herald queue add</c>.</summary>
    public static MessageOptions ForQueue() => new("queue", "required", "");

    /// <summary>Adds the options to a command, in the order help lists them.</summary>
    /// <param name="command">The command.</param>
    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { From, To, Cc, Bcc, Subject, Body, BodyFile, Header, Text, Html, Attach, Inline, Message })
        {
            command.Options.Add(option);
        }
    }

    /// <summary>
    /// Reads and checks what was given, without opening any file or standard input yet: the recipients (required
    /// unless <c>--message</c> names them), the combination of body options, the header lines and the subject.
    /// </summary>
    /// <param name="result">The parsed command line.</param>
    /// <exception cref="CliException">64 for a missing recipient, options that contradict each other, a malformed
    /// address, header, attachment setting or subject.</exception>
    public MessageInput Read(ParseResult result)
    {
        var to = AddressList.Parse(result.GetValue(To), "--to");
        var cc = AddressList.Parse(result.GetValue(Cc), "--cc");
        var bcc = AddressList.Parse(result.GetValue(Bcc), "--bcc");
        var parts = new MessageParts(result.GetValue(Body), result.GetValue(BodyFile), result.GetValue(Text), result.GetValue(Html),
            (result.GetValue(Attach) ?? []).Select(v => AttachmentSpec.Parse(v, "--attach")).ToList(),
            (result.GetValue(Inline) ?? []).Select(v => AttachmentSpec.Parse(v, "--inline")).ToList());
        string? messageFile = result.GetValue(Message);
        CheckCombination(result, parts, messageFile);
        if (messageFile is null && to.Count + cc.Count + bcc.Count == 0)
        {
            throw CliException.Usage("No recipient: give at least one --to (or --cc/--bcc) ADDRESS.");
        }
        var headers = HeaderLine.Parse(result.GetValue(Header));
        string? subject = result.GetValue(Subject);
        if (subject is not null && subject.AsSpan().ContainsAny('\r', '\n', '\0'))
        {
            throw CliException.Usage("--subject must be a single line.");
        }
        return new MessageInput(to, cc, bcc, headers, subject, parts, messageFile);
    }

    /// <summary>
    /// The sender the settings give (<c>--from</c>, else <c>$HERALD_FROM</c>, else the account's <c>from</c>), checked to
    /// be one address; null when none gives one. The settings must have been resolved with <see cref="From"/>.
    /// </summary>
    /// <param name="settings">The command's settings.</param>
    /// <exception cref="CliException">64, or 78 for the config file's, when it is not exactly one address.</exception>
    public static string? Sender(EffectiveSettings settings)
    {
        if (settings.Get("from") is not { } sender)
        {
            return null;
        }
        int count;
        try
        {
            count = AddressList.Parse([sender.Value], sender.Source).Count;
        }
        catch (CliException e) when (sender.Level == EffectiveSettings.File)
        {
            throw new CliException(ExitCodes.Config, e.Message, e);
        }
        if (count != 1)
        {
            throw new CliException(EffectiveSettings.ExitCodeFor(sender.Level),
                $"{sender.Source} takes exactly one address, not \"{sender.Value}\".");
        }
        return sender.Value;
    }

    /// <summary>Refuses options that contradict each other.</summary>
    /// <exception cref="CliException">64.</exception>
    private void CheckCombination(ParseResult result, MessageParts parts, string? messageFile)
    {
        if (messageFile is not null)
        {
            Option[] messageOptions = [Subject, Body, BodyFile, Text, Html, Attach, Inline, Header];
            var given = messageOptions.Where(o => result.GetResult(o) is { Implicit: false }).Select(o => o.Name).ToArray();
            if (given.Length > 0)
            {
                throw CliException.Usage($"--message {_verb}s the message as it is, so {string.Join(", ", given)} cannot apply: " +
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

    private static Option<string[]> AddressOption(string name, string description) => new(name)
    {
        HelpName = "ADDRESS",
        Description = description,
        Arity = ArgumentArity.ZeroOrMore,
    };
}
