using System.Text;
using Herald.Tests.Infrastructure;
using Xunit;
using static Herald.Tests.Transcripts.SmtpTranscriptTests;

namespace Herald.Tests.Transcripts;

/// <summary>
/// What only SmtpClient does, replayed in all six modes: SendMessage composing Msg (with DSN for a delivery receipt),
/// RemoveBCC off, a ready-made message's envelope from its header fields (Sender, groups, folded Bcc), Msg's envelope
/// over a raw message's own fields, ForceLogin, TempPath spooling for SIZE=, and DisposeAsync ending the session.
/// </summary>
public class SmtpClientTranscriptTests
{
    /// <summary>A client wired to the replay, greeting as client.test, in plaintext.</summary>
    internal static SmtpClient NewClient(ReplayTransportFactory factory)
    {
        var client = new SmtpClient { TransportFactory = factory, Domain = "client.test" };
        client.TLS.TLSMode = SmtpClientTlsMode.NoTls;
        return client;
    }

    private static Task Run(string file, ReplayMode mode, Action<SmtpClient> configure, Func<SmtpClient, bool, Task> act) =>
        TranscriptRunner.RunAsync($"Transcripts/{file}", mode, factory =>
        {
            var client = NewClient(factory);
            configure(client);
            return client;
        }, act);

    private static Task Connect(SmtpClient client, bool isAsync) =>
        Call(isAsync, () => client.Connect("localhost", 25), () => client.ConnectAsync("localhost", 25));

    private static Task Disconnect(SmtpClient client, bool isAsync) => Call(isAsync, client.Disconnect, () => client.DisconnectAsync());

