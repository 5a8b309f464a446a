using System.Text;
using Herald.IntegrationTests.Support;
using Xunit;

namespace Herald.IntegrationTests.SmtpClientFacade;

/// <summary>
/// SmtpClient delivering to Postfix (25025) in plaintext: SendMessage with To, Cc and Bcc recipients, and SendBytes of
/// a ready-made message whose envelope comes from its own header fields; every recipient gets one copy and no delivered
/// header block names the Bcc recipient.
/// </summary>
public sealed class ClientDeliveryTests
{
    [Theory]
    [InlineData(Api.Sync)]
    [InlineData(Api.Async)]
    public async Task SendMessageDeliversToToCcAndBccWithoutABccHeader(Api api)
    {
        using var client = ClientPeer.Create(out var trace);
        client.TLS.TLSMode = SmtpClientTlsMode.NoTls;
        string id = Guid.NewGuid().ToString("N")[..12];
        string to = $"to-{id}@example.com", cc = $"cc-{id}@example.net", bcc = $"bcc-{id}@example.org";
        string marker = Peers.NewMarker();
        client.Msg.From = $"\"Client Tests\" <{ClientPeer.Sender}>";
        client.Msg.SendTo = $"\"Primary Person\" <{to}>";
        client.Msg.Cc = cc;
        client.Msg.Bcc = bcc;
        client.Msg.Subject = "SmtpClient delivery " + id;
        client.Msg.PlainText = "Hello from SmtpClient.\r\n.a line with a leading dot\r\nGrüße\r\n";
        client.Msg.Headers.Add(new Header("X-Herald-Test-Id", marker));

        await client.ConnectUsing(api, Peers.PostfixOpen, Peers.Host);
        await client.SendMessageUsing(api);
        await client.DisconnectUsing(api);

        var copies = (await Peers.WaitForCapturesAsync(Peers.CatchallMaildir, marker, 3)).Select(StoredMessage.Parse).ToList();
        Assert.Equal([bcc, cc, to], copies.Select(c => c.Header("X-Original-To")).Order());
        foreach (var copy in copies)
        {
            Assert.DoesNotContain(copy.FieldNames, name => name.Equals("Bcc", StringComparison.OrdinalIgnoreCase));
            Assert.DoesNotContain(bcc, copy.ClientHeaderBlock, StringComparison.OrdinalIgnoreCase);
            Assert.Equal($"\"Primary Person\" <{to}>", copy.Header("To"));
            Assert.Equal(cc, copy.Header("Cc"));
            Assert.Equal("Hello from SmtpClient.\r\n.a line with a leading dot\r\nGrüße\r\n", copy.Body);
        }
        Assert.Contains($"C: RCPT TO:<{bcc}>", trace);
        Assert.False(client.ConnInfo.ConnectionEstablished);
        Assert.False(client.ConnInfo.SecureConnection);
    }

    [Theory]
    [InlineData(Api.Sync)]
    [InlineData(Api.Async)]
    public async Task SendBytesTakesTheRecipientsFromTheHeaderFieldsAndDropsTheBccField(Api api)
    {
        using var client = ClientPeer.Create(out var trace);
        client.TLS.TLSMode = SmtpClientTlsMode.NoTls;
        string id = Guid.NewGuid().ToString("N")[..12];
        string to = $"raw-to-{id}@example.com", cc = $"raw-cc-{id}@example.net", bcc = $"raw-bcc-{id}@example.org";
        string marker = Peers.NewMarker();
        byte[] message = Encoding.UTF8.GetBytes(
            $"From: Raw Sender <raw-{id}@example.org>\r\n" +
            $"To: {to}\r\n" +
            $"Cc: {cc}\r\n" +
            $"Bcc: Hidden\r\n <{bcc}>\r\n" +
            "Subject: a ready-made message\r\n" +
            $"X-Herald-Test-Id: {marker}\r\n" +
            "\r\n" +
            "Body of the ready-made message.\n");

        await client.ConnectUsing(api, Peers.PostfixOpen, Peers.Host);
        await client.SendBytesUsing(api, message);
        await client.DisconnectUsing(api);

        Assert.Contains($"C: MAIL FROM:<raw-{id}@example.org> SIZE={message.Length - $"Bcc: Hidden\r\n <{bcc}>\r\n".Length + 1}", trace);
        Assert.Equal([$"C: RCPT TO:<{to}>", $"C: RCPT TO:<{cc}>", $"C: RCPT TO:<{bcc}>"],
            trace.Where(l => l.StartsWith("C: RCPT", StringComparison.Ordinal)));
        var copies = (await Peers.WaitForCapturesAsync(Peers.CatchallMaildir, marker, 3)).Select(StoredMessage.Parse).ToList();
        Assert.Equal([bcc, cc, to], copies.Select(c => c.Header("X-Original-To")).Order());
        foreach (var copy in copies)
        {
            Assert.DoesNotContain(copy.FieldNames, name => name.Equals("Bcc", StringComparison.OrdinalIgnoreCase));
            Assert.DoesNotContain(bcc, copy.ClientHeaderBlock, StringComparison.OrdinalIgnoreCase);
            Assert.Equal("a ready-made message", copy.Header("Subject"));
            Assert.Equal("Body of the ready-made message.\r\n", copy.Body);
        }
    }

