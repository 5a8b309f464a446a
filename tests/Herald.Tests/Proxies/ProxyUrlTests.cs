using Herald.Transport.Proxies;
using Xunit;

namespace Herald.Tests.Proxies;

/// <summary>curl's proxy URL spellings.</summary>
public class ProxyUrlTests
{
    [Theory]
    [InlineData("socks4://proxy.test", "Socks4", "proxy.test", 1080, true)]
    [InlineData("socks4a://proxy.test:1081", "Socks4a", "proxy.test", 1081, false)]
    [InlineData("socks5://proxy.test", "Socks5", "proxy.test", 1080, true)]
    [InlineData("SOCKS5H://proxy.test:9050/", "Socks5", "proxy.test", 9050, false)]
    [InlineData("http://proxy.test", "HttpConnect", "proxy.test", 80, false)]
    [InlineData("proxy.test:3128", "HttpConnect", "proxy.test", 3128, false)]
    [InlineData("http://[2001:db8::1]:8080", "HttpConnect", "2001:db8::1", 8080, false)]
    [InlineData("socks5h://10.0.0.1", "Socks5", "10.0.0.1", 1080, false)]
    public void SchemesChooseTheKindTheResolutionAndTheDefaultPort(string url, string kind, string host, int port, bool local)
    {
        Assert.True(ProxyUrl.TryParse(url, out var proxy, out string error), error);
        Assert.Equal(Enum.Parse<ProxyKind>(kind), proxy!.Kind);
        Assert.Equal(host, proxy.Host);
        Assert.Equal(port, proxy.Port);
        Assert.Equal(local, proxy.ResolveLocally);
        Assert.False(proxy.HasCredentials);
    }

    [Fact]
    public void CredentialsArePercentDecodedAndAColonMaySitInThePassword()
    {
        Assert.True(ProxyUrl.TryParse("http://us%40er:p%3Ass:w%20rd@proxy.test:3128", out var proxy, out _));
        Assert.Equal("us@er", proxy!.User);
        Assert.Equal("p:ss:w rd", proxy.Password);
    }

    [Fact]
    public void AnAtSignInThePasswordSplitsAtTheLastOne()
    {
        Assert.True(ProxyUrl.TryParse("socks5h://bob:a@b@proxy.test", out var proxy, out _));
        Assert.Equal("bob", proxy!.User);
        Assert.Equal("a@b", proxy.Password);
        Assert.Equal("proxy.test", proxy.Host);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("https://proxy.test", "https:// proxies (TLS to the proxy itself) are not supported")]
    [InlineData("ftp://proxy.test", "the proxy scheme \"ftp\" is not known")]
    [InlineData("socks5://proxy.test:0", "is not a number from 1 to 65535")]
    [InlineData("socks5://proxy.test:70000", "is not a number from 1 to 65535")]
    [InlineData("socks5://proxy.test:abc", "is not a number from 1 to 65535")]
    [InlineData("http://proxy.test/path", "has no path, query or fragment")]
    [InlineData("http://user:pw@:8080", "names no host")]
    [InlineData("http://[::1:8080", "closing bracket")]
    [InlineData("http://::1:8080", "goes in brackets")]
    [InlineData("http://[proxy]:80", "is not an IPv6 address")]
    public void UnusableUrlsSayWhy(string url, string reason)
    {
        Assert.False(ProxyUrl.TryParse(url, out var proxy, out string error));
        Assert.Null(proxy);
        Assert.Contains(reason, error);
    }

    [Fact]
    public void AnErrorNeverRepeatsThePassword()
    {
        Assert.False(ProxyUrl.TryParse("http://bob:hunter2@proxy.test:99999", out _, out string error));
        Assert.DoesNotContain("hunter2", error);
    }

    [Fact]
    public void TheDisplayFormMasksThePasswordAndToStringToo()
    {
        Assert.True(ProxyUrl.TryParse("socks5h://bob:hunter2@proxy.test:1080", out var proxy, out _));
        Assert.Equal("socks5h://bob:****@proxy.test:1080", proxy!.ToDisplayUrl());
        Assert.DoesNotContain("hunter2", proxy.ToString());
        Assert.Contains("socks5h://bob:****@proxy.test:1080", proxy.ToString());
    }
}
