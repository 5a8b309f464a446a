using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Herald.Tests.Infrastructure;
using MimeKit;
using Xunit;

namespace Herald.Tests.Message.Mime;

/// <summary>
/// <see cref="EmailMessageContent"/>: an EmailMessage sent through <see cref="Smtp.SetMessageContent"/> arrives as
/// exactly what <see cref="EmailMessage.WriteTo"/> writes, with <c>SIZE=</c> equal to the bytes received, and every
/// write of one content gives the same bytes.
/// </summary>
public partial class EmailMessageContentTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("herald-content-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static byte[] Random(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private EmailMessage Sample()
    {
        string file = Path.Combine(_folder, "Bericht über 2025.pdf");
        File.WriteAllBytes(file, Random(70_001, 1));
        string logo = Path.Combine(_folder, "logo.png");
        File.WriteAllBytes(logo, Random(5_000, 2));
        var message = new EmailMessage
        {
            From = "\"Jörg\" <joerg@example.org>",
            SendTo = "bob@example.com",
            Cc = "carol@example.com",
            Bcc = "secret@example.com",
            Subject = "Report: Grüße",
            PlainText = "Hi Bob,\n.the report is attached.\nGrüße\n",
            HtmlText = "<p>Hi Bob, <img src=\"cid:logo.png\"></p>",
        };
        message.Attachments.Add(file);
        message.Attachments.AddInline(logo);
        message.Attachments.Add("notes.txt", Encoding.UTF8.GetBytes("line one\nline two\n"), "text/plain");
        return message;
    }

    /// <summary>The bytes with every multipart boundary replaced by its number, in order of first appearance.</summary>
    private static string WithoutBoundaries(byte[] bytes)
    {
        string text = Encoding.ASCII.GetString(bytes);
        var boundaries = Boundary().Matches(text).Select(m => m.Groups[1].Value).Distinct().ToList();
        Assert.NotEmpty(boundaries);
        for (int i = 0; i < boundaries.Count; i++)
        {
            text = text.Replace(boundaries[i], $"BOUNDARY{i}", StringComparison.Ordinal);
        }
        return text;
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public async Task Smtp_delivers_exactly_what_WriteTo_writes_with_an_exact_SIZE(bool isAsync, bool chunking)
    {
        await using var server = new FakeSmtpServer();
        if (chunking)
        {
            server.Capabilities.Add("CHUNKING");
        }
        using var message = Sample();
        message.Date = "Sat, 14 Mar 2026 15:09:26 +0100"; // WriteTo below must write the same Date and Message-ID
        message.ID = "<report-1@example.org>";
        using var smtp = new Smtp { MailServer = server.Host, MailPort = server.Port, Timeout = 20 };
        smtp.Config("ChunkSize=4096");
        smtp.ReturnPath = "joerg@example.org";
        smtp.SendTo = "bob@example.com, carol@example.com, secret@example.com";
        var content = new EmailMessageContent(message);
        smtp.SetMessageContent(content);

        if (isAsync)
        {
            await smtp.SendAsync();
        }
        else
        {
            await Task.Factory.StartNew(smtp.Send, TaskCreationOptions.LongRunning);
        }

        var received = Assert.Single(server.Sessions[0].Messages);
        var expected = new MemoryStream();
        message.WriteTo(expected);
        Assert.Equal(WithoutBoundaries(expected.ToArray()), WithoutBoundaries(received.Content));
        Assert.Equal(content.Length, received.Content.Length);
        Assert.Equal(received.Content.Length,
            long.Parse(SizeParameter().Match(received.MailLine).Groups[1].Value, CultureInfo.InvariantCulture));
        Assert.DoesNotContain("BODY=8BITMIME", received.MailLine, StringComparison.Ordinal);
        Assert.DoesNotContain(received.Content, b => b > 127);
        Assert.Equal(chunking, received.ViaBdat);
        Assert.DoesNotContain("secret@example.com", received.Text, StringComparison.Ordinal);

        // An independent parser finds every part, name, type and byte.
        var parsed = MimeMessage.Load(new MemoryStream(received.Content));
        Assert.Equal("Report: Grüße", parsed.Subject);
        Assert.Equal("Hi Bob,\n.the report is attached.\nGrüße\n", parsed.TextBody!.ReplaceLineEndings("\n"));
        var attachments = parsed.Attachments.OfType<MimePart>().ToList();
        Assert.Equal(["Bericht über 2025.pdf", "notes.txt"], attachments.Select(a => a.FileName));
        Assert.Equal(["application/pdf", "text/plain"], attachments.Select(a => a.ContentType.MimeType));
        Assert.Equal(Random(70_001, 1), Decoded(attachments[0]));
        Assert.Equal("line one\nline two\n"u8.ToArray(), Decoded(attachments[1]));
        var logo = parsed.BodyParts.OfType<MimePart>().Single(p => p.ContentId == "logo.png");
        Assert.Equal(Random(5_000, 2), Decoded(logo));
    }

    [Fact]
    public async Task Every_write_gives_the_same_bytes_with_the_date_id_and_boundaries_of_the_first()
    {
        using var message = Sample(); // Date and Message-ID left to be generated
        var content = new EmailMessageContent(message);

        var first = new MemoryStream();
        content.WriteTo(first, CancellationToken.None);
        await Task.Delay(1100); // a second later: a Date taken now would differ
        var second = new MemoryStream();
        await content.WriteToAsync(second, CancellationToken.None);
        var third = new MemoryStream();
        content.WriteTo(third, CancellationToken.None);

        Assert.Equal(content.Length, first.Length);
        Assert.Equal(first.ToArray(), second.ToArray());
        Assert.Equal(first.ToArray(), third.ToArray());
        Assert.Contains($"Message-ID: {content.MessageId}\r\n", Encoding.ASCII.GetString(first.ToArray()), StringComparison.Ordinal);
        Assert.NotEqual(content.MessageId, new EmailMessageContent(message).MessageId);
    }

    [Fact]
    public void A_message_changed_after_the_content_was_made_is_refused_before_anything_is_written()
    {
        using var message = Sample();
        var content = new EmailMessageContent(message);
        content.WriteTo(Stream.Null, CancellationToken.None);
        message.Subject += " (corrected)";

        var output = new MemoryStream();
        var e = Assert.Throws<SmtpException>(() => content.WriteTo(output, CancellationToken.None));

        Assert.Equal(SmtpErrorCodes.InvalidArgument, e.Code);
        Assert.Contains("changed after its EmailMessageContent was made", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, output.Length);
    }

    [Fact]
    public async Task An_attachment_stream_that_cannot_seek_is_sent_without_SIZE()
    {
        await using var server = new FakeSmtpServer();
        using var message = new EmailMessage { From = "a@example.org", SendTo = "b@example.com", PlainText = "see attached" };
        message.Attachments.Add("data.bin", new ForwardOnlyStream(Random(10_000, 3)));
        var content = new EmailMessageContent(message);
        using var smtp = new Smtp { MailServer = server.Host, MailPort = server.Port, Timeout = 20, From = "a@example.org" };
        smtp.SendTo = "b@example.com";
        smtp.SetMessageContent(content);

        await smtp.SendAsync();

        Assert.Equal(-1, content.Length);
        var received = Assert.Single(server.Sessions[0].Messages);
        Assert.DoesNotContain("SIZE=", received.MailLine, StringComparison.Ordinal);
        var parsed = MimeMessage.Load(new MemoryStream(received.Content));
        Assert.Equal(Random(10_000, 3), Decoded(Assert.IsType<MimePart>(Assert.Single(parsed.Attachments))));
    }

    [Fact]
    public void The_content_checks_the_message_when_it_is_made()
    {
        Assert.Throws<ArgumentNullException>(() => new EmailMessageContent(null!));
        var e = Assert.Throws<SmtpException>(() => new EmailMessageContent(new EmailMessage { SendTo = "b@example.com" }));
        Assert.Equal(SmtpErrorCodes.NoSender, e.Code);
    }

    private static byte[] Decoded(MimePart part)
    {
        var output = new MemoryStream();
        part.Content!.DecodeTo(output);
        return output.ToArray();
    }

    [GeneratedRegex(@"SIZE=(\d+)")]
    private static partial Regex SizeParameter();

    [GeneratedRegex("boundary=\"([^\"]+)\"")]
    private static partial Regex Boundary();
}