    [Theory]
    [InlineData(Api.Sync)]
    [InlineData(Api.Async)]
    public async Task BinaryModeSendsWithBdatWhenPostfixOffersChunking(Api api)
    {
        using var client = ClientPeer.Create(out var trace);
        client.TLS.TLSMode = SmtpClientTlsMode.NoTls;
        client.Config("BinaryMode=True");
        client.Config("BinaryChunkSize=1024");
        string marker = Peers.NewMarker();
        ClientPeer.SetMessage(client, marker);
        client.Msg.PlainText = string.Concat(Enumerable.Repeat("A line of the chunked message.\r\n", 100)) + marker + "\r\n";

        await client.ConnectUsing(api, Peers.PostfixOpen, Peers.Host);
        await client.SendMessageUsing(api);
        await client.DisconnectUsing(api);

        var chunks = trace.Where(l => l.StartsWith("C: BDAT ", StringComparison.Ordinal)).ToList();
        Assert.True(chunks.Count >= 4, string.Join(", ", chunks));
        Assert.All(chunks.SkipLast(1), c => Assert.Equal("C: BDAT 1024", c));
        Assert.EndsWith(" LAST", chunks[^1]);
        Assert.DoesNotContain("C: DATA", trace);
        var stored = StoredMessage.Parse(await Peers.WaitForMaildirMessageAsync(marker));
        Assert.Equal(client.Msg.PlainText, stored.Body);
    }

    [Theory]
    [InlineData(Api.Sync)]
    [InlineData(Api.Async)]
    public async Task SendMessageComposesPlainTextHtmlAndAnAttachment(Api api)
    {
        using var client = ClientPeer.Create(out _);
        client.TLS.TLSMode = SmtpClientTlsMode.NoTls;
        string marker = Peers.NewMarker();
        ClientPeer.SetMessage(client, marker);
        client.Msg.HtmlText = "<p>Hello <b>HTML</b></p>";
        client.Msg.Attachments.Add("notes.txt", Encoding.UTF8.GetBytes("attached text\r\n"));
        Assert.Equal(1, client.Msg.AttachmentCount);

        await client.ConnectUsing(api, Peers.PostfixOpen, Peers.Host);
        await client.SendMessageUsing(api);
        await client.DisconnectUsing(api);

        var stored = StoredMessage.Parse(await Peers.WaitForMaildirMessageAsync(marker));
        Assert.StartsWith("multipart/mixed;", stored.Header("Content-Type"));
        Assert.Contains("Content-Type: multipart/alternative;", stored.Body);
        Assert.Contains("<p>Hello <b>HTML</b></p>", stored.Body);
        Assert.Contains("filename=notes.txt", stored.Body);
        Assert.Contains(Convert.ToBase64String(Encoding.UTF8.GetBytes("attached text\r\n")), stored.Body);
    }

    [Theory]
    [InlineData(Api.Sync)]
    [InlineData(Api.Async)]
    public async Task ARefusedBccFiresErrorAndTheOthersGetTheMessage(Api api)
    {
        using var client = ClientPeer.Create(out _);
        client.TLS.TLSMode = SmtpClientTlsMode.NoTls;
        var errors = new List<SmtpClientErrorEventArgs>();
        client.Error += (_, e) => errors.Add(e);
        string marker = Peers.NewMarker();
        ClientPeer.SetMessage(client, marker, $"kept-{Guid.NewGuid():N}@example.com");
        client.Msg.Bcc = $"{Peers.RejectPrefix}-{Guid.NewGuid():N}@example.com";

        await client.ConnectUsing(api, Peers.PostfixOpen, Peers.Host);
        await client.SendMessageUsing(api);
        await client.DisconnectUsing(api);

        var error = Assert.Single(errors);
        Assert.Equal(SmtpErrorCodes.ProtocolError, error.ErrorCode);
        Assert.Contains("550 5.1.1", error.Description);
        Assert.Contains(client.Msg.Bcc, error.Description);
        Assert.Contains(marker, await Peers.WaitForMaildirMessageAsync(marker));
    }
}
