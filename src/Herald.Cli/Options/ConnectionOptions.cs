using System.CommandLine;
using System.Globalization;
using System.Text;
using Herald.Cli.Profiles;

namespace Herald.Cli.Options;

/// <summary>
/// The options every command that talks to a server shares: where (<c>--server</c>), through which proxy
/// (<c>--proxy</c>), how long (<c>--timeout</c>), what to show (<c>--trace</c>), TLS and, for commands that may log in,
/// authentication. <see cref="Apply"/> turns
/// them into the <see cref="Smtp"/> component's documented properties and config settings.
/// </summary>
internal sealed class ConnectionOptions
{
    private static readonly string[] TlsModes = ["auto", "starttls", "implicit", "none"];
    private static readonly string[] AuthNames =
        ["auto", "plain", "login", "cram-md5", "digest-md5", "ntlm", "gssapi", "xoauth2", "oauthbearer", "scram-sha-1", "scram-sha-256"];

    /// <summary>What <c>--auth auto</c> offers, strongest first: the SCRAM mechanisms never reveal the password, even to a
    /// server that is not who it claims, and prove that the server knows it (RFC 5802 §1); PLAIN and LOGIN send it as it
    /// is and so are used only over TLS (or to loopback, or with --allow-plaintext-auth). The challenge-response
    /// mechanisms of old (CRAM-MD5, DIGEST-MD5, NTLM) need the password stored in a reversible form on the server and are
    /// used only when named.</summary>
    public const string AutoMechanisms = "SCRAM-SHA-256,SCRAM-SHA-1,PLAIN,LOGIN";

    private readonly bool _withAuth;
    private readonly ProxyOptions _proxy = new();

    public readonly Option<string?> Server = new("--server")
    {
        HelpName = "HOST[:PORT]",
        Description = "The SMTP server. PORT defaults to 25 (465 with --tls implicit). Falls back to $HERALD_SERVER, then to the "
                      + "account's server in the config file.",
    };

    public readonly Option<string?> Account = AccountOption();

    public readonly Option<string?> Helo = new("--helo")
    {
        HelpName = "NAME",
        Description = "The name to greet the server with (EHLO/HELO). Default: this machine's host name.",
    };

    public readonly Option<int?> Timeout = new("--timeout")
    {
        HelpName = "SECONDS",
        Description = "Give up when the server is silent this long (default 60; 0 waits forever).",
    };

    public readonly Option<bool> Trace = new("--trace")
    {
        Description = "Print the SMTP conversation to stderr (C: client, S: server, *: notes). Passwords are masked.",
    };

    public readonly Option<string?> Tls = new Option<string?>("--tls")
    {
        HelpName = "MODE",
        Description = "auto (default): TLS from the start on port 465; on any other port STARTTLS whenever the server offers "
                      + "it, with the certificate checked. Without --user, a certificate that cannot be verified is accepted "
                      + "with a warning (encrypted, not authenticated) and a server without STARTTLS is used in plaintext (a "
                      + "warning off loopback); with --user both are refused, so a password never travels unencrypted or to an "
                      + "unverified server. starttls: require STARTTLS and a valid certificate; implicit: TLS from the start "
                      + "(port 465); none: no encryption.",
    }.AcceptOnlyFromAmong(TlsModes);

    public readonly Option<string?> Ca = new("--ca")
    {
        HelpName = "FILE",
        Description = "Also trust the CA certificates in this PEM file when checking the server's certificate.",
    };

    public readonly Option<string?> ClientCert = new("--client-cert")
    {
        HelpName = "FILE",
        Description = "Present this client certificate: a PFX/PKCS#12 file, or a PEM file (with its key, or see --client-key).",
    };

    public readonly Option<string?> ClientKey = new("--client-key")
    {
        HelpName = "FILE",
        Description = "The PEM private key for a PEM --client-cert kept in a separate file.",
    };

    public readonly Option<string?> ClientCertPasswordEnv = new("--client-cert-password-env")
    {
        HelpName = "VAR",
        Description = "Read the client certificate's password from this environment variable.",
    };

    public readonly Option<bool> InsecureAcceptAnyCertificate = new("--insecure-accept-any-certificate")
    {
        Description = "DANGEROUS: accept any server certificate, even forged ones. For test servers only.",
    };

