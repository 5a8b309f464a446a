using Xunit;

namespace Herald.Tests.PublicApi;

/// <summary>
/// Proxy URLs in curl's spellings as an application gives them to the component: what they set on the Firewall, what
/// a log may show, and the choice ALL_PROXY and NO_PROXY make.
/// </summary>
public class ProxyAddressTests
{
    [Theory]
    [InlineData("socks4://proxy.example", FirewallTypes.fwSOCKS4, 1080, "mail.example.org")]
    [InlineData("socks4a://proxy.example:1081", FirewallTypes.fwSOCKS4A, 1081, "mail.example.org")]
    [InlineData("socks5://proxy.example", FirewallTypes.fwSOCKS5, 1080, "mail.example.org")]
    [InlineData("socks5h://proxy.example", FirewallTypes.fwSOCKS5, 1080, "*mail.example.org")]
    [InlineData("http://proxy.example", FirewallTypes.fwTunnel, 80, "mail.example.org")]
    [InlineData("proxy.example:3128", FirewallTypes.fwTunnel, 3128, "mail.example.org")]
    public void ApplyTo_sets_the_Firewall_and_marks_the_server_name_for_socks5h(string url, FirewallTypes type, int port,
        string mailServer)
    {
        Assert.True(ProxyAddress.TryParse(url, out var proxy, out string error), error);
        using var smtp = new Smtp { MailServer = "mail.example.org" };

        proxy.ApplyTo(smtp);

        Assert.Equal(type, smtp.Firewall.FirewallType);
        Assert.Equal("proxy.example", smtp.Firewall.Host);
        Assert.Equal(port, smtp.Firewall.Port);
        Assert.Equal(mailServer, smtp.MailServer);
    }

    [Fact]
    public void Credentials_come_from_the_URL_and_the_password_never_shows()
    {
        Assert.True(ProxyAddress.TryParse("socks5h://al%40ice:p%3Ass@proxy.example:1080", out var proxy, out _));
        using var smtp = new Smtp { MailServer = "mail.example.org" };

        proxy.ApplyTo(smtp);

        Assert.Equal("al@ice", proxy.User);
        Assert.Equal("p:ss", proxy.Password);
        Assert.Equal("al@ice", smtp.Firewall.User);
        Assert.Equal("p:ss", smtp.Firewall.Password);
        Assert.Equal("socks5h://al%40ice:****@proxy.example:1080", proxy.ToString());
    }

    [Fact]
    public void WithPassword_gives_a_copy_with_the_password_kept_apart_from_the_URL()
    {
        Assert.True(ProxyAddress.TryParse("http://carol@proxy.example:3128", out var proxy, out _));

        var withPassword = proxy.WithPassword("secret");

        Assert.Equal("", proxy.Password);
        Assert.Equal("secret", withPassword.Password);
        Assert.Equal("carol", withPassword.User);
        Assert.DoesNotContain("secret", withPassword.ToString());
    }

    [Theory]
    [InlineData("ftp://proxy.example", "ftp")]
    [InlineData("https://proxy.example", "https://")]
    [InlineData("", "empty")]
    public void An_unusable_URL_is_refused_with_a_reason(string url, string reasonHas)
    {
        Assert.False(ProxyAddress.TryParse(url, out var proxy, out string error));

        Assert.Null(proxy);
        Assert.Contains(reasonHas, error);
    }

    [Fact]
    public void Detect_takes_ALL_PROXY_unless_NO_PROXY_names_the_server()
    {
        var environment = new Dictionary<string, string?> { ["ALL_PROXY"] = "socks5h://proxy.example:1080" };

        var through = ProxyAddress.Detect(environment, "mail.example.org", 587);

        Assert.False(through.IsError);
        Assert.Equal("ALL_PROXY", through.Variable);
        Assert.Equal("socks5h://proxy.example:1080", through.Proxy?.ToString());
        Assert.Contains("through the proxy", through.Reason);

        environment["NO_PROXY"] = ".example.org";
        var direct = ProxyAddress.Detect(environment, "mail.example.org", 587);

        Assert.Null(direct.Proxy);
        Assert.Equal("NO_PROXY", direct.Variable);
        Assert.Contains("directly", direct.Reason);
    }

    [Fact]
    public void Detect_reports_a_proxy_variable_that_is_not_a_URL_as_an_error_and_nothing_set_as_direct()
    {
        var bad = ProxyAddress.Detect(new Dictionary<string, string?> { ["all_proxy"] = "gopher://x" }, "mail.example.org", 25);
        var none = ProxyAddress.Detect(new Dictionary<string, string?>(), "mail.example.org", 25);

        Assert.True(bad.IsError);
        Assert.Null(bad.Proxy);
        Assert.Equal("all_proxy", bad.Variable);
        Assert.False(none.IsError);
        Assert.Null(none.Proxy);
        Assert.Equal("", none.Variable);
    }
}