    private static void Hello(EmailMessage msg)
    {
        msg.From = "alice@example.org";
        msg.SendTo = "bob@example.com";
        msg.Subject = "Hello";
        msg.Date = FixedDate;
        msg.ID = "<1@client.test>";
        msg.PlainText = "Hi Bob.\r\n";
    }

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task SendMessageComposesMsgAndAsksForADsnForADeliveryReceipt(ReplayMode mode) =>
        Run("client-sendmessage-dsn.smtp", mode, client =>
        {
            Hello(client.Msg);
            client.Msg.Cc = "carol@example.com";
            client.Msg.Bcc = "dave@example.net";
            client.Msg.DeliveryReceipt = true;
        }, async (client, isAsync) =>
        {
            await Connect(client, isAsync);
            await Call(isAsync, client.SendMessage, () => client.SendMessageAsync());
            await Disconnect(client, isAsync);
        });

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task SendMessageWritesEveryMsgHeaderField(ReplayMode mode) =>
        Run("client-sendmessage-fields.smtp", mode, client =>
        {
            var msg = client.Msg;
            msg.From = "\"Alice Example\" <alice@example.org>";
            msg.Sender = "secretary@example.org";
            msg.SendTo = "bob@example.com";
            msg.ReplyTo = "replies@example.org";
            msg.ReturnPath = "bounces@example.org";
            msg.Subject = "All the fields";
            msg.Date = FixedDate;
            msg.ID = "<2@client.test>";
            msg.InReplyTo = "<1@client.test>";
            msg.References = "<0@client.test> <1@client.test>";
            msg.Keywords = "report, quarterly";
            msg.Comments = "sent by the tests";
            msg.Mailer = "Herald tests";
            msg.Priority = EmailPriority.High;
            msg.ReadReceipt = true;
            msg.PlainText = "Fields.\r\n";
        }, async (client, isAsync) =>
        {
            await Connect(client, isAsync);
            await Call(isAsync, client.SendMessage, () => client.SendMessageAsync());
            await Disconnect(client, isAsync);
        });

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task RemoveBccFalseSendsTheBccField(ReplayMode mode)
    {
        byte[] raw = Encoding.ASCII.GetBytes(
            "From: alice@example.org\r\nTo: bob@example.com\r\nBcc: dave@example.net\r\nSubject: raw\r\n\r\nRaw body.\r\n");
        return Run("client-removebcc-off.smtp", mode, client =>
        {
            Hello(client.Msg);
            client.Msg.Bcc = "dave@example.net";
            client.Config("RemoveBCC=False");
        }, async (client, isAsync) =>
        {
            await Connect(client, isAsync);
            await Call(isAsync, client.SendMessage, () => client.SendMessageAsync());
            client.Msg = new EmailMessage();
            await Call(isAsync, () => client.SendBytes(raw), () => client.SendBytesAsync(raw));
            await Disconnect(client, isAsync);
        });
    }

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task SendBytesTakesTheEnvelopeFromTheHeaderFieldsLikeSendmailT(ReplayMode mode)
    {
        byte[] raw = Encoding.UTF8.GetBytes(
            "From: Alice <alice@example.org>, Ann <ann@example.org>\r\n" +
            "Sender: Boss <boss@example.org>\r\n" +
            "To: Team: bob@example.com,\r\n \"Eve, the second\" <eve@example.com>;\r\n" +
            "Bcc: x@example.net,\r\n\tz@example.net\r\n" +
            "Cc: carol@example.com\r\n" +
            "Subject: a ready-made message\r\n" +
            "X-Kept: yes\r\n" +
            "\r\n" +
            "Body line one.\r\n" +
            "Bcc: this line is in the body and stays\r\n");
        return Run("client-header-envelope.smtp", mode, _ => { }, async (client, isAsync) =>
        {
            await Connect(client, isAsync);
            await Call(isAsync, () => client.SendBytes(raw), () => client.SendBytesAsync(raw));
            await Disconnect(client, isAsync);
        });
    }

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task SendStreamSendsAResentMessageToItsNewestResentBlock(ReplayMode mode)
    {
        byte[] raw = Encoding.UTF8.GetBytes(
            "From carol@example.net Mon Mar  2 10:00:00 2026\n" +
            "Resent-Date: Mon, 2 Mar 2026 10:00:00 +0000\n" +
            "Resent-From: Carol <carol@example.net>\n" +
            "Resent-To: dan@example.com, DAN@example.com\n" +
            "Resent-Bcc: erin@example.com\n" +
            "Received: from relay.example.org\n" +
            "Resent-Date: Sun, 1 Mar 2026 09:00:00 +0000\n" +
            "Resent-From: bob@example.com\n" +
            "Resent-To: carol@example.net\n" +
            "From: Alice <alice@example.org>\n" +
            "To: bob@example.com\n" +
            "Bcc: old-secret@example.org\n" +
            "Subject: passed on twice\n" +
            "\n" +
            "Body.\n");
        return Run("client-resent-envelope.smtp", mode, _ => { }, async (client, isAsync) =>
        {
            using var stream = new ForwardOnlyStream(raw);
            await Connect(client, isAsync);
            await Call(isAsync, () => client.SendStream(stream), () => client.SendStreamAsync(stream));
            await Disconnect(client, isAsync);
        });
    }

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task MsgAddressesGiveTheEnvelopeOfARawMessageWhateverItsFieldsSay(ReplayMode mode)
    {
        // The same raw message as Smtp's Message test: MAIL FROM and RCPT TO come from Msg, not from its From field.
        const string raw = "From: Someone <someone@example.org>\r\nTo: bob@example.com\r\nSubject: raw\r\n\r\n" +
            ".dot\nbare lf\nno final line end";
        return Run("data-raw-message.smtp", mode, client =>
        {
            client.Msg.From = "alice@example.org";
            client.Msg.SendTo = "bob@example.com";
        }, async (client, isAsync) =>
        {
            using var stream = new MemoryStream(Encoding.ASCII.GetBytes(raw));
            await Connect(client, isAsync);
            await Call(isAsync, () => client.SendStream(stream), () => client.SendStreamAsync(stream));
            await Disconnect(client, isAsync);
            Assert.True(stream.CanRead); // SendStream leaves the caller's stream open
        });
    }

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task WithoutAuthOnOfferForceLoginTriesTheFirstMechanismAnyway(ReplayMode mode)
    {
        var notes = new List<string>();
        return Run("client-force-login.smtp", mode, client =>
        {
            client.Username = "alice";
            client.Password = "s3cret";
            client.Config("Authentications=PLAIN");
            client.Config("MaskSensitiveData=False");
            client.Notification += (_, e) => notes.Add(e.EventParam);
        }, async (client, isAsync) =>
        {
            await Connect(client, isAsync);
            Assert.Contains(notes, n => n.StartsWith("The server does not announce AUTH, so the session is not authenticated",
                StringComparison.Ordinal));
            await Disconnect(client, isAsync);

            client.Config("ForceLogin=True");
            await Connect(client, isAsync);
            Assert.Contains("The server does not announce AUTH; trying PLAIN anyway, as asked.", notes);
            await Disconnect(client, isAsync);
        });
    }

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task TempPathSpoolsAStreamThatCannotSeekSoSizeIsDeclared(ReplayMode mode)
    {
        string directory = Directory.CreateTempSubdirectory("herald-spool-").FullName;
        byte[] raw = Encoding.ASCII.GetBytes("From: alice@example.org\r\nTo: bob@example.com\r\n\r\nStreamed.\r\n");
        return Run("client-spool-size.smtp", mode, _ => { }, async (client, isAsync) =>
        {
            try
            {
                await Connect(client, isAsync);
                using (var once = new ForwardOnlyStream(raw))
                {
                    await Call(isAsync, () => client.SendStream(once), () => client.SendStreamAsync(once));
                }
                client.Config("TempPath=" + directory);
                using (var again = new ForwardOnlyStream(raw))
                {
                    await Call(isAsync, () => client.SendStream(again), () => client.SendStreamAsync(again));
                }
                await Disconnect(client, isAsync);
                Assert.Empty(Directory.EnumerateFiles(directory)); // the spool file is gone
            }
            finally
            {
                Directory.Delete(directory, recursive: true);
            }
        });
    }

