using System.Collections.Concurrent;
using System.Text;
using Herald.Cli.Capture;
using Herald.Protocol;
using Herald.Tests.Cli;
using Xunit;

namespace Herald.Tests.PublicApi;

/// <summary>
/// The Smtp component's members that an application uses to adapt it: the words of its error messages, and what the
/// server announced.
/// </summary>
public class SmtpPublicApiTests
{
    [Fact]
    public void Error_messages_name_the_components_properties_by_default_and_the_applications_words_when_given()
    {
        using var byDefault = new Smtp();
        using var ownWords = new Smtp { MessageTerms = SettingTerms.Neutral with { Server = "the --host option" } };

        var e1 = Assert.Throws<SmtpException>(byDefault.Connect);
        var e2 = Assert.Throws<SmtpException>(ownWords.Connect);

        Assert.Equal(SmtpErrorCodes.NoMailServer, e1.Code);
        Assert.Contains("set MailServer to", e1.Message);
        Assert.Equal(SmtpErrorCodes.NoMailServer, e2.Code);
        Assert.Contains("set the --host option to", e2.Message);
        Assert.DoesNotContain("MailServer", e2.Message);
        Assert.Equal("the --host option", ownWords.MessageTerms.Server);
        Assert.Throws<ArgumentNullException>(() => ownWords.MessageTerms = null!);
    }

    [Fact]
    public async Task A_ready_message_goes_out_whole_through_the_component_with_its_header_envelope_and_without_Bcc()
    {
        string dir = Path.Combine(Path.GetTempPath(), "herald-ready-" + Guid.NewGuid().ToString("N"));
        var saved = new ConcurrentQueue<CapturedMessage>();
        await using (var server = CaptureServer.Start(new CaptureServerOptions { Directory = dir }))
        {
            server.MessageSaved += saved.Enqueue;
            try
            {
                const string message = "From: alice@example.org\r\nTo: bob@example.com\r\nBcc: hidden@example.com\r\n" +
                                       "Subject: ready\r\n\r\nbody line\r\n";
                await using var eml = new ReadyMessageStream(new MemoryStream(Encoding.ASCII.GetBytes(message)));
                var envelope = (await eml.ReadHeadersAsync()).GetEnvelope();
                eml.AddMissingFields(envelope.Sender);
                using var smtp = new Smtp
                {
                    MailServer = "127.0.0.1",
                    MailPort = server.EndPoint.Port,
                    SSLStartMode = SmtpSSLStartModes.sslNone,
                    From = envelope.Sender!,
                    SendTo = string.Join(", ", envelope.Recipients),
                    OtherHeaders = "\r\n", // the stream is the whole message: no computed header block
                };
                smtp.SetMessageStream(eml);

                await smtp.SendAsync();

                Assert.True(saved.TryDequeue(out var captured));
                Assert.Equal("alice@example.org", captured.ReversePath);
                Assert.Equal(["bob@example.com", "hidden@example.com"], captured.Recipients);
                string text = File.ReadAllText(captured.Path);
                Assert.DoesNotContain("hidden@example.com", text[text.IndexOf("From: alice", StringComparison.Ordinal)..]);
                Assert.Contains("Subject: ready\r\n", text);
                Assert.Single(text.Split("\r\nSubject:")[1..]);
                Assert.Matches("\r\nDate: ", text);
                Assert.EndsWith("\r\n\r\nbody line\r\n", text);
            }
            finally
            {
                if (Directory.Exists(dir))
                {
                    Directory.Delete(dir, recursive: true);
                }
            }
        }
    }

    [Fact]
    public async Task ServerCapabilities_shows_the_EHLO_reply_while_the_session_is_open()
    {
        await using var server = new ScriptedServer("220 fake ESMTP", "250-fake.example\n250-SIZE 1000\n250 8BITMIME", "221 bye");
        using var smtp = new Smtp { MailServer = "127.0.0.1", MailPort = server.Port, SSLStartMode = SmtpSSLStartModes.sslNone };

        Assert.Same(Capabilities.None, smtp.ServerCapabilities);
        await smtp.ConnectAsync();
        var caps = smtp.ServerCapabilities;
        await smtp.DisconnectAsync();

        Assert.True(caps.IsExtended);
        Assert.Equal("fake.example", caps.ServerDomain);
        Assert.Equal(1000, caps.MaxSize);
        Assert.True(caps.EightBitMime);
        Assert.False(caps.StartTls);
        Assert.Same(Capabilities.None, smtp.ServerCapabilities);
    }
}
