using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Herald.Security.Tls;
using Xunit;

namespace Herald.Tests.Tls;

public sealed class HostNameMatcherTests
{
    [Theory]
    [InlineData("mail.example.org", "mail.example.org", true)]
    [InlineData("MAIL.Example.ORG", "mail.example.org", true)]
    [InlineData("mail.example.org.", "mail.example.org", true)]
    [InlineData("*.example.org", "mail.example.org", true)]
    [InlineData("*.example.org", "a.b.example.org", false)]
    [InlineData("*.example.org", "example.org", false)]
    [InlineData("*.org", "example.org", false)]
    [InlineData("m*.example.org", "mail.example.org", false)]
    [InlineData("*.*.example.org", "a.b.example.org", false)]
    [InlineData("mail.example.org", "smtp.example.org", false)]
    [InlineData("", "mail.example.org", false)]
    public void DNS_names_match_by_RFC_6125(string pattern, string host, bool expected)
    {
        Assert.Equal(expected, HostNameMatcher.MatchesDnsName(pattern, host));
    }

    private static X509Certificate2 Cert(string subject, string[] dns, IPAddress[] addresses)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        if (dns.Length + addresses.Length > 0)
        {
            var san = new SubjectAlternativeNameBuilder();
            foreach (var d in dns)
            {
                san.AddDnsName(d);
            }
            foreach (var a in addresses)
            {
                san.AddIpAddress(a);
            }
            request.CertificateExtensions.Add(san.Build());
        }
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
    }

    [Fact]
    public void The_CN_is_used_only_when_there_is_no_SAN()
    {
        using var cnOnly = Cert("CN=mail.example.org", [], []);
        using var withSan = Cert("CN=mail.example.org", ["other.example.org"], []);

        Assert.True(HostNameMatcher.Check(cnOnly, "mail.example.org").Matches);
        var check = HostNameMatcher.Check(withSan, "mail.example.org");
        Assert.False(check.Matches);
        Assert.Equal(["other.example.org"], check.Names);
    }

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("[::1]", true)]
    [InlineData("::1", true)]
    [InlineData("127.0.0.2", false)]
    public void Addresses_match_only_IP_SANs(string host, bool expected)
    {
        using var cert = Cert("CN=127.0.0.2", ["127.0.0.2"], [IPAddress.Loopback, IPAddress.IPv6Loopback]);

        var check = HostNameMatcher.Check(cert, host);

        Assert.Equal(expected, check.Matches);
        Assert.Equal(host.Trim('[', ']'), check.Host);
    }

    [Fact]
    public void A_name_is_not_matched_by_an_IP_SAN_nor_an_address_by_the_CN()
    {
        using var ipOnly = Cert("CN=localhost", [], [IPAddress.Loopback]);
        using var cnAddress = Cert("CN=127.0.0.1", [], []);

        Assert.False(HostNameMatcher.Check(ipOnly, "localhost").Matches);
        Assert.False(HostNameMatcher.Check(cnAddress, "127.0.0.1").Matches);
    }

    [Fact]
    public void An_internationalised_name_matches_its_A_label_form()
    {
        using var cert = Cert("CN=x", ["xn--bcher-kva.example"], []);

        Assert.True(HostNameMatcher.Check(cert, "bücher.example").Matches);
        Assert.Equal("bücher.example", HostNameMatcher.Check(cert, "bücher.example").Host);
    }

    [Fact]
    public void The_names_shown_are_the_DNS_and_IP_SANs_in_order()
    {
        using var cert = Cert("CN=x", ["localhost"], [IPAddress.Loopback]);

        Assert.Equal(["localhost", "127.0.0.1"], HostNameMatcher.Check(cert, "example.org").Names);
    }
}