    public readonly Option<string?> User = new("--user")
    {
        HelpName = "USER",
        Description = "Log in as this user (with a password option, or --oauth-token-env).",
    };

    public readonly Option<string?> PasswordEnv = new("--password-env")
    {
        HelpName = "VAR",
        Description = "Read the password from this environment variable (recommended).",
    };

    public readonly Option<string?> PasswordFile = new("--password-file")
    {
        HelpName = "FILE",
        Description = "Read the password from this file (its first line).",
    };

    public readonly Option<string?> Password = new("--password")
    {
        HelpName = "PASSWORD",
        Description = "The password itself. Avoid: other users can see it in the process list.",
    };

    public readonly Option<string?> OAuthTokenEnv = new("--oauth-token-env")
    {
        HelpName = "VAR",
        Description = "Log in with the OAuth 2.0 access token in this environment variable (XOAUTH2 unless --auth oauthbearer).",
    };

    public readonly Option<string?> Auth = new Option<string?>("--auth")
    {
        HelpName = "MECHANISM",
        Description = "How to log in: auto (default: the strongest the server offers of SCRAM-SHA-256, SCRAM-SHA-1, then PLAIN "
                      + "or LOGIN, which go only over TLS), login, plain, cram-md5, digest-md5, ntlm, gssapi, xoauth2, "
                      + "oauthbearer, scram-sha-1, scram-sha-256.",
    }.AcceptOnlyFromAmong(AuthNames);

    public readonly Option<bool> AllowPlaintextAuth = new("--allow-plaintext-auth")
    {
        Description = "DANGEROUS: with --tls none, allow sending the password over an unencrypted connection to a host outside "
                      + "loopback (--tls auto and starttls never send it unencrypted).",
    };

