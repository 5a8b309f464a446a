using System.Globalization;
using System.Text;
using Herald.IntegrationTests.Support;
using Xunit;

namespace Herald.IntegrationTests;

/// <summary>
/// Plaintext sends to Postfix that land in the catch-all Maildir: every recipient gets exactly one copy, each copy
/// carries exactly the headers the component computed (and no trace of the Bcc recipient), and the body arrives byte
/// for byte, on a server with PIPELINING and 8BITMIME (25025) and on one with neither (25026).
/// </summary>
public sealed class DeliveryTests
{
    // A body that exercises the transfer rules: lines starting with "." (doubled on the wire, RFC 5321 §4.5.2), a lone
    // "." (which would end DATA if not stuffed), non-ASCII text (8BITMIME or quoted-printable), a 998-character line
    // (the longest RFC 5322 §2.1.1 allows), a bare LF (sent as CRLF) and no final line break (the transfer adds one).
    private static readonly string s_body = string.Join("\r\n",
        "Hello from the Herald integration tests.",
        ".a line that starts with a dot",
        ".",
        "..two dots",
        "",
        "Grüße aus Köln, 你好, ça va? 😀",
        new string('L', 990) + "-998-end",
        "a bare LF follows\nand this is the next line",
        "the last line has no line break");

    private static string ExpectedStoredBody => s_body.Replace("\nand", "\r\nand", StringComparison.Ordinal) + "\r\n";

    [Theory]
    [InlineData(Peers.PostfixOpen, Api.Sync)]
    [InlineData(Peers.PostfixOpen, Api.Async)]
    [InlineData(Peers.PostfixBare, Api.Sync)]
    [InlineData(Peers.PostfixBare, Api.Async)]
    public async Task EveryRecipientGetsOneCopyWithTheComputedHeadersAndTheExactBody(int port, Api api)
    {
        using var smtp = Clients.For(port, out var trace);
        var sent = RecordTransfer(smtp);
        string id = Guid.NewGuid().ToString("N")[..12];
        string to = $"to-{id}@example.com", cc = $"cc-{id}@example.net", bcc = $"bcc-{id}@example.org";
        smtp.From = $"\"Herald Tests\" <{Clients.Sender}>";
        smtp.SendTo = $"\"Primary Person\" <{to}>";
        smtp.Cc = cc;
        smtp.BCc = bcc;
        smtp.Subject = "Delivery check " + id;
        smtp.MessageText = s_body;
        string marker = Clients.Mark(smtp);

        await smtp.SendUsing(api);

        var copies = (await Peers.WaitForCapturesAsync(Peers.CatchallMaildir, marker, 3)).Select(StoredMessage.Parse).ToList();
        Assert.Equal([bcc, cc, to], copies.Select(c => c.Header("X-Original-To")).Order());

        // What went out in DATA (before dot-stuffing): the computed header block, a blank line, the body.
        string data = Encoding.UTF8.GetString(sent.ToArray());
        int blank = data.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        string sentHeaders = data[..(blank + 2)];
        var headers = StoredMessage.Parse(data).Fields.ToDictionary(f => f.Name, f => f.Value.TrimStart());
        bool eightBit = port == Peers.PostfixOpen;
        Assert.Equal(
            ["From", "To", "Cc", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type", "Content-Transfer-Encoding",
             "X-Herald-Test-Id"],
            headers.Keys);
        Assert.Equal($"\"Herald Tests\" <{Clients.Sender}>", headers["From"]);
        Assert.Equal($"\"Primary Person\" <{to}>", headers["To"]);
        Assert.Equal(cc, headers["Cc"]);
        Assert.Equal("Delivery check " + id, headers["Subject"]);
        Assert.Equal(eightBit ? "8bit" : "quoted-printable", headers["Content-Transfer-Encoding"]);
        Assert.Equal("text/plain; charset=utf-8", headers["Content-Type"], ignoreCase: true);
        AssertRecentDate(headers["Date"]);
        Assert.Matches("^<[^<>@ ]+@[^<>@ ]+>$", headers["Message-ID"]);
        // BODY=8BITMIME is declared exactly when the body goes out as 8-bit (RFC 6152 §3).
        Assert.Equal(eightBit, trace.Client.Single(l => l.StartsWith("MAIL FROM:", StringComparison.Ordinal)).Contains(" BODY=8BITMIME"));

        string transferText = smtp.Config("TransferText");
        // TransferText is the body as sent: line ends made CRLF, and the CRLF the transfer adds to an unterminated last
        // line included, so MessageHeadersString + TransferText is exactly what the server received.
        string expectedTransfer = System.Text.RegularExpressions.Regex.Replace(data[(blank + 4)..], "(?<!\r)\n", "\r\n");
        Assert.Equal(expectedTransfer.EndsWith("\r\n", StringComparison.Ordinal) ? expectedTransfer : expectedTransfer + "\r\n",
            transferText);
        foreach (var copy in copies)
        {
            // Postfix and the Maildir delivery add only their trace fields in front; the rest is what the client wrote.
            Assert.Equal(sentHeaders, copy.ClientHeaderBlock);
            Assert.DoesNotContain(copy.FieldNames, name => name.Equals("Bcc", StringComparison.OrdinalIgnoreCase));
            Assert.DoesNotContain(bcc, copy.ClientHeaderBlock, StringComparison.OrdinalIgnoreCase);
            Assert.Equal(headers["Message-ID"], copy.Header("Message-ID"));
            // The stored body is exactly what was sent.
            Assert.Equal(transferText, copy.Body);
            Assert.Equal(ExpectedStoredBody, eightBit ? copy.Body : QuotedPrintableDecode(copy.Body));
        }

        // Exactly one copy per recipient: a second look, after Postfix had time to deliver any duplicate, finds no more.
        await Task.Delay(500);
        Assert.Equal(3, (await Peers.WaitForCapturesAsync(Peers.CatchallMaildir, marker, 3)).Count);
        // The Bcc recipient appears in the envelope only.
        Assert.Contains($"RCPT TO:<{bcc}>", trace.Client);
        AssertEnvelopeWasPipelined(trace, pipelined: port == Peers.PostfixOpen);
    }

