using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Herald.Message;
using Herald.MimeKit;
using Herald.Tests.Infrastructure;
using MimeKit;
using Xunit;

namespace Herald.Tests.Bridge;

/// <summary>
/// MimeKit messages through Herald: written by MimeKit straight onto the connection, byte for byte what
/// <c>MimeMessage.WriteTo</c> writes (without Bcc), with the envelope from the headers and an exact SIZE=.
/// </summary>
[Collection(Loopback.LoopbackTiming.Name)] // one test measures the managed heap, which parallel tests would share
public partial class MimeKitBridgeTests
{
    private static MimeMessage Sample(int attachmentBytes = 3000)
    {
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Alice", "alice@example.org"));
        message.To.Add(new MailboxAddress("Bob", "bob@example.com"));
        message.Cc.Add(MailboxAddress.Parse("carol@example.com"));
        message.Bcc.Add(MailboxAddress.Parse("secret@example.com"));
        message.Subject = "Quarterly report";
        var body = new BodyBuilder { TextBody = "Hi Bob,\n.the report is attached.\n", HtmlBody = "<p>Hi Bob</p>" };
        var bytes = new byte[attachmentBytes];
        new Random(7).NextBytes(bytes);
        body.Attachments.Add("report.bin", bytes);
        message.Body = body.ToMessageBody();
        return message;
    }