    /// <summary>Creates the option set.</summary>
    /// <param name="withAuth">True for commands that may log in.</param>
    public ConnectionOptions(bool withAuth)
    {
        _withAuth = withAuth;
        Timeout.CustomParser = r =>
        {
            string text = r.Tokens.Count > 0 ? r.Tokens[^1].Value : "";
            if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int seconds))
            {
                return seconds;
            }
            r.AddError($"--timeout takes a whole number of seconds (0 or more), not \"{text}\".");
            return null;
        };
    }

    /// <summary>The <c>--account</c> option, also for a command that takes no other connection option.</summary>
    public static Option<string?> AccountOption() => new("--account")
    {
        HelpName = "NAME",
        Description = "Use this account of the config file ($XDG_CONFIG_HOME/herald/config.toml) for whatever the command line "
                      + "and the HERALD_* variables leave unset. Default: $HERALD_ACCOUNT, else the file's default.",
    };

    /// <summary>Adds the options to a command, in the order help lists them.</summary>
    /// <param name="command">The command.</param>
    public void AddTo(Command command)
    {
        command.Options.Add(Server);
        command.Options.Add(Account);
        _proxy.AddTo(command);
        command.Options.Add(Tls);
        command.Options.Add(Ca);
        command.Options.Add(ClientCert);
        command.Options.Add(ClientKey);
        command.Options.Add(ClientCertPasswordEnv);
        command.Options.Add(InsecureAcceptAnyCertificate);
        if (_withAuth)
        {
            command.Options.Add(User);
            command.Options.Add(PasswordEnv);
            command.Options.Add(PasswordFile);
            command.Options.Add(Password);
            command.Options.Add(OAuthTokenEnv);
            command.Options.Add(Auth);
            command.Options.Add(AllowPlaintextAuth);
        }
        command.Options.Add(Helo);
        command.Options.Add(Timeout);
        command.Options.Add(Trace);
    }

    /// <summary>
    /// The settings this command uses: each from the command line, else the environment (<c>HERALD_*</c>), else the
    /// account of the config file (see <see cref="EffectiveSettings"/>).
    /// </summary>
    /// <param name="result">The parsed command line.</param>
    /// <param name="env">The process environment.</param>
    /// <param name="from">The command's <c>--from</c> option, when it has one.</param>
    /// <exception cref="CliException">64 for a malformed --server; 78 for a config file or variable that cannot be used.</exception>
    public EffectiveSettings Resolve(ParseResult result, CliEnvironment env, Option<string?>? from = null)
    {
        var given = new Dictionary<string, string>(StringComparer.Ordinal);
        void Take(string key, Option<string?> option)
        {
            if (result.GetValue(option) is { } value)
            {
                given[key] = value;
            }
        }
        Take("server", Server);
        Take("tls", Tls);
        Take("ca", Ca);
        Take("helo", Helo);
        Take("proxy", _proxy.Proxy);
        if (from is not null)
        {
            Take("from", from);
        }
        PasswordSetting? password = null;
        if (_withAuth)
        {
            Take("user", User);
            Take("auth", Auth);
            password = result.GetValue(PasswordEnv) is { } variable ? new PasswordSetting("env", variable, "--password-env", 3)
                : result.GetValue(PasswordFile) is { } file ? new PasswordSetting("file", file, "--password-file", 3)
                : result.GetValue(Password) is { } literal ? new PasswordSetting("literal", literal, "--password", 3)
                : null;
        }
        if (given.TryGetValue("server", out string? server))
        {
            ServerAddress.Parse(server); // a malformed --server is a usage error (64), before anything else is read
        }
        var settings = EffectiveSettings.Resolve(given, password, result.GetValue(Account), env);
        // A variable or account can set what only some commands use; what a command cannot use is left alone, but
        // a value it uses is checked here, naming where it came from.
        Check(settings.Get("tls"), TlsModes, "--tls mode");
        if (_withAuth)
        {
            Check(settings.Get("auth"), AuthNames, "--auth mechanism");
        }
        if (settings.Get("helo") is { } helo && (helo.Value.Length == 0 || helo.Value.Any(c => char.IsWhiteSpace(c) || char.IsControl(c))))
        {
            throw new CliException(EffectiveSettings.ExitCodeFor(helo.Level),
                $"{helo.Source}: \"{helo.Value}\" is not a host name (one word, such as mail.example.org or [192.0.2.1]).");
        }
        return settings;
    }

    private static void Check(Setting? setting, string[] allowed, string what)
    {
        if (setting is not null && !allowed.Contains(setting.Value))
        {
            throw new CliException(EffectiveSettings.ExitCodeFor(setting.Level),
                $"{setting.Source}: \"{setting.Value}\" is not a {what} ({string.Join(", ", allowed)}).");
        }
    }

    /// <summary>The server the settings name, or null (then <c>herald send</c> uses the capture server).</summary>
    /// <param name="settings">The resolved settings.</param>
    /// <exception cref="CliException">64 when --server is malformed; 78 when another source's server is.</exception>
    public static ServerAddress? ResolveServer(EffectiveSettings settings)
    {
        if (settings.Get("server") is not { } server)
        {
            return null;
        }
        try
        {
            var address = ServerAddress.Parse(server.Value);
            return settings.Port is { } port ? address with { Port = int.Parse(port.Value, CultureInfo.InvariantCulture) } : address;
        }
        catch (CliException e) when (server.Level != EffectiveSettings.CommandLine)
        {
            throw new CliException(EffectiveSettings.ExitCodeFor(server.Level), $"{server.Source}: {e.Message}");
        }
    }

    /// <summary>The server, which this command cannot do without.</summary>
    /// <param name="settings">The resolved settings.</param>
    /// <param name="command">The command's name, for the message.</param>
    /// <exception cref="CliException">64 when no server is given.</exception>
    public static ServerAddress RequireServer(EffectiveSettings settings, string command) =>
        ResolveServer(settings) ?? throw CliException.Usage(
            $"'herald {command}' needs a server: pass --server HOST[:PORT], set HERALD_SERVER, or name an account with a server " +
            "(--account).");

    /// <summary>The TLS and login options given on the command line (they make no sense without a server).</summary>
    /// <param name="result">The parsed command line.</param>
    public IEnumerable<string> RemoteOnlyOptionsGiven(ParseResult result)
    {
        Option[] remote = _withAuth
            ? [Tls, Ca, ClientCert, ClientKey, ClientCertPasswordEnv, InsecureAcceptAnyCertificate, User, PasswordEnv, PasswordFile,
                Password, OAuthTokenEnv, Auth, AllowPlaintextAuth]
            : [Tls, Ca, ClientCert, ClientKey, ClientCertPasswordEnv, InsecureAcceptAnyCertificate];
        return remote.Concat(_proxy.RemoteOnly).Where(o => result.GetResult(o) is { Implicit: false }).Select(o => o.Name);
    }

    /// <summary>Sets up the component for the server: address, TLS, login, timeout and trace.</summary>
    /// <param name="result">The parsed command line.</param>
    /// <param name="smtp">The component to configure.</param>
    /// <param name="server">The server to use.</param>
    /// <param name="env">The process environment (for secrets in variables, warnings and the trace).</param>
    /// <param name="settings">The resolved settings (see <see cref="Resolve"/>).</param>
    /// <returns>What was decided, for messages.</returns>
    /// <exception cref="CliException">64 for contradictory or incomplete options; 66 for unreadable files; 78 for
    /// a secret variable that is not set, a password command that fails, or a malformed proxy variable.</exception>
    public ConnectionPlan Apply(ParseResult result, Smtp smtp, ServerAddress server, CliEnvironment env, EffectiveSettings settings)
    {
        string tls = settings.Get("tls")?.Value ?? "auto";
        int port = server.Port ?? (tls == "implicit" ? 465 : 25);
        // auto is the command line's own policy, not the component's sslAutomatic (which starts TLS on the first byte
        // on every port but 25 and 587, and so fails on the plaintext ports of test servers): RFC 8314 §3.3 implicit
        // TLS on 465, STARTTLS (RFC 3207) everywhere else, made opportunistic below when nothing secret is sent.
        var mode = tls switch
        {
            "starttls" => SmtpSSLStartModes.sslExplicit,
            "implicit" => SmtpSSLStartModes.sslImplicit,
            "none" => SmtpSSLStartModes.sslNone,
            _ => port == 465 ? SmtpSSLStartModes.sslImplicit : SmtpSSLStartModes.sslExplicit,
        };
        var plan = new ConnectionPlan
        {
            Display = server.Display(port),
            Host = server.Host,
            Port = port,
            Mode = mode,
            Auto = tls == "auto",
            Credentials = _withAuth && settings.Get("user") is not null,
        };
        smtp.MailServer = server.Host;
        smtp.MailPort = port;
        plan.Proxy = _proxy.Apply(result, smtp, env, result.GetValue(Trace), settings.Get("proxy"));
        smtp.SSLStartMode = mode;
        ApplyTls(result, smtp, env, plan, settings);
        if (_withAuth)
        {
            ApplyAuth(result, smtp, env, settings);
        }
        ApplyCommon(result, smtp, env, settings);
        return plan;
    }

    /// <summary>Sets the command line's words for messages, the EHLO name, the timeout and the trace (used for the
    /// capture server too).</summary>
    /// <param name="result">The parsed command line.</param>
    /// <param name="smtp">The component.</param>
    /// <param name="env">Where the trace goes.</param>
    /// <param name="settings">The resolved settings.</param>
    public void ApplyCommon(ParseResult result, Smtp smtp, CliEnvironment env, EffectiveSettings settings)
    {
        smtp.MessageTerms = CliTerms.Words;
        if (settings.Get("helo") is { } helo)
        {
            smtp.Config("Hello=" + helo.Value);
        }
        if (result.GetValue(Timeout) is { } seconds)
        {
            smtp.Timeout = seconds;
        }
        if (result.GetValue(Trace))
        {
            Output.ProtocolTrace.Attach(smtp, env.Error);
        }
    }

    private void ApplyTls(ParseResult result, Smtp smtp, CliEnvironment env, ConnectionPlan plan, EffectiveSettings settings)
    {
        // A CA from the environment or an account stays unused with --tls none; one on the command line is a contradiction.
        var ca = settings.Get("ca");
        bool tlsOptions = ca?.Level == EffectiveSettings.CommandLine || result.GetValue(ClientCert) is not null
                          || result.GetValue(InsecureAcceptAnyCertificate);
        if (plan.Mode == SmtpSSLStartModes.sslNone && tlsOptions)
        {
            throw CliException.Usage(
                "--tls none turns TLS off, so --ca, --client-cert and --insecure-accept-any-certificate cannot apply.");
        }
        if (ca is not null && plan.Mode != SmtpSSLStartModes.sslNone)
        {
            string what = ca.Level == EffectiveSettings.CommandLine ? "--ca" : $"ca ({ca.Source})";
            string pem = Encoding.UTF8.GetString(InputFiles.Read(ca.Value, what));
            if (!pem.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal))
            {
                throw new CliException(ExitCodes.DataError,
                    $"{what} {ca.Value}: the file holds no PEM certificate (-----BEGIN CERTIFICATE-----).");
            }
            smtp.Config("SSLServerCACerts=" + pem);
        }
        if (result.GetValue(ClientKey) is not null && result.GetValue(ClientCert) is null)
        {
            throw CliException.Usage("--client-key needs --client-cert.");
        }
        if (result.GetValue(ClientCertPasswordEnv) is not null && result.GetValue(ClientCert) is null)
        {
            throw CliException.Usage("--client-cert-password-env needs --client-cert.");
        }
        if (result.GetValue(ClientCert) is { } certFile)
        {
            string password = result.GetValue(ClientCertPasswordEnv) is { } variable
                ? Secret(env, variable, "--client-cert-password-env")
                : "";
            smtp.SSLCert = ClientCertificates.Load(certFile, result.GetValue(ClientKey), password);
        }
        bool acceptAny = result.GetValue(InsecureAcceptAnyCertificate);
        if (acceptAny)
        {
            env.Warn("--insecure-accept-any-certificate: the server's certificate is NOT checked. Anyone on the network path " +
                     "can pretend to be this server and read everything sent, passwords included. Use it only with test servers.");
        }
        if (plan.Opportunistic && !plan.Credentials)
        {
            // Nothing secret is sent, so a server without STARTTLS is used as it is (warned about off loopback).
            smtp.Config("InsecureAllowStartTlsFallback=True");
        }
        plan.Attach(smtp, env, acceptAny);
    }

    private void ApplyAuth(ParseResult result, Smtp smtp, CliEnvironment env, EffectiveSettings settings)
    {
        string? user = settings.Get("user")?.Value;
        var authSetting = settings.Get("auth");
        string? auth = authSetting?.Value;
        int sources = new[] { result.GetValue(PasswordEnv), result.GetValue(PasswordFile), result.GetValue(Password) }
            .Count(s => s is not null);
        string? tokenVariable = result.GetValue(OAuthTokenEnv);
        if (sources > 1)
        {
            throw CliException.Usage("Give the password one way only: --password-env, --password-file or --password.");
        }
        if (tokenVariable is not null && sources > 0)
        {
            throw CliException.Usage("--oauth-token-env logs in with a token instead of a password; drop the password option.");
        }
        if (user is null)
        {
            if (sources > 0 || tokenVariable is not null || authSetting?.Level == EffectiveSettings.CommandLine)
            {
                throw CliException.Usage("Logging in needs --user.");
            }
            return;
        }
        bool oauth = auth is "xoauth2" or "oauthbearer";
        if (tokenVariable is not null && auth is not null && !oauth && authSetting!.Level == EffectiveSettings.CommandLine)
        {
            throw CliException.Usage($"--oauth-token-env goes with --auth xoauth2 or oauthbearer, not {auth}.");
        }
        if (tokenVariable is not null && !oauth)
        {
            auth = "xoauth2"; // the token decides: an --auth from elsewhere named a password mechanism
        }
        if (oauth && tokenVariable is null)
        {
            throw CliException.Usage($"--auth {auth} needs the access token: --oauth-token-env VAR.");
        }
        smtp.User = user;
        auth ??= "auto";
        if (auth == "auto")
        {
            smtp.Config("AuthMechanisms=" + AutoMechanisms);
        }
        else
        {
            smtp.AuthMechanism = MechanismFor(auth);
        }
        var password = settings.Password;
        if (tokenVariable is not null)
        {
            smtp.Config("AuthorizationIdentity=" + Secret(env, tokenVariable, "--oauth-token-env"));
        }
        else if (password is not null)
        {
            smtp.Password = ReadPassword(password, env);
        }
        else if (auth is not "gssapi" and not "ntlm")
        {
            string why = settings.PasswordPassedOver is { } other
                ? $" (the password in {other.Source} goes with the user name given there, not with {settings.Get("user")!.Source})"
                : "";
            throw CliException.Usage("--user needs a password: --password-env VAR, --password-file FILE or --password PASSWORD" +
                                     why + ".");
        }
        if (result.GetValue(AllowPlaintextAuth))
        {
            env.Warn("--allow-plaintext-auth: if the connection is not encrypted, the password crosses the network in the clear.");
            smtp.Config("InsecureAllowPlaintextAuth=True");
        }
    }

    /// <summary>The password from its source: a variable, a file's first line, the text itself or a command's output.</summary>
    private static string ReadPassword(PasswordSetting password, CliEnvironment env)
    {
        switch (password.Kind)
        {
            case "env":
                return Secret(env, password.Value, password.Level == EffectiveSettings.CommandLine
                    ? "--password-env" : $"password_env ({password.Source})");
            case "file":
                string text = Encoding.UTF8.GetString(InputFiles.Read(password.Value, "--password-file"));
                int end = text.AsSpan().IndexOfAny('\r', '\n');
                return end < 0 ? text : text[..end];
            case "command":
                return PasswordCommand.Run(password.Value, password.Source);
            default:
                if (password.Level == EffectiveSettings.CommandLine)
                {
                    env.Warn("--password puts the password on the command line, where other users can see it (ps, /proc) and " +
                             "your shell history keeps it. Prefer --password-env or --password-file.");
                }
                return password.Value;
        }
    }

    /// <summary>The library's mechanism for an <c>--auth</c> name.</summary>
    /// <param name="name">One of the accepted names.</param>
    public static SmtpAuthMechanisms MechanismFor(string name) => name switch
    {
        "plain" => SmtpAuthMechanisms.amSASLPlain,
        "cram-md5" => SmtpAuthMechanisms.amCRAMMD5,
        "ntlm" => SmtpAuthMechanisms.amNTLM,
        "digest-md5" => SmtpAuthMechanisms.amSASLDigestMD5,
        "gssapi" => SmtpAuthMechanisms.amKerberos,
        "xoauth2" => SmtpAuthMechanisms.amXOAUTH2,
        "oauthbearer" => SmtpAuthMechanisms.amOAuthBearer,
        "scram-sha-1" => SmtpAuthMechanisms.amSCRAMSHA1,
        "scram-sha-256" => SmtpAuthMechanisms.amSCRAMSHA256,
        "login" => SmtpAuthMechanisms.amLogin,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "not a single mechanism (auto is a list)"),
    };

    /// <summary>
    /// The SASL names, comma-separated, of the mechanism the component was given, for the pool's AuthMechanisms:
    /// amUserPassword (the component's default, which <c>--auth auto</c> leaves in place) is PLAIN, else LOGIN.
    /// </summary>
    /// <param name="mechanism">A mechanism <see cref="MechanismFor"/> gives, or amUserPassword.</param>
    public static string SaslNames(SmtpAuthMechanisms mechanism) => mechanism switch
    {
        SmtpAuthMechanisms.amUserPassword => "PLAIN,LOGIN",
        SmtpAuthMechanisms.amSASLPlain => "PLAIN",
        SmtpAuthMechanisms.amCRAMMD5 => "CRAM-MD5",
        SmtpAuthMechanisms.amNTLM => "NTLM",
        SmtpAuthMechanisms.amSASLDigestMD5 => "DIGEST-MD5",
        SmtpAuthMechanisms.amKerberos => "GSSAPI",
        SmtpAuthMechanisms.amXOAUTH2 => "XOAUTH2",
        SmtpAuthMechanisms.amOAuthBearer => "OAUTHBEARER",
        SmtpAuthMechanisms.amSCRAMSHA1 => "SCRAM-SHA-1",
        SmtpAuthMechanisms.amSCRAMSHA256 => "SCRAM-SHA-256",
        SmtpAuthMechanisms.amLogin => "LOGIN",
        _ => throw new ArgumentOutOfRangeException(nameof(mechanism), mechanism, "not a mechanism the command line sets"),
    };

    private static string Secret(CliEnvironment env, string variable, string option) =>
        env.Variable(variable)
        ?? throw new CliException(ExitCodes.Config, $"{option}: the environment variable {variable} is not set or is empty.");
}
