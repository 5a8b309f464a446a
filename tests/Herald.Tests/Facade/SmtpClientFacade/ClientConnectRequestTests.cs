using Herald.Transport;
using Herald.Transport.Proxies;
using Xunit;

namespace Herald.Tests.Facade.SmtpClientFacade;

/// <summary>What SmtpClient asks the transport for: address families, the local end, speed limits and the proxy.</summary>
public class ClientConnectRequestTests
{
    private static ConnectRequest Request(Action<SmtpClient> configure, int port = 587)
    {
        var factory = new RefusingTransportFactory();
        using var client = new SmtpClient { TransportFactory = factory };
        configure(client);
        Assert.Throws<RefusingTransportFactory.ConnectAttempted>(() => client.Connect("mail.example.org", port));
        return factory.LastRequest!;
    }

    [Fact]
    public void TheServerTheLocalEndAndTheSpeedLimitsGoToTheTransport()
    {
        var request = Request(c =>
        {
            c.Socket.LocalAddress = "127.0.0.2";
            c.Socket.LocalPort = 4000;
            c.Socket.IncomingSpeedLimit = 1000;
            c.Socket.OutgoingSpeedLimit = 2000;
        });
        Assert.Equal(("mail.example.org", 587), (request.Host, request.Port));
        Assert.Equal(("127.0.0.2", 4000), (request.LocalHost, request.LocalPort));
        Assert.Equal((1000, 2000), (request.Socket.ReadRateLimit, request.Socket.WriteRateLimit));
        Assert.Null(request.Proxy);
        Assert.Same(SmtpClient.Terms, request.Terms);
    }

    [Theory]
    [InlineData(false, AddressFamilyPreference.IPv4Only)]
    [InlineData(true, AddressFamilyPreference.IPv6First)]
    internal void SocketUseIPv6ChoosesTheAddressFamilies(bool useIPv6, AddressFamilyPreference expected) =>
        Assert.Equal(expected, Request(c => c.Socket.UseIPv6 = useIPv6).AddressFamilies);

    [Fact]
    public void ASocks5ProxyGetsItsCredentialsAndResolvesTheServersName()
    {
        var request = Request(c =>
        {
            c.Proxy.UseProxy = true;
            c.Proxy.ProxyType = ProxyType.Socks5;
            c.Proxy.Address = "[::1]";
            c.Proxy.Username = "u";
            c.Proxy.Password = "p";
            c.Proxy.UseIPv6 = true;
        });
        var proxy = request.Proxy!;
        Assert.Equal((ProxyKind.Socks5, "::1", 1080), (proxy.Kind, proxy.Host, proxy.Port));
        Assert.Equal(("u", "p"), (proxy.User, proxy.Password));
        Assert.True(proxy.ProxyResolvesNames);
        Assert.Equal(AddressFamilyPreference.IPv6First, request.AddressFamilies); // Proxy.UseIPv6, not Socket.UseIPv6
    }

    [Theory]
    [InlineData(ProxyType.WebTunnel)]
    [InlineData(ProxyType.Http)]
    public void AnHttpProxyIsAConnectTunnelWithTheRequestHeadersAndUserAgent(ProxyType type)
    {
        var request = Request(c =>
        {
            c.Proxy.UseProxy = true;
            c.Proxy.ProxyType = type;
            c.Proxy.Address = "proxy.example.org";
            c.Proxy.RequestHeaders = "X-Team: mail\r\nX-Trace: 1\n";
            c.Config("HttpUserAgent=Herald-tests/1.0");
        });
        var proxy = request.Proxy!;
        Assert.Equal((ProxyKind.HttpConnect, "proxy.example.org", 80), (proxy.Kind, proxy.Host, proxy.Port));
        Assert.Equal(["X-Team: mail", "X-Trace: 1", "User-Agent: Herald-tests/1.0"],
            proxy.RequestHeaders.Select(h => $"{h.Key}: {h.Value}"));
        Assert.Equal(AddressFamilyPreference.IPv4Only, request.AddressFamilies);
    }

    [Fact]
    public void Socks4ResolvesLocallyAndAProxyThatIsOffIsNotUsed()
    {
        var socks4 = Request(c =>
        {
            c.Proxy.UseProxy = true;
            c.Proxy.ProxyType = ProxyType.Socks4;
            c.Proxy.Address = "127.0.0.1";
            c.Proxy.Port = 1081;
        }).Proxy!;
        Assert.Equal((ProxyKind.Socks4, 1081), (socks4.Kind, socks4.Port));
        Assert.False(socks4.ProxyResolvesNames);

        Assert.Null(Request(c =>
        {
            c.Proxy.ProxyType = ProxyType.Socks5;
            c.Proxy.Address = "127.0.0.1";
        }).Proxy);
    }

    [Theory]
    [InlineData(465, SmtpClientTlsMode.Automatic, true)]
    [InlineData(587, SmtpClientTlsMode.Automatic, false)]
    [InlineData(25, SmtpClientTlsMode.ImplicitTls, true)]
    [InlineData(465, SmtpClientTlsMode.ExplicitTls, false)]
    [InlineData(465, SmtpClientTlsMode.NoTls, false)]
    public void AutomaticTlsIsImplicitOnPort465Only(int port, SmtpClientTlsMode mode, bool implicitTls) =>
        Assert.Equal(implicitTls, Request(c => c.TLS.TLSMode = mode, port).ClientSpeaksFirst);
}