    [Theory]
    [InlineData(ReplayMode.SyncWhole, 1024)]
    [InlineData(ReplayMode.AsyncLine, 1024)]
    [InlineData(ReplayMode.SyncByte, 65536)]
    [InlineData(ReplayMode.AsyncWhole, 65536)]
    public Task SendBufferSizeBoundsEachWriteOfTheMessage(ReplayMode mode, int size)
    {
        string line = new string('x', 98);
        var text = new StringBuilder()
            .Append("S: 220 mx.example.org ESMTP ready\nC: EHLO client.test\nS: 250 mx.example.org\n")
            .Append("C: MAIL FROM:<alice@example.org>\nS: 250 2.1.0 Ok\nC: RCPT TO:<bob@example.com>\nS: 250 2.1.5 Ok\n")
            .Append("C: DATA\nS: 354 go ahead\nC: From: alice@example.org\nC: To: bob@example.com\nC:\n");
        for (int i = 0; i < 50; i++)
        {
            text.Append("C: ").Append(line).Append('\n');
        }
        text.Append("C: .\nS: 250 2.0.0 Ok\nC: QUIT\nS: 221 2.0.0 Bye\n");
        byte[] raw = Encoding.ASCII.GetBytes("From: alice@example.org\r\nTo: bob@example.com\r\n\r\n" +
            string.Concat(Enumerable.Repeat(line + "\r\n", 50)));
        return TranscriptRunner.RunAsync(Transcript.Parse(text.ToString(), "send-buffer-size"), mode, factory =>
        {
            var client = NewClient(factory);
            var recorder = new RecordingTransportFactory(factory);
            client.TransportFactory = recorder;
            client.Config($"SendBufferSize={size}");
            return (client, recorder);
        }, async (pair, isAsync) =>
        {
            var (client, wire) = pair;
            await Connect(client, isAsync);
            await Call(isAsync, () => client.SendBytes(raw), () => client.SendBytesAsync(raw));
            await Disconnect(client, isAsync);
            int largest = wire.Writes.Max(w => w.Length);
            // 5 KB of message data: cut into writes of at most the buffer, or sent in one.
            Assert.True(size == 1024 ? largest <= 1024 : largest > 5000, $"largest write {largest} bytes with SendBufferSize={size}");
        });
    }

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task DisposingAnOpenSessionSaysGoodbye(ReplayMode mode) =>
        Run("session-connect-quit.smtp", mode, _ => { }, async (client, isAsync) =>
        {
            await Connect(client, isAsync);
            Assert.True(client.ConnInfo.ConnectionEstablished);
            if (isAsync)
            {
                await client.DisposeAsync();
            }
            else
            {
                client.Dispose();
            }
            Assert.False(client.ConnInfo.ConnectionEstablished);
            await Assert.ThrowsAsync<ObjectDisposedException>(() => client.SendMessageAsync());
        });
}
