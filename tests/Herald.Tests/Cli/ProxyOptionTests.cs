using Herald.Cli;
using Herald.Tests.Infrastructure;
using Herald.Tests.Proxies;
using Herald.Transport.Proxies;
using Xunit;

namespace Herald.Tests.Cli;

/// <summary>
/// <c>--proxy</c> with curl's spellings, <c>$ALL_PROXY</c> with <c>$NO_PROXY</c>, <c>--proxy-password-env</c>, and the
/// handshake in <c>--trace</c> with the password masked, against the forwarding fake proxy and the fake SMTP server.
/// </summary>
public sealed class ProxyOptionTests
{
    private static string[] Send(FakeSmtpServer server, params string[] extra) =>
    [
        "send", "--server", $"localhost:{server.Port}", "--tls", "none", "--from", "a@example.com", "--to", "b@example.com",
        "--body", "through the proxy", .. extra,
    ];

    [Theory]
    [InlineData("socks4", "127.0.0.1")]
    [InlineData("socks4a", "localhost")]
    [InlineData("socks5", "127.0.0.1")]
    [InlineData("socks5h", "localhost")]
    [InlineData("http", "localhost")]
    public async Task EachSchemeCarriesTheMessageAndResolvesWhereCurlWould(string scheme, string sent)
    {
        await using var server = new FakeSmtpServer();
        var kind = scheme switch
        {
            "socks4" => ProxyKind.Socks4,
            "socks4a" => ProxyKind.Socks4a,
            "http" => ProxyKind.HttpConnect,
            _ => ProxyKind.Socks5,
        };
        await using var proxy = new ForwardingProxy(kind);

        var r = await CliRunner.RunAsync(Send(server, "--proxy", $"{scheme}://127.0.0.1:{proxy.Port}"));

        Assert.True(r.ExitCode == ExitCodes.Ok, r.Error);
        Assert.Equal([$"{sent}:{server.Port}"], proxy.Requests);
        Assert.Single(server.Sessions[0].Messages);
        Assert.StartsWith($"Sent to b@example.com via localhost:{server.Port}", r.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheTraceShowsTheHandshakeWithThePasswordFromAVariableMasked()
    {
        await using var server = new FakeSmtpServer();
        await using var proxy = new ForwardingProxy(ProxyKind.HttpConnect, "gina", "env-secret") { CloseAfter407 = true };

        var r = await CliRunner.RunAsync(
            Send(server, "--proxy", $"http://gina@127.0.0.1:{proxy.Port}", "--proxy-password-env", "PROXY_PW", "--trace"),
            new Dictionary<string, string> { ["PROXY_PW"] = "env-secret" });

        Assert.True(r.ExitCode == ExitCodes.Ok, r.Error);
        string[] lines = r.Error.Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        Assert.Contains($"*  Connecting through the proxy http://gina@127.0.0.1:{proxy.Port} from --proxy.", lines);
        Assert.Contains($"*  HTTP proxy 127.0.0.1:{proxy.Port}: > CONNECT localhost:{server.Port} HTTP/1.1", lines);
        Assert.Contains($"*  HTTP proxy 127.0.0.1:{proxy.Port}: < HTTP/1.1 407 Proxy Authentication Required", lines);
        Assert.Contains($"*  HTTP proxy 127.0.0.1:{proxy.Port}: > Proxy-Authorization: Basic **** (user \"gina\")", lines);
        Assert.Contains($"*  HTTP proxy 127.0.0.1:{proxy.Port}: tunnel to localhost:{server.Port} open (200 Connection established)",
            lines);
        Assert.Contains(lines, l => l.StartsWith("C: MAIL FROM:<a@example.com>", StringComparison.Ordinal));
        Assert.DoesNotContain("env-secret", r.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("warning", r.Error, StringComparison.Ordinal);
        Assert.Equal(2, proxy.Connections.Count);
    }

    [Fact]
    public async Task APasswordInTheUrlWorksButIsWarnedAbout()
    {
        await using var server = new FakeSmtpServer();
        await using var proxy = new ForwardingProxy(ProxyKind.Socks5, "hal", "url-secret");
        var r = await CliRunner.RunAsync(Send(server, "--proxy", $"socks5h://hal:url-secret@127.0.0.1:{proxy.Port}", "--trace"));
        Assert.True(r.ExitCode == ExitCodes.Ok, r.Error);
        Assert.Contains("herald: warning: --proxy carries the proxy's password on the command line", r.Error, StringComparison.Ordinal);
        Assert.Contains($"*  SOCKS5 proxy 127.0.0.1:{proxy.Port}: authenticating as \"hal\"", r.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("url-secret", r.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AllProxyIsUsedWhenNoProxyOptionIsGiven()
    {
        await using var server = new FakeSmtpServer();
        await using var proxy = new ForwardingProxy(ProxyKind.Socks4a);
        var r = await CliRunner.RunAsync(Send(server, "--trace"),
            new Dictionary<string, string> { ["ALL_PROXY"] = $"socks4a://127.0.0.1:{proxy.Port}", ["HTTPS_PROXY"] = "http://127.0.0.1:1" });
        Assert.True(r.ExitCode == ExitCodes.Ok, r.Error);
        Assert.Equal([$"localhost:{server.Port}"], proxy.Requests);
        Assert.Contains($"*  Connecting to localhost:{server.Port} through the proxy socks4a://127.0.0.1:{proxy.Port} from ALL_PROXY.",
            r.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoProxyNamingTheServerSendsDirectly()
    {
        await using var server = new FakeSmtpServer();
        await using var proxy = new ForwardingProxy(ProxyKind.Socks5);
        var r = await CliRunner.RunAsync(Send(server, "--trace"), new Dictionary<string, string>
        {
            ["all_proxy"] = $"socks5h://127.0.0.1:{proxy.Port}",
            ["no_proxy"] = "localhost",
        });
        Assert.True(r.ExitCode == ExitCodes.Ok, r.Error);
        Assert.Empty(proxy.Connections);
        Assert.Single(server.Sessions[0].Messages);
        Assert.Contains($"directly: the no_proxy entry \"localhost\" matches it", r.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARefusingProxyExitsUnavailableWithTheReasonAndWhereTheProxyCameFrom()
    {
        await using var server = new FakeSmtpServer();
        await using var proxy = new ForwardingProxy(ProxyKind.Socks5) { Refuse = true };
        var r = await CliRunner.RunAsync(Send(server, "--proxy", $"socks5://127.0.0.1:{proxy.Port}"));
        Assert.Equal(ExitCodes.Unavailable, r.ExitCode);
        Assert.Contains($"herald: error: Opening the tunnel through the proxy failed: SOCKS5 proxy 127.0.0.1:{proxy.Port} refused the "
            + $"connection to localhost:{server.Port}: its rule set does not allow the connection (reply 2).", r.Error,
            StringComparison.Ordinal);
        Assert.Contains($"herald: hint: The proxy is socks5://127.0.0.1:{proxy.Port} (from --proxy).", r.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AProxyThatWantsCredentialsGetsAHintInCommandLineTerms()
    {
        await using var server = new FakeSmtpServer();
        await using var proxy = new ForwardingProxy(ProxyKind.Socks5, "ivy", "pw");
        var r = await CliRunner.RunAsync(Send(server),
            new Dictionary<string, string> { ["ALL_PROXY"] = $"socks5h://127.0.0.1:{proxy.Port}" });
        Assert.Equal(ExitCodes.Unavailable, r.ExitCode);
        Assert.Contains($"herald: hint: The proxy socks5h://127.0.0.1:{proxy.Port} (from ALL_PROXY) wants credentials: put the user "
            + "name in the URL (socks5://USER@HOST:PORT) and pass the password with --proxy-password-env VAR.", r.Error,
            StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "--proxy", "ftp://proxy.test" }, null, ExitCodes.Usage,
        "herald: error: --proxy: the proxy scheme \"ftp\" is not known; use socks4://, socks4a://, socks5://, socks5h:// or http://.")]
    [InlineData(new[] { "--proxy", "socks5://proxy.test", "--proxy-password-env", "PW" }, null, ExitCodes.Usage,
        "herald: error: --proxy-password-env needs the proxy's user name in the URL: socks5://USER@HOST:PORT.")]
    [InlineData(new[] { "--proxy", "socks5://u@proxy.test", "--proxy-password-env", "PW" }, null, ExitCodes.Config,
        "herald: error: --proxy-password-env: the environment variable PW is not set or is empty.")]
    [InlineData(new[] { "--proxy-password-env", "PW" }, null, ExitCodes.Usage,
        "herald: error: --proxy-password-env needs a proxy: --proxy URL (or $ALL_PROXY).")]
    [InlineData(new string[0], "socks9://proxy.test", ExitCodes.Config,
        "herald: error: ALL_PROXY is set, but not to a usable proxy URL: the proxy scheme \"socks9\" is not known; use socks4://, "
        + "socks4a://, socks5://, socks5h:// or http://. Correct or unset ALL_PROXY, or pass --proxy.")]
    public async Task BadProxyInputIsRefusedBeforeConnecting(string[] extra, string? allProxy, int exitCode, string message)
    {
        var variables = allProxy is null ? null : new Dictionary<string, string> { ["ALL_PROXY"] = allProxy };
        var r = await CliRunner.RunAsync(
            ["send", "--server", "127.0.0.1:1", "--from", "a@example.com", "--to", "b@example.com", "--body", "x", .. extra], variables);
        Assert.Equal(exitCode, r.ExitCode);
        Assert.Equal(message, r.Error.Trim());
    }

    [Fact]
    public async Task AProxyWithoutAServerIsAUsageError()
    {
        var r = await CliRunner.RunAsync(["send", "--to", "b@example.com", "--body", "x", "--proxy", "socks5://127.0.0.1:1080"]);
        Assert.Equal(ExitCodes.Usage, r.ExitCode);
        Assert.Contains("--proxy need a server", r.Error, StringComparison.Ordinal);
    }
}
