using Herald.IntegrationTests.Support;
using Herald.IntegrationTests.Tls;
using Herald.Transport.Proxies;
using Xunit;

namespace Herald.IntegrationTests.Proxies;

/// <summary>
/// The Smtp component through the real proxies (dante SOCKS5 with RFC 1929 on 10800, dante SOCKS4 and SOCKS5 without
/// auth on 10801, <c>ssh -D</c> SOCKS4/4a/5 on 10802, tinyproxy with Basic auth on 10880 and without on 10881) to
/// Postfix, sync and async, in plaintext, with STARTTLS and with implicit TLS. Postfix's Received header shows that the
/// connection came from the proxy: the component binds to an address of 127.0.0.0/8 of its own, and Postfix records the
/// proxy's 127.0.0.1 instead (tinyproxy admits clients from 127.0.0.1 only, so there its own log shows the CONNECT).
/// Every kind of refusal gives 118 with the proxy's reason, and the component sends afterwards.
/// </summary>
public sealed class SmtpThroughProxyTests
{
    /// <summary>How each named proxy is configured on the component: type, port, credentials, MailServer form.</summary>
    private static void Configure(Smtp smtp, string proxyName)
    {
        var firewall = smtp.Firewall;
        firewall.Host = Peers.Host;
        switch (proxyName)
        {
            case "dante-socks5-auth":
                firewall.FirewallType = FirewallTypes.fwSOCKS5;
                firewall.Port = Peers.Socks5Auth;
                firewall.User = Peers.Socks5User;
                firewall.Password = Peers.Socks5Password;
                break;
            case "dante-socks4":
                firewall.FirewallType = FirewallTypes.fwSOCKS4;
                firewall.Port = Peers.Socks4;
                break;
            case "dante-socks5":
                firewall.FirewallType = FirewallTypes.fwSOCKS5;
                firewall.Port = Peers.Socks4;
                break;
            case "ssh-socks4":
                firewall.FirewallType = FirewallTypes.fwSOCKS4;
                firewall.Port = Peers.SshSocks;
                break;
            case "ssh-socks4a":
                firewall.FirewallType = FirewallTypes.fwSOCKS4A;
                firewall.Port = Peers.SshSocks;
                break;
            case "ssh-socks5h":
                // A leading "*" hands the name to the proxy to resolve.
                firewall.FirewallType = FirewallTypes.fwSOCKS5;
                firewall.Port = Peers.SshSocks;
                smtp.MailServer = "*" + Peers.HostName;
                break;
            case "tinyproxy-auth":
                firewall.FirewallType = FirewallTypes.fwTunnel;
                firewall.Port = Peers.HttpProxyAuth;
                firewall.User = Peers.HttpProxyUser;
                firewall.Password = Peers.HttpProxyPassword;
                break;
            case "tinyproxy-open":
                firewall.FirewallType = FirewallTypes.fwTunnel;
                firewall.Port = Peers.HttpProxyOpen;
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(proxyName), proxyName, null);
        }
    }

    private static Smtp Through(string proxyName, int postfixPort, SmtpSSLStartModes mode)
    {
        var smtp = PeerSmtp.Create(postfixPort, mode);
        Configure(smtp, proxyName);
        Peers.RequirePeer(smtp.Firewall.Port);
        return smtp;
    }

    private static bool IsTinyproxy(string proxyName) => proxyName.StartsWith("tinyproxy", StringComparison.Ordinal);

    public static TheoryData<string, SmtpSSLStartModes, Api> Deliveries()
    {
        var data = new TheoryData<string, SmtpSSLStartModes, Api>();
        string[] names =
        [
            "dante-socks5-auth", "dante-socks4", "dante-socks5", "ssh-socks4", "ssh-socks4a", "ssh-socks5h", "tinyproxy-auth",
            "tinyproxy-open",
        ];
        foreach (var api in new[] { Api.Sync, Api.Async })
        {
            foreach (string name in names)
            {
                foreach (var mode in new[] { SmtpSSLStartModes.sslNone, SmtpSSLStartModes.sslExplicit, SmtpSSLStartModes.sslImplicit })
                {
                    data.Add(name, mode, api);
                }
            }
        }
        return data;
    }

    [Theory, MemberData(nameof(Deliveries))]
    public async Task AMessageReachesPostfixThroughTheProxy(string proxyName, SmtpSSLStartModes mode, Api api)
    {
        int port = mode == SmtpSSLStartModes.sslImplicit ? Peers.PostfixImplicitTls : Peers.PostfixOpen;
        using var smtp = Through(proxyName, port, mode);
        var trace = new TraceLog(smtp);
        string bound = "127.0.0.1";
        if (!IsTinyproxy(proxyName))
        {
            Clients.UseFreshLoopbackAddress(smtp);
            bound = smtp.LocalHost;
        }
        var status = new List<string>();
        smtp.OnConnectionStatus += (_, e) => status.Add(e.ConnectionEvent);
        string marker = Peers.NewMarker();
        PeerSmtp.SetMessage(smtp, marker);
        string log = Path.Combine(Peers.LogDir, $"{proxyName}.log");
        string connectLine = $"CONNECT {Peers.HostName}:{port} HTTP/1.1";
        int before = IsTinyproxy(proxyName) ? PeerLogs.CountLines(log, connectLine) : 0;

        await smtp.SendUsing(api);

        string received = PeerSmtp.TopReceivedHeader(await Peers.WaitForMaildirMessageAsync(marker));
        Assert.Contains("[127.0.0.1]", received);
        Assert.Contains(mode == SmtpSSLStartModes.sslNone ? " with ESMTP " : " with ESMTPS ", received + " ");
        Assert.Equal(["Firewall connection complete", "Remote host connection complete"], status.Take(2));
        Assert.Equal(["Remote host disconnected", "Firewall host disconnected"], status.TakeLast(2));
        if (IsTinyproxy(proxyName))
        {
            await PeerLogs.WaitForMoreLinesAsync(log, connectLine, before);
        }
        else
        {
            // The component's end of the connection was its own address; Postfix saw the proxy's.
            Assert.NotEqual("127.0.0.1", bound);
            Assert.DoesNotContain($"[{bound}]", received);
        }
        string password = smtp.Firewall.Password;
        if (password.Length > 0)
        {
            Assert.DoesNotContain(password, trace.ToString());
        }
    }

    [Theory]
    [InlineData(Api.Sync)]
    [InlineData(Api.Async)]
    public async Task WithoutAProxyPostfixRecordsTheBoundAddress(Api api)
    {
        // The control for the test above: the same bind, no proxy, and Postfix names the component's own address.
        using var smtp = PeerSmtp.Create(Peers.PostfixOpen, SmtpSSLStartModes.sslNone);
        Clients.UseFreshLoopbackAddress(smtp);
        string bound = smtp.LocalHost;
        string marker = Peers.NewMarker();
        PeerSmtp.SetMessage(smtp, marker);
        await smtp.SendUsing(api);
        Assert.Contains($"[{bound}]", PeerSmtp.TopReceivedHeader(await Peers.WaitForMaildirMessageAsync(marker)));
    }

    [Theory]
    [InlineData(FirewallTypes.fwSOCKS4A, "", Api.Sync)]
    [InlineData(FirewallTypes.fwSOCKS5, "*", Api.Async)]
    public async Task Socks4aAndAStarredSocks5NameReachSshUnresolved(FirewallTypes type, string star, Api api)
    {
        // A name that resolves nowhere and that sshd's PermitOpen denies: this machine cannot have resolved it, and sshd
        // logs the name it was sent. ssh -D answers a denied request by closing, which is 118 with the reason.
        string name = $"herald-{Guid.NewGuid():N}.invalid";
        using var smtp = PeerSmtp.Create(Peers.PostfixOpen, SmtpSSLStartModes.sslNone, host: star + name);
        smtp.Firewall.FirewallType = type;
        smtp.Firewall.Host = Peers.Host;
        smtp.Firewall.Port = Peers.SshSocks;
        Peers.RequirePeer(Peers.SshSocks);
        PeerSmtp.SetMessage(smtp, Peers.NewMarker());

        var e = await Assert.ThrowsAsync<SmtpException>(() => smtp.SendUsing(api));

        Assert.Equal(SmtpErrorCodes.FirewallError, e.Code);
        Assert.Contains($"closed the connection while the client was waiting for the reply to CONNECT {name}:{Peers.PostfixOpen}",
            e.Message);
        string line = await PeerLogs.WaitForLineAsync("sshd.log", $"a request for {name}",
            l => l.Contains($"to connect to host {name} port {Peers.PostfixOpen}", StringComparison.Ordinal));
        Assert.Contains("denied", line);
    }

    [Theory]
    [InlineData(Api.Sync)]
    [InlineData(Api.Async)]
    public async Task DanteRejectsAWrongPasswordWith118AndTheComponentSendsWithTheRightOne(Api api)
    {
        using var smtp = Through("dante-socks5-auth", Peers.PostfixOpen, SmtpSSLStartModes.sslNone);
        smtp.Firewall.Password = "wrong-pass";
        var trace = new TraceLog(smtp);
        PeerSmtp.SetMessage(smtp, Peers.NewMarker());

        var e = await Assert.ThrowsAsync<SmtpException>(() => smtp.SendUsing(api));
        Assert.Equal(SmtpErrorCodes.FirewallError, e.Code);
        Assert.Equal($"Proxy authentication failed: SOCKS5 proxy 127.0.0.1:{Peers.Socks5Auth} rejected the user name and password of "
            + $"\"{Peers.Socks5User}\" (RFC 1929 status 1). Check Firewall.User and Firewall.Password.", e.Message);
        Assert.DoesNotContain("wrong-pass", trace.ToString());
        Assert.False(smtp.Connected);

        await SendsAfterwards(smtp, api, s => s.Firewall.Password = Peers.Socks5Password);
    }

    [Theory]
    [InlineData(Api.Sync)]
    [InlineData(Api.Async)]
    public async Task DanteWantsAPasswordThatWasNotGiven(Api api)
    {
        using var smtp = Through("dante-socks5-auth", Peers.PostfixOpen, SmtpSSLStartModes.sslNone);
        smtp.Firewall.User = "";
        smtp.Firewall.Password = "";
        PeerSmtp.SetMessage(smtp, Peers.NewMarker());
        var e = await Assert.ThrowsAsync<SmtpException>(() => smtp.SendUsing(api));
        Assert.Equal(SmtpErrorCodes.FirewallError, e.Code);
        Assert.Contains($"SOCKS5 proxy 127.0.0.1:{Peers.Socks5Auth} requires authentication, and no user name and password was given",
            e.Message);
        Assert.EndsWith("Set Firewall.User and Firewall.Password.", e.Message);
        await SendsAfterwards(smtp, api, s =>
        {
            s.Firewall.User = Peers.Socks5User;
            s.Firewall.Password = Peers.Socks5Password;
        });
    }

    [Theory]
    [InlineData("dante-socks5-auth", Api.Sync)]
    [InlineData("dante-socks4", Api.Async)]
    [InlineData("tinyproxy-open", Api.Sync)]
    [InlineData("tinyproxy-auth", Api.Async)]
    public async Task ADestinationTheProxyForbidsGives118WithItsReason(string proxyName, Api api)
    {
        using var smtp = Through(proxyName, Peers.PostfixOpen, SmtpSSLStartModes.sslNone);
        // TEST-NET-1: outside every proxy's rule, and never contacted.
        smtp.MailServer = "192.0.2.1";
        smtp.MailPort = 25;
        PeerSmtp.SetMessage(smtp, Peers.NewMarker());

        var e = await Assert.ThrowsAsync<SmtpException>(() => smtp.SendUsing(api));

        Assert.Equal(SmtpErrorCodes.FirewallError, e.Code);
        string reason = proxyName switch
        {
            "dante-socks5-auth" => $"SOCKS5 proxy 127.0.0.1:{Peers.Socks5Auth} refused the connection to 192.0.2.1:25: its rule set "
                + "does not allow the connection (reply 2)",
            "dante-socks4" => $"SOCKS4 proxy 127.0.0.1:{Peers.Socks4} refused the connection to 192.0.2.1:25: the request was "
                + "rejected or failed (the proxy's rules forbid it, or the destination could not be reached) (reply 91)",
            "tinyproxy-open" => $"HTTP proxy 127.0.0.1:{Peers.HttpProxyOpen} refused CONNECT to 192.0.2.1:25: 403 Filtered",
            _ => $"HTTP proxy 127.0.0.1:{Peers.HttpProxyAuth} refused CONNECT to 192.0.2.1:25: 403 Filtered",
        };
        Assert.Equal($"Opening the tunnel through the proxy failed: {reason}.", e.Message);
        if (IsTinyproxy(proxyName))
        {
            Assert.Contains("The request you made has been filtered", Assert.IsType<ProxyException>(e.InnerException).ResponseBody);
        }
        await SendsAfterwards(smtp, api, s =>
        {
            s.MailServer = Peers.HostName;
            s.MailPort = Peers.PostfixOpen;
        });
    }

    [Theory]
    [InlineData(Api.Sync)]
    [InlineData(Api.Async)]
    public async Task TinyproxyRejectsAWrongPasswordAndAMissingOneWith118(Api api)
    {
        using var smtp = Through("tinyproxy-auth", Peers.PostfixOpen, SmtpSSLStartModes.sslNone);
        PeerSmtp.SetMessage(smtp, Peers.NewMarker());
        smtp.Firewall.Password = "wrong-pass";
        var wrong = await Assert.ThrowsAsync<SmtpException>(() => smtp.SendUsing(api));
        Assert.Equal(SmtpErrorCodes.FirewallError, wrong.Code);
        Assert.Equal($"Proxy authentication failed: HTTP proxy 127.0.0.1:{Peers.HttpProxyAuth} rejected the user name and password of "
            + $"\"{Peers.HttpProxyUser}\" (401 Unauthorized). Check Firewall.User and Firewall.Password.", wrong.Message);

        smtp.Firewall.User = "";
        smtp.Firewall.Password = "";
        var missing = await Assert.ThrowsAsync<SmtpException>(() => smtp.SendUsing(api));
        Assert.Equal(SmtpErrorCodes.FirewallError, missing.Code);
        Assert.Equal($"Proxy authentication failed: HTTP proxy 127.0.0.1:{Peers.HttpProxyAuth} requires authentication (407 Proxy "
            + "Authentication Required; it offers Basic realm=\"Tinyproxy\"), and no user name and password was given. Set "
            + "Firewall.User and Firewall.Password.", missing.Message);

        await SendsAfterwards(smtp, api, s =>
        {
            s.Firewall.User = Peers.HttpProxyUser;
            s.Firewall.Password = Peers.HttpProxyPassword;
        });
    }

    [Theory]
    [InlineData(Api.Sync)]
    [InlineData(Api.Async)]
    public async Task AutoDetectFindsTheProxyInTheEnvironment(Api api)
    {
        using var smtp = PeerSmtp.Create(Peers.PostfixImplicitTls, SmtpSSLStartModes.sslImplicit);
        Peers.RequirePeer(Peers.Socks5Auth);
        smtp.Firewall.AutoDetect = true;
        string url = $"socks5h://{Peers.Socks5User}:{Peers.Socks5Password}@127.0.0.1:{Peers.Socks5Auth}";
        var environment = new Dictionary<string, string?> { ["ALL_PROXY"] = url, ["NO_PROXY"] = "example.org" };
        smtp.Settings.Environment = () => environment;
        var trace = new TraceLog(smtp);
        string marker = Peers.NewMarker();
        PeerSmtp.SetMessage(smtp, marker);

        await smtp.SendUsing(api);

        Assert.Contains(" with ESMTPS", PeerSmtp.TopReceivedHeader(await Peers.WaitForMaildirMessageAsync(marker)));
        Assert.Contains(trace.Lines, l => l.Direction == 2 && l.Message == $"Firewall.AutoDetect: Connecting to localhost:"
            + $"{Peers.PostfixImplicitTls} through the proxy socks5h://{Peers.Socks5User}:****@127.0.0.1:{Peers.Socks5Auth} "
            + "from ALL_PROXY.");
        Assert.DoesNotContain(Peers.Socks5Password, trace.ToString());
    }

    /// <summary>After a failed call the component is idle and disconnected; fixed as told, it delivers.</summary>
    private static async Task SendsAfterwards(Smtp smtp, Api api, Action<Smtp> fix)
    {
        Assert.True(smtp.Idle);
        Assert.False(smtp.Connected);
        fix(smtp);
        string marker = Peers.NewMarker();
        PeerSmtp.SetMessage(smtp, marker);
        await smtp.SendUsing(api);
        await Peers.WaitForMaildirMessageAsync(marker);
    }
}
