using System.CommandLine;
using System.Globalization;
using System.Text;

namespace Herald.Cli.Options;

/// <summary>
/// The options every command that talks to a server shares: where (<c>--server</c>), how long (<c>--timeout</c>),
/// what to show (<c>--trace</c>), TLS and, for commands that may log in, authentication. <see cref="Apply"/> turns
/// them into the <see cref="Smtp"/> component's documented properties and config settings.
/// </summary>
internal sealed class ConnectionOptions
{
    private static readonly string[] TlsModes = ["auto", "starttls", "implicit", "none"];
    private static readonly string[] AuthNames =
        ["auto", "plain", "login", "cram-md5", "digest-md5", "ntlm", "gssapi", "xoauth2", "oauthbearer", "scram-sha-1", "scram-sha-256"];

    private readonly bool _withAuth;

    public readonly Option<string?> Server = new("--server")
    {
        HelpName = "HOST[:PORT]",
        Description = "The SMTP server. PORT defaults to 25 (465 with --tls implicit). Falls back to $HERALD_SERVER.",
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
        Description = "How to log in: auto (default: PLAIN or LOGIN, whichever the server offers), login, plain, cram-md5, "
                      + "digest-md5, ntlm, gssapi, xoauth2, oauthbearer, scram-sha-1, scram-sha-256.",
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

    /// <summary>Adds the options to a command, in the order help lists them.</summary>
    /// <param name="command">The command.</param>
    public void AddTo(Command command)
    {
        command.Options.Add(Server);
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
        command.Options.Add(Timeout);
        command.Options.Add(Trace);
    }

    /// <summary>The server from <c>--server</c>, else from HERALD_SERVER, else null.</summary>
    /// <param name="result">The parsed command line.</param>
    /// <param name="env">The process environment.</param>
    /// <exception cref="CliException">64 when the address is malformed.</exception>
    public ServerAddress? ResolveServer(ParseResult result, CliEnvironment env)
    {
        if (result.GetValue(Server) is { } given)
        {
            return ServerAddress.Parse(given);
        }
        if (env.Variable("HERALD_SERVER") is { } fromEnv)
        {
            try
            {
                return ServerAddress.Parse(fromEnv);
            }
            catch (CliException e)
            {
                throw CliException.Usage($"HERALD_SERVER: {e.Message}");
            }
        }
        return null;
    }

    /// <summary>The server, which this command cannot do without.</summary>
    /// <param name="result">The parsed command line.</param>
    /// <param name="env">The process environment.</param>
    /// <param name="command">The command's name, for the message.</param>
    /// <exception cref="CliException">64 when no server is given.</exception>
    public ServerAddress RequireServer(ParseResult result, CliEnvironment env, string command) =>
        ResolveServer(result, env) ?? throw CliException.Usage(
            $"'herald {command}' needs a server: pass --server HOST[:PORT] or set HERALD_SERVER.");

    /// <summary>The TLS and login options given on the command line (they make no sense without a server).</summary>
    /// <param name="result">The parsed command line.</param>
    public IEnumerable<string> RemoteOnlyOptionsGiven(ParseResult result)
    {
        Option[] remote = _withAuth
            ? [Tls, Ca, ClientCert, ClientKey, ClientCertPasswordEnv, InsecureAcceptAnyCertificate, User, PasswordEnv, PasswordFile,
                Password, OAuthTokenEnv, Auth, AllowPlaintextAuth]
            : [Tls, Ca, ClientCert, ClientKey, ClientCertPasswordEnv, InsecureAcceptAnyCertificate];
        return remote.Where(o => result.GetResult(o) is { Implicit: false }).Select(o => o.Name);
    }

    /// <summary>Sets up the component for the server: address, TLS, login, timeout and trace.</summary>
    /// <param name="result">The parsed command line.</param>
    /// <param name="smtp">The component to configure.</param>
    /// <param name="server">The server to use.</param>
    /// <param name="env">The process environment (for secrets in variables, warnings and the trace).</param>
    /// <returns>What was decided, for messages.</returns>
    /// <exception cref="CliException">64 for contradictory or incomplete options; 66 for unreadable files; 78 for
    /// a secret variable that is not set.</exception>
    public ConnectionPlan Apply(ParseResult result, Smtp smtp, ServerAddress server, CliEnvironment env)
    {
        string tls = result.GetValue(Tls) ?? "auto";
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
            Credentials = _withAuth && result.GetValue(User) is not null,
        };
        smtp.MailServer = server.Host;
        smtp.MailPort = port;
        smtp.SSLStartMode = mode;
        ApplyTls(result, smtp, env, plan);
        if (_withAuth)
        {
            ApplyAuth(result, smtp, env);
        }
        ApplyCommon(result, smtp, env);
        return plan;
    }

