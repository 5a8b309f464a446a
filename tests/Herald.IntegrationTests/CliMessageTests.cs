using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Herald.Cli;
using Herald.IntegrationTests.Support;
using MimeKit;
using Xunit;

namespace Herald.IntegrationTests;

/// <summary>
/// The CLI's messages through Postfix: <c>send --attach --attach --html --text</c>, <c>send --message file.eml</c>,
/// <c>sendmail -t</c> from standard input, and the refusal of a whole message piped in as a body. What Postfix
/// delivers is read by two independent parsers, MimeKit and Python's <c>email</c> package, and every part, file name,
/// content type and byte of every attachment must match what was sent.
/// </summary>
public sealed partial class CliMessageTests : IDisposable
{
    private const string Sender = "sender@example.test";

    private readonly string _folder = Directory.CreateTempSubdirectory("herald-cli-mime-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static string[] Server => ["--server", $"{Peers.Host}:{Peers.PostfixOpen}", "--tls", "none"];

    private static Dictionary<string, string> ServerVariables => new()
    {
        ["HERALD_SERVER"] = $"{Peers.Host}:{Peers.PostfixOpen}",
        ["HERALD_TLS"] = "none",
    };

    private string File(string name, byte[] content)
    {
        string path = Path.Combine(_folder, name);
        System.IO.File.WriteAllBytes(path, content);
        return path;
    }

    private static byte[] Random(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private static byte[] Decoded(MimeEntity entity)
    {
        var output = new MemoryStream();
        ((MimePart)entity).Content!.DecodeTo(output);
        return output.ToArray();
    }

    private static MimeMessage Load(string stored) => MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(stored)));

