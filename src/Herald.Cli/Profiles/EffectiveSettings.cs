using System.Globalization;

namespace Herald.Cli.Profiles;

/// <summary>One setting's value and where it came from (an option, an environment variable, an account).</summary>
/// <param name="Value">The value as given (a path from the config file already resolved).</param>
/// <param name="Source">Where it came from, for messages and <c>herald config show</c>: "--tls", "HERALD_TLS",
/// "config [accounts.work]".</param>
/// <param name="Level">3 for the command line, 2 for the environment, 1 for the config file.</param>
internal sealed record Setting(string Value, string Source, int Level);

/// <summary>How the password is given: <c>env</c> (a variable's name), <c>file</c> (a file's path), <c>literal</c>
/// (the password itself) or <c>command</c> (a shell command that prints it).</summary>
/// <param name="Kind">env, file, literal or command.</param>
/// <param name="Value">The variable, path, password or command.</param>
/// <param name="Source">Where it came from.</param>
/// <param name="Level">As <see cref="Setting.Level"/>.</param>
internal sealed record PasswordSetting(string Kind, string Value, string Source, int Level);

/// <summary>
/// The settings a command uses, each from the first place that gives it: the command line, then the environment
/// (<c>HERALD_*</c>), then the chosen account of the config file. A password goes with its user: it is taken only from
/// the place that gave the user name or from one that wins over it, so a user name typed on the command line is never
/// paired with another user's password from the file.
/// </summary>
internal sealed class EffectiveSettings
{
    /// <summary>The command line's level.</summary>
    public const int CommandLine = 3;
    /// <summary>The environment's level.</summary>
    public const int Environment = 2;
    /// <summary>The config file's level.</summary>
    public const int File = 1;

    /// <summary>The environment variable for each setting.</summary>
    public static IReadOnlyDictionary<string, string> Variables { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["server"] = "HERALD_SERVER",
        ["port"] = "HERALD_PORT",
        ["tls"] = "HERALD_TLS",
        ["ca"] = "HERALD_CA",
        ["user"] = "HERALD_USER",
        ["password_command"] = "HERALD_PASSWORD_COMMAND",
        ["password_env"] = "HERALD_PASSWORD_ENV",
        ["from"] = "HERALD_FROM",
        ["auth"] = "HERALD_AUTH",
        ["helo"] = "HERALD_HELO",
        ["proxy"] = "HERALD_PROXY",
    };

    private readonly Dictionary<string, Setting> _values = new(StringComparer.Ordinal);

    /// <summary>The config file, or null when there is none.</summary>
    public ConfigFile? ConfigFile { get; private init; }

    /// <summary>The account in use and where its name came from, or null when none applies.</summary>
    public Setting? Account { get; private init; }

    /// <summary>The password source that goes with <see cref="Get"/>("user"), or null.</summary>
    public PasswordSetting? Password { get; private set; }

    /// <summary>A password source that was passed over because it belongs to a user name that lost to another.</summary>
    public PasswordSetting? PasswordPassedOver { get; private set; }

    /// <summary>The setting, or null when no place gives it.</summary>
    /// <param name="key">A key of <see cref="ConfigFile.AccountKeys"/> other than the password keys.</param>
    public Setting? Get(string key) => _values.GetValueOrDefault(key);

    /// <summary>The port: from <c>port</c> or from a <c>HOST:PORT</c> server, whichever the winning place gives.</summary>
    public Setting? Port => Get("port");

