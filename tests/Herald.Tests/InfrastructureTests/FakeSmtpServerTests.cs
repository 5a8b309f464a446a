using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Herald.Tests.Infrastructure;
using Xunit;

namespace Herald.Tests.InfrastructureTests;

public class FakeSmtpServerTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task TheBuiltInServerAcceptsAMessageAndRecordsItUnstuffed()
    {
        await using var server = new FakeSmtpServer();
        await using var client = await RawSmtpClient.ConnectAsync(server);

        Assert.Equal(["220 fake.test ESMTP ready"], await client.ReadReplyAsync());
        await client.SendAsync("EHLO client.test");
        Assert.Equal(["250-fake.test greets client.test", "250-PIPELINING", "250-SIZE 10485760", "250-8BITMIME",
            "250 ENHANCEDSTATUSCODES"], await client.ReadReplyAsync());
        Assert.Equal(250, await client.CommandAsync("MAIL FROM:<sender@client.test> BODY=8BITMIME"));
        Assert.Equal(250, await client.CommandAsync("RCPT TO:<one@fake.test>"));
        Assert.Equal(250, await client.CommandAsync("RCPT TO:<two@fake.test> NOTIFY=NEVER"));
        Assert.Equal(354, await client.CommandAsync("DATA"));
        await client.SendRawAsync("Subject: hi\r\n\r\n..leading dot\r\n.\r\n");
        Assert.StartsWith("250 2.0.0 Ok: queued as FAKE", (await client.ReadReplyAsync())[0]);
        Assert.Equal(221, await client.CommandAsync("QUIT"));
        Assert.True(await client.IsClosedAsync());

        var session = Assert.Single(server.Sessions);
        await session.Ended.WaitAsync(Wait);
        Assert.Equal(["EHLO client.test", "MAIL FROM:<sender@client.test> BODY=8BITMIME", "RCPT TO:<one@fake.test>",
            "RCPT TO:<two@fake.test> NOTIFY=NEVER", "DATA", "QUIT"], session.Lines);
        Assert.Equal("client.test", session.Hello);
        var message = Assert.Single(session.Messages);
        Assert.Equal("sender@client.test", message.From);
        Assert.Equal(["one@fake.test", "two@fake.test"], message.Recipients);
        Assert.Equal("Subject: hi\r\n\r\n.leading dot\r\n", message.Text);
        Assert.Equal("Subject: hi\r\n\r\n..leading dot\r\n.\r\n", Encoding.UTF8.GetString(message.RawData));
        Assert.Equal(250, message.FinalReplyCode);
        Assert.False(message.ViaBdat);
    }

    [Fact]
    public async Task AnswersEveryBuiltInCommandAndRefusesThemOutOfOrder()
    {
        await using var server = new FakeSmtpServer();
        await using var client = await RawSmtpClient.ConnectAsync(server);
        await client.ReadReplyAsync();

        Assert.Equal(503, await client.CommandAsync("MAIL FROM:<a@b.test>"));
        Assert.Equal(250, await client.CommandAsync("HELO client.test"));
        Assert.Equal(503, await client.CommandAsync("RCPT TO:<a@b.test>"));
        Assert.Equal(503, await client.CommandAsync("DATA"));
        Assert.Equal(250, await client.CommandAsync("MAIL FROM:<a@b.test>"));
        Assert.Equal(503, await client.CommandAsync("MAIL FROM:<a@b.test>"));
        Assert.Equal(554, await client.CommandAsync("DATA"));
        Assert.Equal(250, await client.CommandAsync("RSET"));
        Assert.Equal(503, await client.CommandAsync("RCPT TO:<a@b.test>"));
        Assert.Equal(250, await client.CommandAsync("NOOP"));
        Assert.Equal(252, await client.CommandAsync("VRFY someone"));
        await client.SendAsync("EXPN staff");
        Assert.Equal(["250-2.1.5 First Member <first@fake.test>", "250 2.1.5 Second Member <second@fake.test>"],
            await client.ReadReplyAsync());
        Assert.Equal(500, await client.CommandAsync("FROB"));
        Assert.Equal(502, await client.CommandAsync("STARTTLS"));
        Assert.Equal(502, await client.CommandAsync("AUTH PLAIN"));
        Assert.Equal(501, await client.CommandAsync("EHLO"));
    }

    [Fact]
    public async Task PipelinedCommandsAreAnsweredInOrderAndTogether()
    {
        await using var server = new FakeSmtpServer();
        await using var client = await RawSmtpClient.ConnectAsync(server);
        await client.ReadReplyAsync();
        Assert.Equal(250, await client.CommandAsync("EHLO client.test"));

        await client.SendRawAsync("MAIL FROM:<a@b.test>\r\nRCPT TO:<c@d.test>\r\nRCPT TO:<e@f.test>\r\nDATA\r\n");

        var chunk = await client.ReadChunkAsync();
        Assert.Equal("250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n", chunk);
    }

    [Fact]
    public async Task AHandlerSeesTheWholeLineAndItsReplySteersTheSession()
    {
        await using var server = new FakeSmtpServer();
        var seen = new List<string>();
        server.On("mail", cmd =>
        {
            seen.Add($"{cmd.Verb}|{cmd.Argument}|{cmd.Line}");
            return cmd.Argument.Contains("full@") ? FakeAction.Reply("452 4.3.1 Insufficient system storage") : null;
        });
        server.On("RCPT", cmd => cmd.Argument.Contains("bad@") ? FakeAction.Reply("550 5.1.1 No such user") : cmd.BuiltIn());
        await using var client = await RawSmtpClient.ConnectAsync(server);
        await client.ReadReplyAsync();
        await client.CommandAsync("EHLO client.test");

        Assert.Equal(452, await client.CommandAsync("MAIL FROM:<full@client.test>"));
        Assert.Equal(503, await client.CommandAsync("RCPT TO:<x@fake.test>"));
        Assert.Equal(250, await client.CommandAsync("MAIL FROM:<ok@client.test>"));
        Assert.Equal(550, await client.CommandAsync("RCPT TO:<bad@fake.test>"));
        Assert.Equal(250, await client.CommandAsync("RCPT TO:<good@fake.test>"));
        Assert.Equal(354, await client.CommandAsync("DATA"));
        await client.SendRawAsync("x\r\n.\r\n");
        Assert.Equal(250, await client.ReadCodeAsync());

        Assert.Equal(["MAIL|FROM:<full@client.test>|MAIL FROM:<full@client.test>",
            "MAIL|FROM:<ok@client.test>|MAIL FROM:<ok@client.test>"], seen);
        var message = Assert.Single(server.Sessions[0].Messages);
        Assert.Equal(["RCPT TO:<bad@fake.test>", "RCPT TO:<good@fake.test>"], message.RcptLines);
        Assert.Equal(["good@fake.test"], message.Recipients);
    }

    [Fact]
    public async Task TheEndOfDataHandlerSeesTheMessage()
    {
        await using var server = new FakeSmtpServer();
        string? text = null;
        server.On(".", cmd =>
        {
            text = cmd.Message!.Text;
            return FakeAction.Reply("552 5.3.4 Message too big");
        });
        await using var client = await RawSmtpClient.ConnectAsync(server);
        await client.ReadReplyAsync();
        await client.CommandAsync("EHLO c");
        await client.CommandAsync("MAIL FROM:<a@b>");
        await client.CommandAsync("RCPT TO:<c@d>");
        await client.CommandAsync("DATA");
        await client.SendRawAsync("body\r\n.\r\n");

        Assert.Equal(552, await client.ReadCodeAsync());
        Assert.Equal("body\r\n", text);
        Assert.Equal(552, server.Sessions[0].Messages[0].FinalReplyCode);
        Assert.Equal(503, await client.CommandAsync("RCPT TO:<c@d>"));
    }

    [Fact]
    public async Task DataKeepsABareLineFeedAsContent()
    {
        await using var server = new FakeSmtpServer();
        await using var client = await RawSmtpClient.ConnectAsync(server);
        await client.ReadReplyAsync();
        await client.CommandAsync("EHLO c");
        await client.CommandAsync("MAIL FROM:<a@b>");
        await client.CommandAsync("RCPT TO:<c@d>");
        await client.CommandAsync("DATA");

        await client.SendRawAsync("a\n.\nb\r\n.\r\n");

        Assert.Equal(250, await client.ReadCodeAsync());
        Assert.Equal("a\n.\nb\r\n", server.Sessions[0].Messages[0].Text);
    }

    [Fact]
    public async Task BdatChunksAreJoined()
    {
        await using var server = new FakeSmtpServer();
        server.Capabilities.Add("CHUNKING");
        await using var client = await RawSmtpClient.ConnectAsync(server);
        await client.ReadReplyAsync();
        await client.SendAsync("EHLO c");
        Assert.Contains("250 CHUNKING", await client.ReadReplyAsync());
        await client.CommandAsync("MAIL FROM:<a@b>");
        await client.CommandAsync("RCPT TO:<c@d>");

        await client.SendRawAsync("BDAT 5\r\nhello");
        Assert.Equal(250, await client.ReadCodeAsync());
        await client.SendRawAsync("BDAT 9 LAST\r\n world\r\n.");
        Assert.StartsWith("250 2.0.0 Ok: queued", (await client.ReadReplyAsync())[0]);

        var message = Assert.Single(server.Sessions[0].Messages);
        Assert.True(message.ViaBdat);
        Assert.Equal(2, message.ChunkCount);
        Assert.Equal("hello world\r\n.", message.Text);
        Assert.Equal(["BDAT 5", "BDAT 9 LAST"], server.Sessions[0].Lines.Where(l => l.StartsWith("BDAT")));
    }

    [Fact]
    public async Task DelayedReplyArrivesAfterTheDelay()
    {
        await using var server = new FakeSmtpServer();
        server.On("NOOP", _ => FakeAction.DelayedReply(TimeSpan.FromMilliseconds(300), "250 2.0.0 slow"));
        await using var client = await RawSmtpClient.ConnectAsync(server);
        await client.ReadReplyAsync();

        var clock = Stopwatch.StartNew();
        await client.SendAsync("NOOP");
        Assert.Equal(["250 2.0.0 slow"], await client.ReadReplyAsync());

        Assert.True(clock.ElapsedMilliseconds >= 280, $"the reply came after {clock.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task PartialBytesArriveAndNothingElseUntilDisposed()
    {
        var server = new FakeSmtpServer();
        server.OnConnect = _ => FakeAction.Sequence(FakeAction.Raw("220-first line\r\n220 half"), FakeAction.Hang);
        await using var client = await RawSmtpClient.ConnectAsync(server);

        Assert.Equal("220-first line", await client.ReadLineAsync());
        Assert.Equal("220 half", await client.ReadChunkAsync());
        var next = client.PendingReadAsync();
        await Task.Delay(200);
        Assert.False(next.IsCompleted);

        var clock = Stopwatch.StartNew();
        await server.DisposeAsync();
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3));
        Assert.Equal(0, await next.WaitAsync(Wait));
        Assert.True(server.Sessions[0].Ended.IsCompleted);
        Assert.Null(server.Sessions[0].Error);
    }

    [Fact]
    public async Task SeveralRepliesCanGoOutInOnePacket()
    {
        await using var server = new FakeSmtpServer();
        server.On("NOOP", _ => FakeAction.Reply("250 first", "250 second"));
        await using var client = await RawSmtpClient.ConnectAsync(server);
        await client.ReadReplyAsync();

        await client.SendAsync("NOOP");

        Assert.Equal("250 first\r\n250 second\r\n", await client.ReadChunkAsync());
    }

    [Fact]
    public async Task AnOversizedLineHasTheRequestedLength()
    {
        await using var server = new FakeSmtpServer();
        server.On("EHLO", _ => FakeAction.OversizedLine(5000));
        await using var client = await RawSmtpClient.ConnectAsync(server);
        await client.ReadReplyAsync();

        await client.SendAsync("EHLO c");
        var line = await client.ReadLineAsync();

        Assert.Equal(5000, line!.Length);
        Assert.StartsWith("250 xxx", line);
    }

    [Fact]
    public async Task DropClosesTheConnection()
    {
        await using var server = new FakeSmtpServer();
        server.On("DATA", _ => FakeAction.Sequence(FakeAction.Reply("421 4.3.0 shutting down"), FakeAction.Drop));
        await using var client = await RawSmtpClient.ConnectAsync(server);
        await client.ReadReplyAsync();

        Assert.Equal(421, await client.CommandAsync("DATA"));

        Assert.True(await client.IsClosedAsync());
        await server.Sessions[0].Ended.WaitAsync(Wait);
    }

    [Fact]
    public async Task ResetAbortsTheConnection()
    {
        await using var server = new FakeSmtpServer();
        server.On("NOOP", _ => FakeAction.Reset);
        await using var client = await RawSmtpClient.ConnectAsync(server);
        await client.ReadReplyAsync();

        await client.SendAsync("NOOP");

        var e = await Assert.ThrowsAsync<IOException>(() => client.ReadLineAsync());
        Assert.Equal(SocketError.ConnectionReset, Assert.IsType<SocketException>(e.InnerException).SocketErrorCode);
    }

    [Fact]
    public async Task ContinueSendsTheNextLineToTheCallback()
    {
        await using var server = new FakeSmtpServer();
        server.On("AUTH", _ => FakeAction.Continue(FakeAction.Reply("334 Y2hhbGxlbmdl"),
            answer => FakeAction.Reply(answer.Line == "cmVzcG9uc2U=" ? "235 2.7.0 ok" : "535 5.7.8 no")));
        await using var client = await RawSmtpClient.ConnectAsync(server);
        await client.ReadReplyAsync();

        Assert.Equal(334, await client.CommandAsync("AUTH X-TEST"));
        Assert.Equal(235, await client.CommandAsync("cmVzcG9uc2U="));
        Assert.Equal(334, await client.CommandAsync("AUTH X-TEST"));
        Assert.Equal(535, await client.CommandAsync("wrong"));

        Assert.Equal(["AUTH X-TEST", "cmVzcG9uc2U=", "AUTH X-TEST", "wrong"], server.Sessions[0].Lines);
    }

    [Fact]
    public async Task BuiltInAuthChecksPlainAndLogin()
    {
        await using var server = new FakeSmtpServer();
        server.Users["alice"] = "s3cret";
        static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));

        await using (var plain = await RawSmtpClient.ConnectAsync(server))
        {
            await plain.ReadReplyAsync();
            await plain.SendAsync("EHLO c");
            Assert.Contains("250 AUTH PLAIN LOGIN", await plain.ReadReplyAsync());
            Assert.Equal(535, await plain.CommandAsync("AUTH PLAIN " + B64("\0alice\0wrong")));
            Assert.Equal(334, await plain.CommandAsync("AUTH PLAIN"));
            Assert.Equal(235, await plain.CommandAsync(B64("\0alice\0s3cret")));
            Assert.Equal(503, await plain.CommandAsync("AUTH PLAIN " + B64("\0alice\0s3cret")));
        }
        await using (var login = await RawSmtpClient.ConnectAsync(server))
        {
            await login.ReadReplyAsync();
            Assert.Equal(334, await login.CommandAsync("AUTH LOGIN"));
            Assert.Equal(334, await login.CommandAsync(B64("alice")));
            Assert.Equal(235, await login.CommandAsync(B64("s3cret")));
        }
        await using (var cancelled = await RawSmtpClient.ConnectAsync(server))
        {
            await cancelled.ReadReplyAsync();
            Assert.Equal(334, await cancelled.CommandAsync("AUTH LOGIN " + B64("alice")));
            Assert.Equal(501, await cancelled.CommandAsync("*"));
            Assert.Equal(504, await cancelled.CommandAsync("AUTH CRAM-MD5"));
        }

        var sessions = server.Sessions;
        Assert.Equal("alice", sessions[0].AuthenticatedUser);
        Assert.Equal("alice", sessions[1].AuthenticatedUser);
        Assert.Null(sessions[2].AuthenticatedUser);
    }

    [Fact]
    public async Task OnConnectScriptsEachConnection()
    {
        await using var server = new FakeSmtpServer();
        server.OnConnect = session => session.Index == 0
            ? FakeAction.Sequence(FakeAction.Reply("421 4.3.2 try later"), FakeAction.Drop)
            : null;

        await using (var first = await RawSmtpClient.ConnectAsync(server))
        {
            Assert.Equal(421, await first.ReadCodeAsync());
            Assert.True(await first.IsClosedAsync());
        }
        await using var second = await RawSmtpClient.ConnectAsync(server);
        Assert.Equal(220, await second.ReadCodeAsync());
        Assert.Equal(1, (await server.WaitForSessionAsync(1, Wait)).Index);
    }

    [Fact]
    public async Task WaitForLineSeesALineThatGetsNoAnswer()
    {
        await using var server = new FakeSmtpServer();
        server.On("DATA", _ => FakeAction.Hang);
        await using var client = await RawSmtpClient.ConnectAsync(server);
        await client.ReadReplyAsync();

        await client.SendAsync("DATA");

        var session = await server.WaitForSessionAsync(0, Wait);
        Assert.Equal("DATA", await session.WaitForLineAsync(l => l.StartsWith("DATA"), Wait));
        await Assert.ThrowsAsync<TimeoutException>(() => session.WaitForLineAsync(l => l == "QUIT", TimeSpan.FromMilliseconds(50)));
    }

    [Fact]
    public async Task DisposingStopsEverySessionPromptly()
    {
        var server = new FakeSmtpServer();
        server.On("NOOP", _ => FakeAction.Hang);
        server.On("RSET", _ => FakeAction.DelayedReply(TimeSpan.FromMinutes(5), "250 late"));
        var clients = new List<RawSmtpClient>();
        for (int i = 0; i < 3; i++)
        {
            var client = await RawSmtpClient.ConnectAsync(server);
            await client.ReadReplyAsync();
            clients.Add(client);
        }
        await clients[0].SendAsync("NOOP");
        await clients[1].SendAsync("RSET");
        await server.Sessions[1].WaitForLineAsync(l => l == "RSET", Wait);

        var clock = Stopwatch.StartNew();
        await server.DisposeAsync();

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"disposal took {clock.Elapsed}");
        Assert.All(server.Sessions, s => Assert.True(s.Ended.IsCompleted));
        foreach (var client in clients)
        {
            Assert.True(await client.IsClosedAsync());
            await client.DisposeAsync();
        }
        await Assert.ThrowsAnyAsync<SocketException>(async () =>
        {
            using var late = new TcpClient();
            await late.ConnectAsync(server.Host, server.Port);
        });
    }
}
