using System.Text;
using Herald.Message;
using Herald.Tests.Infrastructure;
using Xunit;

namespace Herald.Tests.Engine;

/// <summary>How the component chooses the transfer encoding of MessageText, checked on what a server receives.</summary>
public class BodyEncodingTests
{
    private static async Task<FakeMessage> SendAsync(FakeSmtpServer server, string body)
    {
        using var smtp = new Smtp { MailServer = server.Host, MailPort = server.Port, From = "a@example.org", SendTo = "b@example.com" };
        smtp.MessageText = body;
        await smtp.SendAsync();
        return Assert.Single(Assert.Single(server.Sessions).Messages);
    }

    [Fact]
    public async Task ALineOver998OctetsIsSentQuotedPrintableAndDecodesBack()
    {
        await using var server = new FakeSmtpServer();
        string body = "short line\r\n" + new string('x', 1500) + "\r\nend\r\n";
        var message = await SendAsync(server, body);
        string text = message.Text;
        Assert.Contains("Content-Transfer-Encoding: quoted-printable\r\n", text, StringComparison.Ordinal);
        Assert.All(text.Split("\r\n"), line => Assert.True(line.Length <= 998, $"line of {line.Length} characters on the wire"));
        string wireBody = text[(text.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..];
        Assert.Equal(body, Encoding.UTF8.GetString(QuotedPrintable.Decode(Encoding.ASCII.GetBytes(wireBody))));
    }

    [Fact]
    public async Task ALineOfExactly998OctetsIsSentAsItIs()
    {
        await using var server = new FakeSmtpServer();
        string body = new string('y', 998) + "\r\n";
        var message = await SendAsync(server, body);
        Assert.DoesNotContain("Content-Transfer-Encoding", message.Text, StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\n" + body, message.Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ANulGoesQuotedPrintableWhateverTheServerOffers(bool eightBitMime)
    {
        // RFC 2045 §2.7-2.8: neither 7bit nor 8bit data may carry NUL (the MIME writer follows the same rule).
        await using var server = new FakeSmtpServer();
        if (!eightBitMime)
        {
            server.Capabilities.Remove("8BITMIME");
        }
        string body = "before\r\na \0 inside, and ü\r\n";
        var message = await SendAsync(server, body);
        string text = message.Text;
        Assert.Contains("Content-Transfer-Encoding: quoted-printable\r\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain('\0', text);
        string wireBody = text[(text.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..];
        Assert.Equal(body, Encoding.UTF8.GetString(QuotedPrintable.Decode(Encoding.ASCII.GetBytes(wireBody))));
    }

    [Fact]
    public async Task MessageHeadersStringAfterAQuotedPrintableSendShowsWhatWasSent()
    {
        await using var server = new FakeSmtpServer();
        server.Capabilities.Remove("8BITMIME");
        using var smtp = new Smtp { MailServer = server.Host, MailPort = server.Port, From = "a@example.org", SendTo = "b@example.com" };
        smtp.MessageText = "Grüße\r\n";
        string before = smtp.MessageHeadersString; // a guess: 8-bit, since the server is not known yet
        Assert.Contains("8bit", before, StringComparison.Ordinal);
        await smtp.SendAsync();
        var message = Assert.Single(Assert.Single(server.Sessions).Messages);
        Assert.StartsWith(smtp.MessageHeadersString, message.Text, StringComparison.Ordinal);
        Assert.Contains("quoted-printable", smtp.MessageHeadersString, StringComparison.Ordinal);
        Assert.Equal(message.Text, smtp.MessageHeadersString + smtp.Config("TransferText"));
    }
}
