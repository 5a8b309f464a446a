using System.Text;
using Herald.Cli;
using Herald.Cli.Options;
using Herald.Cli.Commands;
using Xunit;

namespace Herald.Tests.Cli;

/// <summary>The command line's own checks, which all fail before any connection is attempted.</summary>
public class CommandLineTests
{
    private static readonly Dictionary<string, string> NoCapture = [];

    [Fact]
    public async Task HelpListsEveryCommand()
    {
        var r = await CliRunner.RunAsync(["--help"]);
        Assert.Equal(0, r.ExitCode);
        foreach (var command in new[] { "send", "verify", "expand", "probe", "capture" })
        {
            Assert.Contains($"  {command}", r.Out);
        }
        Assert.Contains("nothing leaves this machine", r.Out);
    }

    [Theory]
    [InlineData("send")]
    [InlineData("verify")]
    [InlineData("expand")]
    [InlineData("probe")]
    [InlineData("capture")]
    public async Task EachCommandHasHelp(string command)
    {
        var r = await CliRunner.RunAsync([command, "--help"]);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains($"herald {command}", r.Out);
    }

    [Theory]
    [InlineData(new[] { "send", "--bogus" }, "--bogus")]
    [InlineData(new[] { "frobnicate" }, "frobnicate")]
    [InlineData(new[] { "send", "--to", "a@example.com", "--tls", "sometimes" }, "sometimes")]
    [InlineData(new[] { "send", "--to", "a@example.com", "--auth", "magic" }, "magic")]
    [InlineData(new[] { "send", "--to", "a@example.com", "--timeout", "-5" }, "--timeout")]
    [InlineData(new[] { "send", "--to", "a@example.com", "--timeout", "soon" }, "soon")]
    [InlineData(new[] { "send", "--to", "a@example.com", "b@example.com" }, "b@example.com")]
    [InlineData(new[] { "verify" }, "ADDRESS")]
    [InlineData(new[] { "capture", "--port", "70000" }, "--port")]
    public async Task ParseErrorsExitWithUsage(string[] args, string mentioned)
    {
        var r = await CliRunner.RunAsync(args);
        Assert.Equal(ExitCodes.Usage, r.ExitCode);
        Assert.Contains(mentioned, r.Error);
        Assert.Contains("--help", r.Error);
    }

    [Theory]
    [InlineData(new[] { "send", "--to", "not-an-address" }, "Invalid address \"not-an-address\" in --to")]
    [InlineData(new[] { "send", "--to", "a@example.com,broken@" }, "Invalid address \"broken@\"")]
    [InlineData(new[] { "send", "--to", "a@example.com", "--cc", "x" }, "in --cc")]
    [InlineData(new[] { "send", "--to", "a@example.com", "--from", "me" }, "in --from")]
    [InlineData(new[] { "send", "--subject", "no recipient" }, "No recipient")]
    [InlineData(new[] { "send", "--to", "a@example.com", "--header", "Subject: x" }, "use --subject")]
    [InlineData(new[] { "send", "--to", "a@example.com", "--header", "nocolon" }, "Name: value")]
    [InlineData(new[] { "send", "--to", "a@example.com", "--subject", "two\nlines" }, "single line")]
    [InlineData(new[] { "send", "--to", "a@example.com", "--body", "x", "--body-file", "y" }, "not both")]
    [InlineData(new[] { "send", "--to", "a@example.com", "--server", "mail.example.com" }, "--from")]
    [InlineData(new[] { "send", "--to", "a@example.com", "--server", "mail.example.com:99999", "--from", "a@example.com" }, "port")]
    [InlineData(new[] { "send", "--to", "a@example.com", "--tls", "implicit" }, "--tls need a server")]
    [InlineData(new[] { "send", "--to", "a@example.com", "--user", "me", "--password-env", "P" }, "--user, --password-env need a server")]
    [InlineData(
        new[] { "send", "--to", "a@example.com", "--server", "m.example.com", "--capture-dir", "/tmp/x", "--from", "a@example.com" },
        "--capture-dir only applies")]
    [InlineData(new[] { "verify", "someone" }, "'herald verify' needs a server")]
    [InlineData(new[] { "expand", "staff" }, "'herald expand' needs a server")]
    [InlineData(new[] { "probe" }, "'herald probe' needs a server")]
    public async Task InvalidCommandLinesExitWithUsage(string[] args, string message)
    {
        var r = await CliRunner.RunAsync(args, NoCapture);
        Assert.Equal(ExitCodes.Usage, r.ExitCode);
        Assert.Contains(message, r.Error);
        Assert.Empty(r.Out);
    }

