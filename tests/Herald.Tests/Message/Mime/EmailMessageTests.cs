using System.Text;
using MimeKit;
using Xunit;
using static Herald.Tests.Message.Mime.MimeTestKit;

namespace Herald.Tests.Message.Mime;

/// <summary>The public message type: its header fields, its validation and the envelope it implies.</summary>
public class EmailMessageTests
{
    private static string HeadOf(byte[] bytes)
    {
        var text = Encoding.UTF8.GetString(bytes);
        return text[..text.IndexOf("\r\n\r\n", StringComparison.Ordinal)];
    }

    [Fact]
    public void Header_fields_come_from_the_properties_and_bcc_never_appears()
    {
        using var message = new EmailMessage
        {
            From = "\"Jörg Müller\" <joerg@example.org>",
            Sender = "assistant@example.org",
            SendTo = "\"Bob\" <bob@example.com>, carol@example.com",
            Cc = "dave@example.net",
            Bcc = "hidden@example.org, \"Also Hidden\" <hidden2@example.org>",
            ReplyTo = "replies@example.org",
            Subject = "Über das Angebot",
            InReplyTo = "abc@example.com",
            References = "<one@example.com> two@example.com",
            Keywords = "offer, 2026",
            Comments = "Kommentar ✓",
            Mailer = "Herald",
            Priority = EmailPriority.Highest,
            DeliveryReceipt = true,
            ReadReceipt = true,
            PlainText = "x",
        };
        var bytes = Produce(message).Bytes;
        var head = HeadOf(bytes);
        Assert.DoesNotContain("hidden", head, StringComparison.OrdinalIgnoreCase);
        // No Bcc field (the random Message-ID may hold the letters "bcc" in its hex digits, so field names are compared).
        Assert.DoesNotContain(head.Split("\r\n"), line => line.StartsWith("Bcc:", StringComparison.OrdinalIgnoreCase));
        Assert.True(Ascii.IsValid(head), "non-ASCII header text goes as encoded words");

        var parsed = Parse(bytes);
        var from = Assert.Single(parsed.From.Mailboxes);
        Assert.Equal("Jörg Müller", from.Name);
        Assert.Equal("joerg@example.org", from.Address);
        Assert.Equal("assistant@example.org", parsed.Sender!.Address);
        Assert.Equal(["bob@example.com", "carol@example.com"], parsed.To.Mailboxes.Select(m => m.Address));
        Assert.Equal("Bob", parsed.To.Mailboxes.First().Name);
        Assert.Equal("dave@example.net", parsed.Cc.Mailboxes.Single().Address);
        Assert.Empty(parsed.Bcc);
        Assert.Equal("replies@example.org", parsed.ReplyTo.Mailboxes.Single().Address);
        Assert.Equal("Über das Angebot", parsed.Subject);
        Assert.Equal("abc@example.com", parsed.InReplyTo);
        Assert.Equal(["one@example.com", "two@example.com"], parsed.References);
        Assert.Equal("offer, 2026", parsed.Headers[HeaderId.Keywords]);
        Assert.Equal("Kommentar ✓", parsed.Headers[HeaderId.Comments]);
        Assert.Equal("Herald", parsed.Headers[HeaderId.XMailer]);
        Assert.Equal(XMessagePriority.Highest, parsed.XPriority);
        Assert.Equal(MessageImportance.High, parsed.Importance);
        Assert.Equal("assistant@example.org", InternetAddressList.Parse(parsed.Headers["Return-Receipt-To"]!).Mailboxes.Single().Address);
        Assert.Equal("assistant@example.org",
            InternetAddressList.Parse(parsed.Headers[HeaderId.DispositionNotificationTo]!).Mailboxes.Single().Address);
        Assert.Equal(MimeTestKit.FixedTime, parsed.Date);
        Assert.EndsWith("@example.org", parsed.MessageId, StringComparison.Ordinal);
    }

