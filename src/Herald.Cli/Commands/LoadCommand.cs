using System.CommandLine;
using System.Globalization;
using Herald.Cli.Load;
using Herald.Cli.Options;
using Herald.Cli.Profiles;

namespace Herald.Cli.Commands;

/// <summary>
/// <c>herald load</c>: sends many generated messages to a server through Herald's <see cref="SmtpPool"/>, as Postfix's
/// <c>smtp-source</c> does with its own client, and reports messages per second, MiB per second, latency percentiles
/// and the errors grouped by reply code.
/// </summary>
/// <remarks>
/// The server, TLS, login and proxy options are those of the other commands, read by the same code
/// (<see cref="ConnectionOptions.Apply"/> on a component that is used once, to check that the server can be reached,
/// and then to take the settings from); the pool then gets the same host, port, TLS mode, CA file, credentials and
/// proxy.
/// </remarks>
internal static class LoadCommand
{
    /// <summary>The largest body <c>--size</c> takes (every message in flight shares one copy).</summary>
    public const int MaxBodyBytes = 256 << 20;

    /// <summary>Creates the command.</summary>
    /// <param name="env">The process environment.</param>
    public static Command Create(CliEnvironment env)
    {
        var count = Whole("--count", "N", "How many messages to send (default 1000).", 1000, 1);
        var conns = Whole("--conns", "C", "The most connections open at once (default 1).", 1, 1, 1000);
        var size = Whole("--size", "BYTES", "The body size of each message, headers not counted, as smtp-source's -l (default 1024).",
            1024, 0, MaxBodyBytes);
        var recipients = Whole("--recipients", "K",
            "Recipients per message (default 1). With more than one, --to's local part gets +1, +2 ... (sink+1@example.com).",
            1, 1, 1000);
        var window = Whole("--window", "N",
            "How many messages are handed to the pool at once (default 16 per connection): enough to keep every connection's " +
            "pipeline full; latency counts the time a message waits in the pool.", 0, 1);
        var rate = new Option<double>("--rate")
        {
            HelpName = "R",
            Description = "Start at most R messages per second over all connections (default: no limit).",
        };
        rate.CustomParser = r =>
        {
            string text = r.Tokens.Count > 0 ? r.Tokens[^1].Value : "";
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && v >= 0 && double.IsFinite(v))
            {
                return v;
            }
            r.AddError($"--rate takes a number of messages per second (0 or more), not \"{text}\".");
            return 0;
        };
        var from = new Option<string?>("--from")
        {
            HelpName = "ADDRESS",
            Description = "The sender (default load@example.com).",
        };
        var to = new Option<string?>("--to")
        {
            HelpName = "ADDRESS",
            Description = "The recipient (default sink@example.com).",
        };
        var json = new Option<bool>("--json")
        {
            Description = "Print the summary as one JSON object on stdout (the shape is in the README), for scripts.",
        };
        var connection = new ConnectionOptions(withAuth: true);

        var command = new Command("load",
            "Send many generated messages to a server as fast as it takes them, through Herald's connection pool (pipelined " +
            "across messages), and report messages/s, MiB/s, latency percentiles and errors by reply code: what Postfix's " +
            "smtp-source does. Progress is drawn on stderr when it is a terminal, one line a second otherwise.\n\n" +
            "Examples:\n" +
            "  herald load --server 127.0.0.1:25 --count 20000 --conns 4\n" +
            "  herald load --server smtp.example.com:587 --user me@example.com --password-env SMTP_PASSWORD \\\n" +
            "      --from me@example.com --to sink@example.com --count 500 --rate 50 --json");
        command.Options.Add(count);
        command.Options.Add(conns);
        command.Options.Add(size);
        command.Options.Add(rate);
        command.Options.Add(recipients);
        command.Options.Add(window);
        command.Options.Add(from);
        command.Options.Add(to);
        command.Options.Add(json);
        connection.AddTo(command);

