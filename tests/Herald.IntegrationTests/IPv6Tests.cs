using System.Net;
using Herald.IntegrationTests.Support;
using Xunit;

namespace Herald.IntegrationTests;

/// <summary>Postfix's open sink also listens on [::1]:25025; the component reaches it by address and by name.</summary>
public sealed class IPv6Tests
{
    [Theory]
    [InlineData(Api.Sync)]
    [InlineData(Api.Async)]
    public async Task SendsToTheIPv6LoopbackAddress(Api api)
    {
        using var smtp = Clients.For(Peers.PostfixOpen, out var trace, Peers.HostIPv6);
        smtp.SendTo = "over-ipv6@example.com";
        smtp.MessageText = "sent over IPv6";
        string marker = Clients.Mark(smtp);

        await smtp.SendUsing(api);

        Assert.Contains("Connecting to ::1 port 25025", trace.Lines.Where(l => l.Direction == 2).Select(l => l.Message));
        var stored = StoredMessage.Parse(await Peers.WaitForMaildirMessageAsync(marker));
        Assert.Equal("sent over IPv6\r\n", stored.Body);
        // Postfix records the client's address in its Received field.
        Assert.Contains("[IPv6:::1]", stored.Header("Received"));
    }

    [Theory]
    [InlineData(Api.Sync)]
    [InlineData(Api.Async)]
    public async Task LocalhostWithUseIPv6OneUsesOnlyIPv6Addresses(Api api)
    {
        using var smtp = Clients.For(Peers.PostfixOpen, out var trace, Peers.HostName);
        smtp.Config("UseIPv6=1");
        smtp.SendTo = "localhost-ipv6@example.com";
        smtp.MessageText = "sent to localhost over IPv6";
        string marker = Clients.Mark(smtp);
        bool hasIPv6 = (await Dns.GetHostAddressesAsync(Peers.HostName)).Contains(IPAddress.IPv6Loopback);

        if (hasIPv6)
        {
            await smtp.SendUsing(api);
            var stored = StoredMessage.Parse(await Peers.WaitForMaildirMessageAsync(marker));
            Assert.Contains("[IPv6:::1]", stored.Header("Received"));
        }
        else
        {
            // This machine resolves localhost to 127.0.0.1 only: UseIPv6=1 must not quietly use IPv4.
            var e = await Assert.ThrowsAsync<SmtpException>(() => smtp.SendUsing(api));
            Assert.Equal(SmtpErrorCodes.HostNotFound, e.Code);
            Assert.Contains("has no IPv6 address", e.Message);
            Assert.Empty(trace.Client);
            // UseIPv6=2 prefers IPv6 and falls back to IPv4, so the same send goes through.
            smtp.Config("UseIPv6=2");
            await smtp.SendUsing(api);
            var stored = StoredMessage.Parse(await Peers.WaitForMaildirMessageAsync(marker));
            Assert.Contains("[127.0.0.1]", stored.Header("Received"));
        }
    }
}
