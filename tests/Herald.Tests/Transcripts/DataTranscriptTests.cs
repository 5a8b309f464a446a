using System.Text;
using Herald.Tests.Infrastructure;
using Xunit;
using static Herald.Tests.Transcripts.FacadeDriver;
using static Herald.Tests.Transcripts.SmtpTranscriptTests;

namespace Herald.Tests.Transcripts;

/// <summary>
/// Message data through the whole component: dot-stuffing and line-end edge cases, an empty body, the raw Message and
/// MessageB, and SetMessageStream with its closing rules. The line-end and dot cases also through SmtpClient.
/// </summary>
public class DataTranscriptTests
{
    private const string Headers = "From: alice@example.org\r\nTo: bob@example.com\r\nSubject: Dots\r\n" +
        "Date: " + FixedDate + "\r\nMessage-ID: <1@client.test>\r\n\r\n";

    private static Action<Smtp> Body(string text, string subject = "Dots") => smtp =>
    {
        smtp.From = "alice@example.org";
        smtp.SendTo = "bob@example.com";
        smtp.Subject = subject;
        smtp.MessageText = text;
    };

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task DoublesEveryLeadingDotIncludingALoneDot(ReplayMode mode)
    {
        const string text = ".hidden\r\n..two\r\n.\r\nmiddle\r\n.\r\n";
        var events = new List<string>();
        List<string> trace = [];
        return Run("data-leading-dots.smtp", mode, smtp =>
        {
            Body(text)(smtp);
            trace = Trace(smtp);
            smtp.OnStartTransfer += (_, e) => events.Add($"start {e.Direction}");
            smtp.OnTransfer += (_, e) => events.Add($"transfer {e.BytesTransferred} {e.PercentDone}");
            smtp.OnEndTransfer += (_, e) => events.Add($"end {e.Direction}");
        }, async (smtp, isAsync) =>
        {
            await Send(smtp, isAsync);
            int total = Encoding.ASCII.GetByteCount(Headers + text);
            Assert.Equal("start 0", events[0]);
            Assert.Equal($"transfer {total} 100", events[^2]);
            Assert.Equal("end 0", events[^1]);
            // The introspection pair is the message as sent, before dot-stuffing.
            Assert.Equal(Headers + text, smtp.MessageHeadersString + smtp.Config("TransferText"));
            Assert.Equal(smtp.MessageHeadersString, smtp.Config("MessageHeadersString"));
            // The trace never shows message data.
            Assert.DoesNotContain(trace, l =>
                l.Contains("hidden", StringComparison.Ordinal) || l.Contains("Subject", StringComparison.Ordinal));
        });
    }

    private static Action<IFacadeDriver> Text(string text) => driver =>
        driver.SetMessage("alice@example.org", "bob@example.com", subject: "Dots", body: text);

    [Theory, MemberData(nameof(FacadeModes.All), MemberType = typeof(FacadeModes))]
    public Task EndsABodyWithoutAFinalLineEndWithCrlfDotCrlf(Facade facade, ReplayMode mode) =>
        FacadeDriver.Run("data-no-final-crlf.smtp", facade, mode, Text("first\r\nlast line"), (driver, isAsync) => driver.Send(isAsync));

    [Theory, MemberData(nameof(FacadeModes.ClientOnly), MemberType = typeof(FacadeModes))]
    public Task SmtpClientDoublesEveryLeadingDotAndNeverTracesData(Facade facade, ReplayMode mode) =>
        FacadeDriver.Run("data-leading-dots.smtp", facade, mode, Text(".hidden\r\n..two\r\n.\r\nmiddle\r\n.\r\n"),
            async (driver, isAsync) =>
            {
                await driver.Send(isAsync);
                Assert.DoesNotContain(driver.Trace, l =>
                    l.Contains("hidden", StringComparison.Ordinal) || l.Contains("Subject", StringComparison.Ordinal));
            });

    [Theory, MemberData(nameof(FacadeModes.ClientOnly), MemberType = typeof(FacadeModes))]
    public Task SmtpClientTurnsBareLfAndBareCrIntoCrlf(Facade facade, ReplayMode mode) =>
        FacadeDriver.Run("data-bare-line-ends.smtp", facade, mode, Text("one\ntwo\rthree\r\n\n.after LF\r.after CR"),
            (driver, isAsync) => driver.Send(isAsync));

    [Theory, MemberData(nameof(FacadeModes.ClientOnly), MemberType = typeof(FacadeModes))]
    public Task SmtpClientSendsTheHeadersAloneForAnEmptyBody(Facade facade, ReplayMode mode) =>
        FacadeDriver.Run("data-empty-body.smtp", facade, mode, Text(""), (driver, isAsync) => driver.Send(isAsync));

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task TurnsBareLfAndBareCrIntoCrlf(ReplayMode mode) =>
        Run("data-bare-line-ends.smtp", mode, Body("one\ntwo\rthree\r\n\n.after LF\r.after CR"), async (smtp, isAsync) =>
        {
            await Send(smtp, isAsync);
            Assert.Equal("one\r\ntwo\r\nthree\r\n\r\n.after LF\r\n.after CR\r\n", smtp.Config("TransferText"));
        });

