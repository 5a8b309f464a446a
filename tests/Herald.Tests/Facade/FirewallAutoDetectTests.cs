using Herald.Tests.Infrastructure;
using Herald.Tests.Proxies;
using Herald.Transport.Proxies;
using Xunit;
using static Herald.Tests.Loopback.LoopbackSmtp;

namespace Herald.Tests.Facade;

/// <summary>
/// Firewall.AutoDetect with a made-up environment: the proxy URL in ALL_PROXY/HTTPS_PROXY is used (curl's spellings),
/// NO_PROXY and ProxyExceptionsList send the connection direct, an unusable variable fails with 118 instead of going
/// around the proxy, the explicit settings apply when nothing is set, and the trace says what was chosen and why.
/// </summary>
public class FirewallAutoDetectTests
{
    private static Smtp Detecting(FakeSmtpServer server, params (string Name, string Value)[] environment)
    {
        var smtp = Create(server);
        smtp.MailServer = "localhost";
        smtp.Firewall.AutoDetect = true;
        var variables = environment.ToDictionary(v => v.Name, v => (string?)v.Value, StringComparer.Ordinal);
        smtp.Settings.Environment = () => variables;
        return smtp;
    }

    [Theory]
    [InlineData("ALL_PROXY", "socks5h", "localhost", false)]
    [InlineData("all_proxy", "socks5", "127.0.0.1", true)]
    [InlineData("HTTPS_PROXY", "socks4a", "localhost", false)]
    [InlineData("https_proxy", "socks4", "127.0.0.1", true)]
    [InlineData("ALL_PROXY", "http", "localhost", true)]
    public async Task TheProxyInTheEnvironmentIsUsedAndTheTraceSaysSo(string variable, string scheme, string sent, bool isAsync)
    {
        await using var server = new FakeSmtpServer();
        var kind = scheme switch
        {
            "http" => ProxyKind.HttpConnect,
            "socks4" => ProxyKind.Socks4,
            "socks4a" => ProxyKind.Socks4a,
            _ => ProxyKind.Socks5,
        };
        await using var proxy = new ForwardingProxy(kind);
        using var smtp = Detecting(server, (variable, $"{scheme}://127.0.0.1:{proxy.Port}"));
        var notes = Trace(smtp);

        await Send(smtp, isAsync);

        Assert.Single(server.Sessions[0].Messages);
        Assert.Equal([$"{sent}:{server.Port}"], proxy.Requests);
        Assert.Contains($"Firewall.AutoDetect: Connecting to localhost:{server.Port} through the proxy {scheme}://127.0.0.1:{proxy.Port} "
            + $"from {variable}.", notes);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task CredentialsInTheUrlReachTheProxyButNeverTheTrace(bool isAsync)
    {
        await using var server = new FakeSmtpServer();
        await using var proxy = new ForwardingProxy(ProxyKind.Socks5, "erin", "p@ss:word");
        using var smtp = Detecting(server, ("ALL_PROXY", $"socks5h://erin:p%40ss%3Aword@127.0.0.1:{proxy.Port}"));
        var notes = Trace(smtp);
        await Send(smtp, isAsync);
        Assert.Single(server.Sessions[0].Messages);
        Assert.Contains(notes, n => n.Contains($"socks5h://erin:****@127.0.0.1:{proxy.Port}", StringComparison.Ordinal));
        Assert.DoesNotContain(notes, n => n.Contains("p@ss", StringComparison.Ordinal) || n.Contains("p%40ss", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task FirewallCredentialsServeADetectedProxyWhoseUrlHasNone(bool isAsync)
    {
        await using var server = new FakeSmtpServer();
        await using var proxy = new ForwardingProxy(ProxyKind.HttpConnect, "frank", "from-settings");
        using var smtp = Detecting(server, ("HTTPS_PROXY", $"http://127.0.0.1:{proxy.Port}"));
        smtp.Firewall.User = "frank";
        smtp.Firewall.Password = "from-settings";
        await Send(smtp, isAsync);
        Assert.Single(server.Sessions[0].Messages);
    }

    [Theory]
    [InlineData("localhost", false)]
    [InlineData(".localhost", true)]
    [InlineData("*", false)]
    public async Task NoProxyNamesTheServerAndTheConnectionGoesDirect(string noProxy, bool isAsync)
    {
        await using var server = new FakeSmtpServer();
        await using var proxy = new ForwardingProxy(ProxyKind.Socks5);
        using var smtp = Detecting(server, ("ALL_PROXY", $"socks5h://127.0.0.1:{proxy.Port}"), ("NO_PROXY", "example.org," + noProxy));
        var notes = Trace(smtp);
        await Send(smtp, isAsync);
        Assert.Single(server.Sessions[0].Messages);
        Assert.Empty(proxy.Connections);
        Assert.Contains($"Firewall.AutoDetect: Connecting to localhost:{server.Port} directly: the NO_PROXY entry \"{noProxy}\" matches it "
            + $"(otherwise socks5h://127.0.0.1:{proxy.Port} from ALL_PROXY would be used).", notes);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AnUnusableProxyVariableFailsRatherThanGoingAroundIt(bool isAsync)
    {
        await using var server = new FakeSmtpServer();
        using var smtp = Detecting(server, ("all_proxy", "ftp://127.0.0.1:21"));
        var e = await SendFails(smtp, isAsync);
        Assert.Equal(SmtpErrorCodes.FirewallError, e.Code);
        Assert.Equal("Firewall.AutoDetect is on, but the environment names no usable proxy: all_proxy is set, but not to a usable proxy "
            + "URL: the proxy scheme \"ftp\" is not known; use socks4://, socks4a://, socks5://, socks5h:// or http://. Correct or "
            + "unset all_proxy, or set Firewall.AutoDetect to False.", e.Message);
        Assert.Empty(server.Sessions);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task WithNothingInTheEnvironmentTheFirewallSettingsApply(bool isAsync)
    {
        await using var server = new FakeSmtpServer();
        await using var proxy = new ForwardingProxy(ProxyKind.Socks4a);
        using var smtp = Detecting(server, ("ALL_PROXY", ""), ("PATH", "/usr/bin"));
        smtp.Firewall.FirewallType = FirewallTypes.fwSOCKS4A;
        smtp.Firewall.Host = "127.0.0.1";
        smtp.Firewall.Port = proxy.Port;
        var notes = Trace(smtp);
        await Send(smtp, isAsync);
        Assert.Equal([$"localhost:{server.Port}"], proxy.Requests);
        Assert.Contains("Firewall.AutoDetect: none of all_proxy, ALL_PROXY, https_proxy, HTTPS_PROXY is set; using the Firewall settings.",
            notes);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task WithNothingAnywhereTheConnectionIsDirectAndSaysSo(bool isAsync)
    {
        await using var server = new FakeSmtpServer();
        using var smtp = Detecting(server);
        var notes = Trace(smtp);
        await Send(smtp, isAsync);
        Assert.Single(server.Sessions[0].Messages);
        Assert.Contains($"Firewall.AutoDetect: Connecting to localhost:{server.Port} directly: none of all_proxy, ALL_PROXY, https_proxy, "
            + "HTTPS_PROXY is set.", notes);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ADetectedProxyThatIsNotThereNamesTheVariable(bool isAsync)
    {
        await using var server = new FakeSmtpServer();
        int closedPort;
        await using (var gone = new ForwardingProxy(ProxyKind.Socks5))
        {
            closedPort = gone.Port;
        }
        using var smtp = Detecting(server, ("ALL_PROXY", $"socks5h://127.0.0.1:{closedPort}"));
        var e = await SendFails(smtp, isAsync);
        Assert.Equal(SmtpErrorCodes.FirewallError, e.Code);
        Assert.EndsWith(". The proxy was taken from the environment variable ALL_PROXY: check it, and that the proxy is running.",
            e.Message);
    }

    [Fact]
    public async Task TheProxyExceptionsListAppliesToADetectedProxyToo()
    {
        await using var server = new FakeSmtpServer();
        await using var proxy = new ForwardingProxy(ProxyKind.Socks5);
        using var smtp = Detecting(server, ("ALL_PROXY", $"socks5h://127.0.0.1:{proxy.Port}"));
        smtp.Config("ProxyExceptionsList=localhost");
        await Send(smtp, isAsync: true);
        Assert.Single(server.Sessions[0].Messages);
        Assert.Empty(proxy.Connections);
    }
}
