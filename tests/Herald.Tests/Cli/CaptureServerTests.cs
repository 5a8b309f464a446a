using System.Collections.Concurrent;
using System.Text;
using Herald.Cli.Capture;
using Xunit;

namespace Herald.Tests.Cli;

public sealed class CaptureServerTests : IAsyncLifetime
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "herald-capture-test-" + Guid.NewGuid().ToString("N"));
    private readonly ConcurrentQueue<CapturedMessage> _saved = new();
    private readonly ConcurrentQueue<Exception> _failures = new();
    private CaptureServer _server = null!;

    public Task InitializeAsync()
    {
        _server = StartServer(new CaptureServerOptions { Directory = _dir });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Assert.Empty(_failures);
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    private CaptureServer StartServer(CaptureServerOptions options)
    {
        var server = CaptureServer.Start(options);
        server.MessageSaved += _saved.Enqueue;
        server.SessionFailed += _failures.Enqueue;
        return server;
    }

    private async Task<RawSmtpClient> ConnectAsync(bool ehlo = true)
    {
        var client = await RawSmtpClient.ConnectAsync(_server.EndPoint);
        Assert.StartsWith("220 ", await client.ReadReplyAsync());
        if (ehlo)
        {
            Assert.StartsWith("250", await client.CommandAsync("EHLO test.example"));
        }
        return client;
    }

    private string[] SavedFiles() => Directory.GetFiles(_dir, "*.eml");

    [Fact]
    public async Task ListensOnLoopbackOnly()
    {
        Assert.Equal(System.Net.IPAddress.Loopback, _server.EndPoint.Address);
        Assert.NotEqual(0, _server.EndPoint.Port);
        await Task.CompletedTask;
    }

    [Fact]
    public async Task EhloAnnouncesTheExtensions()
    {
        using var client = await ConnectAsync(ehlo: false);
        var reply = (await client.CommandAsync("EHLO client.example")).Split('\n');
        Assert.StartsWith("250-localhost", reply[0]);
        Assert.Equal(
            ["250-PIPELINING", "250-8BITMIME", "250-SMTPUTF8", "250-SIZE 52428800", "250-ENHANCEDSTATUSCODES", "250-DSN",
                "250-AUTH PLAIN LOGIN", "250 HELP"],
            reply[1..]);
    }

    [Fact]
    public async Task PipelinedCommandsAreAnsweredInOrderAndTheDataIsSavedByteForByte()
    {
        using var client = await ConnectAsync(ehlo: false);
        // Everything up to DATA in one write, as a PIPELINING client sends it (RFC 2920).
        await client.SendAsync("EHLO pipe.example\r\nMAIL FROM:<alice@example.com> SIZE=100 BODY=8BITMIME\r\n" +
                               "RCPT TO:<bob@example.net>\r\nRCPT TO:<carol@example.org> NOTIFY=SUCCESS,FAILURE\r\n" +
                               "RCPT TO:<no-at-sign>\r\nDATA\r\n");
        Assert.StartsWith("250-", await client.ReadReplyAsync());
        Assert.Equal("250 2.1.0 Sender OK", await client.ReadReplyAsync());
        Assert.Equal("250 2.1.5 Recipient OK", await client.ReadReplyAsync());
        Assert.Equal("250 2.1.5 Recipient OK", await client.ReadReplyAsync());
        Assert.StartsWith("501 5.1.3 ", await client.ReadReplyAsync());
        Assert.StartsWith("354 ", await client.ReadReplyAsync());

        const string body = "Subject: hi\r\n\r\n..leading dot\r\n...\r\nmiddle . dot\r\n. \r\n\r\nlast\r\n";
        await client.SendAsync(body + ".\r\nQUIT\r\n");
        var saved = await client.ReadReplyAsync();
        Assert.StartsWith("250 2.0.0 Saved as ", saved);
        Assert.StartsWith("221 ", await client.ReadReplyAsync());

        var file = Assert.Single(SavedFiles());
        Assert.EndsWith(saved["250 2.0.0 Saved as ".Length..], file);
        const string expected = "X-Herald-Envelope-From: <alice@example.com>\r\n" +
                                "X-Herald-Envelope-To: <bob@example.net>\r\n" +
                                "X-Herald-Envelope-To: <carol@example.org>\r\n" +
                                "Subject: hi\r\n\r\n.leading dot\r\n..\r\nmiddle . dot\r\n \r\n\r\nlast\r\n";
        Assert.Equal(expected, Encoding.UTF8.GetString(await File.ReadAllBytesAsync(file)));

        var message = Assert.Single(_saved);
        Assert.Equal(file, message.Path);
        Assert.Equal("alice@example.com", message.ReversePath);
        Assert.Equal(["bob@example.net", "carol@example.org"], message.Recipients);
        Assert.Equal(Encoding.ASCII.GetByteCount(expected[(expected.IndexOf("Subject", StringComparison.Ordinal))..]), message.Size);
    }

    [Fact]
    public async Task FileNameIsUtcTimestampAndShortId()
    {
        using var client = await ConnectAsync();
        await SendMessageAsync(client, "a@example.com", ["b@example.com"], "x\r\n");
        string name = Path.GetFileName(Assert.Single(SavedFiles()));
        Assert.Matches(@"^\d{8}T\d{6}\.\d{3}Z-[0-9a-f]{8}\.eml$", name);
        var stamp = DateTime.ParseExact(name[..20], "yyyyMMdd'T'HHmmss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AssumeUniversal | System.Globalization.DateTimeStyles.AdjustToUniversal);
        Assert.InRange(DateTime.UtcNow - stamp, TimeSpan.Zero, TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task TwoMessagesInOneSessionAreSavedSeparately()
    {
        using var client = await ConnectAsync();
        await SendMessageAsync(client, "one@example.com", ["x@example.com"], "Subject: first\r\n\r\nfirst body\r\n");
        await SendMessageAsync(client, "", ["y@example.com", "z@example.com"], "Subject: second\r\n\r\nsecond body\r\n");
        Assert.StartsWith("221", await client.CommandAsync("QUIT"));

        var contents = SavedFiles().Select(File.ReadAllText).OrderBy(t => t.Contains("second", StringComparison.Ordinal)).ToArray();
        Assert.Equal(2, contents.Length);
        Assert.Equal("X-Herald-Envelope-From: <one@example.com>\r\nX-Herald-Envelope-To: <x@example.com>\r\n" +
                     "Subject: first\r\n\r\nfirst body\r\n", contents[0]);
        Assert.Equal("X-Herald-Envelope-From: <>\r\nX-Herald-Envelope-To: <y@example.com>\r\nX-Herald-Envelope-To: <z@example.com>\r\n" +
                     "Subject: second\r\n\r\nsecond body\r\n", contents[1]);
    }

    [Fact]
    public async Task CommandsOutOfSequenceAreRefusedWith503()
    {
        using var client = await ConnectAsync(ehlo: false);
        Assert.StartsWith("503 5.5.1", await client.CommandAsync("MAIL FROM:<a@example.com>"));
        Assert.StartsWith("250", await client.CommandAsync("HELO test.example"));
        Assert.StartsWith("503 5.5.1", await client.CommandAsync("RCPT TO:<b@example.com>"));
        Assert.StartsWith("503 5.5.1", await client.CommandAsync("DATA"));
        Assert.StartsWith("250", await client.CommandAsync("MAIL FROM:<a@example.com>"));
        Assert.StartsWith("503 5.5.1", await client.CommandAsync("MAIL FROM:<again@example.com>"));
        Assert.StartsWith("554 5.5.1", await client.CommandAsync("DATA"));
        Assert.StartsWith("250", await client.CommandAsync("RSET"));
        Assert.StartsWith("503 5.5.1", await client.CommandAsync("RCPT TO:<b@example.com>"));
        Assert.Empty(SavedFiles());
    }

    [Theory]
    [InlineData("FOO bar", "500 5.5.2")]
    [InlineData("", "500 5.5.2")]
    [InlineData("MAIL TO:<a@example.com>", "501 5.5.4")]
    [InlineData("MAIL FROM:a@example.com", "501 5.5.4")]
    [InlineData("MAIL FROM:<a@example.com", "501 5.5.4")]
    [InlineData("MAIL FROM:<a@example.com> FOO=1", "555 5.5.4")]
    [InlineData("MAIL FROM:<a@example.com> SIZE=abc", "501 5.5.4")]
    [InlineData("MAIL FROM:<a@example.com> SIZE=52428801", "552 5.3.4")]
    [InlineData("MAIL FROM:<a@example.com> BODY=BINARYMIME", "501 5.5.4")]
    [InlineData("MAIL FROM:<a@example.com> ENVID=has=equals", "501 5.5.4")]
    [InlineData("MAIL FROM:<a@@example.com>", "501 5.1.7")]
    [InlineData("MAIL FROM:<.a@example.com>", "501 5.1.7")]
    [InlineData("MAIL FROM:<a@-bad-.com>", "501 5.1.7")]
    [InlineData("MAIL FROM:<jörg@example.com>", "553 5.6.7")]
    [InlineData("RSET now", "501 5.5.4")]
    [InlineData("VRFY", "501 5.5.4")]
    [InlineData("EHLO", "501 5.5.4")]
    [InlineData("STARTTLS", "502 5.5.1")] // no certificate given to this server: no TLS
    [InlineData("AUTH GSSAPI", "504 5.5.4")]
    [InlineData("EXPN staff", "502 5.5.1")]
    public async Task BadCommandsGetTheRightError(string command, string expected)
    {
        using var client = await ConnectAsync();
        Assert.StartsWith(expected + " ", await client.CommandAsync(command));
        // The session is still usable afterwards.
        Assert.StartsWith("250", await client.CommandAsync("NOOP"));
    }

    [Theory]
    [InlineData("MAIL FROM:<a@example.com> SMTPUTF8", "RCPT TO:<jörg@bücher.example>", "250 2.1.5")]
    [InlineData("MAIL FROM:<a@example.com>", "RCPT TO:<jörg@bücher.example>", "553 5.6.7")]
    [InlineData("MAIL FROM:<a@example.com>", "RCPT TO:<Postmaster>", "250 2.1.5")]
    [InlineData("MAIL FROM:<a@example.com>", "RCPT TO:<@relay.example,@other.example:b@example.com>", "250 2.1.5")]
    [InlineData("MAIL FROM:<a@example.com>", "RCPT TO:<\"odd > quoted\"@example.com>", "250 2.1.5")]
    [InlineData("MAIL FROM:<a@example.com>", "RCPT TO:<b@[192.0.2.1]>", "250 2.1.5")]
    [InlineData("MAIL FROM:<a@example.com>", "RCPT TO:<b@[IPv6:2001:db8::1]>", "250 2.1.5")]
    [InlineData("MAIL FROM:<a@example.com>", "RCPT TO:<b@example.com> NOTIFY=NEVER,SUCCESS", "501 5.5.4")]
    [InlineData("MAIL FROM:<a@example.com>", "RCPT TO:<b@example.com> ORCPT=rfc822;b+40example.com", "250 2.1.5")]
    [InlineData("MAIL FROM:<a@example.com> RET=HDRS ENVID=QQ+2B1", "RCPT TO: <b@example.com>", "250 2.1.5")]
    public async Task RecipientsAreCheckedAgainstTheGrammar(string mail, string rcpt, string expected)
    {
        using var client = await ConnectAsync();
        Assert.StartsWith("250 2.1.0", await client.CommandAsync(mail));
        Assert.StartsWith(expected + " ", await client.CommandAsync(rcpt));
    }

    [Fact]
    public async Task ParametersNeedEhlo()
    {
        using var client = await ConnectAsync(ehlo: false);
        Assert.StartsWith("250 ", await client.CommandAsync("HELO old.example"));
        Assert.StartsWith("555 5.5.4", await client.CommandAsync("MAIL FROM:<a@example.com> SIZE=10"));
        Assert.StartsWith("250 2.1.0", await client.CommandAsync("MAIL FROM:<a@example.com>"));
    }

    [Fact]
    public async Task EhloInTheMiddleOfATransactionResetsIt()
    {
        using var client = await ConnectAsync();
        Assert.StartsWith("250", await client.CommandAsync("MAIL FROM:<a@example.com>"));
        Assert.StartsWith("250", await client.CommandAsync("RCPT TO:<b@example.com>"));
        Assert.StartsWith("250", await client.CommandAsync("EHLO again.example"));
        Assert.StartsWith("503 5.5.1", await client.CommandAsync("DATA"));
    }

    [Fact]
    public async Task VrfyHelpAndNoopAnswer()
    {
        using var client = await ConnectAsync();
        Assert.StartsWith("252 2.5.0", await client.CommandAsync("VRFY someone"));
        Assert.StartsWith("214-", await client.CommandAsync("HELP"));
        Assert.StartsWith("250 2.0.0", await client.CommandAsync("NOOP with an ignored argument"));
        Assert.StartsWith("250 2.0.0", await client.CommandAsync("noop"));
    }

    [Fact]
    public async Task AnOverlongCommandLineIsRefusedAndTheSessionGoesOn()
    {
        using var client = await ConnectAsync();
        Assert.StartsWith("500 5.5.2 Line too long", await client.CommandAsync("NOOP " + new string('x', 3000)));
        Assert.StartsWith("250", await client.CommandAsync("NOOP"));
    }

    [Fact]
    public async Task AnOverlongDataLineRejectsTheMessageAfterItsEnd()
    {
        using var client = await ConnectAsync();
        Assert.StartsWith("250", await client.CommandAsync("MAIL FROM:<a@example.com>"));
        Assert.StartsWith("250", await client.CommandAsync("RCPT TO:<b@example.com>"));
        Assert.StartsWith("354", await client.CommandAsync("DATA"));
        // 998 octets are allowed (RFC 5321 §4.5.3.1.6); 999 are not.
        Assert.StartsWith("500 5.5.2 Line too long", await client.CommandAsync(
            new string('a', 998) + "\r\n" + new string('b', 999) + "\r\n" + new string('c', 5000) + "\r\nafter\r\n."));
        Assert.Empty(SavedFiles());
        Assert.Empty(Directory.GetFiles(_dir)); // the partial file is gone too
        await SendMessageAsync(client, "a@example.com", ["b@example.com"], new string('a', 998) + "\r\n");
        Assert.Single(SavedFiles());
    }

    [Fact]
    public async Task BareLineFeedsInDataAreContentAndCannotEndTheMessage()
    {
        using var client = await ConnectAsync();
        await SendMessageAsync(client, "a@example.com", ["b@example.com"], "one\n.\ntwo\r\nthree\r\r\n");
        string text = File.ReadAllText(Assert.Single(SavedFiles()));
        Assert.EndsWith("\r\none\n.\ntwo\r\nthree\r\r\n", text);
    }

    [Fact]
    public async Task MessagesOverTheSizeLimitAreRefusedAfterTheData()
    {
        await using var small = StartServer(new CaptureServerOptions { Directory = _dir, MaxMessageSize = 100 });
        using var client = await RawSmtpClient.ConnectAsync(small.EndPoint);
        await client.ReadReplyAsync();
        Assert.Contains("250-SIZE 100\n", await client.CommandAsync("EHLO x.example"));
        Assert.StartsWith("250", await client.CommandAsync("MAIL FROM:<a@example.com>"));
        Assert.StartsWith("250", await client.CommandAsync("RCPT TO:<b@example.com>"));
        Assert.StartsWith("354", await client.CommandAsync("DATA"));
        Assert.StartsWith("552 5.3.4", await client.CommandAsync(string.Concat(Enumerable.Repeat("0123456789\r\n", 10)) + "."));
        Assert.Empty(Directory.GetFiles(_dir));
    }

    [Fact]
    public async Task NonUtf8CommandsAreRefused()
    {
        using var client = await ConnectAsync();
        await client.SendAsync([(byte)'N', (byte)'O', 0xFF, (byte)'P', (byte)'\r', (byte)'\n']);
        Assert.StartsWith("500 5.5.2", await client.ReadReplyAsync());
    }

    [Fact]
    public async Task CommandsEndedByABareLineFeedAreAccepted()
    {
        using var client = await ConnectAsync();
        await client.SendAsync("NOOP\nNOOP\r\n");
        Assert.StartsWith("250", await client.ReadReplyAsync());
        Assert.StartsWith("250", await client.ReadReplyAsync());
    }

    [Fact]
    public async Task TooManyErrorsEndTheSession()
    {
        using var client = await ConnectAsync();
        for (int i = 0; i < 19; i++)
        {
            Assert.StartsWith("500", await client.CommandAsync("BOGUS"));
        }
        var last = await client.CommandAsync("BOGUS");
        Assert.Equal("500", last[..3]);
        Assert.StartsWith("421 4.7.0", await client.ReadReplyAsync());
        Assert.True(await client.IsClosedAsync());
    }

    [Fact]
    public async Task ClientsAreServedConcurrently()
    {
        var clients = new List<RawSmtpClient>();
        try
        {
            // All sessions open at once, each with a transaction in progress, then finished in reverse order.
            for (int i = 0; i < 5; i++)
            {
                var c = await ConnectAsync();
                Assert.StartsWith("250", await c.CommandAsync($"MAIL FROM:<sender{i}@example.com>"));
                Assert.StartsWith("250", await c.CommandAsync($"RCPT TO:<rcpt{i}@example.com>"));
                clients.Add(c);
            }
            for (int i = clients.Count - 1; i >= 0; i--)
            {
                Assert.StartsWith("354", await clients[i].CommandAsync("DATA"));
                Assert.StartsWith("250", await clients[i].CommandAsync($"Subject: {i}\r\n\r\nbody {i}\r\n."));
            }
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
        var files = SavedFiles();
        Assert.Equal(5, files.Length);
        for (int i = 0; i < 5; i++)
        {
            var text = files.Select(File.ReadAllText).Single(t => t.Contains($"sender{i}@", StringComparison.Ordinal));
            Assert.Contains($"X-Herald-Envelope-To: <rcpt{i}@example.com>\r\nSubject: {i}\r\n\r\nbody {i}\r\n", text);
        }
    }

    [Fact]
    public async Task StoppingTheServerSays421ToConnectedClients()
    {
        using var client = await ConnectAsync();
        Assert.StartsWith("250", await client.CommandAsync("MAIL FROM:<a@example.com>"));
        Assert.StartsWith("250", await client.CommandAsync("RCPT TO:<b@example.com>"));
        Assert.StartsWith("354", await client.CommandAsync("DATA"));
        await client.SendAsync("Subject: never finished\r\n");
        await _server.StopAsync();
        Assert.StartsWith("421 4.3.2", await client.ReadReplyAsync());
        Assert.True(await client.IsClosedAsync());
        Assert.Empty(Directory.GetFiles(_dir));
    }

    [Fact]
    public async Task AnIdleClientIsDisconnected()
    {
        await using var impatient = StartServer(
            new CaptureServerOptions { Directory = _dir, IdleTimeout = TimeSpan.FromMilliseconds(300) });
        using var client = await RawSmtpClient.ConnectAsync(impatient.EndPoint);
        Assert.StartsWith("220", await client.ReadReplyAsync());
        Assert.StartsWith("421 4.4.2", await client.ReadReplyAsync());
        Assert.True(await client.IsClosedAsync());
    }

    [Fact]
    public async Task CaptureFolderIsOwnerOnlyOnUnix()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }
        using var client = await ConnectAsync();
        await SendMessageAsync(client, "a@example.com", ["b@example.com"], "x\r\n");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_dir));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Assert.Single(SavedFiles())));
    }

    private static async Task SendMessageAsync(RawSmtpClient client, string from, string[] to, string data)
    {
        Assert.StartsWith("250", await client.CommandAsync($"MAIL FROM:<{from}>"));
        foreach (var rcpt in to)
        {
            Assert.StartsWith("250", await client.CommandAsync($"RCPT TO:<{rcpt}>"));
        }
        Assert.StartsWith("354", await client.CommandAsync("DATA"));
        Assert.StartsWith("250 2.0.0 Saved as ", await client.CommandAsync(data + "."));
    }
}
