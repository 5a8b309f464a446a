using Herald.Tests.Infrastructure;
using Xunit;
using static Herald.Tests.Transcripts.FacadeDriver;
using static Herald.Tests.Transcripts.SmtpTranscriptTests;

namespace Herald.Tests.Transcripts;

/// <summary>When RSET is sent: before every transaction after the first on a connection, and after a failed one;
/// never when config SendRSET is False.</summary>
public class RsetTranscriptTests
{
    private static void Message(Smtp smtp)
    {
        smtp.From = "alice@example.org";
        smtp.SendTo = "bob@example.com";
        smtp.Subject = "Hi";
        smtp.MessageText = "Hello.\r\n";
    }

    private static Task Connect(Smtp smtp, bool isAsync) => Call(isAsync, smtp.Connect, () => smtp.ConnectAsync());

    private static Task Disconnect(Smtp smtp, bool isAsync) => Call(isAsync, smtp.Disconnect, () => smtp.DisconnectAsync());

    private static void Message(IFacadeDriver driver) => driver.SetMessage("alice@example.org", "bob@example.com");

    [Theory, MemberData(nameof(FacadeModes.All), MemberType = typeof(FacadeModes))]
    public Task ResetsBeforeTheSecondMessageOnAReusedConnection(Facade facade, ReplayMode mode) =>
        FacadeDriver.RunRecorded("rset-reused-connection.smtp", facade, mode, Message, async (driver, isAsync, wire) =>
        {
            await driver.Connect(isAsync);
            await driver.Send(isAsync);
            Assert.True(driver.Connected); // a send on an open session keeps it
            Assert.Equal("250 2.0.0 Ok: queued as 1", driver.LastReply);
            await driver.Send(isAsync);
            Assert.Equal("250 2.0.0 Ok: queued as 2", driver.LastReply);
            await driver.Disconnect(isAsync);
            Assert.False(driver.Connected);
            Assert.Contains("RSET\r\nMAIL FROM:<alice@example.org>\r\nRCPT TO:<bob@example.com>\r\nDATA\r\n", wire.Writes);
        });

    [Theory, MemberData(nameof(FacadeModes.All), MemberType = typeof(FacadeModes))]
    public Task ResetsAfterAFailedTransaction(Facade facade, ReplayMode mode) =>
        FacadeDriver.Run("rset-after-failure.smtp", facade, mode, Message, async (driver, isAsync) =>
        {
            await driver.Connect(isAsync);
            var e = await SendFails(driver, isAsync);
            Assert.Equal(550, e.ReplyCode);
            Assert.True(driver.Connected); // a refusal leaves the session usable
            await driver.Send(isAsync);
            await driver.Disconnect(isAsync);
        });

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task SendRsetFalseNeverSendsRset(ReplayMode mode) =>
        Run("rset-disabled.smtp", mode, smtp =>
        {
            Message(smtp);
            smtp.Config("SendRSET=false");
        }, async (smtp, isAsync) =>
        {
            await Connect(smtp, isAsync);
            await SendFails(smtp, isAsync);
            await Send(smtp, isAsync);
            await Send(smtp, isAsync);
            await Disconnect(smtp, isAsync);
        });
}
