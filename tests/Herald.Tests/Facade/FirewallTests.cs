using Herald.Tests.Infrastructure;
using Herald.Tests.Proxies;
using Herald.Transport.Proxies;
using Xunit;
using static Herald.Tests.Loopback.LoopbackSmtp;

namespace Herald.Tests.Facade;

/// <summary>
/// The Smtp component through a proxy: each Firewall type carries a message from the component through a working
/// fake proxy to the fake SMTP server, sync and async, in plaintext, with STARTTLS and with implicit TLS; the proxy is
/// asked for the name or the address as the documented rules say (a leading <c>*</c> on MailServer passes the name);
/// every refusal gives 118 with the step and the reason, and the component connects again afterwards.
/// </summary>
public class FirewallTests
{
    private const string Sender = "MAIL FROM:<alice@example.org>";

    /// <summary>A component aimed at <paramref name="server"/> through <paramref name="proxy"/>.</summary>
    internal static Smtp Through(FakeSmtpServer server, ForwardingProxy proxy, FirewallTypes type, string mailServer = "localhost")
    {
        var smtp = Create(server);
        smtp.MailServer = mailServer;
        smtp.Firewall.FirewallType = type;
        smtp.Firewall.Host = "127.0.0.1";
        smtp.Firewall.Port = proxy.Port;
        return smtp;
    }

    private static ProxyKind KindOf(FirewallTypes type) => type switch
    {
        FirewallTypes.fwTunnel => ProxyKind.HttpConnect,
        FirewallTypes.fwSOCKS4 => ProxyKind.Socks4,
        FirewallTypes.fwSOCKS4A => ProxyKind.Socks4a,
        _ => ProxyKind.Socks5,
    };

    public static TheoryData<FirewallTypes, string, string, bool> Routes()
    {
        var data = new TheoryData<FirewallTypes, string, string, bool>();
        foreach (bool isAsync in new[] { false, true })
        {
            // SOCKS4 and SOCKS5 are sent the address resolved here, unless MailServer starts with "*".
            data.Add(FirewallTypes.fwSOCKS4, "localhost", "127.0.0.1", isAsync);
            data.Add(FirewallTypes.fwSOCKS4, "*localhost", "localhost", isAsync);
            data.Add(FirewallTypes.fwSOCKS5, "localhost", "127.0.0.1", isAsync);
            data.Add(FirewallTypes.fwSOCKS5, "*localhost", "localhost", isAsync);
            // SOCKS4A and HTTP proxies are always sent the name; an address stays an address.
            data.Add(FirewallTypes.fwSOCKS4A, "localhost", "localhost", isAsync);
            data.Add(FirewallTypes.fwSOCKS4A, "127.0.0.1", "127.0.0.1", isAsync);
            data.Add(FirewallTypes.fwTunnel, "localhost", "localhost", isAsync);
        }
        return data;
    }

    [Theory, MemberData(nameof(Routes))]
    public async Task EachFirewallTypeCarriesTheMessageAndIsSentTheDocumentedDestination(FirewallTypes type, string mailServer,
        string sentToProxy, bool isAsync)
    {
        await using var server = new FakeSmtpServer();
        await using var proxy = new ForwardingProxy(KindOf(type));
        using var smtp = Through(server, proxy, type, mailServer);
        var status = new List<string>();
        smtp.OnConnectionStatus += (_, e) => status.Add($"{e.ConnectionEvent}|{e.Description}");

        await Send(smtp, isAsync);

        Assert.Equal([$"{sentToProxy}:{server.Port}"], proxy.Requests);
        Assert.Single(server.Sessions[0].Messages);
        // The SMTP session went through the proxy's connection, and the server's peer is the proxy's relay socket.
        Assert.Contains(Sender, proxy.Connections[0].ReceivedText, StringComparison.Ordinal);
        Assert.Contains(status, s => s.StartsWith("Firewall connection complete|", StringComparison.Ordinal));
        // Closing the session closes the tunnel: the firewall's disconnection follows the remote host's.
        Assert.Equal(["Remote host disconnected", "Firewall host disconnected"], status.TakeLast(2).Select(s => s.Split('|')[0]));
        string protocol = KindOf(type) == ProxyKind.HttpConnect ? "HTTP" : "SOCKS";
        Assert.Contains(status, s => s.StartsWith("Remote host connection complete|Connected to ", StringComparison.Ordinal)
            && s.Contains($"through the {protocol}", StringComparison.Ordinal));
        Assert.Equal(mailServer, smtp.MailServer);
        proxy.ThrowIfScriptFailed();
    }

