using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Herald.IntegrationTests.Support;
using Herald.Transport.Proxies;
using Xunit;

namespace Herald.IntegrationTests.Proxies;

/// <summary>
/// Herald's proxy handshakes against the real proxies that scripts/peers/up.sh starts: dante (SOCKS5 with RFC 1929 on
/// 10800; SOCKS4 and SOCKS5 without auth on 10801), OpenSSH <c>ssh -D</c> (SOCKS4, SOCKS4a, SOCKS5 on 10802) and
/// tinyproxy (HTTP CONNECT with Basic auth on 10880, without on 10881). Each tunnel reaches Postfix and reads its 220
/// greeting, sync and async; implicit TLS runs through each kind with the certificate checked for the SMTP server's
/// name; and each kind of refusal gives its reason.
/// </summary>
public sealed class RealProxyTests
{
    private const string Loopback = "127.0.0.1";

    private static ProxySettings Proxy(string name) => name switch
    {
        "dante-socks5-auth" => new(ProxyKind.Socks5, Loopback, Peers.Socks5Auth)
        {
            User = Peers.Socks5User,
            Password = Peers.Socks5Password,
        },
        "dante-socks5-auth-local" => Proxy("dante-socks5-auth") with { ResolveLocally = true },
        "dante-socks4" => new(ProxyKind.Socks4, Loopback, Peers.Socks4),
        "dante-socks5" => new(ProxyKind.Socks5, Loopback, Peers.Socks4),
        "ssh-socks4" => new(ProxyKind.Socks4, Loopback, Peers.SshSocks),
        "ssh-socks4a" => new(ProxyKind.Socks4a, Loopback, Peers.SshSocks),
        "ssh-socks5" => new(ProxyKind.Socks5, Loopback, Peers.SshSocks) { ResolveLocally = true },
        "ssh-socks5h" => new(ProxyKind.Socks5, Loopback, Peers.SshSocks),
        "tinyproxy-auth" => new(ProxyKind.HttpConnect, Loopback, Peers.HttpProxyAuth)
        {
            User = Peers.HttpProxyUser,
            Password = Peers.HttpProxyPassword,
        },
        "tinyproxy-auth-preemptive" => Proxy("tinyproxy-auth") with { PreemptiveBasicAuth = true },
        "tinyproxy-open" => new(ProxyKind.HttpConnect, Loopback, Peers.HttpProxyOpen),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    public static TheoryData<string, string, bool> Tunnels()
    {
        var data = new TheoryData<string, string, bool>();
        foreach (bool isAsync in new[] { false, true })
        {
            data.Add("dante-socks5-auth", Loopback, isAsync);
            data.Add("dante-socks5-auth", Peers.HostName, isAsync);
            data.Add("dante-socks5-auth-local", Peers.HostName, isAsync);
            data.Add("dante-socks4", Loopback, isAsync);
            data.Add("dante-socks4", Peers.HostName, isAsync);
            data.Add("dante-socks5", Loopback, isAsync);
            data.Add("ssh-socks4", Loopback, isAsync);
            data.Add("ssh-socks4a", Peers.HostName, isAsync);
            data.Add("ssh-socks5", Peers.HostName, isAsync);
            data.Add("ssh-socks5h", Peers.HostName, isAsync);
            data.Add("tinyproxy-auth", Loopback, isAsync);
            data.Add("tinyproxy-auth-preemptive", Peers.HostName, isAsync);
            data.Add("tinyproxy-open", Peers.HostName, isAsync);
        }
        return data;
    }

    [Theory, MemberData(nameof(Tunnels))]
    public async Task PostfixGreetsThroughTheTunnel(string proxyName, string host, bool isAsync)
    {
        Peers.RequirePeer(Peers.PostfixOpen);
        var proxy = Proxy(proxyName);
        using var call = new ProxyPeerCall(isAsync);
        var tunnel = await call.RunAsync(proxy, host, Peers.PostfixOpen);
        string greeting = await call.ReadLineAsync(tunnel.Stream);
        Assert.StartsWith("220 ", greeting);
        Assert.Contains("Postfix", greeting);
        Assert.DoesNotContain(proxy.Password.Length > 0 ? proxy.Password : "\0", call.Trace);
        if (proxyName == "tinyproxy-auth")
        {
            // tinyproxy ends the connection after its 407, so the credentials go on a second one.
            Assert.Equal(2, call.Connections);
            Assert.Contains("sending them on a new connection", call.Trace);
        }
        if (proxyName == "tinyproxy-auth-preemptive")
        {
            Assert.Equal(1, call.Connections);
        }
    }

    public static TheoryData<string, bool> TlsTunnels()
    {
        var data = new TheoryData<string, bool>();
        foreach (bool isAsync in new[] { false, true })
        {
            string[] names = ["dante-socks5-auth", "dante-socks4", "ssh-socks4a", "ssh-socks5h", "tinyproxy-auth", "tinyproxy-open"];
            foreach (string name in names)
            {
                data.Add(name, isAsync);
            }
        }
        return data;
    }

    [Theory, MemberData(nameof(TlsTunnels))]
    public async Task ImplicitTlsRunsThroughTheTunnelWithTheServersCertificateName(string proxyName, bool isAsync)
    {
        Peers.RequirePeer(Peers.PostfixImplicitTls);
        using var call = new ProxyPeerCall(isAsync);
        // The client speaks first on an implicit TLS port, so the bytes-after-the-reply check is on.
        var tunnel = await call.RunAsync(Proxy(proxyName), Peers.HostName, Peers.PostfixImplicitTls, clientSpeaksFirst: true);
        using var ca = X509CertificateLoader.LoadCertificateFromFile(Peers.CaPem);
        var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
        policy.CustomTrustStore.Add(ca);
        var options = new SslClientAuthenticationOptions { TargetHost = Peers.HostName, CertificateChainPolicy = policy };
        await using var tls = new SslStream(tunnel.Stream, leaveInnerStreamOpen: false);
        if (isAsync)
        {
            await tls.AuthenticateAsClientAsync(options);
        }
        else
        {
            tls.AuthenticateAsClient(options);
        }
        Assert.True(tls.IsAuthenticated);
        Assert.StartsWith("220 ", await call.ReadLineAsync(tls));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task DanteRejectsAWrongSocks5Password(bool isAsync)
    {
        using var call = new ProxyPeerCall(isAsync);
        var e = await Assert.ThrowsAsync<ProxyException>(() =>
            call.RunAsync(Proxy("dante-socks5-auth") with { Password = "wrong-pass" }, Loopback, Peers.PostfixOpen));
        Assert.Equal(ProxyStep.Authentication, e.Step);
        Assert.Equal($"SOCKS5 proxy 127.0.0.1:{Peers.Socks5Auth} rejected the user name and password of \"{Peers.Socks5User}\" "
            + "(RFC 1929 status 1)", e.Message);
        Assert.DoesNotContain("wrong-pass", e.Message + call.Trace);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task DanteAsksForCredentialsThatWereNotGiven(bool isAsync)
    {
        using var call = new ProxyPeerCall(isAsync);
        var e = await Assert.ThrowsAsync<ProxyException>(() =>
            call.RunAsync(new ProxySettings(ProxyKind.Socks5, Loopback, Peers.Socks5Auth), Loopback, Peers.PostfixOpen));
        Assert.Equal(ProxyStep.MethodSelection, e.Step);
        Assert.Contains("requires authentication, and no user name and password was given", e.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task DantesRuleRefusesADestinationOutsideLoopback(bool isAsync)
    {
        using var call = new ProxyPeerCall(isAsync);
        var e = await Assert.ThrowsAsync<ProxyException>(() => call.RunAsync(Proxy("dante-socks5-auth"), "192.0.2.1", 25));
        Assert.Equal(2, e.ReplyCode);
        Assert.Equal($"SOCKS5 proxy 127.0.0.1:{Peers.Socks5Auth} refused the connection to 192.0.2.1:25: its rule set does not "
            + "allow the connection (reply 2)", e.Message);
    }

    [Theory]
    [InlineData("dante-socks4", "192.0.2.1")]
    [InlineData("dante-socks4-4a", Peers.HostName)]
    public async Task DanteRefusesSocks4ToAnOutsideAddressAndSocks4aAltogether(string name, string host)
    {
        // dante does not implement SOCKS4a: the 0.0.0.x address it is sent counts as a destination outside its rule.
        var proxy = name == "dante-socks4" ? Proxy(name) : new ProxySettings(ProxyKind.Socks4a, Loopback, Peers.Socks4);
        using var call = new ProxyPeerCall(isAsync: false);
        var e = await Assert.ThrowsAsync<ProxyException>(() => call.RunAsync(proxy, host, 25));
        Assert.Equal(91, e.ReplyCode);
        Assert.Contains("refused the connection", e.Message);
        Assert.Contains("(reply 91)", e.Message);
    }

    [Theory]
    [InlineData("ssh-socks4a", false)]
    [InlineData("ssh-socks5h", true)]
    public async Task SshReceivesTheNameUnresolvedAndItsRefusalIsAClosedConnection(string name, bool isAsync)
    {
        // A name that resolves nowhere and that sshd's PermitOpen denies: the client cannot have resolved it, and sshd
        // logs the name it was sent.
        string unresolvable = $"herald-{Guid.NewGuid():N}.invalid";
        using var call = new ProxyPeerCall(isAsync);
        var e = await Assert.ThrowsAsync<ProxyException>(() => call.RunAsync(Proxy(name), unresolvable, 25));
        Assert.Equal(ProxyStep.Connect, e.Step);
        Assert.Contains($"closed the connection while the client was waiting for the reply to CONNECT {unresolvable}:25", e.Message);
        string line = await PeerLogs.WaitForLineAsync("sshd.log", $"a request for {unresolvable}",
            l => l.Contains($"to connect to host {unresolvable} port 25", StringComparison.Ordinal));
        Assert.Contains("denied", line);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TinyproxyRejectsAWrongPasswordWith401(bool isAsync)
    {
        using var call = new ProxyPeerCall(isAsync);
        var e = await Assert.ThrowsAsync<ProxyException>(() =>
            call.RunAsync(Proxy("tinyproxy-auth") with { Password = "wrong-pass" }, Loopback, Peers.PostfixOpen));
        Assert.Equal(ProxyStep.Authentication, e.Step);
        Assert.Equal(401, e.ReplyCode);
        Assert.Equal($"HTTP proxy 127.0.0.1:{Peers.HttpProxyAuth} rejected the user name and password of \"{Peers.HttpProxyUser}\" "
            + "(401 Unauthorized)", e.Message);
        Assert.DoesNotContain("wrong-pass", e.Message + call.Trace);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TinyproxyAsksForCredentialsThatWereNotGiven(bool isAsync)
    {
        using var call = new ProxyPeerCall(isAsync);
        var e = await Assert.ThrowsAsync<ProxyException>(() =>
            call.RunAsync(new ProxySettings(ProxyKind.HttpConnect, Loopback, Peers.HttpProxyAuth), Loopback, Peers.PostfixOpen));
        Assert.Equal(407, e.ReplyCode);
        Assert.Equal($"HTTP proxy 127.0.0.1:{Peers.HttpProxyAuth} requires authentication (407 Proxy Authentication Required; "
            + "it offers Basic realm=\"Tinyproxy\"), and no user name and password was given", e.Message);
        Assert.Contains("Proxy-Authenticate: Basic realm=\"Tinyproxy\"", e.ResponseHeaders);
        Assert.Contains("This proxy requires authentication.", e.ResponseBody);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TinyproxyFiltersADestinationOutsideLoopbackWith403AndItsPage(bool isAsync)
    {
        using var call = new ProxyPeerCall(isAsync);
        var e = await Assert.ThrowsAsync<ProxyException>(() => call.RunAsync(Proxy("tinyproxy-open"), "192.0.2.1", 25));
        Assert.Equal(ProxyStep.Connect, e.Step);
        Assert.Equal(403, e.ReplyCode);
        Assert.Equal($"HTTP proxy 127.0.0.1:{Peers.HttpProxyOpen} refused CONNECT to 192.0.2.1:25: 403 Filtered", e.Message);
        Assert.StartsWith("HTTP/1.1 403 Filtered\r\n", e.ResponseHeaders);
        Assert.Contains("The request you made has been filtered", e.ResponseBody);
    }

    [Fact]
    public async Task TinyproxyIsSentTheHostName()
    {
        string log = Path.Combine(Peers.LogDir, "tinyproxy-open.log");
        string request = $"CONNECT localhost:{Peers.PostfixOpen} HTTP/1.1";
        int before = PeerLogs.CountLines(log, request);
        using var call = new ProxyPeerCall(isAsync: true);
        var tunnel = await call.RunAsync(Proxy("tinyproxy-open"), Peers.HostName, Peers.PostfixOpen);
        Assert.StartsWith("220 ", await call.ReadLineAsync(tunnel.Stream));
        await PeerLogs.WaitForMoreLinesAsync(log, request, before);
    }
}