    [Fact]
    public async Task Two_attachments_with_html_and_text_arrive_whole()
    {
        Peers.RequirePeer(Peers.PostfixOpen);
        string marker = Peers.NewMarker();
        var pdf = Random(300_000, 1);
        const string Csv = "Monat;Umsatz\nJänner;12\nFebruar;15\n"; // LF line ends, which base64 keeps
        string pdfPath = File("Quartalsbericht.pdf", pdf);
        string csvPath = File("Übersicht Q3.csv", Encoding.UTF8.GetBytes(Csv));
        string html = File("body.html", Encoding.UTF8.GetBytes("<p>Grüße, <b>Bob</b>.</p>"));
        string text = File("body.txt", Encoding.UTF8.GetBytes("Grüße, Bob.\n.a line with a dot\n"));

        var run = await HeraldCli.RunAsync(["send", .. Server, "--from", Sender, "--to", "to@example.test",
            "--subject", "Bericht " + marker, "--header", "X-Herald-Test-Id: " + marker, "--html", html, "--text", text,
            "--attach", pdfPath, "--attach", csvPath, "--trace"]);

        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        string stored = (await Peers.WaitForCapturesAsync(Peers.CatchallMaildir, marker))[0];
        var client = StoredMessage.Parse(stored);
        long size = long.Parse(SizeParameter().Match(run.ClientLines.Single(l => l.StartsWith("MAIL FROM:", StringComparison.Ordinal)))
            .Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.Equal(size, Encoding.UTF8.GetByteCount(client.ClientHeaderBlock + "\r\n" + client.Body));

        var message = Load(stored);
        Assert.Equal("Bericht " + marker, message.Subject);
        var mixed = Assert.IsType<Multipart>(message.Body);
        Assert.IsType<MultipartAlternative>(mixed[0]);
        Assert.Equal("Grüße, Bob.\n.a line with a dot\n", message.TextBody!.ReplaceLineEndings("\n"));
        Assert.Equal("<p>Grüße, <b>Bob</b>.</p>", message.HtmlBody!.TrimEnd());
        var attachments = message.Attachments.OfType<MimePart>().ToList();
        Assert.Equal(["Quartalsbericht.pdf", "Übersicht Q3.csv"], attachments.Select(a => a.FileName));
        Assert.Equal(["application/pdf", "text/csv"], attachments.Select(a => a.ContentType.MimeType));
        Assert.Equal(pdf, Decoded(attachments[0]));
        Assert.Equal(Encoding.UTF8.GetBytes(Csv), Decoded(attachments[1]));

        var python = await PythonEmail(stored);
        Assert.Equal(["multipart/mixed", "multipart/alternative", "text/plain", "text/html", "application/pdf", "text/csv"],
            python.Structure);
        Assert.Equal("Grüße, Bob.\n.a line with a dot\n", python.Leaves[0].Text);
        Assert.Equal("<p>Grüße, <b>Bob</b>.</p>", python.Leaves[1].Text!.TrimEnd());
        Assert.Equal([null, null, "Quartalsbericht.pdf", "Übersicht Q3.csv"], python.Leaves.Select(l => l.FileName));
        Assert.Equal(["attachment", "attachment"], python.Leaves.Skip(2).Select(l => l.Disposition));
        Assert.Equal(Sha256(pdf), python.Leaves[2].Sha256);
        Assert.Equal(Sha256(Encoding.UTF8.GetBytes(Csv)), python.Leaves[3].Sha256);
    }

    /// <summary>A message written by hand (not by Herald): LF line ends, a folded Bcc, a base64 attachment.</summary>
    private static (string Eml, byte[] Attachment) ReadyMessage(string marker, bool withDateAndId)
    {
        var attachment = Random(60_000, 7);
        string base64 = Convert.ToBase64String(attachment, Base64FormattingOptions.InsertLineBreaks).Replace("\r\n", "\n",
            StringComparison.Ordinal);
        string eml =
            "From: Alice <alice@example.test>\n" +
            "To: to@example.test\n" +
            "Cc: Carol <cc@example.test>\n" +
            "Bcc: hidden1@example.test,\n" +
            " hidden2@example.test\n" +
            $"Subject: ready {marker}\n" +
            (withDateAndId ? $"Date: Mon, 2 Mar 2026 10:00:00 +0000\nMessage-ID: <{marker}@example.test>\n" : "") +
            $"X-Herald-Test-Id: {marker}\n" +
            "MIME-Version: 1.0\n" +
            "Content-Type: multipart/mixed; boundary=\"XyZ\"\n" +
            "\n" +
            "--XyZ\n" +
            "Content-Type: text/plain; charset=utf-8\n" +
            "Content-Transfer-Encoding: 8bit\n" +
            "\n" +
            "Grüße\n" +
            ".a dot line\n" +
            "Bcc: not a header in the body\n" +
            "--XyZ\n" +
            "Content-Type: application/octet-stream; name=\"data.bin\"\n" +
            "Content-Disposition: attachment; filename=\"data.bin\"\n" +
            "Content-Transfer-Encoding: base64\n" +
            "\n" +
            base64 + "\n" +
            "--XyZ--\n";
        return (eml, attachment);
    }

    private static string WithoutBcc(string eml) =>
        eml.Replace("Bcc: hidden1@example.test,\n hidden2@example.test\n", "", StringComparison.Ordinal);

    /// <summary>Checks one delivered copy of <see cref="ReadyMessage"/>, with both parsers.</summary>
    private static async Task AssertReadyMessageAsync(string stored, byte[] attachment)
    {
        var client = StoredMessage.Parse(stored);
        Assert.DoesNotContain(client.Fields, f => f.Name.Equals("Bcc", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain("hidden", client.ClientHeaderBlock, StringComparison.Ordinal);
        var message = Load(stored);
        // The line break before a boundary belongs to the boundary (RFC 2046 §5.1.1).
        Assert.Equal("Grüße\n.a dot line\nBcc: not a header in the body", message.TextBody!.ReplaceLineEndings("\n"));
        var part = Assert.IsType<MimePart>(Assert.Single(message.Attachments));
        Assert.Equal("data.bin", part.FileName);
        Assert.Equal(attachment, Decoded(part));
        var python = await PythonEmail(stored);
        Assert.DoesNotContain("Bcc", python.HeaderNames);
        Assert.Equal(["multipart/mixed", "text/plain", "application/octet-stream"], python.Structure);
        Assert.Equal(["data.bin"], python.Leaves.Where(l => l.FileName is not null).Select(l => l.FileName));
        Assert.Equal("Grüße\n.a dot line\nBcc: not a header in the body", python.Leaves[0].Text);
        Assert.Equal(Sha256(attachment), python.Leaves[1].Sha256);
    }

    [Fact]
    public async Task A_message_file_goes_unchanged_but_for_bcc_to_the_recipients_its_headers_name()
    {
        Peers.RequirePeer(Peers.PostfixOpen);
        string marker = Peers.NewMarker();
        var (eml, attachment) = ReadyMessage(marker, withDateAndId: true);
        string path = File("ready.eml", Encoding.UTF8.GetBytes(eml));

        var run = await HeraldCli.RunAsync(["send", .. Server, "--message", path]);

        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        var copies = await Peers.WaitForCapturesAsync(Peers.CatchallMaildir, marker, 4);
        Assert.Equal(["cc@example.test", "hidden1@example.test", "hidden2@example.test", "to@example.test"],
            copies.Select(c => StoredMessage.Parse(c).Header("X-Original-To")).Order());
        string expected = WithoutBcc(eml).Replace("\n", "\r\n", StringComparison.Ordinal);
        foreach (string copy in copies)
        {
            Assert.Equal("<alice@example.test>", StoredMessage.Parse(copy).Header("Return-Path"));
            Assert.EndsWith(expected, copy.ReplaceLineEndings("\r\n"), StringComparison.Ordinal);
            await AssertReadyMessageAsync(copy, attachment);
        }
    }

    [Fact]
    public async Task Sendmail_dash_t_sends_standard_input_to_its_header_recipients_and_adds_date_and_id()
    {
        Peers.RequirePeer(Peers.PostfixOpen);
        string marker = Peers.NewMarker();
        var (eml, attachment) = ReadyMessage(marker, withDateAndId: false);

        var run = await HeraldCli.RunAsync(["sendmail", "-t"], extraVariables: ServerVariables, stdin: Encoding.UTF8.GetBytes(eml));

        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        Assert.Equal("", run.Out);
        var copies = await Peers.WaitForCapturesAsync(Peers.CatchallMaildir, marker, 4);
        string filtered = WithoutBcc(eml).Replace("\n", "\r\n", StringComparison.Ordinal);
        int blank = filtered.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 2;
        foreach (string copy in copies)
        {
            var stored = StoredMessage.Parse(copy);
            Assert.Equal("<alice@example.test>", stored.Header("Return-Path"));
            // The header lines as given, then the two added ones, then the body unchanged.
            Assert.StartsWith(filtered[..blank] + "Date: ", stored.ClientHeaderBlock, StringComparison.Ordinal);
            Assert.Matches(@"\r\nMessage-ID: <[0-9a-f]+@example\.test>\r\n$", stored.ClientHeaderBlock);
            Assert.Equal(filtered[(blank + 2)..], stored.Body);
            Assert.True(Load(copy).Date > DateTimeOffset.Now.AddMinutes(-10));
            await AssertReadyMessageAsync(copy, attachment);
        }
    }

    [Fact]
    public async Task A_message_piped_into_send_is_refused_and_goes_with_message_dash()
    {
        Peers.RequirePeer(Peers.PostfixOpen);
        string marker = Peers.NewMarker();
        byte[] eml = Encoding.UTF8.GetBytes($"From: {Sender}\nTo: to@example.test\nSubject: piped {marker}\n\nhello\n");

        var refused = await HeraldCli.RunAsync(["send", .. Server, "--from", Sender, "--to", "to@example.test"], stdin: eml);
        var sent = await HeraldCli.RunAsync(["send", .. Server, "--message", "-"], stdin: eml);

        Assert.Equal(ExitCodes.Usage, refused.ExitCode);
        Assert.Contains("looks like a complete message", refused.Error, StringComparison.Ordinal);
        Assert.Contains("--message -", refused.Error, StringComparison.Ordinal);
        Assert.True(sent.ExitCode == ExitCodes.Ok, sent.ToString());
        var delivered = StoredMessage.Parse((await Peers.WaitForCapturesAsync(Peers.CatchallMaildir, marker))[0]);
        Assert.Equal($"piped {marker}", delivered.Header("Subject"));
        Assert.Equal("hello\r\n", delivered.Body);
        // The refused run sent nothing: no second message with the marker turns up.
        await Assert.ThrowsAsync<TimeoutException>(() =>
            Peers.WaitForCapturesAsync(Peers.CatchallMaildir, marker, 2, TimeSpan.FromSeconds(3)));
    }

    [Fact]
    public async Task A_symbolic_link_named_sendmail_is_herald_sendmail()
    {
        Peers.RequirePeer(Peers.PostfixOpen);
        string marker = Peers.NewMarker();
        // The tool's native launcher, built next to its assembly; /usr/sbin/sendmail would be such a link.
        string launcher = Path.Combine(Path.GetDirectoryName(typeof(ExitCodes).Assembly.Location)!, "Herald.Cli");
        Assert.True(System.IO.File.Exists(launcher), $"{launcher} was not built");
        string link = Path.Combine(_folder, "sendmail");
        System.IO.File.CreateSymbolicLink(link, launcher);
        var start = new System.Diagnostics.ProcessStartInfo(link)
        {
            ArgumentList = { "-t", "-oi" },
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in ServerVariables)
        {
            start.Environment[name] = value;
        }

        using var process = System.Diagnostics.Process.Start(start)!;
        await process.StandardInput.WriteAsync($"From: {Sender}\nTo: to@example.test\nSubject: {marker}\n\nvia the link\n.\nstill text\n");
        process.StandardInput.Close();
        string stdout = await process.StandardOutput.ReadToEndAsync();
        string stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();

        Assert.True(process.ExitCode == ExitCodes.Ok, $"exit {process.ExitCode}: {stdout}{stderr}");
        Assert.Equal("", stdout);
        var delivered = StoredMessage.Parse((await Peers.WaitForCapturesAsync(Peers.CatchallMaildir, marker))[0]);
        Assert.Equal("via the link\r\n.\r\nstill text\r\n", delivered.Body); // -oi: the dot line is text
    }

    private static Task<PythonMessage> PythonEmail(string stored) => PythonMessage.ParseAsync(stored);

    [GeneratedRegex(@"SIZE=(\d+)")]
    private static partial Regex SizeParameter();
}
