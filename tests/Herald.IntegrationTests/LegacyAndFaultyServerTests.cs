using Herald.IntegrationTests.Support;
using Xunit;

namespace Herald.IntegrationTests;

/// <summary>
/// Servers that do not behave like a modern MTA: aiosmtpd answering only HELO (RFC 821), smtp-sink refusing every
/// recipient, and smtp-sink dropping the connection instead of answering the end of DATA.
/// </summary>
public sealed class LegacyAndFaultyServerTests
{
    [Theory]
    [InlineData(Api.Sync)]
    [InlineData(Api.Async)]
    public async Task AServerWithoutEhloGetsHeloAndTheMessage(Api api)
    {
        using var smtp = Clients.For(Peers.AiosmtpdHeloOnly, out var trace);
        smtp.SendTo = "old-school@example.test";
        smtp.Subject = "HELO only";
        smtp.MessageText = "Sent after falling back to HELO.\r\n.leading dot\r\n";
        string marker = Clients.Mark(smtp);

        await smtp.SendUsing(api);

        // RFC 5321 §4.1.4: EHLO refused with 500, so the client greets again with HELO and uses no extensions.
        var client = trace.Client.ToList();
        Assert.StartsWith("EHLO ", client[0]);
        Assert.StartsWith("HELO ", client[1]);
        Assert.Equal(client[0][5..], client[1][5..]);
        Assert.Contains(trace.Server, line => line.StartsWith("500 5.5.1", StringComparison.Ordinal));
        Assert.Equal("MAIL FROM:<" + Clients.Sender + ">", client[2]); // no SIZE, no BODY: HELO means no ESMTP parameters
        var stored = StoredMessage.Parse((await Peers.WaitForCapturesAsync(Peers.AiosmtpdHeloOnlyCaptureDir, marker))[0]);
        Assert.Equal(Clients.Sender, stored.Header("X-Peer-Mail-From"));
        Assert.Equal("old-school@example.test", stored.Header("X-Peer-Rcpt-To"));
        Assert.Equal("Sent after falling back to HELO.\r\n.leading dot\r\n", stored.Body);
    }

    [Theory]
    [InlineData(Api.Sync)]
    [InlineData(Api.Async)]
    public async Task EveryRecipientRefusedFailsWith161(Api api)
    {
        using var smtp = Clients.For(Peers.SmtpSinkRejectRcpt, out _);
        smtp.SendTo = "anyone@example.com";
        smtp.MessageText = "refused";

        var e = await Assert.ThrowsAsync<SmtpException>(() => smtp.SendUsing(api));

        Assert.Equal((161, 500, "5.3.0"), (e.Code, e.ReplyCode, e.EnhancedStatusCode));
        Assert.Contains("<anyone@example.com>", e.Message);
    }

    [Theory]
    [InlineData(Api.Sync)]
    [InlineData(Api.Async)]
    public async Task AConnectionDroppedAfterTheDataFailsWith162AndTheComponentSendsAgain(Api api)
    {
        using var smtp = Clients.For(Peers.SmtpSinkDropAfterData, out var trace);
        smtp.SendTo = "dropped@example.com";
        smtp.MessageText = "the server hangs up instead of answering";

        var e = await Assert.ThrowsAsync<SmtpException>(() => smtp.SendUsing(api));

        Assert.Equal(SmtpErrorCodes.CommunicationError, e.Code);
        Assert.Equal(0, e.ReplyCode);
        Assert.Contains("waiting for the server to accept the message", e.Message);
        Assert.False(smtp.Connected);

        // The same component, pointed at Postfix, works normally.
        Peers.RequirePeer(Peers.PostfixOpen);
        smtp.MailPort = Peers.PostfixOpen;
        string marker = Clients.Mark(smtp);
        await smtp.SendUsing(api);
        var stored = StoredMessage.Parse(await Peers.WaitForMaildirMessageAsync(marker));
        Assert.Equal("the server hangs up instead of answering\r\n", stored.Body);
        Assert.Equal("dropped@example.com", stored.Header("X-Original-To"));
    }
}
