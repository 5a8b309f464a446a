using Herald.Tests.Infrastructure;
using Xunit;
using static Herald.Tests.Transcripts.SmtpTranscriptTests;

namespace Herald.Tests.Transcripts;

/// <summary>
/// The commands besides Send: VRFY, EXPN, raw commands, the RFC 821 terminal variants of MAIL, and the envelope
/// options (DSN recipient options, ReturnPath).
/// </summary>
public class CommandTranscriptTests
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

    private static Task Verify(Smtp smtp, bool isAsync, string address) =>
        Call(isAsync, () => smtp.Verify(address), () => smtp.VerifyAsync(address));

    private static Task SendCommand(Smtp smtp, bool isAsync, string command) =>
        Call(isAsync, () => smtp.SendCommand(command), () => smtp.SendCommandAsync(command));

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task VerifyAccepts250And252AndFailsOn550(ReplayMode mode) =>
        Run("cmd-vrfy.smtp", mode, _ => { }, async (smtp, isAsync) =>
        {
            await Connect(smtp, isAsync);
            await Verify(smtp, isAsync, "bob");
            Assert.Equal("250 2.1.5 Bob Example <bob@example.com>", smtp.LastReply);
            await Verify(smtp, isAsync, "postmaster");
            Assert.StartsWith("252 ", smtp.LastReply);
            var e = await Fails(isAsync, () => smtp.Verify("ghost"), () => smtp.VerifyAsync("ghost"));
            Assert.Equal(SmtpErrorCodes.ProtocolError, e.Code);
            Assert.Equal(550, e.ReplyCode);
            Assert.Equal("5.1.1", e.EnhancedStatusCode);
            Assert.Contains("ghost", e.Message);
            Assert.Equal("550 5.1.1 ghost... User unknown", smtp.LastReply);
            Assert.True(smtp.Connected);
            await Disconnect(smtp, isAsync);
        });

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task VerifyConnectsAndDisconnectsWhenNotConnected(ReplayMode mode) =>
        Run("cmd-vrfy-autoconnect.smtp", mode, _ => { }, async (smtp, isAsync) =>
        {
            await Verify(smtp, isAsync, "bob");
            Assert.False(smtp.Connected);
            Assert.Equal("252 2.1.5 Send some mail, I'll try my best", smtp.LastReply);
        });

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task ExpandFiresOneEventPerMemberWithoutTheEnhancedCodes(ReplayMode mode)
    {
        var members = new List<string>();
        return Run("cmd-expn.smtp", mode, smtp => smtp.OnExpand += (_, e) => members.Add(e.Address), async (smtp, isAsync) =>
        {
            await Call(isAsync, () => smtp.Expand("staff"), () => smtp.ExpandAsync("staff"));
            Assert.Equal(["Alice Example <alice@example.org>", "<bob@example.com>", "carol@example.com"], members);
            Assert.False(smtp.Connected);
        });
    }

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task ExpandFailsWhenTheServerRefuses(ReplayMode mode)
    {
        var members = new List<string>();
        return Run("cmd-expn-refused.smtp", mode, smtp => smtp.OnExpand += (_, e) => members.Add(e.Address), async (smtp, isAsync) =>
        {
            var e = await Fails(isAsync, () => smtp.Expand("staff"), () => smtp.ExpandAsync("staff"));
            Assert.Equal(502, e.ReplyCode);
            Assert.Empty(members);
            Assert.False(smtp.Connected);
        });
    }

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task SendCommandWritesTheLineAndAnErrorReplyThrowsWithLastReplySet(ReplayMode mode) =>
        Run("cmd-sendcommand.smtp", mode, _ => { }, async (smtp, isAsync) =>
        {
            await Connect(smtp, isAsync);
            await SendCommand(smtp, isAsync, "NOOP");
            Assert.Equal("250 2.0.0 Ok", smtp.LastReply);

            var e = await Fails(isAsync, () => smtp.SendCommand("XYZZY magic"), () => smtp.SendCommandAsync("XYZZY magic"));
            Assert.Equal(SmtpErrorCodes.ProtocolError, e.Code);
            Assert.Equal(500, e.ReplyCode);
            Assert.Equal("500 5.5.2 Error: command not recognized", smtp.LastReply);

            // A line break would smuggle a second command: refused before anything is written.
            e = await Fails(isAsync, () => smtp.SendCommand("NOOP\r\nRSET"), () => smtp.SendCommandAsync("NOOP\r\nRSET"));
            Assert.Equal(SmtpErrorCodes.InvalidArgument, e.Code);
            e = await Fails(isAsync, () => smtp.SendCommand("NOOP\nRSET"), () => smtp.SendCommandAsync("NOOP\nRSET"));
            Assert.Equal(SmtpErrorCodes.InvalidArgument, e.Code);

            // The write-only Command property sends too.
            if (isAsync)
            {
                await smtp.SendCommandAsync("noop");
            }
            else
            {
                smtp.Command = "noop";
            }
            Assert.True(smtp.Connected);
            await Disconnect(smtp, isAsync);
        });

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task AnAuthLineSentWithSendCommandIsMaskedInTheTrace(ReplayMode mode)
    {
        List<string> trace = [];
        return Run("cmd-sendcommand-auth.smtp", mode, smtp => trace = Trace(smtp), async (smtp, isAsync) =>
        {
            await Connect(smtp, isAsync);
            await SendCommand(smtp, isAsync, "AUTH PLAIN AGFsaWNlAHMzY3JldA==");
            await Disconnect(smtp, isAsync);
            Assert.Contains("0: AUTH PLAIN ****", trace);
            Assert.DoesNotContain(trace, l => l.Contains("AGFsaWNlAHMzY3JldA==", StringComparison.Ordinal));
        });
    }

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task TheTerminalVariantsUseSendSomlAndSaml(ReplayMode mode) =>
        Run("cmd-terminal.smtp", mode, Message, async (smtp, isAsync) =>
        {
            await Call(isAsync, smtp.SendToTerminalOnly, () => smtp.SendToTerminalOnlyAsync());
            await Call(isAsync, smtp.SendToTerminalOrEmail, () => smtp.SendToTerminalOrEmailAsync());
            await Call(isAsync, smtp.SendToTerminalAndEmail, () => smtp.SendToTerminalAndEmailAsync());
        });

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task ARefusedTerminalSendFailsWithTheReply(ReplayMode mode) =>
        Run("cmd-terminal-refused.smtp", mode, Message, async (smtp, isAsync) =>
        {
            var e = await Fails(isAsync, smtp.SendToTerminalOnly, () => smtp.SendToTerminalOnlyAsync());
            Assert.Equal(502, e.ReplyCode);
            Assert.Contains("SEND FROM", e.Message);
        });

    private static void DsnRecipients(Smtp smtp)
    {
        smtp.From = "alice@example.org";
        smtp.MessageRecipients.Add(new MessageRecipient("bob@example.com") { Options = "NOTIFY SUCCESS,FAILURE" });
        smtp.MessageRecipients.Add(new MessageRecipient("carol@example.com", 0)
        {
            Options = "notify=DELAY orcpt=rfc822;carol@example.com",
        });
        smtp.Subject = "Hi";
        smtp.MessageText = "Hello.\r\n";
    }

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task SendsRecipientOptionsAsDsnParametersWhenOffered(ReplayMode mode) =>
        Run("cmd-dsn.smtp", mode, DsnRecipients, (smtp, isAsync) => Send(smtp, isAsync));

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task DropsDsnOptionsWithANoteWhenTheServerLacksDsn(ReplayMode mode)
    {
        List<string> trace = [];
        return Run("cmd-dsn-missing.smtp", mode, smtp =>
        {
            DsnRecipients(smtp);
            trace = Trace(smtp);
        }, async (smtp, isAsync) =>
        {
            await Send(smtp, isAsync);
            var notes = trace.Where(l => l.StartsWith("2: ", StringComparison.Ordinal) && l.Contains("DSN", StringComparison.Ordinal))
                .ToList();
            Assert.Equal(2, notes.Count);
            Assert.Contains("NOTIFY=SUCCESS,FAILURE", notes[0]);
            Assert.Contains("bob@example.com", notes[0]);
        });
    }

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task ReturnPathReplacesTheFromAddressInMailFrom(ReplayMode mode) =>
        Run("cmd-returnpath.smtp", mode, smtp =>
        {
            smtp.From = "Alice <alice@example.org>";
            smtp.SendTo = "bob@example.com";
            smtp.Subject = "Hi";
            smtp.MessageText = "Hello.\r\n";
        }, async (smtp, isAsync) =>
        {
            await Send(smtp, isAsync);
            smtp.ReturnPath = "bounces@example.org";
            await Send(smtp, isAsync);
            smtp.Config("ReturnPath=<>");
            Assert.Equal("<>", smtp.ReturnPath);
            await Send(smtp, isAsync);
        });
}
