using System.CommandLine;
using System.Text;
using Herald.Cli.Options;
using Herald.Cli.Profiles;

namespace Herald.Cli.Commands;

/// <summary>
/// <c>herald config show</c>: the settings a command would use, with their values (secrets masked) and where each one
/// came from: an option, a HERALD_* variable or an account of the config file.
/// </summary>
internal static class ConfigCommand
{
    /// <summary>Creates the command.</summary>
    /// <param name="env">The process environment.</param>
    public static Command Create(CliEnvironment env)
    {
        var command = new Command("config", "Look at herald's configuration: the config file's accounts and the HERALD_* variables.");
        command.Subcommands.Add(CreateShow(env));
        return command;
    }

    private static Command CreateShow(CliEnvironment env)
    {
        var connection = new ConnectionOptions(withAuth: true);
        var from = new Option<string?>("--from") { HelpName = "ADDRESS", Description = "The sender, as for 'herald send'." };
        var show = new Command("show",
            "Print the settings 'herald send' would use with the same options, each with where it came from (an option, a " +
            "HERALD_* variable, or the config file's account). Passwords are masked; a password command is not run.");
        connection.AddTo(show);
        show.Options.Add(from);
        CommandActions.Set(show, env, (result, _) =>
        {
            var settings = connection.Resolve(result, env, from);
            env.Out.Write(Render(settings, env));
            return Task.FromResult(ExitCodes.Ok);
        });
        return show;
    }

    /// <summary>The settings as aligned lines: name, value, source.</summary>
    /// <param name="settings">The resolved settings.</param>
    /// <param name="env">The process environment (where the file would be).</param>
    public static string Render(EffectiveSettings settings, CliEnvironment env)
    {
        var rows = new List<(string Name, string Value, string Source)>
        {
            ("config file", settings.ConfigFile?.Path ?? $"{ConfigFile.Locate(env).Path ?? "(no home folder)"} (none)", ""),
            ("account", settings.Account?.Value ?? "(none)", settings.Account?.Source ?? ""),
        };
        foreach (string key in ConfigFile.AccountKeys)
        {
            if (key is "password" or "password_command" or "password_env")
            {
                continue;
            }
            var setting = settings.Get(key);
            rows.Add((key, setting?.Value ?? Default(key, settings), setting?.Source ?? "default"));
            if (key == "user")
            {
                rows.Add(("password", Masked(settings.Password), settings.Password?.Source ?? ""));
            }
        }
        int width = rows.Max(r => r.Name.Length) + 2;
        int valueWidth = Math.Min(48, rows.Max(r => r.Value.Length)) + 2;
        var o = new StringBuilder();
        foreach (var (name, value, source) in rows)
        {
            string column = value.Length + 2 > valueWidth ? value + "  " : value.PadRight(valueWidth);
            o.Append(name.PadRight(width)).Append(source.Length == 0 ? value : column + source).Append('\n');
        }
        return o.ToString();
    }

    private static string Default(string key, EffectiveSettings settings) => key switch
    {
        "server" => "(none: 'herald send' uses the local capture server)",
        "port" => settings.Get("server") is null ? "" : settings.Get("tls")?.Value == "implicit" ? "465" : "25",
        "tls" => "auto",
        "auth" => "auto (" + ConnectionOptions.AutoMechanisms.Replace(",", ", ", StringComparison.Ordinal) + ")",
        "helo" => "(this machine's host name)",
        _ => "(none)",
    };

    /// <summary>How the password is given, never the password: a variable's name, a file's path, the program a command
    /// runs (its arguments may hold secrets, so they are not shown).</summary>
    private static string Masked(PasswordSetting? password) => password switch
    {
        null => "(none)",
        { Kind: "env" } => $"**** (from the variable {password.Value})",
        { Kind: "file" } => $"**** (from the file {password.Value})",
        { Kind: "command" } => $"**** (printed by {password.Value.Split(' ', 2)[0]} ...)",
        _ => "****",
    };
}