    [Theory]
    [InlineData(new[] { "--user", "me" }, "--user needs a password")]
    [InlineData(new[] { "--password-env", "P" }, "needs --user")]
    [InlineData(new[] { "--user", "me", "--password-env", "P", "--password", "x" }, "one way only")]
    [InlineData(new[] { "--user", "me", "--auth", "xoauth2" }, "--oauth-token-env")]
    [InlineData(new[] { "--user", "me", "--oauth-token-env", "T", "--auth", "plain" }, "goes with --auth xoauth2 or oauthbearer")]
    [InlineData(new[] { "--user", "me", "--oauth-token-env", "T", "--password-env", "P" }, "drop the password option")]
    [InlineData(new[] { "--client-key", "k.pem" }, "--client-key needs --client-cert")]
    [InlineData(new[] { "--tls", "none", "--insecure-accept-any-certificate" }, "--tls none turns TLS off")]
    public async Task ContradictoryLoginAndTlsOptionsExitWithUsage(string[] extra, string message)
    {
        string[] args = ["send", "--server", "127.0.0.1:1", "--from", "a@example.com", "--to", "b@example.com", .. extra];
        var r = await CliRunner.RunAsync(args, new Dictionary<string, string> { ["P"] = "secret", ["T"] = "token" });
        Assert.Equal(ExitCodes.Usage, r.ExitCode);
        Assert.Contains(message, r.Error);
    }

    [Fact]
    public async Task AnUnsetSecretVariableIsAConfigurationError()
    {
        var r = await CliRunner.RunAsync(
            [
                "send", "--server", "127.0.0.1:1", "--from", "a@example.com", "--to", "b@example.com",
                "--user", "me", "--password-env", "NOPE",
            ],
            NoCapture);
        Assert.Equal(ExitCodes.Config, r.ExitCode);
        Assert.Contains("NOPE is not set", r.Error);
    }

    [Fact]
    public async Task AMissingBodyFileIsNoInput()
    {
        string missing = Path.Combine(Path.GetTempPath(), "herald-no-such-file-" + Guid.NewGuid().ToString("N"));
        var r = await CliRunner.RunAsync(["send", "--to", "a@example.com", "--body-file", missing], NoCapture);
        Assert.Equal(ExitCodes.NoInput, r.ExitCode);
        Assert.Contains($"--body-file {missing}: no such file", r.Error);
    }

    [Fact]
    public async Task AMissingPasswordFileIsNoInput()
    {
        var r = await CliRunner.RunAsync(["send", "--server", "127.0.0.1:1", "--from", "a@example.com", "--to", "b@example.com",
            "--user", "me", "--password-file", "/nonexistent/herald/password"], NoCapture);
        Assert.Equal(ExitCodes.NoInput, r.ExitCode);
    }

    [Fact]
    public async Task AnInvalidHeraldServerVariableIsAUsageError()
    {
        var r = await CliRunner.RunAsync(["probe"], new Dictionary<string, string> { ["HERALD_SERVER"] = "host:nope" });
        Assert.Equal(ExitCodes.Usage, r.ExitCode);
        Assert.Contains("HERALD_SERVER", r.Error);
    }

    [Fact]
    public void BodyComesFromTheRightPlace()
    {
        string file = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(file, [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes("from the file ü\n")]);
            var piped = Env("from stdin\n", redirected: true);
            Assert.Equal("inline", Body("inline", null, piped));
            Assert.Equal("from the file ü\n", Body(null, file, piped)); // BOM dropped
            Assert.Equal("from stdin\n", Body(null, null, piped));
            Assert.Equal("from stdin\n", Body(null, "-", piped));
            // A terminal on stdin is not read (it would wait for the user): the body is empty.
            Assert.Equal("", Body(null, null, Env("ignored", redirected: false)));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void ABodyThatIsNotUtf8IsADataError()
    {
        var env = new CliEnvironment
        {
            Out = TextWriter.Null,
            Error = TextWriter.Null,
            OpenInput = () => new MemoryStream([(byte)'o', (byte)'k', 0xE9, (byte)'\n']), // Latin-1 "é"
            IsInputRedirected = true,
            GetVariable = _ => null,
        };
        var e = Assert.Throws<CliException>(() => MessageBody.Open(null, null, env));
        Assert.Equal(ExitCodes.DataError, e.ExitCode);
        Assert.Contains("offset 2", e.Message);
    }

    private static string? Body(string? text, string? file, CliEnvironment env)
    {
        using var body = MessageBody.Open(text, file, env);
        return body.Text;
    }

    private static CliEnvironment Env(string stdin, bool redirected) => new()
    {
        Out = TextWriter.Null,
        Error = TextWriter.Null,
        OpenInput = () => new MemoryStream(Encoding.UTF8.GetBytes(stdin)),
        IsInputRedirected = redirected,
        GetVariable = _ => null,
    };
}
