using System.Text;
using MimeKit;
using Xunit;
using static Herald.Tests.Message.Mime.MimeTestKit;

namespace Herald.Tests.Message.Mime;

/// <summary>
/// Every shape of message is written, read back by MimeKit (an independent parser) and compared part by part: structure,
/// content types, file names, Content-IDs and every byte of every attachment.
/// </summary>
public sealed class MimeRoundTripTests : IDisposable
{
    private const string Plain = "Hello Bob,\r\n\r\nthe report is attached.\r\n.\r\nA line with a dot, and one\nwith a bare LF.";
    private const string PlainUnicode = "Grüße aus Köln ✓ — 日本語 😀\nSecond line\r\nThird";
    private const string Html = "<html><body><p>Hello <b>Bob</b></p><img src=\"cid:logo.png\"></body></html>\r\n";
    private static readonly byte[] Png = [0x89, (byte)'P', (byte)'N', (byte)'G', 13, 10, 26, 10, 0, 0, 0, 13, 0xFF, 0x00, 0x7F];
    private static readonly byte[] LfText = Encoding.UTF8.GetBytes("line one\nline two\n\n.dot line\nlast line without end");
    private readonly string _directory = Directory.CreateTempSubdirectory("herald-mime-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static EmailMessage NewMessage() => new()
    {
        From = "\"Alice Example\" <alice@example.org>",
        SendTo = "bob@example.com, \"Carol, C.\" <carol@example.com>",
        Cc = "Dave <dave@example.net>",
        Bcc = "secret@example.org",
        Subject = "Quarterly report",
    };

    public static TheoryData<bool, bool> Modes() => new() { { false, false }, { false, true }, { true, false }, { true, true } };

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task Plain_text_alone_is_one_text_part(bool eightBitMime, bool async)
    {
        using var message = NewMessage();
        message.PlainText = Plain;
        var output = await ProduceAsync(message, eightBitMime, async);
        AssertWireClean(output.Bytes);
        Assert.Equal(output.Length, output.Bytes.Length);
        var parsed = Parse(output.Bytes);
        var part = Assert.IsType<TextPart>(parsed.Body);
        Assert.Equal("text/plain", part.ContentType.MimeType);
        Assert.Equal("utf-8", part.ContentType.Charset);
        Assert.Equal(ContentEncoding.SevenBit, part.ContentTransferEncoding);
        // The text does not end with a line break; one is added so the data ends with CRLF.
        Assert.Equal(Crlf(Plain) + "\r\n", TextOf(part));
        Assert.False(output.Is8Bit);
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task Non_ascii_text_goes_8bit_when_offered_and_quoted_printable_otherwise(bool eightBitMime, bool async)
    {
        using var message = NewMessage();
        message.PlainText = PlainUnicode;
        var output = await ProduceAsync(message, eightBitMime, async);
        AssertWireClean(output.Bytes);
        Assert.Equal(output.Length, output.Bytes.Length);
        var part = Assert.IsType<TextPart>(Parse(output.Bytes).Body);
        Assert.Equal(eightBitMime ? ContentEncoding.EightBit : ContentEncoding.QuotedPrintable, part.ContentTransferEncoding);
        Assert.Equal(eightBitMime, output.Is8Bit);
        Assert.Equal(eightBitMime, output.Bytes.Any(b => b > 127));
        // Quoted-printable ends with a soft line break, which adds nothing; 8bit gains a final line break.
        Assert.Equal(Crlf(PlainUnicode) + (eightBitMime ? "\r\n" : ""), TextOf(part));
    }

    [Fact]
    public void Html_alone_is_one_text_html_part()
    {
        using var message = NewMessage();
        message.HtmlText = Html;
        var output = Produce(message);
        AssertWireClean(output.Bytes);
        Assert.Equal(output.Length, output.Bytes.Length);
        var part = Assert.IsType<TextPart>(Parse(output.Bytes).Body);
        Assert.Equal("text/html", part.ContentType.MimeType);
        Assert.Equal(Html, TextOf(part));
    }

    [Fact]
    public void Plain_and_html_are_alternatives_plain_first()
    {
        using var message = NewMessage();
        message.PlainText = Plain;
        message.HtmlText = Html;
        var output = Produce(message);
        AssertWireClean(output.Bytes);
        Assert.Equal(output.Length, output.Bytes.Length);
        var parsed = Parse(output.Bytes);
        var alternative = Assert.IsType<MultipartAlternative>(parsed.Body);
        Assert.Equal(2, alternative.Count);
        Assert.Equal("text/plain", alternative[0].ContentType.MimeType);
        Assert.Equal("text/html", alternative[1].ContentType.MimeType);
        Assert.Equal(Crlf(Plain), TextOf((MimePart)alternative[0]));
        Assert.Equal(Html, TextOf((MimePart)alternative[1]));
        Assert.Equal(Crlf(Plain), Crlf(parsed.TextBody!));
    }

    [Fact]
    public void Html_with_an_inline_image_is_related_and_the_cid_resolves()
    {
        using var message = NewMessage();
        message.HtmlText = Html;
        message.Attachments.AddInline("logo.png", Png, "logo.png");
        var output = Produce(message);
        AssertWireClean(output.Bytes);
        Assert.Equal(output.Length, output.Bytes.Length);
        var related = Assert.IsType<MultipartRelated>(Parse(output.Bytes).Body);
        Assert.Equal("text/html", related.ContentType.Parameters["type"]);
        Assert.Equal("text/html", related.Root!.ContentType.MimeType);
        var image = Assert.IsType<MimePart>(related[1]);
        Assert.Equal("logo.png", image.ContentId);
        Assert.Equal("image/png", image.ContentType.MimeType);
        Assert.Equal(ContentDisposition.Inline, image.ContentDisposition!.Disposition);
        Assert.Equal(Png, Decoded(image));
        Assert.Equal(0, related.IndexOf(new Uri("cid:nothing")) + 1);
        Assert.Equal(1, related.IndexOf(new Uri("cid:logo.png")));
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task Everything_together_nests_mixed_alternative_related(bool eightBitMime, bool async)
    {
        var binary = AllByteValues();
        var file = Path.Combine(_directory, "Quartalsbericht Ü 2026 – €.pdf");
        File.WriteAllBytes(file, binary);
        using var message = NewMessage();
        message.Subject = "Grüße — quarterly report ✓ with a long subject that needs folding over more than one line";
        message.PlainText = PlainUnicode;
        message.HtmlText = Html;
        message.Attachments.AddInline("logo.png", Png, "logo.png");
        message.Attachments.Add(file);
        message.Attachments.Add("notes.txt", LfText);
        message.Attachments.Add("empty.bin", ReadOnlyMemory<byte>.Empty);
        message.Attachments.Add("データ.csv", new MemoryStream(Encoding.UTF8.GetBytes("a,b\n1,2\n")), "text/csv; charset=utf-8");
        var output = await ProduceAsync(message, eightBitMime, async);
        AssertWireClean(output.Bytes);
        Assert.Equal(output.Length, output.Bytes.Length);

        var parsed = Parse(output.Bytes);
        Assert.Equal(message.Subject, parsed.Subject);
        var mixed = Assert.IsType<Multipart>(parsed.Body);
        Assert.Equal("multipart/mixed", mixed.ContentType.MimeType);
        Assert.Equal(5, mixed.Count);
        var alternative = Assert.IsType<MultipartAlternative>(mixed[0]);
        Assert.Equal(Crlf(PlainUnicode), TextOf((MimePart)alternative[0]));
        var related = Assert.IsType<MultipartRelated>(alternative[1]);
        Assert.Equal(Html, TextOf((MimePart)related[0]));
        Assert.Equal(Png, Decoded((MimePart)related[1]));

        var pdf = Assert.IsType<MimePart>(mixed[1]);
        Assert.Equal("Quartalsbericht Ü 2026 – €.pdf", pdf.ContentDisposition!.FileName);
        Assert.Equal("Quartalsbericht Ü 2026 – €.pdf", pdf.ContentType.Name); // the RFC 2047 form old readers use
        Assert.Equal("application/pdf", pdf.ContentType.MimeType);
        Assert.Equal(ContentDisposition.Attachment, pdf.ContentDisposition!.Disposition);
        Assert.Equal(binary, Decoded(pdf));

        var notes = Assert.IsType<TextPart>(mixed[2]);
        Assert.Equal("notes.txt", notes.FileName);
        Assert.Equal(ContentEncoding.Base64, notes.ContentTransferEncoding);
        Assert.Equal(LfText, Decoded(notes)); // LF line ends survive: base64 is beyond SMTP's line-end normalisation

        var empty = Assert.IsType<MimePart>(mixed[3]);
        Assert.Equal("empty.bin", empty.FileName);
        Assert.Equal("application/octet-stream", empty.ContentType.MimeType);
        Assert.Empty(Decoded(empty));

        var csv = Assert.IsType<TextPart>(mixed[4]);
        Assert.Equal("データ.csv", csv.FileName);
        Assert.Equal("データ.csv", csv.ContentType.Name);
        Assert.Equal("text/csv", csv.ContentType.MimeType);
        Assert.Equal("utf-8", csv.ContentType.Charset);
        Assert.Equal("a,b\n1,2\n"u8.ToArray(), Decoded(csv));
    }

    [Fact]
    public void Attachments_alone_make_a_mixed_message_without_a_text_part()
    {
        using var message = NewMessage();
        message.Attachments.Add("a.bin", AllByteValues());
        var output = Produce(message);
        AssertWireClean(output.Bytes);
        Assert.Equal(output.Length, output.Bytes.Length);
        var mixed = Assert.IsType<Multipart>(Parse(output.Bytes).Body);
        var only = Assert.IsType<MimePart>(Assert.Single(mixed));
        Assert.Equal(AllByteValues(), Decoded(only));
    }

    [Fact]
    public void Inline_attachments_without_html_go_into_mixed_as_inline_parts()
    {
        using var message = NewMessage();
        message.PlainText = "see the picture";
        message.Attachments.AddInline("logo.png", Png, "logo@example.org");
        var mixed = Assert.IsType<Multipart>(Parse(Produce(message).Bytes).Body);
        Assert.Equal("multipart/mixed", mixed.ContentType.MimeType);
        var image = Assert.IsType<MimePart>(mixed[1]);
        Assert.Equal("logo@example.org", image.ContentId);
        Assert.Equal(ContentDisposition.Inline, image.ContentDisposition!.Disposition);
    }

    [Fact]
    public void An_empty_message_is_an_empty_text_part_without_body()
    {
        using var message = NewMessage();
        var output = Produce(message);
        AssertWireClean(output.Bytes);
        Assert.Equal(output.Length, output.Bytes.Length);
        Assert.False(output.HasBody);
        Assert.Equal("", TextOf(Assert.IsType<TextPart>(Parse(output.Bytes).Body)));
    }

    [Fact]
    public void File_names_too_long_for_one_line_are_continued_and_read_back_whole()
    {
        var ascii = string.Concat(Enumerable.Repeat("very-long-file-name ", 8)) + ".txt";
        var unicode = string.Concat(Enumerable.Repeat("Überlänge 日本 ", 10)) + ".doc";
        using var message = NewMessage();
        message.Attachments.Add(ascii, "x"u8.ToArray());
        message.Attachments.Add(unicode, "y"u8.ToArray());
        var output = Produce(message);
        AssertWireClean(output.Bytes);
        var text = Encoding.ASCII.GetString(output.Bytes);
        Assert.Contains("filename*0*=", text, StringComparison.Ordinal);
        var mixed = Assert.IsType<Multipart>(Parse(output.Bytes).Body);
        Assert.Equal(ascii, ((MimePart)mixed[0]).ContentDisposition!.FileName);
        Assert.Equal(ascii, ((MimePart)mixed[0]).ContentType.Name);
        Assert.Equal(unicode, ((MimePart)mixed[1]).ContentDisposition!.FileName);
        Assert.Equal(unicode, ((MimePart)mixed[1]).ContentType.Name);
        // RFC 2231 sections keep Content-Disposition within 78 columns; the name= of Content-Type stays one quoted
        // string for the older readers that need it (still far below 998).
        Assert.All(text.Split("\r\n").Where(line => line.Contains("filename", StringComparison.Ordinal)),
            line => Assert.True(line.Length <= 78, line));
    }

    [Fact]
    public void Content_type_comes_from_the_extension_unless_given()
    {
        using var message = NewMessage();
        message.Attachments.Add("photo.JPG", Png);
        message.Attachments.Add("data", Png);
        message.Attachments.Add("page.html", Png, "text/html; charset=iso-8859-1; name=ignored");
        var mixed = Assert.IsType<Multipart>(Parse(Produce(message).Bytes).Body);
        Assert.Equal("image/jpeg", mixed[0].ContentType.MimeType);
        Assert.Equal("application/octet-stream", mixed[1].ContentType.MimeType);
        Assert.Equal("text/html", mixed[2].ContentType.MimeType);
        Assert.Equal("iso-8859-1", mixed[2].ContentType.Charset);
        Assert.Equal("page.html", mixed[2].ContentType.Name);
    }

    [Fact]
    public void Each_boundary_occurs_only_as_its_delimiter_lines()
    {
        using var message = NewMessage();
        message.PlainText = "--=_ looks like a boundary\r\n--=_\r\n=_=_";
        message.HtmlText = Html;
        message.Attachments.AddInline("logo.png", Png, "logo.png");
        message.Attachments.Add("a.bin", AllByteValues());
        var output = Produce(message);
        var text = Encoding.Latin1.GetString(output.Bytes);
        var parsed = Parse(output.Bytes);
        var boundaries = parsed.BodyParts.Count() > 0
            ? new[] { parsed.Body }.Concat(parsed.Body is Multipart m ? Descendants(m) : []).OfType<Multipart>().ToList()
            : [];
        Assert.Equal(3, boundaries.Count);
        foreach (var multipart in boundaries)
        {
            var lines = text.Split("\r\n");
            int delimiters = lines.Count(l => l == "--" + multipart.Boundary);
            int closes = lines.Count(l => l == "--" + multipart.Boundary + "--");
            Assert.Equal(multipart.Count, delimiters);
            Assert.Equal(1, closes);
            // Nowhere else: not inside a part, and no other boundary starts with it.
            int anywhere = CountOccurrences(text, multipart.Boundary!);
            Assert.Equal(delimiters + closes + 1, anywhere); // + the boundary parameter
        }

        static IEnumerable<MimeEntity> Descendants(Multipart m) =>
            m.SelectMany(e => e is Multipart inner ? new[] { e }.Concat(Descendants(inner)) : [e]);
    }

    [Fact]
    public void The_dot_stuffer_changes_nothing_but_lines_that_start_with_a_dot()
    {
        using var message = NewMessage();
        message.PlainText = ".starts with a dot\r\n..two\r\n";
        message.HtmlText = "<p>\n.x</p>";
        message.Attachments.Add(".hidden", AllByteValues());
        var bytes = Produce(message, eightBitMime: true).Bytes;
        var stuffed = Herald.Tests.Protocol.DotStufferTests.Stuff(bytes);
        int dotLines = Encoding.Latin1.GetString(bytes).Split("\r\n").Count(l => l.StartsWith('.'));
        Assert.True(dotLines >= 3);
        Assert.Equal(bytes.Length + dotLines + ".\r\n".Length, stuffed.Length);
    }

    private static int CountOccurrences(string text, string what)
    {
        int count = 0;
        for (int i = text.IndexOf(what, StringComparison.Ordinal); i >= 0; i = text.IndexOf(what, i + 1, StringComparison.Ordinal))
        {
            count++;
        }
        return count;
    }
}
