using Herald.Tests.Infrastructure;
using Xunit;
using static Herald.Tests.Loopback.LoopbackSmtp;

namespace Herald.Tests.Loopback;

/// <summary>
/// A server that drops the connection at each step, sends a line too long or not a reply at all, or says goodbye on
/// its own while the session is idle: 162 with a message that names the step, and a component that works again.
/// </summary>
public class ConnectionFailureTests
{
    public static TheoryData<string, bool> Drops => new()
    {
        { "greeting", false }, { "greeting", true },
        { "EHLO", false }, { "EHLO", true },
        { "MAIL", false }, { "MAIL", true },
        { ".", false }, { ".", true },
    };

    [Theory, MemberData(nameof(Drops))]
    public async Task ADropAtEachStepIsACommunicationErrorNamingTheStep(string step, bool isAsync)
    {
        await using var server = new FakeSmtpServer();
        if (step == "greeting")
        {
            // The greeting arrives, then the connection ends before EHLO can be answered.
            server.OnConnect = s => s.Index == 0 ? FakeAction.Sequence(FakeAction.Reply("220 fake.test ESMTP"), FakeAction.Drop) : null;
        }
        else
        {
            server.On(step, FirstConnection(FakeAction.Drop));
        }
        using var smtp = Create(server);

        var e = await SendFails(smtp, isAsync);
        Assert.Equal(SmtpErrorCodes.CommunicationError, e.Code);
        string named = step switch
        {
            "greeting" or "EHLO" => "EHLO",
            "MAIL" => "MAIL FROM",
            _ => "accept the message",
        };
        Assert.Contains(named, e.Message);
        Assert.False(smtp.Connected);

        await Send(smtp, isAsync);
        Assert.Single(server.Sessions[1].Messages);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AResetInTheMiddleOfTheDataIsACommunicationError(bool isAsync)
    {
        await using var server = new FakeSmtpServer();
        server.Capabilities.RemoveAll(c => c.StartsWith("SIZE", StringComparison.Ordinal)); // the message is far larger
        // The server accepts DATA, reads nothing for a moment (the client fills the socket buffers), then resets.
        server.On("DATA", FirstConnection(FakeAction.Sequence(
            FakeAction.Reply("354 End data with <CR><LF>.<CR><LF>"),
            FakeAction.Delay(TimeSpan.FromMilliseconds(300), FakeAction.Reset))));
        using var smtp = Create(server);
        smtp.SetMessageStream(new PatternStream(256L << 20));

        var e = await SendFails(smtp, isAsync);
        Assert.Equal(SmtpErrorCodes.CommunicationError, e.Code);
        Assert.Contains("sending the message data", e.Message);
        Assert.False(smtp.Connected);
        Assert.Empty(server.Sessions[0].Messages);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AReplyLineLongerThanMaxLineLengthIsRefused(bool isAsync)
    {
        await using var server = new FakeSmtpServer();
        server.On("MAIL", _ => FakeAction.OversizedLine(5000));
        using var smtp = Create(server);

        var e = await SendFails(smtp, isAsync);
        Assert.Equal(SmtpErrorCodes.CommunicationError, e.Code);
        Assert.Contains("MaxLineLength", e.Message);
        Assert.Contains("2048", e.Message);
        Assert.False(smtp.Connected);

        smtp.Config("MaxLineLength=8192"); // a longer limit takes the same reply
        await Send(smtp, isAsync);
        Assert.Single(server.Sessions[1].Messages);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ALineThatIsNotAReplyIsRefused(bool isAsync)
    {
        await using var server = new FakeSmtpServer();
        server.On("MAIL", FirstConnection(FakeAction.Raw("hello there\r\n")));
        using var smtp = Create(server);

        var e = await SendFails(smtp, isAsync);
        Assert.Equal(SmtpErrorCodes.CommunicationError, e.Code);
        Assert.Contains("not an SMTP reply", e.Message);
        Assert.Contains("hello there", e.Message);
        Assert.False(smtp.Connected);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task DoEventsConsumesAnUnsolicited421AndCloses(bool isAsync)
    {
        await using var server = new FakeSmtpServer();
        // After the EHLO reply the server waits a moment, then says it is closing and does.
        server.On("EHLO", cmd => FakeAction.Sequence(cmd.BuiltIn(), FakeAction.Delay(TimeSpan.FromMilliseconds(200),
            FakeAction.Sequence(FakeAction.Reply("421 4.4.2 fake.test Error: timeout exceeded"), FakeAction.Drop))));
        using var smtp = Create(server);
        var trace = new List<string>();
        smtp.OnPITrail += (_, e) => trace.Add($"{e.Direction}: {e.Message}");
        await Connect(smtp, isAsync);
        Assert.True(smtp.Connected);

        var deadline = DateTime.UtcNow + SafetyLimit;
        while (smtp.Connected && DateTime.UtcNow < deadline)
        {
            if (isAsync)
            {
                await smtp.DoEventsAsync();
            }
            else
            {
                smtp.DoEvents();
            }
        }
        Assert.False(smtp.Connected);
        // Let the server finish closing before it is disposed (the client may see the 421 before the close).
        await server.Sessions[0].Ended.WaitAsync(SafetyLimit);
        Assert.Equal("421 4.4.2 fake.test Error: timeout exceeded", smtp.LastReply);
        Assert.Contains(trace, l => l.StartsWith("2: ", StringComparison.Ordinal) && l.Contains("unsolicited", StringComparison.Ordinal));
        Assert.True(smtp.Idle);
    }

    [Fact]
    public async Task DoEventsWithNothingPendingKeepsTheSession()
    {
        await using var server = new FakeSmtpServer();
        using var smtp = Create(server);
        await smtp.ConnectAsync();
        smtp.DoEvents();
        await smtp.DoEventsAsync();
        Assert.True(smtp.Connected);
        await smtp.SendAsync();
        await smtp.DisconnectAsync();
        Assert.Single(server.Sessions[0].Messages);
    }
}
