using Herald.Transport.Proxies;
using Xunit;

namespace Herald.Tests.Proxies;

/// <summary>Choosing a proxy from ALL_PROXY / HTTPS_PROXY and NO_PROXY; the environment is a plain dictionary.</summary>
public class ProxyEnvironmentTests
{
    private static Dictionary<string, string?> Env(params (string Name, string Value)[] vars) =>
        vars.ToDictionary(v => v.Name, v => (string?)v.Value);

    [Fact]
    public void NothingSetMeansDirect()
    {
        var choice = ProxyEnvironment.Detect(Env(("PATH", "/bin")), "smtp.example.org", 587);
        Assert.Null(choice.Proxy);
        Assert.False(choice.IsError);
        Assert.Equal("Connecting to smtp.example.org:587 directly: none of all_proxy, ALL_PROXY, https_proxy, HTTPS_PROXY is set.",
            choice.Reason);
    }

    [Fact]
    public void AllProxyComesBeforeHttpsProxyAndLowerCaseBeforeUpperCase()
    {
        var env = Env(("HTTPS_PROXY", "http://https-upper:3128"), ("https_proxy", "http://https-lower:3128"),
            ("ALL_PROXY", "socks5h://all-upper"), ("all_proxy", "socks5h://all-lower"));
        Assert.Equal("all-lower", ProxyEnvironment.Detect(env, "smtp.example.org", 587).Proxy!.Host);
        env.Remove("all_proxy");
        Assert.Equal("all-upper", ProxyEnvironment.Detect(env, "smtp.example.org", 587).Proxy!.Host);
        env.Remove("ALL_PROXY");
        Assert.Equal("https-lower", ProxyEnvironment.Detect(env, "smtp.example.org", 587).Proxy!.Host);
        env.Remove("https_proxy");
        var choice = ProxyEnvironment.Detect(env, "smtp.example.org", 587);
        Assert.Equal("https-upper", choice.Proxy!.Host);
        Assert.Equal(ProxyKind.HttpConnect, choice.Proxy.Kind);
        Assert.Equal("HTTPS_PROXY", choice.Variable);
    }

    [Fact]
    public void AnEmptyVariableCountsAsUnset()
    {
        var choice = ProxyEnvironment.Detect(Env(("all_proxy", ""), ("ALL_PROXY", "socks4a://p:1080")), "smtp.example.org", 25);
        Assert.Equal("ALL_PROXY", choice.Variable);
    }

    [Fact]
    public void TheReasonNamesTheProxyAndTheVariableWithThePasswordMasked()
    {
        var choice = ProxyEnvironment.Detect(Env(("ALL_PROXY", "socks5h://bob:hunter2@proxy.corp:1080")), "smtp.example.org", 587);
        Assert.Equal("Connecting to smtp.example.org:587 through the proxy socks5h://bob:****@proxy.corp:1080 from ALL_PROXY.",
            choice.Reason);
        Assert.Equal("hunter2", choice.Proxy!.Password);
    }

    [Fact]
    public void AnUnusableValueIsAnErrorThatDoesNotShowTheValue()
    {
        var choice = ProxyEnvironment.Detect(Env(("ALL_PROXY", "https://bob:hunter2@proxy.corp")), "smtp.example.org", 587);
        Assert.True(choice.IsError);
        Assert.Null(choice.Proxy);
        Assert.StartsWith("ALL_PROXY is set, but not to a usable proxy URL: https:// proxies", choice.Reason);
        Assert.DoesNotContain("hunter2", choice.Reason);
    }

    [Theory]
    [InlineData("example.org", "smtp.example.org", 587, "example.org")]
    [InlineData(".example.org", "smtp.example.org", 587, ".example.org")]
    [InlineData("*.example.org", "smtp.example.org", 587, "*.example.org")]
    [InlineData("other.test, EXAMPLE.ORG.", "smtp.example.org.", 587, "EXAMPLE.ORG.")]
    [InlineData("smtp.example.org", "smtp.example.org", 587, "smtp.example.org")]
    [InlineData("*", "anything.test", 25, "*")]
    [InlineData("localhost 127.0.0.1", "127.0.0.1", 25, "127.0.0.1")]
    [InlineData("10.0.0.0/8", "10.20.30.40", 25, "10.0.0.0/8")]
    [InlineData("::1", "[::1]", 25, "::1")]
    [InlineData("[::1]:25", "::1", 25, "[::1]:25")]
    [InlineData("2001:db8::/32", "2001:db8:1::5", 25, "2001:db8::/32")]
    [InlineData("example.org:587", "mx.example.org", 587, "example.org:587")]
    [InlineData("192.0.2.1:25", "192.0.2.1", 25, "192.0.2.1:25")]
    public void NoProxyEntriesThatMatch(string noProxy, string host, int port, string entry)
    {
        Assert.True(ProxyEnvironment.Bypasses(noProxy, host, port, out string matched));
        Assert.Equal(entry, matched);
    }

    [Theory]
    [InlineData("example.org", "badexample.org", 25)]
    [InlineData("example.org:587", "mx.example.org", 25)]
    [InlineData("10.0.0.0/8", "11.0.0.1", 25)]
    [InlineData("127.0.0.1", "localhost", 25)]
    [InlineData("localhost", "127.0.0.1", 25)]
    [InlineData("192.0.2.1:25", "192.0.2.1", 587)]
    [InlineData("2001:db8::/32", "2001:db9::1", 25)]
    [InlineData("", "smtp.example.org", 25)]
    public void NoProxyEntriesThatDoNotMatch(string noProxy, string host, int port)
    {
        Assert.False(ProxyEnvironment.Bypasses(noProxy, host, port, out _));
    }

    [Fact]
    public void NoProxyLowerCaseWinsAndTheReasonNamesTheEntry()
    {
        var env = Env(("ALL_PROXY", "socks5://proxy.corp"), ("no_proxy", ".example.org"), ("NO_PROXY", "nothing.test"));
        var choice = ProxyEnvironment.Detect(env, "smtp.example.org", 587);
        Assert.Null(choice.Proxy);
        Assert.Equal("no_proxy", choice.Variable);
        Assert.Equal("Connecting to smtp.example.org:587 directly: the no_proxy entry \".example.org\" matches it "
            + "(otherwise socks5://proxy.corp:1080 from ALL_PROXY would be used).", choice.Reason);
    }

    [Fact]
    public void NoProxyThatDoesNotMatchLeavesTheProxy()
    {
        var env = Env(("HTTPS_PROXY", "http://proxy.corp:3128"), ("NO_PROXY", "localhost,.internal"));
        Assert.NotNull(ProxyEnvironment.Detect(env, "smtp.example.org", 587).Proxy);
    }
}
