using System.CommandLine;

namespace Herald.Cli.Options;

/// <summary>
/// <c>--proxy URL</c> and <c>--proxy-password-env VAR</c>, with curl's spellings and curl's fallback to
/// <c>ALL_PROXY</c>/<c>all_proxy</c> (honouring <c>NO_PROXY</c>/<c>no_proxy</c>), turned into the component's
/// documented Firewall settings: <c>socks4://</c> fwSOCKS4, <c>socks4a://</c> fwSOCKS4A, <c>socks5://</c> fwSOCKS5 with
/// the server's name resolved here, <c>socks5h://</c> fwSOCKS5 with the name passed to the proxy (MailServer's leading
/// <c>*</c>), <c>http://</c> fwTunnel (HTTP CONNECT).
/// </summary>
internal sealed class ProxyOptions
{
    public readonly Option<string?> Proxy = new("--proxy")
    {
        HelpName = "URL",
        Description = "Connect through this proxy: socks4://HOST[:PORT], socks4a://, socks5:// (the server's name is resolved "
                      + "here), socks5h:// (the proxy resolves it), http://[USER@]HOST[:PORT] (HTTP CONNECT). SOCKS defaults to "
                      + "port 1080, HTTP to 80. Falls back to $ALL_PROXY (honouring $NO_PROXY).",
    };

    public readonly Option<string?> PasswordEnv = new("--proxy-password-env")
    {
        HelpName = "VAR",
        Description = "Read the proxy's password from this environment variable (the user name goes in the URL: "
                      + "socks5://USER@HOST).",
    };

    /// <summary>Adds the options to a command.</summary>
    /// <param name="command">The command.</param>
    public void AddTo(Command command)
    {
        command.Options.Add(Proxy);
        command.Options.Add(PasswordEnv);
    }

    /// <summary>The options that need a server.</summary>
    public IEnumerable<Option> RemoteOnly => [Proxy, PasswordEnv];

    /// <summary>
    /// Sets the component's Firewall from <c>--proxy</c>, else from <c>ALL_PROXY</c>/<c>all_proxy</c> unless
    /// <c>NO_PROXY</c>/<c>no_proxy</c> names the server, and returns where the proxy came from (for hints), or null
    /// when the connection is direct.
    /// </summary>
    /// <param name="result">The parsed command line.</param>
    /// <param name="smtp">The component, with MailServer and MailPort already set.</param>
    /// <param name="env">The process environment.</param>
    /// <param name="trace">True for <c>--trace</c>: the choice is shown as a note.</param>
    /// <param name="configured">The proxy the settings name (--proxy, else HERALD_PROXY, else the config file's account),
    /// which wins over ALL_PROXY; null when none does.</param>
    /// <exception cref="CliException">64 for a malformed URL or a password option without a proxy user; 78 for a password
    /// variable that is not set or a malformed proxy variable.</exception>
    public string? Apply(ParseResult result, Smtp smtp, CliEnvironment env, bool trace, Profiles.Setting? configured = null)
    {
        ProxyAddress? proxy;
        string source;
        if (configured is not null)
        {
            if (!ProxyAddress.TryParse(configured.Value, out proxy, out string error))
            {
                throw new CliException(Profiles.EffectiveSettings.ExitCodeFor(configured.Level), $"{configured.Source}: {error}.");
            }
            source = configured.Source;
            if (proxy.Password.Length > 0 && configured.Level == Profiles.EffectiveSettings.CommandLine)
            {
                env.Warn("--proxy carries the proxy's password on the command line, where other users can see it (ps, /proc) "
                         + "and your shell history keeps it. Prefer --proxy-password-env.");
            }
            Note(env, trace, $"Connecting through the proxy {proxy} from {source}.");
        }
        else
        {
            // curl's rule for protocols other than HTTP(S): ALL_PROXY, with NO_PROXY; HTTPS_PROXY is for HTTPS.
            var variables = new Dictionary<string, string?>(StringComparer.Ordinal);
            foreach (string name in new[] { "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY" })
            {
                variables[name] = env.GetVariable(name);
            }
            var choice = ProxyAddress.Detect(variables, smtp.MailServer, smtp.MailPort);
            if (choice.IsError)
            {
                throw new CliException(ExitCodes.Config, $"{choice.Reason} Correct or unset {choice.Variable}, or pass --proxy.");
            }
            if (choice.Variable.Length > 0)
            {
                Note(env, trace, choice.Reason);
            }
            proxy = choice.Proxy;
            source = choice.Variable;
        }
        if (result.GetValue(PasswordEnv) is { } variable)
        {
            if (proxy is null)
            {
                throw CliException.Usage("--proxy-password-env needs a proxy: --proxy URL (or $ALL_PROXY).");
            }
            if (proxy.User.Length == 0)
            {
                throw CliException.Usage("--proxy-password-env needs the proxy's user name in the URL: socks5://USER@HOST:PORT.");
            }
            string password = env.Variable(variable) ?? throw new CliException(ExitCodes.Config,
                $"--proxy-password-env: the environment variable {variable} is not set or is empty.");
            proxy = proxy.WithPassword(password);
        }
        if (proxy is null)
        {
            return null;
        }
        proxy.ApplyTo(smtp); // socks5h:// also marks MailServer with the component's leading * (the proxy resolves it)
        return $"{proxy} (from {source})";
    }

    private static void Note(CliEnvironment env, bool trace, string text)
    {
        if (trace)
        {
            env.Error.WriteLine(Output.ProtocolTrace.Format(2, text));
        }
    }
}
