using Herald.Tests.Infrastructure;
using Xunit;
using static Herald.Tests.Transcripts.FacadeDriver;
using static Herald.Tests.Transcripts.SmtpTranscriptTests;

namespace Herald.Tests.Transcripts;

/// <summary>
/// Refused senders and recipients, pipelined and one command at a time, under the StopOnToErrors / StopOnCcErrors /
/// StopOnBccErrors rules: which failures stop the send (161 with the server's reply), which only fire OnError, and
/// how the client leaves a transaction whose DATA the server already accepted. SmtpClient keeps the default rule
/// (To and Cc refusals stop, Bcc refusals are reported), so the tests of that rule run through both facades.
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

    private static Action<IFacadeDriver> Message(string to = "bob@example.com", string cc = "", string bcc = "") =>
        driver => driver.SetMessage("alice@example.org", to, cc, bcc);

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

    [Theory, MemberData(nameof(FacadeModes.All), MemberType = typeof(FacadeModes))]
    public Task ARejectedBccFiresOnErrorAndTheMessageGoesToTheRest(Facade facade, ReplayMode mode) =>
        FacadeDriver.Run("rcpt-bcc-rejected.smtp", facade, mode, Message(bcc: "ghost@example.net"), async (driver, isAsync) =>
        {
            await driver.Send(isAsync);
            var error = Assert.Single(driver.Errors);
            Assert.StartsWith("161: ", error);
            Assert.Contains("<ghost@example.net>", error);
            Assert.Contains("550 5.1.1 <ghost@example.net>: Recipient address rejected", error);
            Assert.Equal("250 2.0.0 Ok: queued", driver.LastReply);
        });

    [Theory, MemberData(nameof(FacadeModes.All), MemberType = typeof(FacadeModes))]
    public Task ARejectedToAfterDataWasAcceptedClosesTheConnectionToAbandonTheMessage(Facade facade, ReplayMode mode) =>
        FacadeDriver.Run("rcpt-to-rejected-data-354.smtp", facade, mode, Message(to: "bob@example.com, carol@example.com"),
            async (driver, isAsync) =>
            {
                var e = await SendFails(driver, isAsync);
                // The error carries the refusal's codes even though it is rethrown after the connection was closed.
                AssertRefusal(e, 550, "5.1.1", "To recipient <bob@example.com>", "closed");
                Assert.False(driver.Connected);
                Assert.Empty(driver.Errors);
            });

    [Theory, MemberData(nameof(FacadeModes.All), MemberType = typeof(FacadeModes))]
    public Task ARejectedToWithDataRefusedEndsTheSessionNormally(Facade facade, ReplayMode mode) =>
        FacadeDriver.Run("rcpt-to-rejected-data-554.smtp", facade, mode, Message(), async (driver, isAsync) =>
        {
            var e = await SendFails(driver, isAsync);
            AssertRefusal(e, 550, "5.1.1", "To recipient <bob@example.com>");
            Assert.False(driver.Connected);
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

    [Theory, MemberData(nameof(FacadeModes.All), MemberType = typeof(FacadeModes))]
    public Task ARejectedCcStopsTheSendByDefault(Facade facade, ReplayMode mode) =>
        FacadeDriver.Run("rcpt-cc-rejected.smtp", facade, mode, Message(cc: "carol@example.com"), async (driver, isAsync) =>
        {
            var e = await SendFails(driver, isAsync);
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

    [Theory, MemberData(nameof(FacadeModes.All), MemberType = typeof(FacadeModes))]
    public Task ARefusedSenderIsTheErrorEvenWhenTheRepliesAfterItAreEchoes(Facade facade, ReplayMode mode) =>
        FacadeDriver.Run("mail-rejected-pipelined.smtp", facade, mode, Message(), async (driver, isAsync) =>
        {
            var e = await SendFails(driver, isAsync);
            AssertRefusal(e, 550, "5.7.1", "sender <alice@example.org>", "Sender address rejected");
        });

    [Theory, MemberData(nameof(FacadeModes.All), MemberType = typeof(FacadeModes))]
    public Task WithoutPipeliningARejectedToStopsBeforeData(Facade facade, ReplayMode mode) =>
        FacadeDriver.Run("rcpt-to-rejected-serial.smtp", facade, mode, Message(), async (driver, isAsync) =>
        {
            var e = await SendFails(driver, isAsync);
            AssertRefusal(e, 550, "5.1.1", "To recipient <bob@example.com>");
        });

    [Theory, MemberData(nameof(FacadeModes.All), MemberType = typeof(FacadeModes))]
    public Task WithoutPipeliningARejectedBccIsReportedAndTheSendGoesOn(Facade facade, ReplayMode mode) =>
        FacadeDriver.Run("rcpt-bcc-rejected-serial.smtp", facade, mode, Message(bcc: "ghost@example.net"), async (driver, isAsync) =>
        {
            await driver.Send(isAsync);
            Assert.Contains("<ghost@example.net>", Assert.Single(driver.Errors));
        });

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

    [Theory, MemberData(nameof(FacadeModes.All), MemberType = typeof(FacadeModes))]
    public Task WithoutPipeliningARefusedSenderStopsAtOnce(Facade facade, ReplayMode mode) =>
        FacadeDriver.Run("mail-rejected-serial.smtp", facade, mode, Message(), async (driver, isAsync) =>
        {
            var e = await SendFails(driver, isAsync);
            AssertRefusal(e, 550, "5.7.1", "sender <alice@example.org>");
        });

    [Theory, MemberData(nameof(FacadeModes.All), MemberType = typeof(FacadeModes))]
    public Task WithoutPipeliningARefusedDataStopsTheSend(Facade facade, ReplayMode mode) =>
        FacadeDriver.Run("data-rejected-serial.smtp", facade, mode, Message(), async (driver, isAsync) =>
        {
            var e = await SendFails(driver, isAsync);
            AssertRefusal(e, 451, "4.3.0", "DATA");
            Assert.True(e.IsTransient);
        });

    [Theory, MemberData(nameof(FacadeModes.All), MemberType = typeof(FacadeModes))]
    public Task AMessageRefusedAtTheFinalDotFailsWithTheReply(Facade facade, ReplayMode mode) =>
        FacadeDriver.Run("final-rejected.smtp", facade, mode, Message(), async (driver, isAsync) =>
        {
            var e = await SendFails(driver, isAsync);
            AssertRefusal(e, 554, "5.7.1", "did not accept the message", "spam");
            Assert.Equal("554 5.7.1 Message rejected as spam", driver.LastReply);
        });

}
