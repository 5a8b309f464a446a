using Herald.Tests.Infrastructure;
using Xunit;
using static Herald.Tests.Transcripts.SmtpTranscriptTests;

namespace Herald.Tests.Transcripts;

/// <summary>
/// Refused senders and recipients, pipelined and one command at a time, under the StopOnToErrors / StopOnCcErrors /
/// StopOnBccErrors rules: which failures stop the send (161 with the server's reply), which only fire OnError, and
/// how the client leaves a transaction whose DATA the server already accepted.
/// </summary>
public class RecipientTranscriptTests
{
    private static void Message(Smtp smtp, string to = "bob@example.com", string cc = "", string bcc = "")
    {
        smtp.From = "alice@example.org";
        smtp.SendTo = to;
        if (cc.Length > 0)
        {
            smtp.Cc = cc;
        }
        if (bcc.Length > 0)
        {
            smtp.BCc = bcc;
        }
        smtp.Subject = "Hi";
        smtp.MessageText = "Hello.\r\n";
    }

    private static void AssertRefusal(SmtpException e, int replyCode, string enhanced, params string[] mentions)
    {
        Assert.Equal(SmtpErrorCodes.ProtocolError, e.Code);
        Assert.Equal(replyCode, e.ReplyCode);
        Assert.Equal(enhanced, e.EnhancedStatusCode);
        Assert.StartsWith(replyCode.ToString(System.Globalization.CultureInfo.InvariantCulture), e.ServerReply);
        foreach (var text in mentions)
        {
            Assert.Contains(text, e.Message);
        }
    }

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task ARejectedBccFiresOnErrorAndTheMessageGoesToTheRest(ReplayMode mode)
    {
        List<string> errors = [];
        return Run("rcpt-bcc-rejected.smtp", mode, smtp =>
        {
            Message(smtp, bcc: "ghost@example.net");
            errors = Errors(smtp);
        }, async (smtp, isAsync) =>
        {
            await Send(smtp, isAsync);
            var error = Assert.Single(errors);
            Assert.StartsWith("161: ", error);
            Assert.Contains("<ghost@example.net>", error);
            Assert.Contains("550 5.1.1 <ghost@example.net>: Recipient address rejected", error);
            Assert.Equal("250 2.0.0 Ok: queued", smtp.LastReply);
        });
    }

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task ARejectedToAfterDataWasAcceptedClosesTheConnectionToAbandonTheMessage(ReplayMode mode)
    {
        List<string> errors = [];
        return Run("rcpt-to-rejected-data-354.smtp", mode, smtp =>
        {
            Message(smtp, to: "bob@example.com, carol@example.com");
            errors = Errors(smtp);
        }, async (smtp, isAsync) =>
        {
            var e = await SendFails(smtp, isAsync);
            // The error carries the refusal's codes even though it is rethrown after the connection was closed.
            AssertRefusal(e, 550, "5.1.1", "To recipient <bob@example.com>", "closed");
            Assert.False(smtp.Connected);
            Assert.Empty(errors);
        });
    }

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task ARejectedToWithDataRefusedEndsTheSessionNormally(ReplayMode mode) =>
        Run("rcpt-to-rejected-data-554.smtp", mode, smtp => Message(smtp), async (smtp, isAsync) =>
        {
            var e = await SendFails(smtp, isAsync);
            AssertRefusal(e, 550, "5.1.1", "To recipient <bob@example.com>");
            Assert.False(smtp.Connected);
        });

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task StopOnToErrorsFalseReportsTheRejectedToAndDeliversToTheRest(ReplayMode mode)
    {
        List<string> errors = [];
        return Run("rcpt-to-rejected-continue.smtp", mode, smtp =>
        {
            Message(smtp, to: "bob@example.com, carol@example.com");
            smtp.Config("StopOnToErrors=False");
            errors = Errors(smtp);
        }, async (smtp, isAsync) =>
        {
            await Send(smtp, isAsync);
            var error = Assert.Single(errors);
            Assert.Contains("<bob@example.com>", error);
            Assert.Contains("550 5.1.1", error);
        });
    }

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task WhenEveryRecipientIsRefusedTheSendFails(ReplayMode mode)
    {
        List<string> errors = [];
        return Run("rcpt-all-rejected.smtp", mode, smtp =>
        {
            Message(smtp, to: "bob@example.com, carol@example.com");
            smtp.Config("StopOnToErrors=False");
            errors = Errors(smtp);
        }, async (smtp, isAsync) =>
        {
            var e = await SendFails(smtp, isAsync);
            AssertRefusal(e, 450, "4.2.1", "none of the recipients");
            Assert.True(e.IsTransient);
            Assert.Equal(2, errors.Count);
        });
    }

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task ARejectedCcStopsTheSendByDefault(ReplayMode mode) =>
        Run("rcpt-cc-rejected.smtp", mode, smtp => Message(smtp, cc: "carol@example.com"), async (smtp, isAsync) =>
        {
            var e = await SendFails(smtp, isAsync);
            AssertRefusal(e, 550, "5.1.1", "Cc recipient <carol@example.com>");
        });

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task StopOnBccErrorsTrueStopsOnARejectedBcc(ReplayMode mode) =>
        Run("rcpt-bcc-rejected-stop.smtp", mode, smtp =>
        {
            Message(smtp, bcc: "ghost@example.net");
            smtp.Config("StopOnBccErrors=True");
        }, async (smtp, isAsync) =>
        {
            var e = await SendFails(smtp, isAsync);
            AssertRefusal(e, 550, "5.1.1", "Bcc recipient <ghost@example.net>");
        });

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task ARefusedSenderIsTheErrorEvenWhenTheRepliesAfterItAreEchoes(ReplayMode mode) =>
        Run("mail-rejected-pipelined.smtp", mode, smtp => Message(smtp), async (smtp, isAsync) =>
        {
            var e = await SendFails(smtp, isAsync);
            AssertRefusal(e, 550, "5.7.1", "sender <alice@example.org>", "Sender address rejected");
        });

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task WithoutPipeliningARejectedToStopsBeforeData(ReplayMode mode) =>
        Run("rcpt-to-rejected-serial.smtp", mode, smtp => Message(smtp), async (smtp, isAsync) =>
        {
            var e = await SendFails(smtp, isAsync);
            AssertRefusal(e, 550, "5.1.1", "To recipient <bob@example.com>");
        });

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task WithoutPipeliningARejectedBccIsReportedAndTheSendGoesOn(ReplayMode mode)
    {
        List<string> errors = [];
        return Run("rcpt-bcc-rejected-serial.smtp", mode, smtp =>
        {
            Message(smtp, bcc: "ghost@example.net");
            errors = Errors(smtp);
        }, async (smtp, isAsync) =>
        {
            await Send(smtp, isAsync);
            Assert.Contains("<ghost@example.net>", Assert.Single(errors));
        });
    }

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task WithoutPipeliningStopOnToErrorsFalseDeliversToTheRest(ReplayMode mode)
    {
        List<string> errors = [];
        return Run("rcpt-to-rejected-continue-serial.smtp", mode, smtp =>
        {
            Message(smtp, to: "bob@example.com, carol@example.com");
            smtp.Config("StopOnToErrors=no");
            errors = Errors(smtp);
        }, async (smtp, isAsync) =>
        {
            await Send(smtp, isAsync);
            Assert.Contains("<bob@example.com>", Assert.Single(errors));
        });
    }

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task WithoutPipeliningNoDataIsSentWhenEveryRecipientWasRefused(ReplayMode mode) =>
        Run("rcpt-all-rejected-serial.smtp", mode, smtp =>
        {
            Message(smtp, to: "bob@example.com, carol@example.com");
            smtp.Config("StopOnToErrors=0");
        }, async (smtp, isAsync) =>
        {
            var e = await SendFails(smtp, isAsync);
            AssertRefusal(e, 450, "4.2.1", "none of the recipients");
        });

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task WithoutPipeliningARefusedSenderStopsAtOnce(ReplayMode mode) =>
        Run("mail-rejected-serial.smtp", mode, smtp => Message(smtp), async (smtp, isAsync) =>
        {
            var e = await SendFails(smtp, isAsync);
            AssertRefusal(e, 550, "5.7.1", "sender <alice@example.org>");
        });

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task WithoutPipeliningARefusedDataStopsTheSend(ReplayMode mode) =>
        Run("data-rejected-serial.smtp", mode, smtp => Message(smtp), async (smtp, isAsync) =>
        {
            var e = await SendFails(smtp, isAsync);
            AssertRefusal(e, 451, "4.3.0", "DATA");
            Assert.True(e.IsTransient);
        });

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task AMessageRefusedAtTheFinalDotFailsWithTheReply(ReplayMode mode) =>
        Run("final-rejected.smtp", mode, smtp => Message(smtp), async (smtp, isAsync) =>
        {
            var e = await SendFails(smtp, isAsync);
            AssertRefusal(e, 554, "5.7.1", "did not accept the message", "spam");
            Assert.Equal("554 5.7.1 Message rejected as spam", smtp.LastReply);
        });
}
