using System.CommandLine;
using Herald.Cli.Options;
using Herald.Cli.Profiles;

namespace Herald.Cli.Commands;

/// <summary>
/// <c>herald sendmail</c>: the command line of sendmail (the one cron, PHP's <c>mail()</c>, git send-email and scripts
/// call as <c>/usr/sbin/sendmail</c>), delivering through the server of the <c>HERALD_*</c> variables or the config
/// file's account. The message comes on standard input and is sent as it is, but for its Bcc fields, which are removed,
/// and for a From, Date or Message-ID it lacks, which are added. It is read whole (into a private temporary file when
/// large) before the server is contacted. Nothing is printed on success; exit codes are those of sysexits.h, as
/// sendmail's.
/// </summary>
/// <remarks>
/// The arguments are parsed as sendmail parses them (getopt: <c>-ti</c> is <c>-t -i</c>, <c>-fADDR</c> is
/// <c>-f ADDR</c>), not by System.CommandLine, so <see cref="HeraldCommandLine"/> hands them over before parsing.
/// Herald's own connection options (<c>--server</c>, <c>--tls</c>, <c>--account</c> ...) are taken too.
/// </remarks>
internal static class SendmailCommand
{
    /// <summary>The usage line, for help and errors.</summary>
    public const string Usage =
        "herald sendmail [-t] [-i] [-oi] [-f FROM] [-F NAME] [-v] [--server ... and the other connection options] [RECIPIENT...]";

    private const string Description =
        "Send the message on standard input, as sendmail does (install Herald as /usr/sbin/sendmail for cron, PHP mail() " +
        "and scripts). The server comes from HERALD_SERVER and the other HERALD_* variables, or the config file's account.\n" +
        "  -t        also send to the To, Cc and Bcc addresses of the message's headers (Bcc lines are removed)\n" +
        "  -i, -oi   a line with a single dot does not end the message (without it, it does)\n" +
        "  -f FROM   the envelope sender (default: HERALD_FROM or the account's from, else the message's From)\n" +
        "  -F NAME   the sender's full name, for a From header the message lacks\n" +
        "  -v        print the SMTP conversation on stderr\n" +
        "Missing From, Date and Message-ID headers are added. Accepted and ignored: -oX (other than -oi), -bm, -em, -U, -odi, " +
        "-N, -R, -V, -B, -h, -A.";

    /// <summary>The command as <c>herald --help</c> lists it (its arguments never reach System.CommandLine).</summary>
    public static Command Create() => new("sendmail", Description);

    /// <summary>The arguments after <c>sendmail</c>, as sendmail reads them.</summary>
    /// <param name="Extract">-t: take recipients from the headers too.</param>
    /// <param name="IgnoreDots">-i or -oi: a lone dot does not end the input.</param>
    /// <param name="From">-f/-r: the envelope sender; "" for the null sender (<c>-f '&lt;&gt;'</c>).</param>
    /// <param name="FullName">-F: the sender's name.</param>
    /// <param name="Verbose">-v.</param>
    /// <param name="Help">--help.</param>
    /// <param name="Recipients">The command line's recipients.</param>
    /// <param name="Herald">Herald's own long options, for System.CommandLine.</param>
    internal sealed record Arguments(bool Extract, bool IgnoreDots, string? From, string? FullName, bool Verbose, bool Help,
        IReadOnlyList<string> Recipients, IReadOnlyList<string> Herald);