    [Theory, MemberData(nameof(FacadeModes.All), MemberType = typeof(FacadeModes))]
    public Task NoBareLineEndReachesTheWire(Facade facade, ReplayMode mode) =>
        FacadeDriver.Run("data-bare-lf-raw.smtp", facade, mode, Text("a\nb\r\r\nc"), (driver, isAsync) => driver.Send(isAsync));

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task SendsTheHeadersAloneForAnEmptyBodyWithoutTransferEvents(ReplayMode mode)
    {
        var events = new List<string>();
        return Run("data-empty-body.smtp", mode, smtp =>
        {
            Body("")(smtp);
            smtp.OnStartTransfer += (_, _) => events.Add("start");
            smtp.OnEndTransfer += (_, _) => events.Add("end");
        }, async (smtp, isAsync) =>
        {
            await Send(smtp, isAsync);
            Assert.Empty(events);
            Assert.Equal(Headers, smtp.MessageHeadersString + smtp.Config("TransferText"));
        });
    }

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task SendsTheRawMessageAsGiven(ReplayMode mode)
    {
        const string raw = "From: Someone <someone@example.org>\r\nTo: bob@example.com\r\nSubject: raw\r\n\r\n" +
            ".dot\nbare lf\r\nno final line end";
        return Run("data-raw-message.smtp", mode, smtp =>
        {
            Body("this MessageText is not sent")(smtp);
            smtp.Message = raw;
        }, async (smtp, isAsync) =>
        {
            // The raw message brings its own headers: none are computed, before or after the send, so the
            // introspection pair still adds up to what was sent.
            Assert.Equal("", smtp.MessageHeadersString);
            Assert.Empty(smtp.MessageHeaders);
            await Send(smtp, isAsync);
            Assert.Equal("", smtp.MessageHeadersString);
            Assert.Equal(raw.Replace(".dot\n", ".dot\r\n", StringComparison.Ordinal) + "\r\n", smtp.Config("TransferText"));
        });
    }

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task SendsRawBytesAndDeclaresThemEightBit(ReplayMode mode) =>
        Run("data-raw-messageb.smtp", mode, smtp =>
        {
            Body("not sent")(smtp);
            smtp.MessageB = Encoding.UTF8.GetBytes("Subject: Bytes\r\n\r\nGrüße, ½ € and more.\r\n");
        }, (smtp, isAsync) => Send(smtp, isAsync));

    private static MemoryStream StreamBody()
    {
        var stream = new MemoryStream(Encoding.ASCII.GetBytes("SKIP\nLine one\r\n.dot\r\n"));
        stream.Position = 5; // the message starts at the stream's current position
        return stream;
    }

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task SendsAStreamFromItsPositionClosesItAndDoesNotReuseIt(ReplayMode mode)
    {
        var stream = StreamBody();
        return Run("data-stream.smtp", mode, smtp =>
        {
            Body("Text body.\r\n", "Stream")(smtp);
            smtp.SetMessageStream(stream);
        }, async (smtp, isAsync) =>
        {
            await Send(smtp, isAsync);
            Assert.False(stream.CanRead); // closed after the transfer (CloseStreamAfterTransfer defaults to True)
            await Send(smtp, isAsync);
        });
    }

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task CloseStreamAfterTransferFalseLeavesTheStreamOpen(ReplayMode mode)
    {
        var stream = StreamBody();
        return Run("data-stream-keep-open.smtp", mode, smtp =>
        {
            Body("Text body.\r\n", "Stream")(smtp);
            smtp.Config("CloseStreamAfterTransfer=False");
            smtp.SetMessageStream(stream);
        }, async (smtp, isAsync) =>
        {
            await Send(smtp, isAsync);
            Assert.True(stream.CanRead);
            Assert.Equal(stream.Length, stream.Position);
        });
    }

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task AStreamThatWasNeverReadSurvivesAFailedSendForTheRetry(ReplayMode mode)
    {
        var stream = StreamBody();
        return Run("data-stream-retry.smtp", mode, smtp =>
        {
            Body("Text body.\r\n", "Stream")(smtp);
            smtp.SetMessageStream(stream);
        }, async (smtp, isAsync) =>
        {
            var e = await SendFails(smtp, isAsync);
            Assert.Equal(450, e.ReplyCode);
            Assert.True(stream.CanRead);
            Assert.Equal(5, stream.Position);
            await Send(smtp, isAsync);
            Assert.False(stream.CanRead);
        });
    }

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task AStreamClosedByAFailedTransferMustBeSetAgain(ReplayMode mode)
    {
        var stream = StreamBody();
        return Run("data-stream-failed-mid-transfer.smtp", mode, smtp =>
        {
            Body("Text body.\r\n", "Stream")(smtp);
            smtp.SetMessageStream(stream);
        }, async (smtp, isAsync) =>
        {
            var e = await SendFails(smtp, isAsync);
            Assert.Equal(452, e.ReplyCode);
            Assert.False(stream.CanRead);
            // No connection is opened (the transcript has no second one): the error comes first.
            e = await SendFails(smtp, isAsync);
            Assert.Equal(SmtpErrorCodes.CannotOpenFile, e.Code);
            Assert.Contains("SetMessageStream", e.Message);
        });
    }
}