        CommandActions.Set(command, env, async (result, cancellationToken) =>
        {
            var settings = connection.Resolve(result, env);
            var server = ConnectionOptions.RequireServer(settings, "load");
            RefuseUnsupported(result, connection);
            string sender = OneAddress(result.GetValue(from) ?? "load@example.com", "--from");
            string recipient = OneAddress(result.GetValue(to) ?? "sink@example.com", "--to");
            int connections = result.GetValue(conns);
            var plan = new LoadPlan(result.GetValue(count), connections, result.GetValue(size), result.GetValue(rate), sender,
                Recipients(recipient, result.GetValue(recipients)), result.GetValue(window) is > 0 and var w ? w : 16 * connections);

            using var smtp = new Smtp();
            var connectionPlan = connection.Apply(result, smtp, server, env, settings);
            // One session first, through the command line's own connection code: an unreachable server, a TLS or login
            // problem is reported once with the usual explanation and hint, instead of once per message.
            int checkedCode = await ServerSession.RunAsync(smtp, connectionPlan, env, cancellationToken, () => Task.CompletedTask)
                .ConfigureAwait(false);
            if (checkedCode != ExitCodes.Ok)
            {
                return checkedCode;
            }
            var pool = new SmtpPool(PoolOptions(result, settings, connection, smtp, connectionPlan, plan));
            LoadReport report;
            await using (pool.ConfigureAwait(false))
            {
                var runner = new LoadRunner(pool, plan);
                if (!result.GetValue(json) && !env.IsErrorTerminal)
                {
                    env.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"herald: load: {plan.Count:N0} messages to {connectionPlan.Display} over up to {plan.Connections} " +
                        $"connection(s), {plan.BodyBytes:N0}-byte bodies, {plan.Recipients.Count} recipient(s) each"));
                }
                report = await LoadProgress.ShowAsync(env, runner, () => runner.RunAsync(connectionPlan.Display, cancellationToken))
                    .ConfigureAwait(false);
            }
            env.Out.Write(result.GetValue(json) ? report.ToJson() + "\n" : report.ToText());
            return report.ExitCode;
        });
        return command;
    }

    /// <summary>
    /// The pool's settings from what <see cref="ConnectionOptions.Apply"/> put on the component (host, port, proxy,
    /// credentials, timeout) and from the options themselves (TLS mode, CA file).
    /// </summary>
    internal static SmtpPoolOptions PoolOptions(ParseResult result, EffectiveSettings settings, ConnectionOptions connection, Smtp smtp,
        ConnectionPlan plan, LoadPlan load)
    {
        string host = smtp.MailServer;
        // A leading * is the component's way to have a SOCKS5 proxy resolve the name (socks5h://).
        bool proxyResolves = host.StartsWith('*');
        return new SmtpPoolOptions
        {
            Host = proxyResolves ? host[1..] : host,
            Port = smtp.MailPort,
            Tls = (settings.Get("tls")?.Value ?? "auto") switch
            {
                "starttls" => SmtpTlsMode.StartTls,
                "implicit" => SmtpTlsMode.Implicit,
                "none" => SmtpTlsMode.None,
                _ => SmtpTlsMode.Auto,
            },
            TrustedCaFile = settings.Get("ca")?.Value ?? "",
            // --tls auto without a login accepts a certificate it cannot verify (with the warning the check session
            // printed); the pool validates always, so it is told to accept this server's as the command line did.
            DangerousAcceptAnyServerCertificate = result.GetValue(connection.InsecureAcceptAnyCertificate)
                                                  || (plan.Opportunistic && !plan.Credentials && plan.Certificate is { Verified: false }),
            UserName = smtp.User,
            Password = smtp.Password,
            AuthMechanisms = ConnectionOptions.SaslNames(smtp.AuthMechanism),
            Proxy = ProxyUrl(smtp.Firewall, proxyResolves),
            Timeout = TimeSpan.FromSeconds(smtp.Timeout),
            MaxConnections = load.Connections,
            // One session per connection for the whole run, as smtp-source keeps its sessions.
            MaxMessagesPerConnection = int.MaxValue,
            MaxMessagesPerSecond = load.Rate,
            // A load run reports failures; retrying them would hide them and stretch the timing.
            MaxAttempts = 1,
            RetryBaseDelay = TimeSpan.FromMilliseconds(100),
        };
    }

    /// <summary>The component's Firewall as a proxy URL for the pool, or "" for none.</summary>
    internal static string ProxyUrl(Firewall firewall, bool proxyResolves)
    {
        string? scheme = firewall.FirewallType switch
        {
            FirewallTypes.fwSOCKS4 => "socks4",
            FirewallTypes.fwSOCKS4A => "socks4a",
            FirewallTypes.fwSOCKS5 => proxyResolves ? "socks5h" : "socks5",
            FirewallTypes.fwTunnel => "http",
            _ => null,
        };
        if (scheme is null || firewall.Host.Length == 0)
        {
            return "";
        }
        string credentials = firewall.User.Length == 0 ? ""
            : Uri.EscapeDataString(firewall.User) + (firewall.Password.Length > 0 ? ":" + Uri.EscapeDataString(firewall.Password) : "") + "@";
        string host = firewall.Host.Contains(':', StringComparison.Ordinal) ? $"[{firewall.Host}]" : firewall.Host;
        return firewall.Port > 0
            ? string.Create(CultureInfo.InvariantCulture, $"{scheme}://{credentials}{host}:{firewall.Port}")
            : $"{scheme}://{credentials}{host}";
    }

    /// <summary>The options of the other commands that the pool has no setting for.</summary>
    private static void RefuseUnsupported(ParseResult result, ConnectionOptions connection)
    {
        Option[] unsupported =
        [
            connection.ClientCert, connection.ClientKey, connection.ClientCertPasswordEnv, connection.OAuthTokenEnv,
            connection.AllowPlaintextAuth, connection.Trace,
        ];
        var given = unsupported.Where(o => result.GetResult(o) is { Implicit: false }).Select(o => o.Name).ToList();
        if (result.GetValue(connection.Auth) is "xoauth2" or "oauthbearer")
        {
            given.Add("--auth " + result.GetValue(connection.Auth));
        }
        if (given.Count > 0)
        {
            throw CliException.Usage(
                $"herald load cannot use {string.Join(", ", given)}: the connection pool it sends through logs in with a password " +
                "only, presents no client certificate, never sends a password unencrypted off loopback and has no protocol " +
                "trace. Check such a server with 'herald send' (which takes them all).");
        }
    }

    private static string OneAddress(string value, string option)
    {
        var list = AddressList.Parse([value], option);
        return list.Count == 1 ? AddressList.AddrSpec(list[0]) : throw CliException.Usage($"{option} takes exactly one address.");
    }

    /// <summary>The recipient itself, or K numbered ones: local+1@domain, local+2@domain ...</summary>
    internal static IReadOnlyList<string> Recipients(string address, int k)
    {
        if (k == 1)
        {
            return [address];
        }
        int at = address.LastIndexOf('@');
        string local = at > 0 ? address[..at] : address;
        string domain = at > 0 ? address[at..] : "";
        return [.. Enumerable.Range(1, k).Select(i => string.Create(CultureInfo.InvariantCulture, $"{local}+{i}{domain}"))];
    }

    private static Option<int> Whole(string name, string helpName, string description, int defaultValue, int min,
        int max = int.MaxValue)
    {
        var option = new Option<int>(name) { HelpName = helpName, Description = description, DefaultValueFactory = _ => defaultValue };
        option.CustomParser = r =>
        {
            string text = r.Tokens.Count > 0 ? r.Tokens[^1].Value : "";
            if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= min && n <= max)
            {
                return n;
            }
            r.AddError(max == int.MaxValue
                ? $"{name} takes a whole number of at least {min}, not \"{text}\"."
                : $"{name} takes a whole number from {min} to {max}, not \"{text}\".");
            return defaultValue;
        };
        return option;
    }
}
