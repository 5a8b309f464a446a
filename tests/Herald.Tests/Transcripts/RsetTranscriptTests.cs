using Herald.Tests.Infrastructure;
using Xunit;
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

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task ResetsBeforeTheSecondMessageOnAReusedConnection(ReplayMode mode) =>
        RunRecorded("rset-reused-connection.smtp", mode, Message, async (smtp, isAsync, wire) =>
        {
            await Connect(smtp, isAsync);
            await Send(smtp, isAsync);
            Assert.True(smtp.Connected); // Send after Connect keeps the session
            Assert.Equal("250 2.0.0 Ok: queued as 1", smtp.LastReply);
            await Send(smtp, isAsync);
            Assert.Equal("250 2.0.0 Ok: queued as 2", smtp.LastReply);
            await Disconnect(smtp, isAsync);
            Assert.False(smtp.Connected);
            Assert.Contains("RSET\r\nMAIL FROM:<alice@example.org>\r\nRCPT TO:<bob@example.com>\r\nDATA\r\n", wire.Writes);
        });

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task ResetsAfterAFailedTransaction(ReplayMode mode) =>
        Run("rset-after-failure.smtp", mode, Message, async (smtp, isAsync) =>
        {
            await Connect(smtp, isAsync);
            var e = await SendFails(smtp, isAsync);
            Assert.Equal(550, e.ReplyCode);
            Assert.True(smtp.Connected); // a refusal leaves the session usable
            await Send(smtp, isAsync);
            await Disconnect(smtp, isAsync);
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
