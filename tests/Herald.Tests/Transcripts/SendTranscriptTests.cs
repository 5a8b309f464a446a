using Herald.Tests.Infrastructure;
using Xunit;
using static Herald.Tests.Transcripts.FacadeDriver;
using static Herald.Tests.Transcripts.SmtpTranscriptTests;

namespace Herald.Tests.Transcripts;

/// <summary>
/// Sending a message: pipelining, the MAIL FROM parameters the server's extensions call for (SIZE, BODY=8BITMIME,
/// SMTPUTF8), and the body encoding chosen when 8BITMIME is missing.
/// </summary>
public class SendTranscriptTests
{
    [Theory, MemberData(nameof(FacadeModes.All), MemberType = typeof(FacadeModes))]
    public Task PipelinesMailEveryRcptAndDataInOneWrite(Facade facade, ReplayMode mode) =>
        FacadeDriver.RunRecorded("send-pipelined.smtp", facade, mode,
            driver => driver.SetMessage("alice@example.org", "bob@example.com", "carol@example.com", "dave@example.net", "Pipelined",
                "Hello all.\r\n"),
            async (driver, isAsync, wire) =>
            {
                await driver.Send(isAsync);
                Assert.Contains("MAIL FROM:<alice@example.org> SIZE=171\r\nRCPT TO:<bob@example.com>\r\nRCPT TO:<carol@example.com>\r\n" +
                    "RCPT TO:<dave@example.net>\r\nDATA\r\n", wire.Writes);
                Assert.Equal("250 2.0.0 Ok: queued as 42", driver.LastReply);
            });

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task DeclaresAnEightBitBodyWhenTheServerOffers8BitMime(ReplayMode mode) =>
        Run("send-8bitmime.smtp", mode, smtp =>
        {
            smtp.From = "alice@example.org";
            smtp.SendTo = "bob@example.com";
            smtp.Subject = "Umlauts";
            smtp.MessageText = "Grüße aus Köln.\r\n";
        }, (smtp, isAsync) => Send(smtp, isAsync));

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task EncodesAnEightBitBodyAsQuotedPrintableWithout8BitMime(ReplayMode mode) =>
        Run("send-quoted-printable.smtp", mode, smtp =>
        {
            smtp.From = "alice@example.org";
            smtp.SendTo = "bob@example.com";
            smtp.Subject = "Grüße";
            smtp.MessageText = "Grüße aus Köln.\r\n";
        }, async (smtp, isAsync) =>
        {
            await Send(smtp, isAsync);
            Assert.Equal("Gr=C3=BC=C3=9Fe aus K=C3=B6ln.\r\n", smtp.Config("TransferText"));
        });

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task AsksForSmtpUtf8ForANonAsciiAddress(ReplayMode mode) =>
        Run("send-smtputf8.smtp", mode, smtp =>
        {
            smtp.From = "alice@example.org";
            smtp.SendTo = "jörg@exämple.de";
            smtp.Subject = "Hi";
            smtp.MessageText = "Hello.\r\n";
        }, (smtp, isAsync) => Send(smtp, isAsync));

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task RefusesANonAsciiAddressWhenTheServerLacksSmtpUtf8(ReplayMode mode) =>
        Run("send-smtputf8-missing.smtp", mode, smtp =>
        {
            smtp.From = "alice@example.org";
            smtp.SendTo = "jörg@exämple.de";
            smtp.MessageText = "Hello.\r\n";
        }, async (smtp, isAsync) =>
        {
            var e = await SendFails(smtp, isAsync);
            Assert.Equal(SmtpErrorCodes.NotSupported, e.Code);
            Assert.Contains("SMTPUTF8", e.Message);
            Assert.Contains("non-ASCII", e.Message);
            Assert.False(smtp.Connected);
        });

    [Theory, MemberData(nameof(FacadeModes.All), MemberType = typeof(FacadeModes))]
    public Task RefusesAMessageLargerThanTheServersSizeBeforeMail(Facade facade, ReplayMode mode) =>
        FacadeDriver.Run("send-size-exceeded.smtp", facade, mode,
            driver => driver.SetMessage("alice@example.org", "bob@example.com", subject: "", body: new string('x', 200) + "\r\n"),
            async (driver, isAsync) =>
            {
                var e = await SendFails(driver, isAsync);
                Assert.Equal(SmtpErrorCodes.ProtocolError, e.Code);
                Assert.Contains("at most 100 bytes", e.Message);
                Assert.False(driver.Connected);
            });
}
