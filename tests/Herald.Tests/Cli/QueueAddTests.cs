using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Herald.Cli;
using Herald.Tests.Infrastructure;
using MimeKit;
using Xunit;

namespace Herald.Tests.Cli;

/// <summary>
/// <c>herald queue add</c> takes the message inputs of <c>send</c>: a composed message (HTML, text, attachments, an
/// inline image) queued and delivered by <c>queue run</c> has the MIME structure <c>send</c> gives it; a ready message
/// goes to its Resent-* recipients without its Bcc lines; a large body is streamed into the queue; the sender falls
/// back to HERALD_FROM and the account; <c>--json</c> has the documented shape.
/// </summary>
public sealed class QueueAddTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("herald-queue-add-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string Dir => Path.Combine(_root, "queue");

    private string ConfigPath => Path.Combine(_root, "xdg", "herald", "config.toml");

    private Dictionary<string, string> Variables(params (string Name, string Value)[] more)
    {
        var variables = new Dictionary<string, string>
        {
            ["HERALD_QUEUE_DIR"] = Dir,
            ["HOME"] = _root,
            ["XDG_CONFIG_HOME"] = Path.Combine(_root, "xdg"),
        };
        foreach (var (name, value) in more)
        {
            variables[name] = value;
        }
        return variables;
    }

    private Task<CliRunner.Result> Herald(string[] args, string? stdin = null, params (string Name, string Value)[] variables) =>
        CliRunner.RunAsync(args, Variables(variables), stdin);

    private string File(string name, byte[] content)
    {
        string path = Path.Combine(_root, name);
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

    /// <summary>Queues with the arguments, checks it worked, and returns the queued message's id.</summary>
    private async Task<string> AddAsync(string[] args, string? stdin = null, params (string Name, string Value)[] variables)
    {
        var r = await Herald(["queue", "add", .. args], stdin, variables);
        Assert.True(r.ExitCode == ExitCodes.Ok, r.Error + r.Out);
        Assert.StartsWith("Queued ", r.Out, StringComparison.Ordinal);
        return r.Out.Split(' ')[1];
    }

    /// <summary>Delivers the queue to a fake server and returns the one message it received.</summary>
    private async Task<FakeMessage> RunAsync()
    {
        await using var server = new FakeSmtpServer();
        var run = await Herald(["queue", "run", "--server", $"{server.Host}:{server.Port}", "--tls", "none"]);
        Assert.True(run.ExitCode == ExitCodes.Ok, run.Error);
        Assert.Empty(Directory.GetFiles(Dir));
        return Assert.Single(Assert.Single(server.Sessions).Messages);
    }

    /// <summary>The MIME tree without what is chosen afresh for each message (boundaries): types and their parameters,
    /// dispositions, Content-IDs, transfer encodings and a hash of each part's decoded content.</summary>
    private static string Structure(MimeEntity entity)
    {
        var sb = new StringBuilder();
        Describe(entity, 0, sb);
        return sb.ToString();
    }

    private static void Describe(MimeEntity entity, int depth, StringBuilder sb)
    {
        sb.Append(' ', depth * 2).Append(entity.ContentType.MimeType);
        foreach (var p in entity.ContentType.Parameters.Where(p => !p.Name.Equals("boundary", StringComparison.OrdinalIgnoreCase)))
        {
            sb.Append("; ").Append(p.Name).Append('=').Append(p.Value);
        }
        if (entity.ContentDisposition is { } disposition)
        {
            sb.Append(" | ").Append(disposition.Disposition).Append("; filename=").Append(disposition.FileName);
        }
        if (entity.ContentId is { } id)
        {
            sb.Append(" | cid ").Append(id);
        }
        if (entity is MimePart part)
        {
            using var decoded = new MemoryStream();
            part.Content!.DecodeTo(decoded);
            sb.Append(" | ").Append(part.ContentTransferEncoding).Append(' ')
                .Append(Convert.ToHexString(SHA256.HashData(decoded.ToArray()))[..16]);
        }
        sb.Append('\n');
        if (entity is Multipart multipart)
        {
            foreach (var child in multipart)
            {
                Describe(child, depth + 1, sb);
            }
        }
    }

    [Fact]
    public async Task A_composed_message_is_queued_and_delivered_with_the_mime_structure_send_gives_it()
    {
        string pdf = File("report.pdf", Random(150_000, 1));
        string csv = File("data.csv", "a;b\nc;d\n");
        string logo = File("logo.png", Random(2_000, 2));
        string html = File("body.html", "<p>Grüße, <b>Bob</b></p><img src=\"cid:logo.png\">");
        string text = File("body.txt", "Grüße, Bob\n");
        string[] message =
        [
            "--from", "Alice <alice@example.org>", "--to", "bob@example.com", "--cc", "carol@example.com", "--bcc", "dave@example.net",
            "--subject", "Q3 Grüße", "--header", "X-Campaign: spring", "--html", html, "--text", text, "--inline", logo,
            "--attach", pdf, "--attach", $"{csv};type=text/csv; charset=utf-8;name=Übersicht.csv",
        ];
        var sent = await CliRunner.RunAsync(["send", "--capture-dir", Path.Combine(_root, "captures"), "--json", .. message]);
        Assert.True(sent.ExitCode == ExitCodes.Ok, sent.Error);
        using var json = JsonDocument.Parse(sent.Out);
        var captured = MimeMessage.Load(json.RootElement.GetProperty("captured").GetString()!);

        await AddAsync(message);
        var delivered = await RunAsync();

        Assert.Equal("alice@example.org", delivered.From);
        Assert.Equal(["bob@example.com", "carol@example.com", "dave@example.net"], delivered.Recipients);
        var queued = MimeMessage.Load(new MemoryStream(delivered.Content));
        string structure = Structure(queued.Body!);
        Assert.Equal(Structure(captured.Body!), structure);
        // The comparison has something to compare: the tree is the one the options describe.
        // The comparison has something to compare: the tree is the one the options describe.
        Assert.StartsWith("multipart/mixed\n  multipart/alternative\n    text/plain; charset=utf-8 | QuotedPrintable ", structure,
            StringComparison.Ordinal);
        Assert.Contains("\n    multipart/related; type=text/html\n      text/html; charset=utf-8 | QuotedPrintable ", structure,
            StringComparison.Ordinal);
        Assert.Contains("\n      image/png; name=logo.png | inline; filename=logo.png | cid logo.png | Base64 ", structure,
            StringComparison.Ordinal);
        Assert.Contains("\n  text/csv; charset=utf-8; name=Übersicht.csv | attachment; filename=Übersicht.csv | Base64 ", structure,
            StringComparison.Ordinal);
        var attachment = (MimePart)queued.Attachments.First();
        using (var decoded = new MemoryStream())
        {
            attachment.Content!.DecodeTo(decoded);
            Assert.Equal(await System.IO.File.ReadAllBytesAsync(pdf), decoded.ToArray());
        }
        foreach (var m in new[] { captured, queued })
        {
            var from = Assert.Single(m.From.Mailboxes);
            Assert.Equal(("Alice", "alice@example.org"), (from.Name, from.Address));
            Assert.Equal(["bob@example.com"], m.To.Mailboxes.Select(a => a.Address));
            Assert.Equal(["carol@example.com"], m.Cc.Mailboxes.Select(a => a.Address));
            Assert.Empty(m.Bcc);
            Assert.Equal("Q3 Grüße", m.Subject);
            Assert.Equal("spring", m.Headers["X-Campaign"]);
        }
        Assert.DoesNotContain("dave@example.net", delivered.Text, StringComparison.Ordinal);
        Assert.Equal("<p>Grüße, <b>Bob</b></p><img src=\"cid:logo.png\">", queued.HtmlBody);
    }

    [Fact]
    public async Task A_ready_message_goes_to_its_resent_recipients_from_its_resent_sender_without_its_bcc_lines()
    {
        const string Eml =
            "Resent-From: Forwarder <forwarder@example.org>\n" +
            "Resent-To: new@example.net\n" +
            "Resent-Bcc: hidden@example.net\n" +
            "Resent-Date: Mon, 2 Mar 2026 10:00:00 +0000\n" +
            "From: Alice <alice@example.org>\n" +
            "To: bob@example.com\n" +
            "Bcc: secret@example.com,\n" +
            " secret2@example.com\n" +
            "Subject: Forwarded\n" +
            "\n" +
            "Grüße\n" +
            ".a dot line\n";
        string path = File("resent.eml", Eml);

        await AddAsync(["--message", path]);
        var delivered = await RunAsync();

        Assert.Equal("forwarder@example.org", delivered.From);
        Assert.Equal(["new@example.net", "hidden@example.net"], delivered.Recipients);
        string expected = Eml.Replace("Resent-Bcc: hidden@example.net\n", "", StringComparison.Ordinal)
            .Replace("Bcc: secret@example.com,\n secret2@example.com\n", "", StringComparison.Ordinal)
            .Replace("\n", "\r\n", StringComparison.Ordinal);
        Assert.Equal(expected, delivered.Text);
        Assert.Contains("BODY=8BITMIME", delivered.MailLine, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_ready_message_from_stdin_goes_to_the_recipients_and_sender_given_instead()
    {
        const string Eml = "From: alice@example.org\r\nTo: bob@example.com\r\nSubject: x\r\n\r\nbody\r\n";

        await AddAsync(["--message", "-", "--to", "other@example.net"], Eml, ("HERALD_FROM", "bounces@example.org"));
        var delivered = await RunAsync();

        Assert.Equal("bounces@example.org", delivered.From);
        Assert.Equal(["other@example.net"], delivered.Recipients);
        Assert.Equal(Eml, delivered.Text);
    }

    [Fact]
    public async Task A_large_body_file_is_streamed_into_the_queue_as_quoted_printable()
    {
        var text = new StringBuilder();
        for (int i = 0; text.Length < 1_500_000; i++)
        {
            text.Append("Zeile ").Append(i).Append(": Grüße aus Köln\n");
        }
        string path = File("big.txt", text.ToString());

        string id = await AddAsync(["--from", "alice@example.org", "--to", "bob@example.com", "--subject", "Big", "--body-file", path]);

        // Queued 7-bit: the server that will take it is not known yet.
        Assert.True(Ascii.IsValid(await System.IO.File.ReadAllBytesAsync(Path.Combine(Dir, id + ".queued"))));
        var delivered = await RunAsync();
        var message = MimeMessage.Load(new MemoryStream(delivered.Content));
        var part = Assert.IsType<TextPart>(message.Body);
        Assert.Equal(ContentEncoding.QuotedPrintable, part.ContentTransferEncoding);
        Assert.Equal(text.ToString(), part.Text.ReplaceLineEndings("\n"));
    }

    private void WriteConfig(string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(ConfigPath)!);
        System.IO.File.WriteAllText(ConfigPath, text);
        if (!OperatingSystem.IsWindows())
        {
            System.IO.File.SetUnixFileMode(ConfigPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    private async Task<string> QueuedSender(string id)
    {
        var list = await Herald(["queue", "list", "--json"]);
        using var json = JsonDocument.Parse(list.Out);
        return json.RootElement.GetProperty("messages").EnumerateArray().Single(m => m.GetProperty("id").GetString() == id)
            .GetProperty("from").GetString()!;
    }

    [Fact]
    public async Task The_sender_falls_back_to_HERALD_FROM_then_to_the_accounts_from()
    {
        WriteConfig("""
            [accounts.work]
            server = "smtp.work.example:587"
            from = "Alice <alice@work.example>"

            [accounts.home]
            from = "alice@home.example"
            """);
        string[] message = ["--to", "bob@example.com", "--body", "hi"];

        string fromAccount = await AddAsync(["--account", "work", .. message]);
        string fromEnvAccount = await AddAsync(message, null, ("HERALD_ACCOUNT", "home"));
        string fromVariable = await AddAsync(["--account", "work", .. message], null, ("HERALD_FROM", "ops@example.org"));
        string fromOption = await AddAsync(["--account", "work", "--from", "me@example.org", .. message], null,
            ("HERALD_FROM", "ops@example.org"));

        Assert.Equal("alice@work.example", await QueuedSender(fromAccount));
        Assert.Equal("alice@home.example", await QueuedSender(fromEnvAccount));
        Assert.Equal("ops@example.org", await QueuedSender(fromVariable));
        Assert.Equal("me@example.org", await QueuedSender(fromOption));

        var unknown = await Herald(["queue", "add", "--account", "play", .. message]);
        Assert.Equal(ExitCodes.Config, unknown.ExitCode);
        Assert.Contains("\"play\"", unknown.Error, StringComparison.Ordinal);
        var two = await Herald(["queue", "add", .. message], null, ("HERALD_FROM", "a@example.org, b@example.org"));
        Assert.Equal(ExitCodes.Usage, two.ExitCode);
        Assert.Contains("HERALD_FROM takes exactly one address", two.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connection_settings_it_never_uses_cannot_make_it_fail()
    {
        // 'queue add' connects nowhere: a malformed server or two password sources are for 'queue run' to refuse.
        (string, string)[] broken =
        [
            ("HERALD_SERVER", "smtp.example.org:notaport"), ("HERALD_PASSWORD_COMMAND", "pass show mail"),
            ("HERALD_PASSWORD_ENV", "SMTP_PASSWORD"), ("HERALD_FROM", "ops@example.org"),
        ];
        string id = await AddAsync(["--to", "bob@example.com", "--body", "hi"], null, broken);
        Assert.Equal("ops@example.org", await QueuedSender(id));

        // The same settings stop a command that connects, so they are not silently ignored there.
        var run = await Herald(["queue", "run", "--queue-dir", Dir], null, broken);
        Assert.NotEqual(ExitCodes.Ok, run.ExitCode);
    }

    [Fact]
    public async Task Without_a_sender_it_is_a_usage_error_and_nothing_is_queued()
    {
        var none = await Herald(["queue", "add", "--to", "bob@example.com", "--body", "x"]);
        Assert.Equal(ExitCodes.Usage, none.ExitCode);
        Assert.Contains("Queueing a message needs a sender: --from ADDRESS (or HERALD_FROM, or from in the account)", none.Error,
            StringComparison.Ordinal);

        string path = File("nofrom.eml", "To: bob@example.com\nSubject: x\n\nbody\n");
        var noFromHeader = await Herald(["queue", "add", "--message", path]);
        Assert.Equal(ExitCodes.Usage, noFromHeader.ExitCode);
        Assert.Contains($"--message {path}: the message has no From header; give the sender with --from ADDRESS", noFromHeader.Error,
            StringComparison.Ordinal);

        Assert.False(Directory.Exists(Dir));
    }

    [Theory]
    [InlineData("--message|x.eml|--subject|S", "--message queues the message as it is, so --subject cannot apply")]
    [InlineData("--text|-|--html|-|--to|b@example.com", "Only one option can read standard input")]
    [InlineData("--attach|x.eml|--header|Content-Type: text/plain|--to|b@example.com", "--header Content-Type")]
    [InlineData("--attach|missing.bin|--to|b@example.com", "--attach missing.bin: no such file")]
    public async Task Bad_message_options_are_refused_as_send_refuses_them(string args, string message)
    {
        File("x.eml", "From: a@example.org\nTo: b@example.com\n\nbody\n");
        string Local(string s) => s.Replace("x.eml", Path.Combine(_root, "x.eml"), StringComparison.Ordinal)
            .Replace("missing.bin", Path.Combine(_root, "missing.bin"), StringComparison.Ordinal);

        var r = await Herald(["queue", "add", "--from", "a@example.org", .. args.Split('|').Select(Local)]);

        Assert.True(r.ExitCode is ExitCodes.Usage or ExitCodes.NoInput, r.Error);
        Assert.Contains(Local(message), r.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Dir));
    }

    [Fact]
    public async Task Json_reports_the_queued_message_in_the_documented_shape()
    {
        var r = await Herald(["queue", "add", "--json", "--from", "alice@example.org", "--to", "Bob <bob@example.com>", "--bcc",
            "eve@example.net", "--body", "hi"]);

        Assert.Equal(ExitCodes.Ok, r.ExitCode);
        using var json = JsonDocument.Parse(r.Out);
        var root = json.RootElement;
        Assert.Equal(
            ["format", "command", "ok", "exitCode", "server", "tls", "error", "id", "path", "directory", "recipients"],
            root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(1, root.GetProperty("format").GetInt32());
        Assert.Equal("queue add", root.GetProperty("command").GetString());
        Assert.True(root.GetProperty("ok").GetBoolean());
        Assert.Equal(0, root.GetProperty("exitCode").GetInt32());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("server").ValueKind);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("error").ValueKind);
        string id = root.GetProperty("id").GetString()!;
        Assert.Equal(Path.Combine(Dir, id + ".queued"), root.GetProperty("path").GetString());
        Assert.True(System.IO.File.Exists(root.GetProperty("path").GetString()));
        Assert.Equal(Dir, root.GetProperty("directory").GetString());
        Assert.Equal(["bob@example.com", "eve@example.net"], root.GetProperty("recipients").EnumerateArray().Select(e => e.GetString()));

        var failed = await Herald(["queue", "add", "--json", "--to", "bob@example.com", "--body", "hi"]);
        Assert.Equal(ExitCodes.Usage, failed.ExitCode);
        using var error = JsonDocument.Parse(failed.Out);
        Assert.Equal("queue add", error.RootElement.GetProperty("command").GetString());
        Assert.False(error.RootElement.GetProperty("ok").GetBoolean());
        Assert.Equal(ExitCodes.Usage, error.RootElement.GetProperty("exitCode").GetInt32());
        Assert.Contains("needs a sender", error.RootElement.GetProperty("error").GetProperty("message").GetString(),
            StringComparison.Ordinal);
    }
}
