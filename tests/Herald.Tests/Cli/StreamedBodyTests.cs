using System.Text.Json;
using Herald.Cli;
using Herald.Cli.Options;
using MimeKit;
using Xunit;

namespace Herald.Tests.Cli;

/// <summary>
/// Bodies above the in-memory limit: checked in one pass (UTF-8, line lengths), streamed from their file (stdin from a
/// private temporary copy), sent as they are when they are short-lined ASCII and quoted-printable otherwise, and read
/// back unchanged by an independent parser (MimeKit) from what the capture server saved. Also --json and --helo.
/// </summary>
public sealed class StreamedBodyTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("herald-body-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static (int Bom, bool Ascii, bool HasNul, long LongestLine) Scan(byte[] bytes) =>
        MessageBody.Scan(new MemoryStream(bytes), "test");

    [Fact]
    public void ScanFindsTheByteOrderMarkNonAsciiAndTheLongestLine()
    {
        Assert.Equal((0, true, false, 5), Scan("abc\r\nabcde\nx"u8.ToArray()));
        Assert.Equal((3, true, false, 2), Scan([0xEF, 0xBB, 0xBF, (byte)'h', (byte)'i']));
        Assert.Equal((0, false, false, 2), Scan("é\n"u8.ToArray())); // 2 octets
        Assert.Equal((0, true, false, 0), Scan([]));
        Assert.Equal((0, true, true, 3), Scan("a\0b\n"u8.ToArray()));
    }

    [Fact]
    public void ScanCountsLinesAndFindsBadBytesAcrossItsBufferBoundaries()
    {
        // 64 KiB buffers: a line of 200 000 octets and a 3-byte character split across a boundary.
        var text = new System.Text.StringBuilder().Append('a', 65_535).Append('€').Append('b', 200_000 - 65_536).Append('\n')
            .Append("end").ToString();
        var bytes = System.Text.Encoding.UTF8.GetBytes(text);
        Assert.Equal((0, false, false, 200_002), Scan(bytes)); // the euro sign is 3 octets

        bytes[70_000] = 0xFF;
        var e = Assert.Throws<CliException>(() => Scan(bytes));
        Assert.Equal(ExitCodes.DataError, e.ExitCode);
        Assert.Contains("offset 70000", e.Message);
    }

    private async Task<(CliRunner.Result Run, MimeMessage Saved)> CaptureAsync(string[] options, string? stdin = null)
    {
        string captures = Path.Combine(_folder, "captures");
        var r = await CliRunner.RunAsync(["send", "--to", "x@example.com", "--subject", "big", "--capture-dir", captures, "--json",
            .. options], stdin: stdin);
        Assert.True(r.ExitCode == ExitCodes.Ok, r.Error);
        using var json = JsonDocument.Parse(r.Out);
        string path = json.RootElement.GetProperty("captured").GetString()!;
        // On the wire every line ends in CRLF (RFC 5321 §2.3.8), whatever the file had.
        byte[] raw = await File.ReadAllBytesAsync(path);
        Assert.DoesNotContain(Enumerable.Range(1, raw.Length - 1), i => raw[i] == '\n' && raw[i - 1] != '\r');
        return (r, await MimeMessage.LoadAsync(path));
    }

    /// <summary>The text as MimeKit decodes it, with its line ends as LF.</summary>
    private static string Text(MimeMessage message) => (message.TextBody ?? "").ReplaceLineEndings("\n");

    private static ContentEncoding Encoding(MimeMessage message) => Assert.IsType<TextPart>(message.Body).ContentTransferEncoding;

    private static string Lines(int count, string line) =>
        string.Concat(Enumerable.Range(0, count).Select(i => $"{i:D7} {line}\n"));

    [Fact]
    public async Task ALargeAsciiFileGoesAsItIs()
    {
        string body = Lines(40_000, "plain ASCII text of a large body"); // about 1.6 MB
        string file = Path.Combine(_folder, "ascii.txt");
        await File.WriteAllTextAsync(file, body);

        var (_, saved) = await CaptureAsync(["--body-file", file]);

        Assert.Equal(ContentEncoding.Default, Encoding(saved)); // no Content-Transfer-Encoding: 7bit
        Assert.Equal(body, Text(saved));
    }

    [Fact]
    public async Task ALargeAsciiFileWithANulGoesQuotedPrintableAndComesBackTheSame()
    {
        // RFC 2045 §2.7: 7bit data carries no NUL; the same rule decides as for a short body and for a MIME part.
        string body = Lines(40_000, "plain ASCII text") + "a NUL \0 in the middle\n" + Lines(10, "after it");
        string file = Path.Combine(_folder, "nul.txt");
        await File.WriteAllTextAsync(file, body);

        var (_, saved) = await CaptureAsync(["--body-file", file]);

        Assert.Equal(ContentEncoding.QuotedPrintable, Encoding(saved));
        Assert.Equal(body, Text(saved));
    }

    [Fact]
    public async Task ALargeNonAsciiFileGoesQuotedPrintableAndComesBackTheSame()
    {
        // With a line over 998 octets too.
        string body = Lines(30_000, "Grüße, ça va? Ωμέγα — 日本語 ") + new string('x', 2000) + "\n";
        string file = Path.Combine(_folder, "utf8.txt");
        await File.WriteAllBytesAsync(file, [0xEF, 0xBB, 0xBF, .. System.Text.Encoding.UTF8.GetBytes(body)]);

        var (_, saved) = await CaptureAsync(["--body-file", file]);

        Assert.Equal(ContentEncoding.QuotedPrintable, Encoding(saved));
        Assert.Equal("utf-8", Assert.IsType<TextPart>(saved.Body).ContentType.Charset);
        Assert.Equal(body, Text(saved)); // the BOM is not part of the text
    }

    [Fact]
    public async Task ALargeBodyOnStdinIsStreamedToo()
    {
        string body = Lines(50_000, "from a pipe, ünïcödé");

        var (_, saved) = await CaptureAsync([], stdin: body);

        Assert.Equal(ContentEncoding.QuotedPrintable, Encoding(saved));
        Assert.Equal(body, Text(saved));
    }

    [Fact]
    public async Task ALargeBodyThatIsNotUtf8IsRefusedBeforeAnythingIsSent()
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(Lines(100_000, "text")); // 1.3 MB
        bytes[1_200_000] = 0xC0;
        string file = Path.Combine(_folder, "bad.txt");
        await File.WriteAllBytesAsync(file, bytes);
        string captures = Path.Combine(_folder, "captures");

        var r = await CliRunner.RunAsync(["send", "--to", "x@example.com", "--capture-dir", captures, "--body-file", file]);

        Assert.Equal(ExitCodes.DataError, r.ExitCode);
        Assert.Contains("bad byte at offset 1200000", r.Error);
        Assert.False(Directory.Exists(captures) && Directory.EnumerateFiles(captures, "*.eml", SearchOption.AllDirectories).Any());
    }

    [Fact]
    public async Task JsonOfACapturedSendHasTheDocumentedShape()
    {
        var (run, _) = await CaptureAsync(["--cc", "y@example.com", "--body", "hi"]);

        using var json = JsonDocument.Parse(run.Out);
        var root = json.RootElement;
        Assert.Equal(["format", "command", "ok", "exitCode", "server", "tls", "error", "captured", "accepted", "rejected", "reply"],
            root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(1, root.GetProperty("format").GetInt32());
        Assert.Equal("send", root.GetProperty("command").GetString());
        Assert.True(root.GetProperty("ok").GetBoolean());
        Assert.Equal(0, root.GetProperty("exitCode").GetInt32());
        Assert.StartsWith("127.0.0.1:", root.GetProperty("server").GetString());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("tls").ValueKind);
        Assert.Equal(["x@example.com", "y@example.com"], root.GetProperty("accepted").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal(250, root.GetProperty("reply").GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task JsonReportsAFailureWithItsExitCode()
    {
        await using var server = new ScriptedServer("554 5.3.2 not today");

        var r = await CliRunner.RunAsync(["verify", "someone", "--server", $"127.0.0.1:{server.Port}", "--tls", "none", "--json"]);

        using var json = JsonDocument.Parse(r.Out);
        var root = json.RootElement;
        Assert.False(root.GetProperty("ok").GetBoolean());
        Assert.Equal(r.ExitCode, root.GetProperty("exitCode").GetInt32());
        Assert.Equal(ExitCodes.Unavailable, r.ExitCode);
        var error = root.GetProperty("error");
        Assert.Equal(554, error.GetProperty("replyCode").GetInt32());
        Assert.Equal("5.3.2", error.GetProperty("enhancedStatusCode").GetString());
        Assert.Contains("herald: error: ", r.Error); // a person still sees it on stderr
    }

    [Fact]
    public async Task HeloNamesTheClientInEhlo()
    {
        string captures = Path.Combine(_folder, "captures");

        var r = await CliRunner.RunAsync(["send", "--to", "x@example.com", "--body", "hi", "--capture-dir", captures,
            "--helo", "client.example.test", "--trace"]);

        Assert.True(r.ExitCode == ExitCodes.Ok, r.Error);
        Assert.Contains("C: EHLO client.example.test", r.Error);
    }

    [Fact]
    public async Task AHeloThatIsNotOneWordIsAUsageError()
    {
        var r = await CliRunner.RunAsync(["probe", "--server", "127.0.0.1:1", "--helo", "two words"]);

        Assert.Equal(ExitCodes.Usage, r.ExitCode);
        Assert.Contains("--helo: \"two words\" is not a host name", r.Error);
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(false, false)]
    public async Task ALargeBodyShowsProgressOnlyOnATerminal(bool terminal, bool expected)
    {
        string file = Path.Combine(_folder, "five.txt");
        await File.WriteAllTextAsync(file, Lines(120_000, "ASCII text for the progress bar")); // 4.8 MB
        string captures = Path.Combine(_folder, "captures");

        var r = await CliRunner.RunAsync(["send", "--to", "x@example.com", "--capture-dir", captures, "--body-file", file],
            errorIsTerminal: terminal);

        Assert.True(r.ExitCode == ExitCodes.Ok, r.Error);
        Assert.Equal(expected, r.Error.Contains("Sending", StringComparison.Ordinal));
        Assert.Equal(expected, r.Error.Contains('\u001b')); // no escape codes in a pipe or a log
    }
}
