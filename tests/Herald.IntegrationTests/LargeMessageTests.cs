using System.Security.Cryptography;
using System.Text;
using Herald.IntegrationTests.Support;
using Xunit;

namespace Herald.IntegrationTests;

/// <summary>
/// Messages streamed from a caller's stream (SetMessageStream): 5 MB arrives intact through Postfix, and a message
/// over Postfix's 10 MB SIZE limit is refused, by the component before MAIL when the size is known, by Postfix at the
/// end of DATA when it is not.
/// </summary>
public sealed class LargeMessageTests
{
    private const long FiveMegabytes = 5L * 1024 * 1024;

    [Theory]
    [InlineData(Api.Sync, false)]
    [InlineData(Api.Async, true)]
    public async Task FiveMegabytesStreamThroughIntact(Api api, bool lengthKnown)
    {
        using var smtp = Clients.For(Peers.PostfixOpen, out var trace);
        smtp.SendTo = "big@example.com";
        smtp.Subject = "five megabytes";
        string marker = Clients.Mark(smtp);
        var body = new GeneratedTextStream(FiveMegabytes, lengthKnown);
        smtp.SetMessageStream(body);

        await smtp.SendUsing(api);

        var stored = StoredMessage.Parse(await Peers.WaitForMaildirMessageAsync(marker, TimeSpan.FromSeconds(30)));
        byte[] storedBody = Encoding.ASCII.GetBytes(stored.Body);
        Assert.InRange(storedBody.LongLength, FiveMegabytes, FiveMegabytes + 200);
        Assert.Equal(GeneratedTextStream.Sha256(FiveMegabytes), Convert.ToHexString(SHA256.HashData(storedBody)));
        Assert.Equal("five megabytes", stored.Header("Subject"));
        // SIZE (RFC 1870) is declared only when the length is known in advance: the computed headers plus the stream.
        string mail = trace.Client.Single(l => l.StartsWith("MAIL FROM:", StringComparison.Ordinal));
        if (lengthKnown)
        {
            long declared = long.Parse(mail[(mail.IndexOf(" SIZE=", StringComparison.Ordinal) + 6)..].Split(' ')[0]);
            Assert.Equal(Encoding.UTF8.GetByteCount(smtp.MessageHeadersString) + body.ExactLength, declared);
        }
        else
        {
            Assert.DoesNotContain(" SIZE=", mail);
        }
        // The stream is closed after the transfer (CloseStreamAfterTransfer defaults to True).
        Assert.True(body.IsDisposed);
    }

    [Theory]
    [InlineData(Api.Sync)]
    [InlineData(Api.Async)]
    public async Task AMessageOverTheServersSizeLimitIsRefusedBeforeMail(Api api)
    {
        using var smtp = Clients.For(Peers.PostfixOpen, out var trace);
        smtp.SendTo = "too-big@example.com";
        smtp.SetMessageStream(new GeneratedTextStream(Peers.PostfixMaxMessageSize + 1024 * 1024, lengthKnown: true));

        var e = await Assert.ThrowsAsync<SmtpException>(() => smtp.SendUsing(api));

        Assert.Equal(SmtpErrorCodes.ProtocolError, e.Code);
        Assert.Contains($"accepts at most {Peers.PostfixMaxMessageSize} bytes (SIZE)", e.Message);
        Assert.Contains("nothing was sent", e.Message);
        // Nothing of the transaction went out: the EHLO reply's SIZE was enough to decide.
        Assert.DoesNotContain(trace.Client, l => l.StartsWith("MAIL", StringComparison.Ordinal) || l == "DATA");
        Assert.Contains("SIZE 10485760", trace.Server.Select(l => l[4..]));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task AnOversizedStreamOfUnknownLengthIsRefusedByPostfixAtTheEndOfData(bool chunking)
    {
        using var smtp = Clients.For(Peers.PostfixOpen, out _);
        smtp.Config("UseChunking=" + chunking);
        smtp.SendTo = "too-big@example.com";
        string marker = Clients.Mark(smtp);
        smtp.SetMessageStream(new GeneratedTextStream(Peers.PostfixMaxMessageSize + 1024 * 1024, lengthKnown: false));

        var e = await Assert.ThrowsAsync<SmtpException>(() => smtp.SendUsing(Api.Async));

        // RFC 1870 §6.3 / RFC 5321 §4.5.3.1.10: the server refuses the whole message (Postfix offers CHUNKING, so it
        // goes by BDAT and the refusal comes for the chunk that crosses the limit; DATA would get it after the dot).
        Assert.Equal((161, 552, "5.3.4"), (e.Code, e.ReplyCode, e.EnhancedStatusCode));
        Assert.Contains(chunking ? "exceeds message size limit" : "too big", e.ServerReply);
        Assert.Equal(0, Captures.Count(Peers.CatchallMaildir, marker));
    }
}