    [Fact]
    public void Date_and_id_are_generated_unless_given_and_a_given_id_gets_its_brackets()
    {
        using var message = new EmailMessage { From = "a@example.org", Date = "Tue, 1 Jul 2025 10:00:00 +0200", ID = "given@example.org" };
        var head = HeadOf(Produce(message).Bytes);
        Assert.Contains("\r\nDate: Tue, 1 Jul 2025 10:00:00 +0200", head, StringComparison.Ordinal);
        Assert.Contains("\r\nMessage-ID: <given@example.org>", head, StringComparison.Ordinal);

        using var generated = new EmailMessage { From = "a@mail.example.org" };
        var first = Produce(generated);
        var second = Produce(generated);
        Assert.Equal(FixedTime, Parse(first.Bytes).Date);
        Assert.NotEqual(first.Source.MessageId, second.Source.MessageId);
        Assert.Matches("^<[0-9a-f]{64}@mail\\.example\\.org>$", first.Source.MessageId);
    }

    [Fact]
    public void Normal_priority_and_no_receipts_write_no_such_headers()
    {
        using var message = new EmailMessage { From = "a@example.org", PlainText = "x" };
        var head = HeadOf(Produce(message).Bytes);
        foreach (var name in new[] { "X-Priority", "Importance", "Return-Receipt-To", "Disposition-Notification-To", "X-Mailer", "Sender" })
        {
            Assert.DoesNotContain(name + ":", head, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public void Extra_headers_are_written_encoded_when_needed_and_may_replace_the_optional_ones()
    {
        using var message = new EmailMessage { From = "a@example.org", Mailer = "Herald", Priority = EmailPriority.Low };
        message.Headers.Add("X-Campaign", "Frühling 2026");
        message.Headers.Add("List-Unsubscribe", "<mailto:unsubscribe@example.org>");
        message.Headers.Add("X-Mailer", "Custom Mailer 2.0");
        var output = Produce(message);
        var parsed = Parse(output.Bytes);
        Assert.Equal("Frühling 2026", parsed.Headers["X-Campaign"]);
        Assert.Equal("<mailto:unsubscribe@example.org>", parsed.Headers["List-Unsubscribe"]);
        Assert.Equal(["Custom Mailer 2.0"], parsed.Headers.Where(h => h.Id == HeaderId.XMailer).Select(h => h.Value));
        Assert.Equal("4 (Low)", parsed.Headers[HeaderId.XPriority]);
        Assert.Contains(output.Source.Headers.Fields, f => f.Key == "X-Campaign");
        Assert.Contains(output.Source.Headers.Fields, f => f is { Key: "Content-Type", Value: "text/plain; charset=utf-8" });
    }

    [Theory]
    [InlineData("Bcc")]
    [InlineData("to")]
    [InlineData("Subject")]
    [InlineData("Message-ID")]
    [InlineData("MIME-Version")]
    [InlineData("Content-Type")]
    [InlineData("content-transfer-encoding")]
    public void Extra_headers_may_not_hold_fields_the_message_decides(string name)
    {
        using var message = new EmailMessage { From = "a@example.org" };
        message.Headers.Add(name, "x");
        var e = Assert.Throws<SmtpException>(() => Produce(message));
        Assert.Equal(SmtpErrorCodes.InvalidArgument, e.Code);
        Assert.Contains(name, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Bad Name", "x")]
    [InlineData("X-Inject", "a\r\nBcc: victim@example.org")]
    [InlineData("X-Nul", "a\0b")]
    public void Extra_headers_are_checked(string name, string value)
    {
        using var message = new EmailMessage { From = "a@example.org" };
        message.Headers.Add(name, value);
        Assert.Equal(SmtpErrorCodes.InvalidArgument, Assert.Throws<SmtpException>(() => Produce(message)).Code);
    }

    public static TheoryData<Action<EmailMessage>> InjectingSetters() => new()
    {
        m => m.From = "a@example.org\r\nBcc: x@example.org",
        m => m.Sender = "a@example.org\n",
        m => m.SendTo = "b@example.com\rRCPT TO:<x@example.org>",
        m => m.Cc = "c@example.com\n",
        m => m.Bcc = "d@example.com\0",
        m => m.ReplyTo = "e@example.com\r\n",
        m => m.ReturnPath = "f@example.com\r\n",
        m => m.Subject = "Hi\r\nBcc: x@example.org",
        m => m.Date = "today\n",
        m => m.ID = "<x@y>\r\n",
        m => m.InReplyTo = "<x@y>\n",
        m => m.References = "<x@y>\r",
        m => m.Keywords = "a\nb",
        m => m.Comments = "a\rb",
        m => m.Mailer = "m\0",
    };

    [Theory]
    [MemberData(nameof(InjectingSetters))]
    public void Line_breaks_in_any_header_property_are_refused_when_set(Action<EmailMessage> set)
    {
        using var message = new EmailMessage();
        var e = Assert.Throws<SmtpException>(() => set(message));
        Assert.Equal(SmtpErrorCodes.InvalidArgument, e.Code);
        Assert.Contains("line break", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not an address")]
    [InlineData("\"unclosed <a@example.org>")]
    [InlineData("a@")]
    public void Malformed_address_lists_are_refused_when_set(string list)
    {
        using var message = new EmailMessage();
        Assert.Equal(SmtpErrorCodes.InvalidArgument, Assert.Throws<SmtpException>(() => message.SendTo = list).Code);
        Assert.Equal(SmtpErrorCodes.InvalidArgument, Assert.Throws<SmtpException>(() => message.From = list).Code);
    }

    [Fact]
    public void Sender_and_return_path_take_exactly_one_address()
    {
        using var message = new EmailMessage();
        Assert.Equal(SmtpErrorCodes.InvalidArgument, Assert.Throws<SmtpException>(() => message.Sender = "a@x.org, b@x.org").Code);
        Assert.Equal(SmtpErrorCodes.InvalidArgument, Assert.Throws<SmtpException>(() => message.ReturnPath = "a@x.org, b@x.org").Code);
        message.ReturnPath = " <> ";
        Assert.Equal("<>", message.ReturnPath);
    }

    [Fact]
    public void A_message_needs_a_sender_and_one_sender_among_several_authors()
    {
        using var message = new EmailMessage { SendTo = "b@example.com" };
        Assert.Equal(SmtpErrorCodes.NoSender, Assert.Throws<SmtpException>(() => Produce(message)).Code);
        Assert.Equal(SmtpErrorCodes.NoSender, Assert.Throws<SmtpException>(() => message.GetEnvelope()).Code);
        message.From = "a@example.org, c@example.org";
        var e = Assert.Throws<SmtpException>(() => Produce(message));
        Assert.Equal(SmtpErrorCodes.InvalidArgument, e.Code);
        Assert.Contains("Sender", e.Message, StringComparison.Ordinal);
        message.Sender = "c@example.org";
        Assert.Equal(2, Parse(Produce(message).Bytes).From.Count);
    }

    [Fact]
    public void The_envelope_takes_return_path_then_sender_then_from_and_every_recipient()
    {
        using var message = new EmailMessage
        {
            From = "\"A\" <a@example.org>",
            SendTo = "\"B\" <b@example.com>, c@example.com",
            Cc = "d@example.com",
            Bcc = "e@example.com",
        };
        var envelope = message.GetEnvelope();
        Assert.Equal("a@example.org", envelope.ReversePath);
        Assert.Equal(["b@example.com", "c@example.com"], envelope.To);
        Assert.Equal(["d@example.com"], envelope.Cc);
        Assert.Equal(["e@example.com"], envelope.Bcc);
        Assert.Equal(["b@example.com", "c@example.com", "d@example.com", "e@example.com"], envelope.Recipients);
        message.Sender = "s@example.org";
        Assert.Equal("s@example.org", message.GetEnvelope().ReversePath);
        message.ReturnPath = "bounces@example.org";
        Assert.Equal("bounces@example.org", message.GetEnvelope().ReversePath);
        message.ReturnPath = "<>";
        Assert.Equal("", message.GetEnvelope().ReversePath);
    }

    [Fact]
    public void Attachment_settings_are_checked()
    {
        using var message = new EmailMessage { From = "a@example.org" };
        var ex = Assert.Throws<SmtpException>(() => message.Attachments.Add("a.eml", "x"u8.ToArray(), "message/rfc822"));
        Assert.Contains("RFC 2045 §6.4", ex.Message, StringComparison.Ordinal);
        Assert.Throws<SmtpException>(() => message.Attachments.Add("a", "x"u8.ToArray(), "not a type"));
        Assert.Throws<SmtpException>(() => message.Attachments.Add("a\r\nX: y", "x"u8.ToArray()));
        Assert.Throws<SmtpException>(() => message.Attachments.AddInline("a.png", "x"u8.ToArray(), "cid:a.png"));
        Assert.Throws<SmtpException>(() => message.Attachments.AddInline("a.png", "x"u8.ToArray(), "two words"));
        Assert.Equal("a.png", message.Attachments.AddInline("a.png", "x"u8.ToArray(), "<a.png>").ContentId);
        message.HtmlText = "<img src=\"cid:a.png\">";
        message.Attachments.AddInline("b.png", "y"u8.ToArray(), "a.png");
        var e = Assert.Throws<SmtpException>(() => Produce(message));
        Assert.Contains("a.png", e.Message, StringComparison.Ordinal);
        Assert.Equal(2, message.AttachmentCount); // the refused ones were not added
    }

    [Fact]
    public void Inline_file_attachments_take_the_file_name_as_content_id()
    {
        var path = Path.Combine(Path.GetTempPath(), $"herald-logo-{Guid.NewGuid():N}.png");
        File.WriteAllBytes(path, [1, 2, 3]);
        try
        {
            using var message = new EmailMessage { From = "a@example.org", HtmlText = "<img src=\"cid:logo\">" };
            var attachment = message.Attachments.AddInline(path);
            Assert.Equal(Path.GetFileName(path), attachment.ContentId);
            Assert.Equal("image/png", attachment.ContentType);
            Assert.Equal(3, attachment.Length);
            Assert.True(attachment.IsInline);
            Assert.Equal(Path.GetFullPath(path), attachment.FilePath);
            var related = Assert.IsType<MultipartRelated>(Parse(Produce(message).Bytes).Body);
            Assert.Equal(new byte[] { 1, 2, 3 }, Decoded((MimePart)related[1]));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task WriteTo_and_WriteToAsync_write_the_message_and_return_its_length()
    {
        using var message = new EmailMessage { From = "a@example.org", SendTo = "b@example.com", PlainText = "Grüße", ID = "<x@y>" };
        message.Attachments.Add("a.bin", AllByteValues());
        var sync = new MemoryStream();
        long written = message.WriteTo(sync);
        Assert.Equal(sync.Length, written);
        Assert.True(sync.ToArray().All(b => b < 128), "without 8-bit the output is 7-bit");
        var async = new MemoryStream();
        long writtenAsync = await message.WriteToAsync(async, allow8Bit: true);
        Assert.Equal(async.Length, writtenAsync);
        Assert.Contains(async.ToArray(), b => b > 127);
        var mixed = Assert.IsType<Multipart>(Parse(async.ToArray()).Body);
        Assert.Equal(AllByteValues(), Decoded((MimePart)mixed[1]));
    }

    [Fact]
    public void Dispose_closes_owned_streams_only()
    {
        var owned = new MemoryStream([1]);
        var borrowed = new MemoryStream([2]);
        var message = new EmailMessage();
        message.Attachments.Add("owned", owned);
        message.Attachments.Add("borrowed", borrowed, leaveOpen: true);
        message.Dispose();
        Assert.False(owned.CanRead);
        Assert.True(borrowed.CanRead);
    }

    [Fact]
    public void Non_ascii_addresses_are_sent_as_utf8_and_mark_the_message_8bit()
    {
        using var message = new EmailMessage { From = "a@example.org", SendTo = "jörg@bücher.example", PlainText = "x" };
        var output = Produce(message);
        Assert.True(output.Is8Bit);
        Assert.Contains("To: jörg@bücher.example\r\n", Encoding.UTF8.GetString(output.Bytes), StringComparison.Ordinal);
    }
}