    /// <summary>
    /// MessageHeaders and MessageHeadersString document that after a send they hold the headers that were sent. Checked
    /// against the copy Postfix stored, for a body that goes out as 8-bit (25025) and as quoted-printable (25026, no
    /// 8BITMIME).
    /// </summary>
    [Theory]
    [InlineData(Peers.PostfixOpen)]
    [InlineData(Peers.PostfixBare)]
    public async Task AfterASendMessageHeadersStringIsWhatWasSent(int port)
    {
        using var smtp = Clients.For(port, out _);
        smtp.SendTo = "headers@example.com";
        smtp.Subject = "headers after send";
        smtp.MessageText = "Grüße\r\n";
        string marker = Clients.Mark(smtp);

        await smtp.SendUsing(Api.Sync);

        var copy = StoredMessage.Parse(await Peers.WaitForMaildirMessageAsync(marker));
        Assert.Equal(copy.ClientHeaderBlock + "\r\n", smtp.MessageHeadersString);
        Assert.Equal(copy.Header("Message-ID"), smtp.MessageHeaders.Single(h => h.Field == "Message-ID").Value);
    }

    [Theory]
    [InlineData(Api.Sync)]
    [InlineData(Api.Async)]
    public async Task AnOpenSessionSendsTwoMessagesWithDistinctIds(Api api)
    {
        using var smtp = Clients.For(Peers.PostfixOpen, out var trace);
        smtp.SendTo = "twice@example.com";
        smtp.Subject = "first";
        smtp.MessageText = "first body";
        string first = Clients.Mark(smtp);
        await smtp.ConnectUsing(api);
        await smtp.SendUsing(api);
        string firstId = smtp.MessageHeaders.Single(h => h.Field == "Message-ID").Value;
        smtp.Subject = "second";
        smtp.MessageText = "second body";
        string second = Clients.Mark(smtp);
        await smtp.SendUsing(api);
        Assert.True(smtp.Connected);
        await smtp.DisconnectUsing(api);

        var one = StoredMessage.Parse(await Peers.WaitForMaildirMessageAsync(first));
        var two = StoredMessage.Parse(await Peers.WaitForMaildirMessageAsync(second));
        Assert.Equal("first body\r\n", one.Body);
        Assert.Equal("second body\r\n", two.Body);
        Assert.Equal(firstId, one.Header("Message-ID"));
        Assert.NotEqual(one.Header("Message-ID"), two.Header("Message-ID"));
        // One connection: one greeting, and the second transaction starts with RSET (SendRSET defaults to True).
        Assert.Single(trace.Server, line => line.StartsWith("220 ", StringComparison.Ordinal));
        Assert.Single(trace.Client, line => line == "RSET");
    }