    /// <summary>Parses sendmail's arguments (getopt style, options and recipients in any order until <c>--</c>).</summary>
    /// <param name="args">The arguments after <c>sendmail</c>.</param>
    /// <param name="flagOptions">Herald's long options that take no value.</param>
    /// <exception cref="CliException">64 for an unknown or unsupported option, or one that lacks its value.</exception>
    internal static Arguments Parse(IReadOnlyList<string> args, IReadOnlySet<string> flagOptions)
    {
        bool extract = false, ignoreDots = false, verbose = false, help = false;
        string? from = null, fullName = null;
        var recipients = new List<string>();
        var herald = new List<string>();
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (arg == "--")
            {
                recipients.AddRange(args.Skip(i + 1));
                break;
            }
            if (arg == "--help")
            {
                help = true;
                continue;
            }
            if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                herald.Add(arg);
                string name = arg.Split('=', ':')[0];
                if (!flagOptions.Contains(name) && !arg.Contains('=', StringComparison.Ordinal))
                {
                    herald.Add(i + 1 < args.Count ? args[++i] : throw CliException.Usage($"sendmail: {name} needs a value."));
                }
                continue;
            }
            if (arg.Length < 2 || arg[0] != '-')
            {
                recipients.Add(arg);
                continue;
            }
            for (int j = 1; j < arg.Length; j++)
            {
                char letter = arg[j];
                // Letters that take a value take the rest of the word, or else the next argument (getopt).
                string Value()
                {
                    string rest = arg[(j + 1)..];
                    j = arg.Length;
                    if (rest.Length > 0)
                    {
                        return rest;
                    }
                    return i + 1 < args.Count ? args[++i] : throw CliException.Usage($"sendmail: -{letter} needs a value.");
                }
                switch (letter)
                {
                    case 't':
                        extract = true;
                        break;
                    case 'i':
                        ignoreDots = true;
                        break;
                    case 'v':
                        verbose = true;
                        break;
                    case 'm' or 'n' or 'U' or 'G' or 'x':
                        break; // "me too", no aliasing, initial submission, gateway: nothing to do for a client
                    case 'f' or 'r':
                        from = Value();
                        break;
                    case 'F':
                        fullName = Value();
                        break;
                    case 'o':
                        // -oi as -i; -oem, -odi, -oQ/dir and the other queue and error settings belong to a local MTA.
                        ignoreDots |= Value() is "i" or "i=true" or "i=True";
                        break;
                    case 'O':
                        ignoreDots |= Value().Replace(" ", "", StringComparison.Ordinal)
                            .Equals("IgnoreDots=true", StringComparison.OrdinalIgnoreCase);
                        break;
                    case 'b':
                        string mode = Value();
                        if (mode != "m")
                        {
                            throw CliException.Usage($"sendmail: -b{mode} is not supported: Herald's sendmail only delivers a message " +
                                                     "(-bm, the default); it has no queue, daemon or alias database.");
                        }
                        break;
                    case 'e' or 'B' or 'N' or 'R' or 'V' or 'h' or 'A' or 'L' or 'C' or 'd' or 'X' or 'p':
                        Value(); // error mode, body type, DSN options, hop count, logging: not a client's business
                        break;
                    default:
                        throw CliException.Usage($"sendmail: unknown option -{letter}. Usage: {Usage}");
                }
            }
        }
        return new Arguments(extract, ignoreDots, from, fullName, verbose, help, recipients, herald);
    }

    /// <summary>Runs <c>herald sendmail</c>.</summary>
    /// <param name="args">The arguments after <c>sendmail</c>.</param>
    /// <param name="env">The process environment.</param>
    /// <param name="cancellationToken">Ctrl+C, SIGTERM.</param>
    /// <returns>The exit code.</returns>
    public static async Task<int> RunAsync(string[] args, CliEnvironment env, CancellationToken cancellationToken)
    {
        try
        {
            return await RunCoreAsync(args, env, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            return CommandActions.Report(env, e);
        }
    }

    private static async Task<int> RunCoreAsync(string[] args, CliEnvironment env, CancellationToken cancellationToken)
    {
        var fromOption = new Option<string?>("--from");
        var connection = new ConnectionOptions(withAuth: true);
        var command = new Command("sendmail");
        command.Options.Add(fromOption);
        connection.AddTo(command);
        var flags = command.Options.Where(o => o.ValueType == typeof(bool)).SelectMany(o => o.Aliases.Prepend(o.Name)).ToHashSet();
        var arguments = Parse(args, flags);
        if (arguments.Help)
        {
            env.Out.WriteLine($"Usage: {Usage}\n\n{Description}");
            return ExitCodes.Ok;
        }
        bool nullSender = arguments.From is "<>" or "";
        var tokens = new List<string>(arguments.Herald);
        if (arguments.From is { } f && !nullSender)
        {
            tokens.AddRange(["--from", f]);
        }
        if (arguments.Verbose)
        {
            tokens.Add("--trace");
        }
        var result = command.Parse(tokens);
        if (result.Errors.Count > 0)
        {
            throw CliException.Usage($"sendmail: {string.Join("; ", result.Errors.Select(e => e.Message))}");
        }
        if (arguments.FullName is { } name && name.AsSpan().ContainsAny('\r', '\n', '\0'))
        {
            throw CliException.Usage("sendmail: -F must be a single line.");
        }
        List<string> recipients;
        try
        {
            recipients = AddressList.Parse(arguments.Recipients, "the recipients").Select(AddressList.AddrSpec).ToList();
        }
        catch (CliException e)
        {
            // cron mails MAILTO, by default the local user ("root"), which only a local mail system can resolve.
            throw CliException.Usage($"sendmail: {e.Message} Herald delivers through a server, which needs full addresses " +
                                     "(for cron, set MAILTO=you@example.com).");
        }
        if (!arguments.Extract && recipients.Count == 0)
        {
            throw CliException.Usage($"sendmail: no recipients: name them on the command line, or pass -t to take them from the " +
                                     $"message's To, Cc and Bcc headers. Usage: {Usage}");
        }

        var settings = connection.Resolve(result, env, fromOption);
        var server = ConnectionOptions.ResolveServer(settings) ?? throw new CliException(ExitCodes.Config,
            "sendmail: no server is configured: set HERALD_SERVER (HOST[:PORT]) and, if it needs them, HERALD_USER and " +
            "HERALD_PASSWORD_ENV or HERALD_PASSWORD_COMMAND; or an account in the config file (HERALD_CONFIG, " +
            "~/.config/herald/config.toml).");
        var senderSetting = settings.Get("from");
        if (senderSetting is not null && AddressList.Parse([senderSetting.Value], senderSetting.Source).Count != 1)
        {
            throw new CliException(EffectiveSettings.ExitCodeFor(senderSetting.Level),
                $"{senderSetting.Source} takes exactly one address, not \"{senderSetting.Value}\".");
        }

        using var message = await RawMessage.OpenAsync("-", "standard input", env,
            arguments.IgnoreDots ? null : input => new DotTerminatedStream(input), cancellationToken).ConfigureAwait(false);
        ReadyMessageEnvelope? envelope;
        try
        {
            envelope = message.Headers.GetEnvelope();
        }
        catch (SmtpException e) when (arguments.Extract)
        {
            throw new CliException(ExitCodes.DataError, $"sendmail: {e.Message}", e);
        }
        catch (SmtpException)
        {
            envelope = null; // without -t a malformed header only costs the default sender
        }
        if (arguments.Extract)
        {
            recipients = recipients.Concat(envelope!.Recipients).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        }
        if (recipients.Count == 0)
        {
            throw CliException.Usage("sendmail: -t found no recipient: the message has no To, Cc or Bcc header with an address.");
        }
        string? sender = nullSender ? null : senderSetting is null ? envelope?.Sender : AddressList.AddrSpec(senderSetting.Value);
        if (sender is null && !nullSender)
        {
            throw new CliException(ExitCodes.Config,
                "sendmail: no sender: pass -f ADDRESS, set HERALD_FROM (or from in the config file's account), or give the " +
                "message a From header.");
        }
        // A From, Date or Message-ID the message lacks is added, as sendmail and Postfix add them. The From is the sender
        // with -F's name; else with the name HERALD_FROM or the account gives ("Backups <backup@example.org>").
        string? author = sender is null ? null
            : arguments.FullName is { } fullName ? Mailbox(fullName, sender)
            : senderSetting is not null && arguments.From is null ? senderSetting.Value
            : sender;
        message.AddMissingFields(author);

        using var smtp = new Smtp();
        if (nullSender)
        {
            smtp.ReturnPath = "<>"; // RFC 5321 §4.5.5: bounces and other automatic messages
        }
        else
        {
            smtp.From = sender!;
        }
        smtp.SendTo = string.Join(", ", recipients);
        smtp.SetMessageContent(await message.PrepareAsync(cancellationToken).ConfigureAwait(false));
        var plan = connection.Apply(result, smtp, server, env, settings);
        smtp.OnError += (_, e) => env.Warn(e.Description);
        return await ServerSession.RunAsync(smtp, plan, env, cancellationToken, () => smtp.SendAsync(cancellationToken))
            .ConfigureAwait(false);
    }

    /// <summary>A mailbox with <paramref name="name"/> as a quoted display name (RFC 5322 §3.4, §3.2.4).</summary>
    private static string Mailbox(string name, string address) =>
        $"\"{name.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)}\" <{address}>";
}
