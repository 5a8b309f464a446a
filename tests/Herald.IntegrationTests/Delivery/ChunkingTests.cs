using System.Text;
using Herald.IntegrationTests.Support;
using Xunit;

namespace Herald.IntegrationTests.Delivery;

/// <summary>
/// CHUNKING (RFC 3030) against the two peers that offer it: Postfix (25025) and Dovecot submission (25590, which
/// relays to Postfix, so the message lands in the catch-all Maildir either way).
/// </summary>
public class ChunkingTests
{
    private static string Body(int lines)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < lines; i++)
        {
            // Dot-leading lines go unstuffed with BDAT and must arrive as they are; bare LF line ends become CRLF.
            sb.Append(i % 7 == 0 ? ".line " : "line ").Append(i).Append(" of the chunked body").Append(i % 5 == 0 ? "\n" : "\r\n");
        }
        return sb.ToString();
    }

    [Theory]
    [InlineData(Peers.PostfixOpen, Api.Sync)]
    [InlineData(Peers.PostfixOpen, Api.Async)]
    [InlineData(Peers.DovecotSubmission, Api.Sync)]
    [InlineData(Peers.DovecotSubmission, Api.Async)]
    public async Task AMessageInManyChunksArrivesExactly(int port, Api api)
    {
        using var smtp = Clients.For(port, out var trace);
        if (port == Peers.DovecotSubmission)
        {
            smtp.SSLStartMode = SmtpSSLStartModes.sslExplicit;
            smtp.Config("SSLServerCACerts=" + File.ReadAllText(Peers.CaPem));
            smtp.User = "user@example.test";
            smtp.Password = "s3cret!";
        }
        smtp.SendTo = "chunks@example.com";
        smtp.Subject = "chunked";
        smtp.MessageText = Body(400);
        smtp.Config("ChunkSize=4096");
        string marker = Clients.Mark(smtp);

        await smtp.SendUsing(api);

        int chunks = trace.Client.Count(l => l.StartsWith("BDAT ", StringComparison.Ordinal));
        Assert.True(chunks >= 3, trace.ToString());
        Assert.Single(trace.Client, l => l.StartsWith("BDAT ", StringComparison.Ordinal) && l.EndsWith(" LAST", StringComparison.Ordinal));
        Assert.DoesNotContain("DATA", trace.Client);
        var copy = StoredMessage.Parse(await Peers.WaitForMaildirMessageAsync(marker));
        Assert.Equal(smtp.Config("TransferText"), copy.Body);
        Assert.Contains("\r\n.line 7 of the chunked body\r\n", copy.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AfterARefusedChunkTheSessionSendsTheNextMessage()
    {
        using var smtp = Clients.For(Peers.PostfixOpen, out var trace);
        smtp.SendTo = "too-big@example.com";
        await smtp.ConnectUsing(Api.Async);
        smtp.SetMessageStream(new GeneratedTextStream(Peers.PostfixMaxMessageSize + 1024 * 1024, lengthKnown: false));

        var e = await Assert.ThrowsAsync<SmtpException>(() => smtp.SendUsing(Api.Async));

        Assert.Equal((161, 552), (e.Code, e.ReplyCode));
        Assert.True(smtp.Connected);
        Assert.Contains("RSET", trace.Client);
        smtp.SetMessageStream(null);
        smtp.SendTo = "";
        smtp.MessageRecipients.Clear();
        smtp.SendTo = "after@example.com";
        smtp.MessageText = "still here\r\n";
        string marker = Clients.Mark(smtp);
        await smtp.SendUsing(Api.Async);
        await smtp.DisconnectUsing(Api.Async);
        Assert.Equal("still here\r\n", StoredMessage.Parse(await Peers.WaitForMaildirMessageAsync(marker)).Body);
    }
}