    private static byte[] Expected(MimeMessage message)
    {
        var options = FormatOptions.Default.Clone();
        options.NewLineFormat = NewLineFormat.Dos;
        options.HiddenHeaders.Add(HeaderId.Bcc);
        using var memory = new MemoryStream();
        message.WriteTo(options, memory);
        return memory.ToArray();
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public async Task SmtpSendsTheMessageExactlyAsMimeKitWritesIt(bool isAsync, bool chunking)
    {
        await using var server = new FakeSmtpServer();
        if (chunking)
        {
            server.Capabilities.Add("CHUNKING");
        }
        using var smtp = new Smtp { MailServer = server.Host, MailPort = server.Port, Timeout = 20 };
        smtp.Config("ChunkSize=1024");
        var message = Sample();

        if (isAsync)
        {
            await smtp.SendAsync(message);
        }
        else
        {
            await Task.Factory.StartNew(() => smtp.Send(message), TaskCreationOptions.LongRunning);
        }

        var received = Assert.Single(server.Sessions[0].Messages);
        Assert.Equal(Expected(message), received.Content);
        Assert.Equal("alice@example.org", received.From);
        Assert.Equal(["bob@example.com", "carol@example.com", "secret@example.com"], received.Recipients);
        Assert.DoesNotContain("secret@example.com", received.Text, StringComparison.Ordinal);
        Assert.Equal(received.Content.Length,
            long.Parse(SizeParameter().Match(received.MailLine).Groups[1].Value, CultureInfo.InvariantCulture));
        Assert.Equal(chunking, received.ViaBdat);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SmtpClientSendsItWithTheEnvelopeFromTheHeaders(bool isAsync)
    {
        await using var server = new FakeSmtpServer();
        server.Capabilities.Add("CHUNKING");
        await using var client = new SmtpClient();
        var message = Sample();

        if (isAsync)
        {
            await client.ConnectAsync(server.Host, server.Port);
            await client.SendMessageAsync(message);
        }
        else
        {
            await Task.Factory.StartNew(() =>
            {
                client.Connect(server.Host, server.Port);
                client.SendMessage(message);
            }, TaskCreationOptions.LongRunning);
        }

        var received = Assert.Single(server.Sessions[0].Messages);
        Assert.Equal(Expected(message), received.Content);
        Assert.Equal("alice@example.org", received.From);
        Assert.Equal(["bob@example.com", "carol@example.com", "secret@example.com"], received.Recipients);
    }

    [Fact]
    public async Task ThePoolSendsItWithTheEnvelopeGiven()
    {
        await using var server = new FakeSmtpServer();
        await using var pool = new SmtpPool(new SmtpPoolOptions { Host = server.Host, Port = server.Port, MaxConnections = 1 });
        var message = Sample();

        var result = await pool.SendAsync(message, from: "bounces@example.org", recipients: ["only@example.net"]);

        Assert.Equal(DeliveryStatus.Delivered, result.Status);
        var received = Assert.Single(server.Sessions.SelectMany(s => s.Messages));
        Assert.Equal("bounces@example.org", received.From);
        Assert.Equal(["only@example.net"], received.Recipients);
        Assert.Equal(Expected(message), received.Content);
    }

    [Fact]
    public void TheEnvelopeComesFromSenderOrFromAndEveryRecipientListOnce()
    {
        var message = Sample();
        message.Sender = MailboxAddress.Parse("list-owner@example.org");
        message.Cc.Add(MailboxAddress.Parse("BOB@example.com"));

        var (from, recipients) = message.GetEnvelope();

        Assert.Equal("list-owner@example.org", from);
        Assert.Equal(["bob@example.com", "carol@example.com", "secret@example.com"], recipients);
        var resent = Sample();
        resent.ResentFrom.Add(MailboxAddress.Parse("forwarder@example.org"));
        resent.ResentTo.Add(MailboxAddress.Parse("new@example.net"));
        Assert.Equal("forwarder@example.org", resent.GetEnvelope().From);
        Assert.Equal(["new@example.net"], resent.GetEnvelope().Recipients);
        Assert.Throws<ArgumentException>(() => new MimeMessage().GetEnvelope());
    }

    [Fact]
    public void AMessageResentTwiceGoesToItsNewestResentBlockAsHeraldsOwnReaderSendsIt()
    {
        const string text =
            "Resent-Date: Mon, 2 Mar 2026 10:00:00 +0000\r\n" +
            "Resent-From: carol@example.net\r\n" +
            "Resent-Sender: desk@example.net\r\n" +
            "Resent-To: dan@example.com, Team: erin@example.com, DAN@example.com;\r\n" +
            "Resent-Bcc: hidden@example.com\r\n" +
            "Received: from relay.example.org\r\n" +
            "Resent-Date: Sun, 1 Mar 2026 09:00:00 +0000\r\n" +
            "Resent-From: bob@example.com\r\n" +
            "Resent-To: carol@example.net\r\n" +
            "From: alice@example.org\r\n" +
            "To: bob@example.com\r\n" +
            "Subject: passed on twice\r\n\r\nBody.\r\n";
        var message = MimeMessage.Load(new MemoryStream(Encoding.ASCII.GetBytes(text)));

        var (from, recipients) = message.GetEnvelope();

        Assert.Equal("desk@example.net", from);
        Assert.Equal(["dan@example.com", "erin@example.com", "hidden@example.com"], recipients);
        // The same rule as the header reader behind SmtpClient.SendBytes and herald sendmail -t.
        using var raw = new HeaderFilterStream(new MemoryStream(Encoding.ASCII.GetBytes(text)));
        var own = raw.ReadHeaders().GetEnvelope();
        Assert.Equal(from, own.Sender);
        Assert.Equal(recipients, own.Addresses);

        // A block without its Resent-From is still a resending: the original recipients are not used.
        var incomplete = MimeMessage.Load(
            new MemoryStream("Resent-To: x@example.net\r\nFrom: a@example.org\r\nTo: b@example.org\r\n\r\n"u8.ToArray()));
        Assert.Contains("Resent-From", Assert.Throws<ArgumentException>(() => incomplete.GetEnvelope()).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ALargeAttachmentGoesOutWithBoundedMemory()
    {
        await using var server = new Loopback.SinkSmtpServer(System.Net.IPAddress.Loopback);
        using var smtp = new Smtp { MailServer = "127.0.0.1", MailPort = server.Port, Timeout = 60 };
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse("alice@example.org"));
        message.To.Add(MailboxAddress.Parse("bob@example.com"));
        message.Subject = "big";
        const long Size = 200L << 20;
        var part = new MimePart("application", "octet-stream")
        {
            Content = new MimeContent(new Loopback.PatternStream(Size)),
            ContentTransferEncoding = ContentEncoding.Base64,
            FileName = "big.bin",
        };
        message.Body = new Multipart("mixed") { new TextPart("plain") { Text = "see attached" }, part };

        long growth = await HeapGrowth.DuringAsync(() => smtp.SendAsync(message));

        Assert.True(growth < 16 << 20, $"the managed heap grew by {growth >> 20} MiB");
        long received = Assert.Single(Assert.Single(server.Sessions).MessageLengths);
        Assert.True(received > Size * 4 / 3, $"{received} bytes arrived");
    }

    [GeneratedRegex(@"SIZE=(\d+)")]
    private static partial Regex SizeParameter();
}
