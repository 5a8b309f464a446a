using Herald.IntegrationTests.Support;
using Xunit;

namespace Herald.IntegrationTests.SmtpClientFacade;

/// <summary>
/// SmtpClient through the real proxies: dante SOCKS5 with a user (10800), dante SOCKS4 (10801), tinyproxy HTTP CONNECT
/// with Basic auth (10880); a message reaches Postfix through each (STARTTLS inside the tunnel, checked against the
/// SMTP server's name), and a refused proxy login fails with 118 and keeps the HTTP proxy's answer.
/// </summary>
public sealed class ClientProxyTests
{
    public static TheoryData<ProxyType, int, bool, Api> Proxies()
    {
        var data = new TheoryData<ProxyType, int, bool, Api>();
        foreach (var api in new[] { Api.Sync, Api.Async })
        {
            data.Add(ProxyType.Socks5, Peers.Socks5Auth, true, api);
            data.Add(ProxyType.Socks4, Peers.Socks4, false, api);
            data.Add(ProxyType.WebTunnel, Peers.HttpProxyAuth, true, api);
        }
        return data;
    }

    [Theory, MemberData(nameof(Proxies))]
    public async Task AMessageGoesThroughTheProxyWithTlsInsideTheTunnel(ProxyType type, int proxyPort, bool credentials, Api api)
    {
        Peers.RequirePeer(proxyPort);
        using var client = ClientPeer.Create(out var trace);
        client.TLS.TLSMode = SmtpClientTlsMode.ExplicitTls;
        ClientPeer.TrustOnlyTestCa(client);
        client.Proxy.UseProxy = true;
        client.Proxy.ProxyType = type;
        client.Proxy.Address = Peers.Host;
        client.Proxy.Port = proxyPort;
        if (credentials)
        {
            client.Proxy.Username = type == ProxyType.Socks5 ? Peers.Socks5User : Peers.HttpProxyUser;
            client.Proxy.Password = type == ProxyType.Socks5 ? Peers.Socks5Password : Peers.HttpProxyPassword;
        }
        client.Config("HttpUserAgent=Herald-tests/1.0");
        string marker = Peers.NewMarker();
        ClientPeer.SetMessage(client, marker);

        // SOCKS4 needs an address it can reach; the others take the name, which the certificate is checked against.
        await client.ConnectUsing(api, Peers.PostfixOpen, type == ProxyType.Socks4 ? Peers.Host : Peers.HostName);
        Assert.True(client.ConnInfo.SecureConnection);
        if (type == ProxyType.WebTunnel)
        {
            Assert.StartsWith("HTTP/1.", client.Proxy.ResponseHeaders);
            Assert.Contains(" 200 ", client.Proxy.ResponseHeaders);
        }
        else
        {
            Assert.Equal("", client.Proxy.ResponseHeaders);
        }
        await client.SendMessageUsing(api);
        await client.DisconnectUsing(api);

        Assert.Contains(marker, await Peers.WaitForMaildirMessageAsync(marker));
        Assert.DoesNotContain(trace, l => credentials && l.Contains(client.Proxy.Password, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(Api.Sync)]
    [InlineData(Api.Async)]
    public async Task AWrongProxyPasswordFailsWith118AndKeepsTheProxysAnswer(Api api)
    {
        Peers.RequirePeer(Peers.HttpProxyAuth);
        using var client = ClientPeer.Create(out _);
        client.TLS.TLSMode = SmtpClientTlsMode.NoTls;
        client.Proxy.UseProxy = true;
        client.Proxy.ProxyType = ProxyType.WebTunnel;
        client.Proxy.Address = Peers.Host;
        client.Proxy.Port = Peers.HttpProxyAuth;
        client.Proxy.Username = Peers.HttpProxyUser;
        client.Proxy.Password = "not-the-password";

        var e = await Assert.ThrowsAsync<SmtpException>(() => client.ConnectUsing(api, Peers.PostfixOpen, Peers.Host));

        Assert.Equal(SmtpErrorCodes.FirewallError, e.Code);
        Assert.Contains("Proxy.Username and Proxy.Password", e.Message);
        Assert.DoesNotContain("not-the-password", e.Message);
        // tinyproxy answers a wrong password with 401 (RFC 9110 would have 407 again).
        Assert.StartsWith("HTTP/1.0 401 ", client.Proxy.ResponseHeaders);
        Assert.Contains("tinyproxy", client.Proxy.ResponseBody, StringComparison.OrdinalIgnoreCase);
        Assert.False(client.ConnInfo.ConnectionEstablished);
    }
}