    /// <summary>
    /// With PIPELINING (RFC 2920) the commands from MAIL to DATA (or, with CHUNKING, to the last RCPT) go out before any
    /// of their replies is read, so the trace shows them back to back; without it every command waits for its reply.
    /// </summary>
    private static void AssertEnvelopeWasPipelined(TraceLog trace, bool pipelined)
    {
        var lines = trace.Lines.Where(l => l.Direction is 0 or 1).ToList();
        int mail = lines.FindIndex(l => l.Direction == 0 && l.Message.StartsWith("MAIL FROM:", StringComparison.Ordinal));
        int data = lines.FindIndex(l => l.Direction == 0 && l.Message == "DATA");
        if (data < 0)
        {
            data = lines.FindLastIndex(l => l.Direction == 0 && l.Message.StartsWith("RCPT TO:", StringComparison.Ordinal));
        }
        Assert.True(mail >= 0 && data > mail, trace.ToString());
        var envelope = lines[mail..(data + 1)];
        if (pipelined)
        {
            Assert.All(envelope, l => Assert.Equal(0, l.Direction));
        }
        else
        {
            Assert.Contains(envelope, l => l.Direction == 1);
        }
    }

    /// <summary>Collects the message bytes as the component hands them to the transfer (OnTransfer).</summary>
    private static MemoryStream RecordTransfer(Smtp smtp)
    {
        var sent = new MemoryStream();
        smtp.OnTransfer += (_, e) => sent.Write(e.TextB);
        return sent;
    }

    private static void AssertRecentDate(string value)
    {
        // RFC 5322 §3.3: "Sun, 22 Nov 2026 08:29:49 +0000" (the day of the week is optional, but Herald writes it).
        var match = System.Text.RegularExpressions.Regex.Match(value,
            @"^[A-Z][a-z]{2}, (\d{1,2} [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d) ([+-]\d\d)(\d\d)$");
        Assert.True(match.Success, $"Date \"{value}\" is not in the RFC 5322 form");
        var date = DateTimeOffset.ParseExact($"{match.Groups[1].Value} {match.Groups[2].Value}:{match.Groups[3].Value}",
            "d MMM yyyy HH:mm:ss zzz", CultureInfo.InvariantCulture);
        Assert.InRange(date, DateTimeOffset.Now.AddMinutes(-2), DateTimeOffset.Now.AddMinutes(1));
    }

    /// <summary>Decodes a quoted-printable body (RFC 2045 §6.7) as UTF-8, keeping its CRLF line breaks.</summary>
    private static string QuotedPrintableDecode(string encoded)
    {
        var bytes = new List<byte>(encoded.Length);
        for (int i = 0; i < encoded.Length; i++)
        {
            char c = encoded[i];
            if (c != '=')
            {
                bytes.Add((byte)c);
            }
            else if (encoded.AsSpan(i + 1).StartsWith("\r\n"))
            {
                i += 2; // soft line break
            }
            else
            {
                bytes.Add(byte.Parse(encoded.AsSpan(i + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                i += 2;
            }
        }
        return Encoding.UTF8.GetString([.. bytes]);
    }
}
