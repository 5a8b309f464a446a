using Herald.Cli;
using Herald.Cli.Options;
using Xunit;

namespace Herald.Tests.Cli;

public class OptionParsingTests
{
    [Theory]
    [InlineData("smtp.example.com", "smtp.example.com", null)]
    [InlineData("smtp.example.com:587", "smtp.example.com", 587)]
    [InlineData(" mail.example.org:25 ", "mail.example.org", 25)]
    [InlineData("192.0.2.7:2525", "192.0.2.7", 2525)]
    [InlineData("[2001:db8::1]:465", "2001:db8::1", 465)]
    [InlineData("[::1]", "::1", null)]
    [InlineData("2001:db8::1", "2001:db8::1", null)]
    public void ServerAddressesParse(string text, string host, int? port)
    {
        var server = ServerAddress.Parse(text);
        Assert.Equal(host, server.Host);
        Assert.Equal(port, server.Port);
    }

    [Theory]
    [InlineData("")]
    [InlineData(":25")]
    [InlineData("host:0")]
    [InlineData("host:65536")]
    [InlineData("host:smtp")]
    [InlineData("host:")]
    [InlineData("[::1")]
    [InlineData("[::1]x")]
    [InlineData("user@host")]
    [InlineData("smtp://host")]
    public void BadServerAddressesAreUsageErrors(string text)
    {
        var e = Assert.Throws<CliException>(() => ServerAddress.Parse(text));
        Assert.Equal(ExitCodes.Usage, e.ExitCode);
    }

    [Fact]
    public void ServerDisplayBracketsIPv6() => Assert.Equal("[::1]:25", ServerAddress.Parse("::1").Display(25));

    [Fact]
    public void AddressOptionsRepeatAndHoldCommaLists()
    {
        var list = AddressList.Parse(
            ["a@example.com", "b@example.com, \"Doe, Jane\" <jane@example.com>,c@example.com", " ,d@example.com"], "--to");
        Assert.Equal(["a@example.com", "b@example.com", "\"Doe, Jane\" <jane@example.com>", "c@example.com", "d@example.com"], list);
    }

    [Fact]
    public void AddrSpecTakesWhatIsInsideTheBrackets()
    {
        Assert.Equal("jane@example.com", AddressList.AddrSpec("\"Doe, Jane\" <jane@example.com>"));
        Assert.Equal("a@example.com", AddressList.AddrSpec(" a@example.com "));
    }

    [Theory]
    [InlineData("not-an-address")]
    [InlineData("a@")]
    [InlineData("@example.com")]
    [InlineData("Jane <jane@>")]
    [InlineData("a b@example.com")]
    [InlineData("a@example.com\r\nRCPT TO:<evil@example.com>")]
    [InlineData("\"unterminated@example.com")]
    public void BadAddressesAreUsageErrors(string value)
    {
        var e = Assert.Throws<CliException>(() => AddressList.Parse([value], "--to"));
        Assert.Equal(ExitCodes.Usage, e.ExitCode);
    }

    [Fact]
    public void HeadersAreSplitAtTheFirstColon()
    {
        var headers = HeaderLine.Parse(["X-Campaign: spring", "X-Url:https://example.com/a:b", "X-Empty:"]);
        Assert.Equal(new HeaderLine("X-Campaign", "spring"), headers[0]);
        Assert.Equal(new HeaderLine("X-Url", "https://example.com/a:b"), headers[1]);
        Assert.Equal(new HeaderLine("X-Empty", ""), headers[2]);
        Assert.Equal("X-Campaign: spring", headers[0].ToString());
    }

    [Theory]
    [InlineData("no colon here")]
    [InlineData(": value")]
    [InlineData("Bad Name: value")]
    [InlineData("Bad\tName: value")]
    [InlineData("Ünicode: value")]
    [InlineData("X-Injected: a\r\nBcc: victim@example.com")]
    [InlineData("X-Nul: a\0b")]
    [InlineData("Subject: use the option")]
    [InlineData("from: use the option")]
    [InlineData("To: use the option")]
    [InlineData("BCC: use the option")]
    public void BadHeadersAreUsageErrors(string value)
    {
        var e = Assert.Throws<CliException>(() => HeaderLine.Parse([value]));
        Assert.Equal(ExitCodes.Usage, e.ExitCode);
    }

    [Theory]
    [InlineData("login", SmtpAuthMechanisms.amLogin)]
    [InlineData("plain", SmtpAuthMechanisms.amSASLPlain)]
    [InlineData("cram-md5", SmtpAuthMechanisms.amCRAMMD5)]
    [InlineData("ntlm", SmtpAuthMechanisms.amNTLM)]
    [InlineData("digest-md5", SmtpAuthMechanisms.amSASLDigestMD5)]
    [InlineData("gssapi", SmtpAuthMechanisms.amKerberos)]
    [InlineData("xoauth2", SmtpAuthMechanisms.amXOAUTH2)]
    [InlineData("oauthbearer", SmtpAuthMechanisms.amOAuthBearer)]
    [InlineData("scram-sha-1", SmtpAuthMechanisms.amSCRAMSHA1)]
    [InlineData("scram-sha-256", SmtpAuthMechanisms.amSCRAMSHA256)]
    public void AuthNamesMapToMechanisms(string name, SmtpAuthMechanisms expected) =>
        Assert.Equal(expected, ConnectionOptions.MechanismFor(name));

    [Fact]
    public void CaptureFolderFollowsTheEnvironment()
    {
        static CliEnvironment Env(Dictionary<string, string> vars) => new()
        {
            Out = TextWriter.Null,
            Error = TextWriter.Null,
            OpenInput = () => Stream.Null,
            IsInputRedirected = false,
            GetVariable = n => vars.TryGetValue(n, out var v) ? v : null,
        };
        string home = Path.Combine(Path.GetTempPath(), "home");
        string xdg = Path.Combine(Path.GetTempPath(), "xdg");
        string underHome = Path.Combine(home, ".local", "share", "herald", "capture");
        Assert.Equal("/tmp/explicit",
            CapturePaths.Default(Env(new() { ["HERALD_CAPTURE_DIR"] = "/tmp/explicit", ["XDG_DATA_HOME"] = xdg })));
        Assert.Equal(Path.Combine(xdg, "herald", "capture"),
            CapturePaths.Default(Env(new() { ["XDG_DATA_HOME"] = xdg, ["HOME"] = home })));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(underHome, CapturePaths.Default(Env(new() { ["HOME"] = home })));
            // The XDG specification says to ignore a relative XDG_DATA_HOME.
            Assert.Equal(underHome,
                CapturePaths.Default(Env(new() { ["HOME"] = home, ["XDG_DATA_HOME"] = "relative/dir" })));
        }
    }
}
