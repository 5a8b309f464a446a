using Herald.Cli;
using Herald.IntegrationTests.Support;
using Herald.IntegrationTests.Tls;
using Xunit;

namespace Herald.IntegrationTests.Proxies;

/// <summary>
/// <c>herald send --proxy</c> against the real proxies, in every curl spelling: dante (socks4, socks5 with the password
/// from <c>--proxy-password-env</c>, socks5 without auth), <c>ssh -D</c> (socks4, socks4a, socks5h) and tinyproxy (http
/// with and without Basic auth), to Postfix with STARTTLS or implicit TLS; <c>$ALL_PROXY</c> in place of the option; and
/// a wrong proxy password, which exits 69 with the proxy's reason. <c>--trace</c> shows the handshake, never the
/// password.
/// </summary>
public sealed class CliProxyTests
{
    private const string PasswordVariable = "HERALD_TEST_PROXY_PASSWORD";

    private static string[] Send(int port, string marker, string tls) =>
    [
        "send", "--server", $"{Peers.HostName}:{port}", "--tls", tls, "--ca", Peers.CaPem, "--from", "herald-cli@example.org",
        "--to", "proxy-cli@example.com", "--subject", "through a proxy", "--header", "X-Test-Id: " + marker, "--body",
        "Sent by herald through a proxy.", "--trace",
    ];

    public static TheoryData<string, int, string, string> Schemes()
    {
        string socks5User = $"{Peers.Socks5User}@{Peers.Host}:{Peers.Socks5Auth}";
        string httpUser = $"{Peers.HttpProxyUser}@{Peers.Host}:{Peers.HttpProxyAuth}";
        return new TheoryData<string, int, string, string>
        {
            { $"socks4://{Peers.Host}:{Peers.Socks4}", Peers.Socks4, "starttls", "" },
            { $"socks4://{Peers.Host}:{Peers.SshSocks}", Peers.SshSocks, "implicit", "" },
            { $"socks4a://{Peers.Host}:{Peers.SshSocks}", Peers.SshSocks, "starttls", "" },
            { $"socks5://{socks5User}", Peers.Socks5Auth, "implicit", Peers.Socks5Password },
            { $"socks5://{Peers.Host}:{Peers.Socks4}", Peers.Socks4, "starttls", "" },
            { $"socks5h://{Peers.Host}:{Peers.SshSocks}", Peers.SshSocks, "implicit", "" },
            { $"socks5h://{socks5User}", Peers.Socks5Auth, "starttls", Peers.Socks5Password },
            { $"http://{httpUser}", Peers.HttpProxyAuth, "implicit", Peers.HttpProxyPassword },
            { $"http://{Peers.Host}:{Peers.HttpProxyOpen}", Peers.HttpProxyOpen, "starttls", "" },
        };
    }

    [Theory, MemberData(nameof(Schemes))]
    public async Task TheCommandLineSendsThroughEveryProxyScheme(string url, int proxyPort, string tls, string password)
    {
        int port = tls == "implicit" ? Peers.PostfixImplicitTls : Peers.PostfixOpen;
        Peers.RequirePeer(port);
        Peers.RequirePeer(proxyPort);
        string marker = Peers.NewMarker();
        string[] passwordOption = password.Length > 0 ? ["--proxy-password-env", PasswordVariable] : [];

        var run = await HeraldCli.RunAsync([.. Send(port, marker, tls), "--proxy", url, .. passwordOption],
            extraVariables: new Dictionary<string, string> { [PasswordVariable] = password });

        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        string received = PeerSmtp.TopReceivedHeader(await Peers.WaitForMaildirMessageAsync(marker));
        Assert.Contains(" with ESMTPS", received);
        Assert.Contains("[127.0.0.1]", received);
        string scheme = url[..url.IndexOf(':', StringComparison.Ordinal)];
        string protocol = scheme switch
        {
            "socks4" => "SOCKS4",
            "socks4a" => "SOCKS4a",
            "http" => "HTTP",
            _ => "SOCKS5",
        };
        Assert.Contains($"*  {protocol} proxy 127.0.0.1:{proxyPort}: ", run.Error);
        Assert.Contains($"*  Connecting through the proxy {scheme}://", run.Error);
        if (password.Length > 0)
        {
            Assert.DoesNotContain(password, run.Error);
        }
        if (scheme is "socks4a" or "socks5h")
        {
            Assert.Contains($"CONNECT {Peers.HostName}:{port} (the proxy resolves the name)", run.Error);
        }
    }

    [Fact]
    public async Task AllProxyTakesThePlaceOfTheOption()
    {
        Peers.RequirePeer(Peers.Socks5Auth);
        string marker = Peers.NewMarker();
        var run = await HeraldCli.RunAsync([.. Send(Peers.PostfixOpen, marker, "starttls"), "--proxy-password-env", PasswordVariable],
            extraVariables: new Dictionary<string, string>
            {
                ["ALL_PROXY"] = $"socks5h://{Peers.Socks5User}@{Peers.Host}:{Peers.Socks5Auth}",
                [PasswordVariable] = Peers.Socks5Password,
            });
        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        await Peers.WaitForMaildirMessageAsync(marker);
        Assert.Contains($"*  Connecting to {Peers.HostName}:{Peers.PostfixOpen} through the proxy socks5h://{Peers.Socks5User}@"
            + $"{Peers.Host}:{Peers.Socks5Auth} from ALL_PROXY.", run.Error);
        Assert.Contains($"authenticating as \"{Peers.Socks5User}\"", run.Error);
    }

    [Fact]
    public async Task AWrongProxyPasswordExitsUnavailableWithTheProxysReason()
    {
        Peers.RequirePeer(Peers.HttpProxyAuth);
        var run = await HeraldCli.RunAsync(
            [.. Send(Peers.PostfixOpen, Peers.NewMarker(), "starttls"), "--proxy", $"http://{Peers.HttpProxyUser}@{Peers.Host}:"
                + $"{Peers.HttpProxyAuth}", "--proxy-password-env", PasswordVariable],
            extraVariables: new Dictionary<string, string> { [PasswordVariable] = "wrong-pass" });
        Assert.Equal(ExitCodes.Unavailable, run.ExitCode);
        Assert.Contains($"herald: error: Proxy authentication failed: HTTP proxy 127.0.0.1:{Peers.HttpProxyAuth} rejected the user name "
            + $"and password of \"{Peers.HttpProxyUser}\" (401 Unauthorized).", run.Error);
        Assert.Contains($"herald: hint: The proxy is http://{Peers.HttpProxyUser}:****@127.0.0.1:{Peers.HttpProxyAuth} (from --proxy).",
            run.Error);
        Assert.DoesNotContain("wrong-pass", run.Error);
    }
}
