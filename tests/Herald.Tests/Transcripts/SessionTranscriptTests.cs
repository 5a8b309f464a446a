using Herald.Tests.Infrastructure;
using Xunit;
using static Herald.Tests.Transcripts.FacadeDriver;
using static Herald.Tests.Transcripts.SmtpTranscriptTests;

namespace Herald.Tests.Transcripts;

/// <summary>
/// The session around a transaction: greeting, EHLO with its HELO fallback, HELO-only mode, multi-line and bare-code
/// replies, a server that ends the session with 421, and a greeting that refuses the session. Through both facades
/// (<see cref="IFacadeDriver"/>) except where a setting only one has is the point.
/// </summary>
public class SessionTranscriptTests
{
    private static void Message(Smtp smtp)
    {
        smtp.From = "alice@example.org";
        smtp.SendTo = "bob@example.com";
        smtp.Subject = "Hi";
        smtp.MessageText = "Hello.\r\n";
    }

    private static void Message(IFacadeDriver driver) => driver.SetMessage("alice@example.org", "bob@example.com");

    public static TheoryData<Facade, ReplayMode, int> HeloFallbackCases()
    {
        var data = new TheoryData<Facade, ReplayMode, int>();
        foreach (var facade in Enum.GetValues<Facade>())
        {
            foreach (var mode in Enum.GetValues<ReplayMode>())
            {
                data.Add(facade, mode, 500);
                data.Add(facade, mode, 502);
            }
        }
        return data;
    }

    public static TheoryData<Facade, ReplayMode, string, string> Closing421Cases()
    {
        var data = new TheoryData<Facade, ReplayMode, string, string>();
        foreach (var facade in Enum.GetValues<Facade>())
        {
            foreach (var mode in Enum.GetValues<ReplayMode>())
            {
                data.Add(facade, mode, "session-421-after-mail.smtp", "4.3.2");
                data.Add(facade, mode, "session-421-after-rcpt.smtp", "4.4.2");
                data.Add(facade, mode, "session-421-greeting.smtp", "");
            }
        }
        return data;
    }

    [Theory, MemberData(nameof(HeloFallbackCases))]
    public Task FallsBackToHeloWhenEhloIsUnknown(Facade facade, ReplayMode mode, int code) =>
        FacadeDriver.Run($"session-helo-fallback-{code}.smtp", facade, mode, Message, async (driver, isAsync) =>
        {
            await driver.Send(isAsync);
            Assert.Contains(driver.Trace, l => l.StartsWith("2: ", StringComparison.Ordinal)
                && l.Contains("HELO", StringComparison.Ordinal));
        });

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task AllowExtensionsFalseSendsHeloOnly(ReplayMode mode) =>
        Run("session-helo-only.smtp", mode, smtp =>
        {
            Message(smtp);
            smtp.AllowExtensions = false;
        }, (smtp, isAsync) => Send(smtp, isAsync));

    [Theory, MemberData(nameof(FacadeModes.All), MemberType = typeof(FacadeModes))]
    public Task ReadsMultiLineRepliesAtEveryStep(Facade facade, ReplayMode mode) =>
        FacadeDriver.Run("session-multiline.smtp", facade, mode, Message, async (driver, isAsync) =>
        {
            await driver.Send(isAsync);
            Assert.Equal("250-2.0.0 Queued\r\n250 2.0.0 as 99", driver.LastReply);
            // Each line of a reply is one trace event.
            Assert.Contains("1: 220-This server is for testing.", driver.Trace);
            Assert.Contains("1: 354 end with <CRLF>.<CRLF>", driver.Trace);
        });

    [Theory, MemberData(nameof(FacadeModes.All), MemberType = typeof(FacadeModes))]
    public Task AcceptsBareCodeRepliesAtEveryStep(Facade facade, ReplayMode mode) =>
        FacadeDriver.Run("session-bare-codes.smtp", facade, mode, Message, async (driver, isAsync) =>
        {
            await driver.Send(isAsync);
            Assert.Equal("250", driver.LastReply);
        });

    [Theory, MemberData(nameof(FacadeModes.All), MemberType = typeof(FacadeModes))]
    public Task AcceptsBareCodeRepliesInAPipelinedBatch(Facade facade, ReplayMode mode) =>
        FacadeDriver.Run("session-bare-codes-pipelined.smtp", facade, mode, Message, (driver, isAsync) => driver.Send(isAsync));

    [Theory, MemberData(nameof(Closing421Cases))]
    public Task A421EndsTheSessionAndTheNextSendOpensANewConnection(Facade facade, ReplayMode mode, string file, string enhanced) =>
        FacadeDriver.Run(file, facade, mode, Message, async (driver, isAsync) =>
        {
            var e = await SendFails(driver, isAsync);
            Assert.Equal(SmtpErrorCodes.ProtocolError, e.Code);
            Assert.Equal(421, e.ReplyCode);
            Assert.Equal(enhanced, e.EnhancedStatusCode);
            Assert.Contains("closing the connection", e.Message);
            Assert.StartsWith("421", driver.LastReply);
            Assert.False(driver.Connected);

            await driver.Send(isAsync);
            Assert.Equal("250 2.0.0 Ok: queued", driver.LastReply);
        });

    [Theory, MemberData(nameof(FacadeModes.All), MemberType = typeof(FacadeModes))]
    public Task A421AnswerToEhloIsNotRetriedWithHelo(Facade facade, ReplayMode mode) =>
        FacadeDriver.Run("session-ehlo-421.smtp", facade, mode, Message, async (driver, isAsync) =>
        {
            var e = await ConnectFails(driver, isAsync);
            Assert.Equal(421, e.ReplyCode);
            Assert.False(driver.Connected);
        });

    [Theory, MemberData(nameof(FacadeModes.All), MemberType = typeof(FacadeModes))]
    public Task A554GreetingFailsTheConnectAfterAPoliteQuit(Facade facade, ReplayMode mode) =>
        FacadeDriver.Run("session-554-greeting.smtp", facade, mode, Message, async (driver, isAsync) =>
        {
            var e = await ConnectFails(driver, isAsync);
            Assert.Equal(SmtpErrorCodes.ProtocolError, e.Code);
            Assert.Equal(554, e.ReplyCode);
            Assert.Equal("5.7.1", e.EnhancedStatusCode);
            Assert.Contains("No SMTP service for you", e.Message);
            Assert.Equal("554 5.7.1 No SMTP service for you", driver.LastReply);
            Assert.False(driver.Connected);
        });

    [Theory, MemberData(nameof(FacadeModes.All), MemberType = typeof(FacadeModes))]
    public Task ARefusedEhloFailsTheConnectAfterAPoliteQuit(Facade facade, ReplayMode mode) =>
        FacadeDriver.Run("session-ehlo-rejected.smtp", facade, mode, Message, async (driver, isAsync) =>
        {
            var e = await ConnectFails(driver, isAsync);
            Assert.Equal(SmtpErrorCodes.ProtocolError, e.Code);
            Assert.Equal(554, e.ReplyCode);
            Assert.Contains("EHLO", e.Message);
            Assert.Equal("554 5.7.1 Access denied", driver.LastReply);
            Assert.False(driver.Connected);
        });

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task AfterA421SmtpIsIdleAgain(ReplayMode mode) =>
        Run("session-421-after-mail.smtp", mode, Message, async (smtp, isAsync) =>
        {
            await SendFails(smtp, isAsync);
            Assert.True(smtp.Idle);
            await Send(smtp, isAsync);
        });
}