    public static TheoryData<FirewallTypes, SmtpSSLStartModes, bool> TlsRoutes()
    {
        var data = new TheoryData<FirewallTypes, SmtpSSLStartModes, bool>();
        foreach (bool isAsync in new[] { false, true })
        {
            foreach (var type in new[] { FirewallTypes.fwTunnel, FirewallTypes.fwSOCKS4, FirewallTypes.fwSOCKS5, FirewallTypes.fwSOCKS4A })
            {
                data.Add(type, SmtpSSLStartModes.sslImplicit, isAsync);
                data.Add(type, SmtpSSLStartModes.sslExplicit, isAsync);
            }
        }
        return data;
    }

    [Theory, MemberData(nameof(TlsRoutes))]
    public async Task TlsRunsThroughEveryKindOfTunnel(FirewallTypes type, SmtpSSLStartModes mode, bool isAsync)
    {
        await using var server = new FakeSmtpServer
        {
            ImplicitTls = mode == SmtpSSLStartModes.sslImplicit,
            StartTls = mode == SmtpSSLStartModes.sslExplicit ? FakeStartTls.Offered : FakeStartTls.NotOffered,
        };
        await using var proxy = new ForwardingProxy(KindOf(type));
        using var smtp = Through(server, proxy, type);
        smtp.SSLStartMode = mode;
        smtp.Config("SSLServerCACerts=" + server.CertificatePem);
        string? version = null;
        smtp.OnConnectionStatus += (_, e) => version = e.ConnectionEvent == "TLS handshake complete" ? e.Description : version;

        await Send(smtp, isAsync);

        Assert.Single(server.Sessions[0].Messages);
        Assert.NotNull(version);
        // The proxy relayed the session but never saw the envelope: it went inside TLS.
        string relayed = proxy.Connections[0].ReceivedText;
        Assert.DoesNotContain(Sender, relayed, StringComparison.Ordinal);
        Assert.Equal(mode == SmtpSSLStartModes.sslExplicit, relayed.Contains("STARTTLS\r\n", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TheCertificateIsCheckedAgainstTheMailServerNeverTheProxy(bool isAsync)
    {
        // The proxy is 127.0.0.1 and the default test certificate is valid for 127.0.0.1 and localhost, but the mail
        // server is mail.test: the handshake must fail. A certificate for mail.test passes.
        await using var proxy = new ForwardingProxy(ProxyKind.HttpConnect);
        await using (var wrongName = new FakeSmtpServer { ImplicitTls = true })
        {
            using var smtp = Through(wrongName, proxy, FirewallTypes.fwTunnel, "mail.test");
            smtp.SSLStartMode = SmtpSSLStartModes.sslImplicit;
            smtp.Config("SSLServerCACerts=" + wrongName.CertificatePem);
            var e = await SendFails(smtp, isAsync);
            Assert.Equal(SmtpErrorCodes.CertVerificationError, e.Code);
        }
        using var mailTest = TestCertificates.Create("mail.test");
        await using var server = new FakeSmtpServer { ImplicitTls = true, Certificate = mailTest };
        using var good = Through(server, proxy, FirewallTypes.fwTunnel, "mail.test");
        good.SSLStartMode = SmtpSSLStartModes.sslImplicit;
        good.Config("SSLServerCACerts=" + server.CertificatePem);
        await Send(good, isAsync);
        Assert.Single(server.Sessions[0].Messages);
        Assert.Equal($"mail.test:{server.Port}", proxy.Requests[^1]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task BytesAProxyAddsAfterItsReplyAreRefusedBeforeImplicitTls(bool isAsync)
    {
        await using var server = new FakeSmtpServer { ImplicitTls = true };
        await using var fake = new FakeProxy(ProxyLoopbackTests.Socks5Granting(ProxyBytes.Ascii("220 forged\r\n")));
        using var smtp = Create(server);
        smtp.SSLStartMode = SmtpSSLStartModes.sslImplicit;
        smtp.Firewall.FirewallType = FirewallTypes.fwSOCKS5;
        smtp.Firewall.Host = "127.0.0.1";
        smtp.Firewall.Port = fake.Port;
        var e = await SendFails(smtp, isAsync);
        Assert.Equal(SmtpErrorCodes.FirewallError, e.Code);
        Assert.StartsWith($"The proxy's tunnel was refused: SOCKS5 proxy 127.0.0.1:{fake.Port} sent more bytes after its reply",
            e.Message);
        Assert.Equal(ProxyStep.AfterReply, Assert.IsType<ProxyException>(e.InnerException).Step);
        Assert.Empty(server.Sessions);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AWrongSocks5PasswordGives118AndTheComponentConnectsAgainWithTheRightOne(bool isAsync)
    {
        await using var server = new FakeSmtpServer();
        await using var proxy = new ForwardingProxy(ProxyKind.Socks5, "carol", "right-pass");
        using var smtp = Through(server, proxy, FirewallTypes.fwSOCKS5);
        smtp.Firewall.User = "carol";
        smtp.Firewall.Password = "wrong-pass";
        var trace = Trace(smtp);

        var e = await SendFails(smtp, isAsync);
        Assert.Equal(SmtpErrorCodes.FirewallError, e.Code);
        Assert.Equal($"Proxy authentication failed: SOCKS5 proxy 127.0.0.1:{proxy.Port} rejected the user name and password of "
            + "\"carol\" (RFC 1929 status 1). Check Firewall.User and Firewall.Password.", e.Message);
        Assert.Equal(1, Assert.IsType<ProxyException>(e.InnerException).ReplyCode);
        Assert.False(smtp.Connected);
        Assert.True(smtp.Idle);
        Assert.Empty(server.Sessions);
        Assert.DoesNotContain(trace, l => l.Contains("wrong-pass", StringComparison.Ordinal));

        smtp.Firewall.Password = "right-pass";
        await Send(smtp, isAsync);
        Assert.Single(server.Sessions[0].Messages);
        Assert.DoesNotContain(trace, l => l.Contains("right-pass", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ASocks5ProxyThatWantsCredentialsThatWereNotGivenSaysWhatToSet(bool isAsync)
    {
        await using var server = new FakeSmtpServer();
        await using var proxy = new ForwardingProxy(ProxyKind.Socks5, "carol", "pass");
        using var smtp = Through(server, proxy, FirewallTypes.fwSOCKS5);
        var e = await SendFails(smtp, isAsync);
        Assert.Equal(SmtpErrorCodes.FirewallError, e.Code);
        Assert.Equal($"Choosing how to authenticate to the proxy failed: SOCKS5 proxy 127.0.0.1:{proxy.Port} requires "
            + "authentication, and no user name and password was given (it refused the only method offered, no authentication; "
            + "reply 0xFF). Set Firewall.User and Firewall.Password.", e.Message);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public async Task AnHttpProxyAsksWith407AndGetsTheCredentials(bool isAsync, bool closeAfter407)
    {
        await using var server = new FakeSmtpServer();
        await using var proxy = new ForwardingProxy(ProxyKind.HttpConnect, "dave", "tunnel-pass") { CloseAfter407 = closeAfter407 };
        using var smtp = Through(server, proxy, FirewallTypes.fwTunnel);
        smtp.Firewall.User = "dave";
        smtp.Firewall.Password = "tunnel-pass";
        var trace = Trace(smtp);

        await Send(smtp, isAsync);

        Assert.Single(server.Sessions[0].Messages);
        Assert.Equal(closeAfter407 ? 2 : 1, proxy.Connections.Count);
        Assert.Contains(trace, l => l == $"HTTP proxy 127.0.0.1:{proxy.Port}: < HTTP/1.1 407 Proxy Authentication Required");
        Assert.Contains(trace, l => l == $"HTTP proxy 127.0.0.1:{proxy.Port}: > Proxy-Authorization: Basic **** (user \"dave\")");
        Assert.DoesNotContain(trace, l => l.Contains("tunnel-pass", StringComparison.Ordinal)
            || l.Contains(Convert.ToBase64String("dave:tunnel-pass"u8.ToArray()), StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AnHttpProxysRefusalsGive118WithItsResponse(bool isAsync)
    {
        await using var server = new FakeSmtpServer();
        await using var proxy = new ForwardingProxy(ProxyKind.HttpConnect, "dave", "tunnel-pass");
        using var smtp = Through(server, proxy, FirewallTypes.fwTunnel);

        var missing = await SendFails(smtp, isAsync);
        Assert.Equal(SmtpErrorCodes.FirewallError, missing.Code);
        Assert.Equal($"Proxy authentication failed: HTTP proxy 127.0.0.1:{proxy.Port} requires authentication (407 Proxy "
            + "Authentication Required; it offers Basic realm=\"fake\"), and no user name and password was given. Set "
            + "Firewall.User and Firewall.Password.", missing.Message);
        var inner = Assert.IsType<ProxyException>(missing.InnerException);
        Assert.Equal(407, inner.ReplyCode);
        Assert.Contains("Proxy-Authenticate: Basic realm=\"fake\"", inner.ResponseHeaders, StringComparison.Ordinal);
        Assert.Equal("<html><body>Proxy credentials, please.</body></html>", inner.ResponseBody);

        smtp.Firewall.User = "dave";
        smtp.Firewall.Password = "not-it";
        var wrong = await SendFails(smtp, isAsync);
        Assert.Equal($"Proxy authentication failed: HTTP proxy 127.0.0.1:{proxy.Port} rejected the user name and password of "
            + "\"dave\" (407 Proxy Authentication Required). Check Firewall.User and Firewall.Password.", wrong.Message);

        smtp.Firewall.Password = "tunnel-pass";
        proxy.Refuse = true;
        var refused = await SendFails(smtp, isAsync);
        Assert.Equal($"Opening the tunnel through the proxy failed: HTTP proxy 127.0.0.1:{proxy.Port} refused CONNECT to "
            + $"localhost:{server.Port}: 403 Forbidden.", refused.Message);
        Assert.Equal("<html><body>Destination not allowed here.</body></html>",
            Assert.IsType<ProxyException>(refused.InnerException).ResponseBody);

        proxy.Refuse = false;
        await Send(smtp, isAsync);
        Assert.Single(server.Sessions[0].Messages);
    }

    [Theory]
    [InlineData(FirewallTypes.fwSOCKS4, "SOCKS4", "the request was rejected or failed (the proxy's rules forbid it, or the destination "
        + "could not be reached) (reply 91)", false)]
    [InlineData(FirewallTypes.fwSOCKS5, "SOCKS5", "its rule set does not allow the connection (reply 2)", true)]
    public async Task ASocksRefusalGives118WithTheReplyInWords(FirewallTypes type, string name, string reason, bool isAsync)
    {
        await using var server = new FakeSmtpServer();
        await using var proxy = new ForwardingProxy(KindOf(type)) { Refuse = true };
        using var smtp = Through(server, proxy, type);
        var e = await SendFails(smtp, isAsync);
        Assert.Equal(SmtpErrorCodes.FirewallError, e.Code);
        Assert.Equal($"Opening the tunnel through the proxy failed: {name} proxy 127.0.0.1:{proxy.Port} refused the connection to "
            + $"localhost:{server.Port}: {reason}.", e.Message);
        proxy.Refuse = false;
        await Send(smtp, isAsync);
        Assert.Single(server.Sessions[0].Messages);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AProxyThatIsNotThereGives118NamingTheSettingsToCheck(bool isAsync)
    {
        await using var server = new FakeSmtpServer();
        int closedPort;
        await using (var gone = new ForwardingProxy(ProxyKind.Socks5))
        {
            closedPort = gone.Port;
        }
        using var smtp = Create(server);
        smtp.Firewall.FirewallType = FirewallTypes.fwSOCKS5;
        smtp.Firewall.Host = "127.0.0.1";
        smtp.Firewall.Port = closedPort;
        var e = await SendFails(smtp, isAsync);
        Assert.Equal(SmtpErrorCodes.FirewallError, e.Code);
        Assert.StartsWith($"Connecting to the proxy failed: SOCKS5 proxy 127.0.0.1:{closedPort} could not be reached: ", e.Message);
        Assert.EndsWith(". Check Firewall.Host and Firewall.Port, and that the proxy is running.", e.Message);
        Assert.Equal(ProxyStep.Reach, Assert.IsType<ProxyException>(e.InnerException).Step);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AFirewallTypeWithoutAHostFailsRatherThanConnectingDirectly(bool isAsync)
    {
        await using var server = new FakeSmtpServer();
        using var smtp = Create(server);
        smtp.Firewall.FirewallType = FirewallTypes.fwSOCKS5;
        var e = await SendFails(smtp, isAsync);
        Assert.Equal(SmtpErrorCodes.FirewallError, e.Code);
        Assert.Equal("Firewall.FirewallType is fwSOCKS5 but Firewall.Host is empty, so there is no proxy to connect to: set "
            + "Firewall.Host to the proxy's name or address, or FirewallType to fwNone to connect directly.", e.Message);
        Assert.Empty(server.Sessions);
        // Disconnect and the other calls that do not connect are not held up by it.
        smtp.Disconnect();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Socks4CannotCarryTheServerWhenOnlyIPv6IsAllowed(bool isAsync)
    {
        await using var server = new FakeSmtpServer();
        await using var proxy = new ForwardingProxy(ProxyKind.Socks4);
        using var smtp = Through(server, proxy, FirewallTypes.fwSOCKS4);
        smtp.Config("UseIPv6=1");
        // The proxy itself is reached by its address literal, which the preference does not restrict.
        var e = await SendFails(smtp, isAsync);
        Assert.Equal(SmtpErrorCodes.HostNotFound, e.Code);
        Assert.Equal($"Resolving the mail server's name for the proxy failed: SOCKS4 proxy 127.0.0.1:{proxy.Port} was not asked to "
            + $"connect to localhost:{server.Port}: SOCKS4 carries only IPv4 addresses, and only IPv6 is allowed (UseIPv6=1); set "
            + "UseIPv6=2, or use SOCKS5. Check MailServer.", e.Message);
        Assert.Empty(proxy.Requests);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Socks5ResolvesTheServerHereWithTheAddressFamilyPreference(bool isAsync)
    {
        // localhost has only an IPv4 address on the test machines, so IPv6 only leaves nothing to send.
        await using var server = new FakeSmtpServer();
        await using var proxy = new ForwardingProxy(ProxyKind.Socks5);
        using var smtp = Through(server, proxy, FirewallTypes.fwSOCKS5);
        smtp.Config("UseIPv6=1");
        var e = await SendFails(smtp, isAsync);
        Assert.Equal(SmtpErrorCodes.HostNotFound, e.Code);
        Assert.Equal($"Resolving the mail server's name for the proxy failed: SOCKS5 proxy 127.0.0.1:{proxy.Port} was not asked to "
            + "connect: \"localhost\" has no address of the allowed family (UseIPv6=1); set UseIPv6=2 to try both families. Check "
            + "MailServer.", e.Message);

        // With both families allowed the IPv4 address is sent; with "*" the name is, whatever the preference.
        smtp.Config("UseIPv6=2");
        await Send(smtp, isAsync);
        smtp.Config("UseIPv6=1");
        smtp.MailServer = "*localhost";
        await Send(smtp, isAsync);
        Assert.Equal([$"127.0.0.1:{server.Port}", $"localhost:{server.Port}"], proxy.Requests);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TheConfigSettingsAloneDriveTheProxy(bool isAsync)
    {
        await using var server = new FakeSmtpServer();
        await using var proxy = new ForwardingProxy(ProxyKind.HttpConnect);
        using var smtp = Create(server);
        smtp.MailServer = "localhost";
        smtp.Config("FirewallType=1");
        Assert.Equal("80", smtp.Config("FirewallPort"));
        smtp.Config("FirewallHost=127.0.0.1");
        smtp.Config($"FirewallPort={proxy.Port}");
        smtp.Config("FirewallData=X-Trace-Id: 42\r\nProxy-Authorization: Bearer s3cr3t-token\r\n");
        var trace = Trace(smtp);

        await Send(smtp, isAsync);

        Assert.Single(server.Sessions[0].Messages);
        Assert.StartsWith($"CONNECT localhost:{server.Port} HTTP/1.1\r\nHost: localhost:{server.Port}\r\nX-Trace-Id: 42\r\n"
            + "Proxy-Authorization: Bearer s3cr3t-token\r\n\r\n", proxy.Connections[0].ReceivedText, StringComparison.Ordinal);
        Assert.Contains(trace, l => l.EndsWith("> Proxy-Authorization: Bearer ****", StringComparison.Ordinal));
        Assert.DoesNotContain(trace, l => l.Contains("s3cr3t-token", StringComparison.Ordinal));
    }

    [Fact]
    public async Task FirewallDataThatIsNotHeaderLinesFailsTheConnectionWithoutShowingIt()
    {
        await using var server = new FakeSmtpServer();
        await using var proxy = new ForwardingProxy(ProxyKind.HttpConnect);
        using var smtp = Through(server, proxy, FirewallTypes.fwTunnel);
        smtp.Config("FirewallData=X-Ok: 1\r\nsecret-without-colon");
        var e = await SendFails(smtp, isAsync: true);
        Assert.Equal(SmtpErrorCodes.FirewallError, e.Code);
        Assert.Equal("FirewallData line 2 is not a header field: each line must read \"Name: value\".", e.Message);
        Assert.Empty(proxy.Connections);
    }

    [Theory]
    [InlineData("localhost", false)]
    [InlineData("example.org; LOCALHOST", true)]
    [InlineData("127.0.0.0/8", false)]
    public async Task AServerOnTheProxyExceptionsListIsReachedDirectly(string exceptions, bool isAsync)
    {
        await using var server = new FakeSmtpServer();
        await using var proxy = new ForwardingProxy(ProxyKind.Socks5);
        // An address, so that the CIDR entry applies; the other entries name it.
        using var smtp = Through(server, proxy, FirewallTypes.fwSOCKS5, exceptions.Contains('/') ? "127.0.0.1" : "localhost");
        smtp.Config("ProxyExceptionsList=" + exceptions);
        Assert.Equal(exceptions, smtp.Config("ProxyExceptionsList"));
        var trace = Trace(smtp);

        await Send(smtp, isAsync);

        Assert.Single(server.Sessions[0].Messages);
        Assert.Empty(proxy.Connections);
        Assert.Contains(trace, l => l.Contains("directly: the ProxyExceptionsList entry", StringComparison.Ordinal)
            && l.Contains($"socks5://127.0.0.1:{proxy.Port} would be used", StringComparison.Ordinal));
    }

    [Fact]
    public void TheFirewallSettingsRoundTripAndResetClearsThem()
    {
        using var smtp = new Smtp();
        smtp.Config("FirewallType=10");
        Assert.Equal(FirewallTypes.fwSOCKS4A, smtp.Firewall.FirewallType);
        Assert.Equal("1080", smtp.Config("FirewallPort"));
        smtp.Config("FirewallPort=9050");
        smtp.Config("FirewallUser=u");
        smtp.Config("FirewallPassword=p");
        smtp.Config("FirewallAutoDetect=True");
        smtp.Config("FirewallData=X-A: b");
        smtp.Config("ProxyExceptionsList=a.example;b.example");
        Assert.Equal(9050, smtp.Firewall.Port);
        Assert.Equal("u", smtp.Firewall.User);
        Assert.Equal("p", smtp.Firewall.Password);
        Assert.True(smtp.Firewall.AutoDetect);
        Assert.Equal("X-A: b", smtp.Config("FirewallData"));

        // The property and the settings are one copy.
        var replacement = new Firewall { FirewallType = FirewallTypes.fwTunnel, Host = "proxy.example" };
        smtp.Firewall = replacement;
        Assert.Equal("1", smtp.Config("FirewallType"));
        Assert.Equal("80", smtp.Config("FirewallPort"));
        Assert.Equal("proxy.example", smtp.Config("FirewallHost"));

        smtp.Reset();
        Assert.Equal("0", smtp.Config("FirewallType"));
        Assert.Equal("", smtp.Config("FirewallHost"));
        Assert.Equal("False", smtp.Config("FirewallAutoDetect"));
        Assert.Equal("", smtp.Config("FirewallData"));
        Assert.Equal("", smtp.Config("ProxyExceptionsList"));
        Assert.NotSame(replacement, smtp.Firewall);
    }
}
