using Tomlyn;
using Tomlyn.Model;

namespace Herald.Cli.Profiles;

/// <summary>
/// The <c>herald</c> configuration file: named accounts, each a set of connection settings, and the account used when
/// none is named. It lives at <c>$HERALD_CONFIG</c>, else <c>$XDG_CONFIG_HOME/herald/config.toml</c> (XDG_CONFIG_HOME
/// defaults to <c>~/.config</c>, as the XDG Base Directory specification says).
/// </summary>
/// <remarks>
/// <code>
/// default = "work"
///
/// [accounts.work]
/// server = "smtp.example.org:587"
/// user = "alice@example.org"
/// password_command = "pass show mail/work"
/// </code>
/// A file that holds a password (<c>password</c> or <c>password_command</c>) and that its group or other users can read
/// is refused, as ssh refuses a private key that others can read: the secret is already exposed.
/// </remarks>
internal sealed class ConfigFile
{
    /// <summary>Every key an account may hold, in the order <c>herald config show</c> lists them.</summary>
    public static IReadOnlyList<string> AccountKeys { get; } =
        ["server", "port", "tls", "ca", "user", "password", "password_command", "password_env", "from", "auth", "helo", "proxy"];

    /// <summary>The keys whose value is, or yields, a password.</summary>
    private static readonly string[] SecretKeys = ["password", "password_command"];

    private ConfigFile(string path, string? defaultAccount, IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> accounts)
    {
        Path = path;
        DefaultAccount = defaultAccount;
        Accounts = accounts;
    }

    /// <summary>The file's path.</summary>
    public string Path { get; }

    /// <summary>The <c>default</c> key: the account used when none is named, or null.</summary>
    public string? DefaultAccount { get; }

    /// <summary>The accounts by name, each a map from key to value (numbers as text).</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> Accounts { get; }

    /// <summary>Where the file is looked for, and whether it was named explicitly (<c>$HERALD_CONFIG</c>); no path when
    /// neither XDG_CONFIG_HOME nor a home folder is known.</summary>
    /// <param name="env">The process environment.</param>
    public static (string? Path, bool Explicit) Locate(CliEnvironment env)
    {
        if (env.Variable("HERALD_CONFIG") is { } named)
        {
            return (named, true);
        }
        // A relative XDG_CONFIG_HOME is to be ignored (XDG Base Directory specification).
        string? config = env.Variable("XDG_CONFIG_HOME") is { } xdg && System.IO.Path.IsPathFullyQualified(xdg) ? xdg : null;
        if (config is null && OperatingSystem.IsWindows())
        {
            config = env.Variable("APPDATA") ?? Environment.GetFolderPath(Environment.SpecialFolder.ApplicationData);
        }
        if (config is null && Home(env) is { } home)
        {
            config = System.IO.Path.Combine(home, ".config");
        }
        return (config is null ? null : System.IO.Path.Combine(config, "herald", "config.toml"), false);
    }

    /// <summary>The user's home folder: <c>$HOME</c>, else what the system says, else null.</summary>
    /// <param name="env">The process environment.</param>
    public static string? Home(CliEnvironment env) => env.Variable("HOME") ?? env.DefaultHome;