    /// <summary>Sets the timeout and the trace (used for the capture server too).</summary>
    /// <param name="result">The parsed command line.</param>
    /// <param name="smtp">The component.</param>
    /// <param name="env">Where the trace goes.</param>
    public void ApplyCommon(ParseResult result, Smtp smtp, CliEnvironment env)
    {
        if (result.GetValue(Timeout) is { } seconds)
        {
            smtp.Timeout = seconds;
        }
        if (result.GetValue(Trace))
        {
            Output.ProtocolTrace.Attach(smtp, env.Error);
        }
    }

    private void ApplyTls(ParseResult result, Smtp smtp, CliEnvironment env, ConnectionPlan plan)
    {
        bool tlsOptions = result.GetValue(Ca) is not null || result.GetValue(ClientCert) is not null
                          || result.GetValue(InsecureAcceptAnyCertificate);
        if (plan.Mode == SmtpSSLStartModes.sslNone && tlsOptions)
        {
            throw CliException.Usage(
                "--tls none turns TLS off, so --ca, --client-cert and --insecure-accept-any-certificate cannot apply.");
        }
        if (result.GetValue(Ca) is { } caFile)
        {
            string pem = Encoding.UTF8.GetString(InputFiles.Read(caFile, "--ca"));
            if (!pem.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal))
            {
                throw new CliException(ExitCodes.DataError,
                    $"--ca {caFile}: the file holds no PEM certificate (-----BEGIN CERTIFICATE-----).");
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

    private void ApplyAuth(ParseResult result, Smtp smtp, CliEnvironment env)
    {
        string? user = result.GetValue(User);
        string? auth = result.GetValue(Auth);
        string?[] passwordSources = [result.GetValue(PasswordEnv), result.GetValue(PasswordFile), result.GetValue(Password)];
        int sources = passwordSources.Count(s => s is not null);
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
            if (sources > 0 || tokenVariable is not null || auth is not null)
            {
                throw CliException.Usage("Logging in needs --user.");
            }
            return;
        }
        bool oauth = auth is "xoauth2" or "oauthbearer";
        if (tokenVariable is not null && auth is not null && !oauth)
        {
            throw CliException.Usage($"--oauth-token-env goes with --auth xoauth2 or oauthbearer, not {auth}.");
        }
        if (oauth && tokenVariable is null)
        {
            throw CliException.Usage($"--auth {auth} needs the access token: --oauth-token-env VAR.");
        }
        smtp.User = user;
        smtp.AuthMechanism = MechanismFor(auth ?? (tokenVariable is not null ? "xoauth2" : "auto"));
        if (tokenVariable is not null)
        {
            smtp.Config("AuthorizationIdentity=" + Secret(env, tokenVariable, "--oauth-token-env"));
        }
        else if (result.GetValue(PasswordEnv) is { } variable)
        {
            smtp.Password = Secret(env, variable, "--password-env");
        }
        else if (result.GetValue(PasswordFile) is { } file)
        {
            string text = Encoding.UTF8.GetString(InputFiles.Read(file, "--password-file"));
            int end = text.AsSpan().IndexOfAny('\r', '\n');
            smtp.Password = end < 0 ? text : text[..end];
        }
        else if (result.GetValue(Password) is { } password)
        {
            env.Warn("--password puts the password on the command line, where other users can see it (ps, /proc) and your " +
                     "shell history keeps it. Prefer --password-env or --password-file.");
            smtp.Password = password;
        }
        else if (auth is not "gssapi" and not "ntlm")
        {
            throw CliException.Usage("--user needs a password: --password-env VAR, --password-file FILE or --password PASSWORD.");
        }
        if (result.GetValue(AllowPlaintextAuth))
        {
            env.Warn("--allow-plaintext-auth: if the connection is not encrypted, the password crosses the network in the clear.");
            smtp.Config("InsecureAllowPlaintextAuth=True");
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
        // "auto": the user/password mechanism, which picks PLAIN or LOGIN from what the server offers.
        _ => SmtpAuthMechanisms.amUserPassword,
    };

    private static string Secret(CliEnvironment env, string variable, string option) =>
        env.Variable(variable)
        ?? throw new CliException(ExitCodes.Config, $"{option}: the environment variable {variable} is not set or is empty.");
}
