using Herald.Tests.Infrastructure;
using Xunit;
using static Herald.Tests.Transcripts.SmtpTranscriptTests;

namespace Herald.Tests.Transcripts;

/// <summary>
/// The session around a transaction: greeting, EHLO with its HELO fallback, HELO-only mode, multi-line and bare-code
/// replies, a server that ends the session with 421, and a greeting that refuses the session.
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

    [Theory]
    [InlineData(ReplayMode.SyncWhole, 500)]
    [InlineData(ReplayMode.SyncLine, 500)]
    [InlineData(ReplayMode.SyncByte, 500)]
    [InlineData(ReplayMode.AsyncWhole, 500)]
    [InlineData(ReplayMode.AsyncLine, 500)]
    [InlineData(ReplayMode.AsyncByte, 500)]
    [InlineData(ReplayMode.SyncWhole, 502)]
    [InlineData(ReplayMode.SyncLine, 502)]
    [InlineData(ReplayMode.SyncByte, 502)]
    [InlineData(ReplayMode.AsyncWhole, 502)]
    [InlineData(ReplayMode.AsyncLine, 502)]
    [InlineData(ReplayMode.AsyncByte, 502)]
    public Task FallsBackToHeloWhenEhloIsUnknown(ReplayMode mode, int code)
    {
        List<string> trace = [];
        return Run($"session-helo-fallback-{code}.smtp", mode, smtp =>
        {
            Message(smtp);
            trace = Trace(smtp);
        }, async (smtp, isAsync) =>
        {
            await Send(smtp, isAsync);
            Assert.Contains(trace, l => l.StartsWith("2: ", StringComparison.Ordinal) && l.Contains("HELO", StringComparison.Ordinal));
        });
    }

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task AllowExtensionsFalseSendsHeloOnly(ReplayMode mode) =>
        Run("session-helo-only.smtp", mode, smtp =>
        {
            Message(smtp);
            smtp.AllowExtensions = false;
        }, (smtp, isAsync) => Send(smtp, isAsync));

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task ReadsMultiLineRepliesAtEveryStep(ReplayMode mode)
    {
        List<string> trace = [];
        return Run("session-multiline.smtp", mode, smtp =>
        {
            Message(smtp);
            trace = Trace(smtp);
        }, async (smtp, isAsync) =>
        {
            await Send(smtp, isAsync);
            Assert.Equal("250-2.0.0 Queued\r\n250 2.0.0 as 99", smtp.LastReply);
            // Each line of a reply is one trace event.
            Assert.Contains("1: 220-This server is for testing.", trace);
            Assert.Contains("1: 354 end with <CRLF>.<CRLF>", trace);
        });
    }

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task AcceptsBareCodeRepliesAtEveryStep(ReplayMode mode) =>
        Run("session-bare-codes.smtp", mode, Message, async (smtp, isAsync) =>
        {
            await Send(smtp, isAsync);
            Assert.Equal("250", smtp.LastReply);
        });

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task AcceptsBareCodeRepliesInAPipelinedBatch(ReplayMode mode) =>
        Run("session-bare-codes-pipelined.smtp", mode, Message, (smtp, isAsync) => Send(smtp, isAsync));

    [Theory]
    [InlineData(ReplayMode.SyncWhole, "session-421-after-mail.smtp", "4.3.2")]
    [InlineData(ReplayMode.SyncLine, "session-421-after-mail.smtp", "4.3.2")]
    [InlineData(ReplayMode.SyncByte, "session-421-after-mail.smtp", "4.3.2")]
    [InlineData(ReplayMode.AsyncWhole, "session-421-after-mail.smtp", "4.3.2")]
    [InlineData(ReplayMode.AsyncLine, "session-421-after-mail.smtp", "4.3.2")]
    [InlineData(ReplayMode.AsyncByte, "session-421-after-mail.smtp", "4.3.2")]
    [InlineData(ReplayMode.SyncWhole, "session-421-after-rcpt.smtp", "4.4.2")]
    [InlineData(ReplayMode.SyncLine, "session-421-after-rcpt.smtp", "4.4.2")]
    [InlineData(ReplayMode.SyncByte, "session-421-after-rcpt.smtp", "4.4.2")]
    [InlineData(ReplayMode.AsyncWhole, "session-421-after-rcpt.smtp", "4.4.2")]
    [InlineData(ReplayMode.AsyncLine, "session-421-after-rcpt.smtp", "4.4.2")]
    [InlineData(ReplayMode.AsyncByte, "session-421-after-rcpt.smtp", "4.4.2")]
    [InlineData(ReplayMode.SyncWhole, "session-421-greeting.smtp", "")]
    [InlineData(ReplayMode.SyncLine, "session-421-greeting.smtp", "")]
    [InlineData(ReplayMode.SyncByte, "session-421-greeting.smtp", "")]
    [InlineData(ReplayMode.AsyncWhole, "session-421-greeting.smtp", "")]
    [InlineData(ReplayMode.AsyncLine, "session-421-greeting.smtp", "")]
    [InlineData(ReplayMode.AsyncByte, "session-421-greeting.smtp", "")]
    public Task A421EndsTheSessionAndTheNextSendOpensANewConnection(ReplayMode mode, string file, string enhanced) =>
        Run(file, mode, Message, async (smtp, isAsync) =>
        {
            var e = await SendFails(smtp, isAsync);
            Assert.Equal(SmtpErrorCodes.ProtocolError, e.Code);
            Assert.Equal(421, e.ReplyCode);
            Assert.Equal(enhanced, e.EnhancedStatusCode);
            Assert.Contains("closing the connection", e.Message);
            Assert.StartsWith("421", smtp.LastReply);
            Assert.False(smtp.Connected);
            Assert.True(smtp.Idle);

            await Send(smtp, isAsync);
            Assert.Equal("250 2.0.0 Ok: queued", smtp.LastReply);
        });

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task A421AnswerToEhloIsNotRetriedWithHelo(ReplayMode mode) =>
        Run("session-ehlo-421.smtp", mode, Message, async (smtp, isAsync) =>
        {
            var e = await Fails(isAsync, smtp.Connect, () => smtp.ConnectAsync());
            Assert.Equal(421, e.ReplyCode);
            Assert.False(smtp.Connected);
        });

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task A554GreetingFailsTheConnectAfterAPoliteQuit(ReplayMode mode) =>
        Run("session-554-greeting.smtp", mode, Message, async (smtp, isAsync) =>
        {
            var e = await Fails(isAsync, smtp.Connect, () => smtp.ConnectAsync());
            Assert.Equal(SmtpErrorCodes.ProtocolError, e.Code);
            Assert.Equal(554, e.ReplyCode);
            Assert.Equal("5.7.1", e.EnhancedStatusCode);
            Assert.Contains("No SMTP service for you", e.Message);
            Assert.Equal("554 5.7.1 No SMTP service for you", smtp.LastReply);
            Assert.False(smtp.Connected);
        });
}
