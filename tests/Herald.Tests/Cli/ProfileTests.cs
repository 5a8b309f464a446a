using Herald.Cli;
using Xunit;

namespace Herald.Tests.Cli;

/// <summary>
/// Settings from the config file's accounts, the HERALD_* variables and the command line, in that order of strength,
/// as <c>herald config show</c> reports them; the refusal of a password file others can read; the errors that name
/// where a bad value came from.
/// </summary>
public sealed class ProfileTests : IDisposable
{
    private readonly string _home = Directory.CreateTempSubdirectory("herald-profile-").FullName;

    public void Dispose() => Directory.Delete(_home, recursive: true);

    private string ConfigPath => Path.Combine(_home, "xdg", "herald", "config.toml");

    private void WriteConfig(string text, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(ConfigPath)!);
        File.WriteAllText(ConfigPath, text);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(ConfigPath, mode);
        }
    }

    private Dictionary<string, string> Variables(params (string Name, string Value)[] more)
    {
        var variables = new Dictionary<string, string> { ["HOME"] = _home, ["XDG_CONFIG_HOME"] = Path.Combine(_home, "xdg") };
        foreach (var (name, value) in more)
        {
            variables[name] = value;
        }
        return variables;
    }

    private const string TwoAccounts = """
        default = "work"

        [accounts.work]
        server = "smtp.work.example:587"
        tls = "starttls"
        ca = "certs/work-ca.pem"
        user = "alice@work.example"
        password = "work-secret-1"
        from = "Alice <alice@work.example>"
        helo = "laptop.work.example"

        [accounts.home]
        server = "mail.home.example"
        port = 465
        tls = "implicit"
        user = "alice@home.example"
        password_env = "HOME_MAIL_PASSWORD"
        """;

    /// <summary>The value and source column of one row of <c>config show</c>.</summary>
    private static (string Value, string Source) Row(string output, string name)
    {
        string line = output.Split('\n').Single(l => l.StartsWith(name + " ", StringComparison.Ordinal));
        string rest = line[name.Length..].Trim();
        int gap = rest.IndexOf("  ", StringComparison.Ordinal);
        return gap < 0 ? (rest, "") : (rest[..gap].Trim(), rest[gap..].Trim());
    }

    [Fact]
    public async Task TheDefaultAccountSuppliesWhatNothingElseGives()
    {
        WriteConfig(TwoAccounts);

        var r = await CliRunner.RunAsync(["config", "show"], Variables());

        Assert.True(r.ExitCode == ExitCodes.Ok, r.Error);
        Assert.Equal(("work", "default in the config file"), Row(r.Out, "account"));
        Assert.Equal(("smtp.work.example:587", "config [accounts.work]"), Row(r.Out, "server"));
        Assert.Equal("587", Row(r.Out, "port").Value);
        Assert.Equal(("starttls", "config [accounts.work]"), Row(r.Out, "tls"));
        // A relative path in the file is relative to the file's folder.
        Assert.Equal(Path.Combine(_home, "xdg", "herald", "certs", "work-ca.pem"), Row(r.Out, "ca").Value);
        Assert.Equal("laptop.work.example", Row(r.Out, "helo").Value);
        Assert.Equal(("auto (SCRAM-SHA-256, SCRAM-SHA-1, PLAIN, LOGIN)", "default"), Row(r.Out, "auth"));
        Assert.StartsWith("****", Row(r.Out, "password").Value);
        Assert.DoesNotContain("work-secret-1", r.Out + r.Error);
    }

    [Fact]
    public async Task TheCommandLineBeatsTheEnvironmentWhichBeatsTheFile()
    {
        WriteConfig(TwoAccounts);

        var r = await CliRunner.RunAsync(["config", "show", "--account", "home", "--tls", "starttls"],
            Variables(("HERALD_TLS", "none"), ("HERALD_PORT", "2465"), ("HERALD_HELO", "from-env.example"),
                ("HERALD_ACCOUNT", "work")));

        Assert.True(r.ExitCode == ExitCodes.Ok, r.Error);
        Assert.Equal(("home", "--account"), Row(r.Out, "account"));
        Assert.Equal(("mail.home.example", "config [accounts.home]"), Row(r.Out, "server"));
        Assert.Equal(("starttls", "--tls"), Row(r.Out, "tls"));           // over HERALD_TLS and the file
        Assert.Equal(("2465", "HERALD_PORT"), Row(r.Out, "port"));         // over the file's port
        Assert.Equal(("from-env.example", "HERALD_HELO"), Row(r.Out, "helo"));
        Assert.Equal(("**** (from the variable HOME_MAIL_PASSWORD)", "config [accounts.home]"), Row(r.Out, "password"));
    }

    [Fact]
    public async Task APasswordGoesWithItsUserAndNotWithAUserGivenAbove()
    {
        WriteConfig("default = \"work\"\n[accounts.work]\nserver = \"127.0.0.1:1\"\nuser = \"alice@work.example\"\n" +
                    "password = \"work-secret-1\"\nfrom = \"alice@work.example\"\n");

        var shown = await CliRunner.RunAsync(["config", "show", "--user", "bob@work.example"], Variables());
        var sent = await CliRunner.RunAsync(["send", "--user", "bob@work.example", "--to", "x@example.com", "--body", "hi"],
            Variables());

        Assert.Equal(("bob@work.example", "--user"), Row(shown.Out, "user"));
        Assert.Equal("(none)", Row(shown.Out, "password").Value);
        Assert.Equal(ExitCodes.Usage, sent.ExitCode);
        Assert.Contains("--user needs a password", sent.Error);
        Assert.Contains("the password in config [accounts.work] goes with the user name given there", sent.Error);
        Assert.DoesNotContain("work-secret-1", shown.Out + sent.Error);
    }

    [Theory]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, "0644")]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, "0640")]
    public async Task AFileWithAPasswordThatOthersCanReadIsRefused(UnixFileMode mode, string octal)
    {
        WriteConfig(TwoAccounts, mode);

        var r = await CliRunner.RunAsync(["config", "show"], Variables());

        Assert.Equal(ExitCodes.Config, r.ExitCode);
        Assert.Contains($"holds a password (password in [accounts.work]) but its permissions (mode {octal}) let other users read it",
            r.Error);
        Assert.Contains($"chmod 600 {ConfigPath}", r.Error);
        Assert.DoesNotContain("work-secret-1", r.Out + r.Error);
    }

    [Fact]
    public async Task APasswordCommandCountsAsAPasswordButAPasswordVariableDoesNot()
    {
        const UnixFileMode readable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead;
        WriteConfig("[accounts.a]\nserver = \"h\"\npassword_command = \"pass show mail\"\n", readable);
        var command = await CliRunner.RunAsync(["config", "show"], Variables(("HERALD_ACCOUNT", "a")));
        WriteConfig("[accounts.a]\nserver = \"h\"\npassword_env = \"MAIL_PASSWORD\"\n", readable);
        var variable = await CliRunner.RunAsync(["config", "show"], Variables(("HERALD_ACCOUNT", "a")));

        Assert.Equal(ExitCodes.Config, command.ExitCode);
        Assert.Contains("password_command in [accounts.a]", command.Error);
        Assert.True(variable.ExitCode == ExitCodes.Ok, variable.Error);
    }

    [Fact]
    public async Task APasswordCommandIsShownByItsProgramOnlyAndRunOnlyToSend()
    {
        string marker = Path.Combine(_home, "ran");
        WriteConfig($"default = \"a\"\n[accounts.a]\nuser = \"u\"\npassword_command = \"touch {marker}; echo pw-from-command\"\n");

        var r = await CliRunner.RunAsync(["config", "show"], Variables());

        Assert.True(r.ExitCode == ExitCodes.Ok, r.Error);
        Assert.Equal("**** (printed by touch ...)", Row(r.Out, "password").Value);
        Assert.False(File.Exists(marker));
    }

    [Theory]
    [InlineData("[accounts.a]\nsever = \"typo\"\n", "[accounts.a] has an unknown key \"sever\"")]
    [InlineData("server = \"h\"\n", "unknown key \"server\" at the top")]
    [InlineData("default = \"b\"\n[accounts.a]\nserver = \"h\"\n", "default = \"b\", but there is no [accounts.b]")]
    [InlineData("[accounts.a]\nport = true\n", "port must be a number")]
    [InlineData("default = \"a\"\n[accounts.a]\nserver = \"h\"\nport = \"five\"\n", "config [accounts.a] port: the port must be")]
    [InlineData("[accounts.a\n", "is not valid TOML")]
    [InlineData("default = \"a\"\n[accounts.a]\ntls = \"sometimes\"\n", "config [accounts.a]: \"sometimes\" is not a --tls mode")]
    [InlineData("default = \"a\"\n[accounts.a]\nserver = \"h:99999\"\n", "config [accounts.a] server: Invalid server")]
    public async Task ABadFileIsAConfigurationErrorThatSaysWhere(string text, string expected)
    {
        WriteConfig(text);

        var r = await CliRunner.RunAsync(["config", "show"], Variables());

        Assert.Equal(ExitCodes.Config, r.ExitCode);
        Assert.Contains(expected, r.Error);
    }

    [Fact]
    public async Task AnUnknownAccountNamesTheOnesThereAre()
    {
        WriteConfig(TwoAccounts);

        var r = await CliRunner.RunAsync(["probe", "--account", "school"], Variables());

        Assert.Equal(ExitCodes.Config, r.ExitCode);
        Assert.Contains("--account names the account \"school\"", r.Error);
        Assert.Contains("it has work, home", r.Error);
    }

    [Fact]
    public async Task ABadVariableIsAUsageErrorThatNamesIt()
    {
        var r = await CliRunner.RunAsync(["probe", "--server", "127.0.0.1:1"], Variables(("HERALD_TLS", "maybe")));

        Assert.Equal(ExitCodes.Usage, r.ExitCode);
        Assert.Contains("HERALD_TLS: \"maybe\" is not a --tls mode", r.Error);
    }

    [Fact]
    public async Task AnAccountsProxyIsUsedAndNamedAsTheSource()
    {
        WriteConfig("default = \"a\"\n[accounts.a]\nserver = \"127.0.0.1:25\"\nproxy = \"socks5://127.0.0.1:1\"\n");

        var r = await CliRunner.RunAsync(["probe", "--trace", "--timeout", "5"], Variables());

        Assert.NotEqual(ExitCodes.Ok, r.ExitCode); // nothing listens on the proxy's port: the connection is not made directly
        Assert.Contains("Connecting through the proxy socks5://127.0.0.1:1 from config [accounts.a]", r.Error);
    }

    [Fact]
    public async Task AnAccountsBadProxyIsAConfigurationError()
    {
        WriteConfig("default = \"a\"\n[accounts.a]\nserver = \"127.0.0.1:25\"\nproxy = \"ftp://127.0.0.1:1\"\n");

        var r = await CliRunner.RunAsync(["probe"], Variables());

        Assert.Equal(ExitCodes.Config, r.ExitCode);
        Assert.Contains("config [accounts.a]: ", r.Error);
    }

    [Fact]
    public async Task WithoutAnyServerSendStillCaptures()
    {
        WriteConfig("[accounts.a]\nserver = \"smtp.example.org\"\n"); // no default: the account is not used
        string captures = Path.Combine(_home, "captures");

        var r = await CliRunner.RunAsync(["send", "--to", "x@example.com", "--body", "hi", "--capture-dir", captures], Variables());

        Assert.True(r.ExitCode == ExitCodes.Ok, r.Error);
        Assert.Contains("Saved: ", r.Out);
    }
}