    /// <summary>Reads the configuration file, or returns null when there is none at the usual place.</summary>
    /// <param name="env">The process environment.</param>
    /// <exception cref="CliException">78 when the file cannot be read or parsed, holds an unknown key or a value of
    /// the wrong type, names a default account it does not define, holds a password while others can read it, or
    /// when <c>$HERALD_CONFIG</c> names a file that does not exist.</exception>
    public static ConfigFile? Load(CliEnvironment env)
    {
        var (path, explicitPath) = Locate(env);
        if (path is null)
        {
            return null;
        }
        if (!File.Exists(path))
        {
            if (explicitPath)
            {
                throw Problem(path, "no such file (named by HERALD_CONFIG).");
            }
            return null;
        }
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Problem(path, $"cannot be read ({e.Message}).", e);
        }
        TomlTable root;
        try
        {
            root = TomlSerializer.Deserialize<TomlTable>(text, new TomlSerializerOptions { SourceName = path })
                   ?? new TomlTable();
        }
        catch (TomlException e)
        {
            throw Problem(path, $"is not valid TOML: {e.Message}", e);
        }
        var file = Parse(path, root);
        file.CheckPermissions();
        return file;
    }

    /// <summary>The value of <paramref name="key"/> in an account, or null.</summary>
    /// <param name="account">The account's name.</param>
    /// <param name="key">One of <see cref="AccountKeys"/>.</param>
    public string? Get(string account, string key) =>
        Accounts.TryGetValue(account, out var values) && values.TryGetValue(key, out string? value) ? value : null;

    /// <summary>A path from the file: <c>~/</c> is the home folder, and a relative path is relative to the file's folder
    /// (so the file works from any current directory).</summary>
    /// <param name="value">The path as written.</param>
    /// <param name="env">The process environment (for the home folder).</param>
    public string ResolvePath(string value, CliEnvironment env)
    {
        if ((value == "~" || value.StartsWith("~/", StringComparison.Ordinal)) && Home(env) is { } home)
        {
            return System.IO.Path.Combine(home, value.Length > 2 ? value[2..] : "");
        }
        if (System.IO.Path.IsPathFullyQualified(value))
        {
            return value;
        }
        string folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path)) ?? ".";
        return System.IO.Path.GetFullPath(System.IO.Path.Combine(folder, value));
    }

    private static ConfigFile Parse(string path, TomlTable root)
    {
        string? defaultAccount = null;
        var accounts = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        foreach (var (key, value) in root)
        {
            switch (key)
            {
                case "default":
                    defaultAccount = value as string
                        ?? throw Problem(path, "default must be the name of an account, in quotes (default = \"work\").");
                    break;
                case "accounts":
                    if (value is not TomlTable table)
                    {
                        throw Problem(path, "accounts must be tables, one per account: [accounts.NAME].");
                    }
                    foreach (var (name, body) in table)
                    {
                        accounts[name] = ParseAccount(path, name, body);
                    }
                    break;
                default:
                    throw Problem(path, $"unknown key \"{key}\" at the top. The file holds default = \"NAME\" and " +
                        "[accounts.NAME] tables; settings go inside an account.");
            }
        }
        if (defaultAccount is not null && !accounts.ContainsKey(defaultAccount))
        {
            throw Problem(path, $"default = \"{defaultAccount}\", but there is no [accounts.{defaultAccount}].");
        }
        return new ConfigFile(path, defaultAccount, accounts);
    }

    private static Dictionary<string, string> ParseAccount(string path, string name, object body)
    {
        if (body is not TomlTable table)
        {
            throw Problem(path, $"accounts.{name} must be a table: [accounts.{name}] followed by its settings.");
        }
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in table)
        {
            if (!AccountKeys.Contains(key))
            {
                throw Problem(path, $"[accounts.{name}] has an unknown key \"{key}\"; an account holds " +
                    $"{string.Join(", ", AccountKeys)}.");
            }
            values[key] = value switch
            {
                string s => s,
                long n when key == "port" => n.ToString(System.Globalization.CultureInfo.InvariantCulture),
                _ => throw Problem(path, key == "port"
                    ? $"[accounts.{name}] port must be a number (port = 587)."
                    : $"[accounts.{name}] {key} must be a string, in quotes."),
            };
        }
        if (values.ContainsKey("password") && values.ContainsKey("password_command")
            || values.ContainsKey("password_env") && (values.ContainsKey("password") || values.ContainsKey("password_command")))
        {
            throw Problem(path, $"[accounts.{name}] gives the password more than one way; keep one of password, " +
                "password_command and password_env.");
        }
        return values;
    }

    /// <summary>
    /// Refuses a file that holds a password when its group or other users may read it (any of the mode bits 077), as
    /// ssh does with a private key: the password is exposed already, and silently using it would hide that.
    /// </summary>
    private void CheckPermissions()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // ACLs, not mode bits; the profile folder is private by default
        }
        var holders = Accounts
            .SelectMany(a => SecretKeys.Where(a.Value.ContainsKey).Select(k => $"{k} in [accounts.{a.Key}]"))
            .ToList();
        if (holders.Count == 0)
        {
            return;
        }
        var mode = File.GetUnixFileMode(Path);
        const UnixFileMode others = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
                                    | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
        if ((mode & others) == 0)
        {
            return;
        }
        string octal = Convert.ToString((int)mode & 0x1FF, 8).PadLeft(4, '0');
        throw Problem(Path,
            $"holds a password ({string.Join(", ", holders)}) but its permissions (mode {octal}) let other users " +
            $"{((mode & (UnixFileMode.GroupRead | UnixFileMode.OtherRead)) != 0 ? "read" : "change")} it. The file is " +
            $"ignored until only you can read and write it: chmod 600 {Path}");
    }

    private static CliException Problem(string path, string message, Exception? inner = null) =>
        new(ExitCodes.Config, $"{path}: {message}", inner);
}
