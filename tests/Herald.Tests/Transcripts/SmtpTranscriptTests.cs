using Herald.Tests.Infrastructure;
using Xunit;

namespace Herald.Tests.Transcripts;

/// <summary>
/// The Smtp component replayed against recorded server transcripts, in all six modes (sync/async × whole/line/byte
/// chunking). Each transcript is the exact byte sequence the component must produce.
/// </summary>
public class SmtpTranscriptTests
{
    internal const string FixedDate = "Sun, 22 Nov 2026 10:00:00 +0000";

    /// <summary>A component wired to the replay, with the values that vary (Hello, Date, Message-ID) fixed.</summary>
    internal static Smtp NewSmtp(ReplayTransportFactory factory)
    {
        var smtp = new Smtp();
        smtp.Settings.TransportFactory = factory;
        smtp.MailServer = "localhost";
        smtp.Config("Hello=client.test");
        smtp.MessageDate = FixedDate;
        smtp.MessageId = "<1@client.test>";
        return smtp;
    }

    internal static Task Run(string file, ReplayMode mode, Action<Smtp> configure, Func<Smtp, bool, Task> act) =>
        TranscriptRunner.RunAsync($"Transcripts/{file}", mode, factory =>
        {
            var smtp = NewSmtp(factory);
            configure(smtp);
            return smtp;
        }, act);

    internal static async Task Send(Smtp smtp, bool isAsync)
    {
        if (isAsync)
        {
            await smtp.SendAsync();
        }
        else
        {
            smtp.Send();
        }
    }

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task SendsOneMessageOneCommandAtATime(ReplayMode mode) =>
        Run("send-basic.smtp", mode, smtp =>
        {
            smtp.From = "alice@example.org";
            smtp.SendTo = "bob@example.com";
            smtp.Subject = "Hello";
            smtp.MessageText = "Hi Bob,\r\nthis is a test.\r\n";
        }, async (smtp, isAsync) =>
        {
            await Send(smtp, isAsync);
            Assert.False(smtp.Connected);
            Assert.Equal("250 2.0.0 Ok: queued as 1234", smtp.LastReply); // the answer to the message, not the goodbye
        });
}
