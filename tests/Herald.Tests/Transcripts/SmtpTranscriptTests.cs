using Herald.Tests.Infrastructure;
using Xunit;

namespace Herald.Tests.Transcripts;

/// <summary>
/// The Smtp component replayed against recorded server transcripts, in all six modes (sync/async × whole/line/byte
/// chunking). Each transcript is the exact byte sequence the component must produce. The static members are the
/// helpers every transcript test class shares.
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

    /// <summary>As <see cref="Run"/>, and the action also sees every write the client made.</summary>
    internal static Task RunRecorded(string file, ReplayMode mode, Action<Smtp> configure,
        Func<Smtp, bool, RecordingTransportFactory, Task> act) =>
        TranscriptRunner.RunAsync($"Transcripts/{file}", mode, factory =>
        {
            var smtp = NewSmtp(factory);
            var recorder = new RecordingTransportFactory(factory);
            smtp.Settings.TransportFactory = recorder;
            configure(smtp);
            return (smtp, recorder);
        }, (client, isAsync) => act(client.smtp, isAsync, client.recorder));

    /// <summary>As <see cref="Run"/> with a factory the configuration may adjust (for example its RemoteAddress).</summary>
    internal static Task RunWithFactory(string file, ReplayMode mode, Action<Smtp, ReplayTransportFactory> configure,
        Func<Smtp, bool, Task> act) =>
        TranscriptRunner.RunAsync($"Transcripts/{file}", mode, factory =>
        {
            var smtp = NewSmtp(factory);
            configure(smtp, factory);
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

    /// <summary>Runs the sync or the async form of a call.</summary>
    internal static async Task Call(bool isAsync, Action sync, Func<Task> async)
    {
        if (isAsync)
        {
            await async();
        }
        else
        {
            sync();
        }
    }

    /// <summary>Runs the sync or the async form of a call that must fail, and returns the failure.</summary>
    internal static async Task<SmtpException> Fails(bool isAsync, Action sync, Func<Task> async)
    {
        if (isAsync)
        {
            return await Assert.ThrowsAsync<SmtpException>(async);
        }
        return Assert.Throws<SmtpException>(sync);
    }

    /// <summary>Send (or SendAsync) that must fail.</summary>
    internal static Task<SmtpException> SendFails(Smtp smtp, bool isAsync) => Fails(isAsync, smtp.Send, () => smtp.SendAsync());

    /// <summary>Collects the protocol trace (OnPITrail) as "direction: text" lines.</summary>
    internal static List<string> Trace(Smtp smtp)
    {
        var lines = new List<string>();
        smtp.OnPITrail += (_, e) => lines.Add($"{e.Direction}: {e.Message}");
        return lines;
    }

    /// <summary>Collects the OnError events as "code: description".</summary>
    internal static List<string> Errors(Smtp smtp)
    {
        var errors = new List<string>();
        smtp.OnError += (_, e) => errors.Add($"{e.ErrorCode}: {e.Description}");
        return errors;
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
