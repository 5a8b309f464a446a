using System.Text;
using System.Text.Json;
using Herald.Cli;
using Herald.Cli.Options;
using MimeKit;
using Xunit;

namespace Herald.Tests.Cli;

/// <summary>
/// <c>herald send</c> with <c>--attach</c>, <c>--inline</c>, <c>--html</c>, <c>--text</c> and <c>--message</c>, read back
/// by MimeKit from what the capture server saved; and the refusal of a whole message piped in as a body.
/// </summary>
public sealed class ComposedSendTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("herald-composed-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string File(string name, byte[] content)
    {
        string path = Path.Combine(_folder, name);
        System.IO.File.WriteAllBytes(path, content);
        return path;
    }

    private string File(string name, string content) => File(name, Encoding.UTF8.GetBytes(content));

    private static byte[] Random(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>Runs send against the capture server and returns the run and the saved file's bytes.</summary>
    private async Task<(CliRunner.Result Run, byte[] Saved)> CaptureAsync(string[] args, string? stdin = null)
    {
        string captures = Path.Combine(_folder, "captures");
        var r = await CliRunner.RunAsync(["send", "--capture-dir", captures, "--json", .. args], stdin: stdin);
        Assert.True(r.ExitCode == ExitCodes.Ok, r.Error + r.Out);
        using var json = JsonDocument.Parse(r.Out);
        return (r, await System.IO.File.ReadAllBytesAsync(json.RootElement.GetProperty("captured").GetString()!));
    }

    private static byte[] Decoded(MimeEntity entity)
    {
        var output = new MemoryStream();
        ((MimePart)entity).Content!.DecodeTo(output);
        return output.ToArray();
    }

    [Fact]
    public async Task Two_attachments_html_and_text_arrive_as_mixed_with_an_alternative()
    {
        var pdf = Random(150_000, 1);
        string pdfPath = File("report.pdf", pdf);
        string csvPath = File("data.csv", "a;b\nc;d\n"); // LF line ends must survive: base64 keeps them
        string htmlPath = File("body.html", "<p>Grüße, <b>Bob</b></p>");
        string textPath = File("body.txt", "Grüße, Bob\n");

        var (_, saved) = await CaptureAsync(["--to", "bob@example.com", "--subject", "Q3", "--html", htmlPath, "--text", textPath,
            "--attach", pdfPath, "--attach", $"{csvPath};type=text/csv; charset=utf-8;name=Übersicht 2025.csv"]);

        var message = MimeMessage.Load(new MemoryStream(saved));
        var mixed = Assert.IsType<Multipart>(message.Body);
        Assert.Equal("multipart/mixed", mixed.ContentType.MimeType);
        var alternative = Assert.IsType<MultipartAlternative>(mixed[0]);
        Assert.Equal("Grüße, Bob\n", message.TextBody!.ReplaceLineEndings("\n"));
        Assert.Equal("<p>Grüße, <b>Bob</b></p>", message.HtmlBody);
        Assert.Equal(["text/plain", "text/html"], alternative.Select(p => p.ContentType.MimeType));
        var attachments = message.Attachments.OfType<MimePart>().ToList();
        Assert.Equal(["report.pdf", "Übersicht 2025.csv"], attachments.Select(a => a.FileName));
        Assert.Equal(["application/pdf", "text/csv"], attachments.Select(a => a.ContentType.MimeType));
        Assert.Equal("utf-8", attachments[1].ContentType.Charset);
        Assert.Equal(pdf, Decoded(attachments[0]));
        Assert.Equal("a;b\nc;d\n"u8.ToArray(), Decoded(attachments[1]));
        Assert.Equal("Q3", message.Subject);
    }

    [Fact]
    public async Task An_inline_image_goes_with_the_html_in_a_related_part_named_by_its_file()
    {
        var png = Random(3000, 2);
        string image = File("logo.png", png);
        string html = File("mail.html", "<img src=\"cid:logo.png\"><img src=\"cid:chart\">");
        string chart = File("chart-2025.gif", Random(500, 3));

        var (_, saved) = await CaptureAsync(["--to", "bob@example.com", "--html", html, "--inline", image,
            "--inline", $"{chart};name=chart"]);

        var message = MimeMessage.Load(new MemoryStream(saved));
        var related = Assert.IsType<MultipartRelated>(message.Body);
        Assert.Equal(["text/html", "image/png", "image/gif"], related.Select(p => p.ContentType.MimeType));
        Assert.Equal(["logo.png", "chart"], related.Skip(1).Select(p => p.ContentId));
        Assert.Equal(png, Decoded(related[1]));
        Assert.Empty(message.Attachments);
    }

    [Fact]
    public async Task Text_from_stdin_goes_with_the_attachment()
    {
        string file = File("notes.bin", Random(10, 4));

        var (_, saved) = await CaptureAsync(["--to", "bob@example.com", "--attach", file], stdin: "see attached\n");

        var message = MimeMessage.Load(new MemoryStream(saved));
        Assert.Equal("see attached\n", message.TextBody!.ReplaceLineEndings("\n"));
        Assert.Equal("notes.bin", Assert.Single(message.Attachments).ContentDisposition!.FileName);
    }

    [Fact]
    public async Task A_ready_message_goes_as_it_is_to_its_header_recipients_without_its_bcc_lines()
    {
        const string Eml =
            "From: Alice <alice@example.org>\n" +
            "To: bob@example.com, \"Carol\" <carol@example.com>\n" +
            "Bcc: secret@example.com,\n" +
            " secret2@example.com\n" +
            "Subject: Ready\n" +
            "MIME-Version: 1.0\n" +
            "Content-Type: text/plain; charset=utf-8\n" +
            "Content-Transfer-Encoding: 8bit\n" +
            "\n" +
            "Grüße\n" +
            ".a dot line\n" +
            "Bcc: not a header here\n";
        string path = File("ready.eml", Eml);

        var (run, saved) = await CaptureAsync(["--message", path]);

        string text = Encoding.UTF8.GetString(saved);
        string envelope = string.Concat(text.Split("\r\n").TakeWhile(l => l.StartsWith("X-Herald-", StringComparison.Ordinal))
            .Select(l => l + "\r\n"));
        Assert.Equal(
            "X-Herald-Envelope-From: <alice@example.org>\r\n" +
            "X-Herald-Envelope-To: <bob@example.com>\r\nX-Herald-Envelope-To: <carol@example.com>\r\n" +
            "X-Herald-Envelope-To: <secret@example.com>\r\nX-Herald-Envelope-To: <secret2@example.com>\r\n",
            envelope);
        string expected = Eml.Replace("Bcc: secret@example.com,\n secret2@example.com\n", "", StringComparison.Ordinal)
            .Replace("\n", "\r\n", StringComparison.Ordinal);
        Assert.Equal(expected, text[envelope.Length..]);
        using var json = JsonDocument.Parse(run.Out);
        Assert.Equal(4, json.RootElement.GetProperty("accepted").GetArrayLength());
    }

    [Fact]
    public async Task A_ready_message_from_stdin_goes_to_the_recipients_given_instead()
    {
        const string Eml = "From: alice@example.org\r\nTo: bob@example.com\r\nSubject: x\r\n\r\nbody\r\n";

        var (_, saved) = await CaptureAsync(["--message", "-", "--to", "other@example.net"], stdin: Eml);

        string text = Encoding.UTF8.GetString(saved);
        Assert.Contains("X-Herald-Envelope-To: <other@example.net>\r\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("X-Herald-Envelope-To: <bob@example.com>", text, StringComparison.Ordinal);
        Assert.EndsWith(Eml, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_ready_message_without_recipients_is_refused()
    {
        string path = File("none.eml", "From: a@example.org\nSubject: x\n\nbody\n");

        var r = await CliRunner.RunAsync(["send", "--capture-dir", _folder, "--message", path]);

        Assert.Equal(ExitCodes.Usage, r.ExitCode);
        Assert.Contains("names no recipient", r.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_message_piped_in_as_the_body_is_refused_with_a_hint()
    {
        const string Eml = "From: alice@example.org\nTo: bob@example.com\nSubject: x\n\nbody\n";

        var r = await CliRunner.RunAsync(["send", "--capture-dir", _folder, "--to", "bob@example.com"], stdin: Eml);

        Assert.Equal(ExitCodes.Usage, r.ExitCode);
        Assert.Contains("looks like a complete message", r.Error, StringComparison.Ordinal);
        Assert.Contains("--message -", r.Error, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_folder, "*.eml", SearchOption.AllDirectories));

        // The escape: the same text from a file named on the command line is sent as text.
        var (_, saved) = await CaptureAsync(["--to", "bob@example.com", "--body-file", File("memo.txt", Eml)]);
        Assert.Contains("\r\n\r\nFrom: alice@example.org\r\nTo: bob@example.com\r\n", Encoding.UTF8.GetString(saved),
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_body_that_merely_starts_with_a_colon_line_is_sent()
    {
        var (_, saved) = await CaptureAsync(["--to", "bob@example.com"], stdin: "Note: meeting at 3\n\nsee you\n");

        Assert.EndsWith("\r\n\r\nNote: meeting at 3\r\n\r\nsee you\r\n", Encoding.UTF8.GetString(saved), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--message|x.eml|--subject|S", "--message sends the message as it is, so --subject cannot apply")]
    [InlineData("--message|x.eml|--attach|x.eml", "--attach cannot apply")]
    [InlineData("--text|-|--html|-|--to|b@example.com", "Only one option can read standard input")]
    [InlineData("--text|x.eml|--body|hi|--to|b@example.com", "Give the plain text one way")]
    [InlineData("--attach|x.eml|--header|Content-Type: text/plain|--to|b@example.com", "--header Content-Type")]
    [InlineData("--attach|missing.bin|--to|b@example.com", "--attach missing.bin: no such file")]
    [InlineData("--html|x.eml|--inline|x.eml;name=has space|--to|b@example.com", "--inline")]
    public async Task Contradicting_or_bad_options_are_refused(string args, string message)
    {
        File("x.eml", "From: a@example.org\nTo: b@example.com\n\nbody\n");
        var arguments = args.Split('|').Select(a => a.Replace("x.eml", Path.Combine(_folder, "x.eml"), StringComparison.Ordinal)
            .Replace("missing.bin", Path.Combine(_folder, "missing.bin"), StringComparison.Ordinal)).ToArray();

        var r = await CliRunner.RunAsync(["send", "--capture-dir", _folder, .. arguments]);

        Assert.True(r.ExitCode is ExitCodes.Usage or ExitCodes.NoInput, r.Error);
        Assert.Contains(message.Replace("missing.bin", Path.Combine(_folder, "missing.bin"), StringComparison.Ordinal), r.Error,
            StringComparison.Ordinal);
    }

    [Fact]
    public void Attachment_values_take_a_type_and_a_name_in_either_order()
    {
        string path = File("a.txt", "x");
        Assert.Equal(new AttachmentSpec(path, null, null), AttachmentSpec.Parse(path, "--attach"));
        Assert.Equal(new AttachmentSpec(path, "text/plain; charset=iso-8859-1", "b.txt"),
            AttachmentSpec.Parse($"{path};type=text/plain; charset=iso-8859-1;name=b.txt", "--attach"));
        Assert.Equal(new AttachmentSpec(path, "application/x-thing", "Ärger; und mehr.txt"),
            AttachmentSpec.Parse($"{path};NAME=Ärger; und mehr.txt;type=application/x-thing", "--attach"));
        string odd = File("odd;type=x.txt", "y");
        Assert.Equal(new AttachmentSpec(odd, null, null), AttachmentSpec.Parse(odd, "--attach"));

        Assert.Equal(ExitCodes.Usage, Assert.Throws<CliException>(() => AttachmentSpec.Parse($"{path};type=", "--attach")).ExitCode);
        Assert.Equal(ExitCodes.Usage,
            Assert.Throws<CliException>(() => AttachmentSpec.Parse($"{path};name=a;name=b", "--attach")).ExitCode);
        Assert.Equal(ExitCodes.Usage, Assert.Throws<CliException>(() => AttachmentSpec.Parse(";name=a", "--attach")).ExitCode);
        Assert.Equal(ExitCodes.NoInput, Assert.Throws<CliException>(() => AttachmentSpec.Parse(_folder, "--attach")).ExitCode);
    }
}
