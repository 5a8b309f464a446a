using System.Text;
using Herald.IntegrationTests.Support;
using Herald.MimeKit;
using MimeKit;
using Xunit;

namespace Herald.IntegrationTests.Bridge;

/// <summary>
/// A MimeKit message through Herald to Postfix: what Postfix stores is, after the trace fields it adds in front,
/// byte for byte what MimeKit writes (Bcc left out), for DATA (UseChunking=False) and BDAT.
/// </summary>
public class MimeKitPeerTests
{
    [Theory]
    [InlineData(Api.Sync, true)]
    [InlineData(Api.Async, true)]
    [InlineData(Api.Sync, false)]
    [InlineData(Api.Async, false)]
    public async Task PostfixStoresExactlyWhatMimeKitWrites(Api api, bool chunking)
    {
        using var smtp = Clients.For(Peers.PostfixOpen, out var trace);
        smtp.Config("UseChunking=" + chunking);
        string marker = Peers.NewMarker();
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Herald Tests", Clients.Sender));
        message.To.Add(MailboxAddress.Parse("mimekit@example.com"));
        message.Bcc.Add(MailboxAddress.Parse("mimekit-bcc@example.com"));
        message.Subject = "MimeKit through Herald " + marker;
        message.Headers.Add("X-Herald-Test-Id", marker);
        var body = new BodyBuilder { TextBody = "line one\n.a dot line\n", HtmlBody = "<p>Grüße</p>" };
        var bytes = new byte[200_000];
        new Random(3).NextBytes(bytes);
        body.Attachments.Add("random.bin", bytes);
        message.Body = body.ToMessageBody();

        if (api == Api.Sync)
        {
            await Task.Factory.StartNew(() => smtp.Send(message), TaskCreationOptions.LongRunning);
        }
        else
        {
            await smtp.SendAsync(message);
        }

        var options = FormatOptions.Default.Clone();
        options.NewLineFormat = NewLineFormat.Dos;
        options.HiddenHeaders.Add(HeaderId.Bcc);
        using var written = new MemoryStream();
        message.WriteTo(options, written);
        string expected = Encoding.UTF8.GetString(written.ToArray());
        var copies = await Peers.WaitForCapturesAsync(Peers.CatchallMaildir, marker, 2);
        Assert.All(copies, copy => Assert.EndsWith(expected, copy.ReplaceLineEndings("\r\n"), StringComparison.Ordinal));
        Assert.All(copies, copy => Assert.DoesNotContain("mimekit-bcc@example.com\r\n", StoredMessage.Parse(copy).ClientHeaderBlock));
        Assert.Contains(trace.Client, l => l.StartsWith(chunking ? "BDAT " : "DATA", StringComparison.Ordinal));
        string mail = trace.Client.Single(l => l.StartsWith("MAIL FROM:", StringComparison.Ordinal));
        Assert.Contains($" SIZE={written.Length}", mail, StringComparison.Ordinal);
    }
}