    /// <summary>Works out the settings.</summary>
    /// <param name="commandLine">What the command line gave, by key (a --server with a port also gives "port").</param>
    /// <param name="commandLinePassword">The command line's password option, or null.</param>
    /// <param name="account">The --account value, or null.</param>
    /// <param name="env">The process environment.</param>
    /// <param name="connection">False for a command that connects nowhere (<c>queue add</c>): the port and the password
    /// are not worked out, so a setting of the connection that is malformed, and that such a command would never use,
    /// cannot make it fail.</param>
    /// <exception cref="CliException">64 or 78 for a bad value or an unknown account (naming where it came from).</exception>
    public static EffectiveSettings Resolve(IReadOnlyDictionary<string, string> commandLine, PasswordSetting? commandLinePassword,
        string? account, CliEnvironment env, bool connection = true)
    {
        var file = ConfigFile.Load(env);
        Setting? accountName = account is not null ? new Setting(account, "--account", CommandLine)
            : env.Variable("HERALD_ACCOUNT") is { } fromEnv ? new Setting(fromEnv, "HERALD_ACCOUNT", Environment)
            : file?.DefaultAccount is { } fromFile ? new Setting(fromFile, "default in the config file", File)
            : null;
        if (accountName is not null)
        {
            if (file is null)
            {
                throw new CliException(ExitCodes.Config, $"{accountName.Source} names the account \"{accountName.Value}\", but " +
                    $"there is no config file ({ConfigFile.Locate(env).Path ?? "no home folder to look in"}).");
            }
            if (!file.Accounts.ContainsKey(accountName.Value))
            {
                string known = file.Accounts.Count == 0 ? "it defines none" : "it has " + string.Join(", ", file.Accounts.Keys);
                throw new CliException(ExitCodes.Config,
                    $"{accountName.Source} names the account \"{accountName.Value}\", which {file.Path} does not define ({known}).");
            }
        }
        var result = new EffectiveSettings { ConfigFile = file, Account = accountName };
        string fileSource = accountName is null ? "" : $"config [accounts.{accountName.Value}]";
        string? FromFile(string key) => accountName is null ? null : file!.Get(accountName.Value, key);

        foreach (string key in ConfigFile.AccountKeys)
        {
            if (key is "port" or "password" or "password_command" or "password_env")
            {
                continue;
            }
            Setting? value = commandLine.TryGetValue(key, out string? given) ? new Setting(given, CommandLineName(key), CommandLine)
                : Variables.TryGetValue(key, out string? variable) && env.Variable(variable) is { } set
                    ? new Setting(set, variable, Environment)
                : FromFile(key) is { } written
                    ? new Setting(key == "ca" ? file!.ResolvePath(written, env) : written, fileSource, File)
                : null;
            if (value is not null)
            {
                result._values[key] = value;
            }
        }

        if (!connection)
        {
            return result;
        }

        // The port: the first place that gives one, either as port or in HOST:PORT.
        var ports = new[]
        {
            PortOf(commandLine.GetValueOrDefault("server"), null, "--server", "--server", CommandLine),
            PortOf(env.Variable("HERALD_SERVER"), env.Variable("HERALD_PORT"), "HERALD_SERVER", "HERALD_PORT", Environment),
            PortOf(FromFile("server"), FromFile("port"), $"{fileSource} server", $"{fileSource} port", File),
        };
        if (ports.FirstOrDefault(p => p is not null) is { } port)
        {
            result._values["port"] = port;
        }

        var passwords = new[]
        {
            commandLinePassword,
            EnvironmentPassword(env),
            FromFile("password") is { } p ? new PasswordSetting("literal", p, fileSource, File)
                : FromFile("password_command") is { } c ? new PasswordSetting("command", c, fileSource, File)
                : FromFile("password_env") is { } v ? new PasswordSetting("env", v, fileSource, File)
                : null,
        };
        int userLevel = result.Get("user")?.Level ?? 0;
        result.Password = passwords.FirstOrDefault(p => p is not null && p.Level >= userLevel);
        result.PasswordPassedOver = result.Password is null ? passwords.FirstOrDefault(p => p is not null) : null;
        return result;
    }

    /// <summary>The exit code for a bad value from a level: the command line and the environment are part of the
    /// invocation (64, EX_USAGE); the config file is configuration (78, EX_CONFIG).</summary>
    /// <param name="level">The level the value came from.</param>
    public static int ExitCodeFor(int level) => level == File ? ExitCodes.Config : ExitCodes.Usage;

    /// <summary>The option that sets a key on the command line.</summary>
    /// <param name="key">The key.</param>
    public static string CommandLineName(string key) => "--" + key;

    /// <summary>The port one place gives: its <c>port</c>, or the port of its <c>HOST:PORT</c> server.</summary>
    private static Setting? PortOf(string? server, string? port, string serverSource, string portSource, int level)
    {
        int? inServer = null;
        if (server is not null)
        {
            try
            {
                inServer = Options.ServerAddress.Parse(server).Port;
            }
            catch (CliException e) when (level != CommandLine)
            {
                throw new CliException(ExitCodeFor(level), $"{serverSource}: {e.Message}");
            }
        }
        int? explicitPort = null;
        if (port is not null)
        {
            if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n is < 1 or > 65535)
            {
                throw new CliException(ExitCodeFor(level), $"{portSource}: the port must be a number from 1 to 65535, not \"{port}\".");
            }
            explicitPort = n;
        }
        if (inServer is { } a && explicitPort is { } b && a != b)
        {
            throw new CliException(ExitCodeFor(level),
                $"{serverSource} says port {a} and {portSource} says port {b}; keep one of them.");
        }
        if (explicitPort is { } chosen)
        {
            return new Setting(chosen.ToString(CultureInfo.InvariantCulture), portSource, level);
        }
        return inServer is { } fromServer ? new Setting(fromServer.ToString(CultureInfo.InvariantCulture), serverSource, level) : null;
    }

    private static PasswordSetting? EnvironmentPassword(CliEnvironment env)
    {
        string? command = env.Variable("HERALD_PASSWORD_COMMAND");
        string? variable = env.Variable("HERALD_PASSWORD_ENV");
        if (command is not null && variable is not null)
        {
            throw CliException.Usage("HERALD_PASSWORD_COMMAND and HERALD_PASSWORD_ENV are both set; unset one.");
        }
        return command is not null ? new PasswordSetting("command", command, "HERALD_PASSWORD_COMMAND", Environment)
            : variable is not null ? new PasswordSetting("env", variable, "HERALD_PASSWORD_ENV", Environment)
            : null;
    }
}
