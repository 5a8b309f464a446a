using Herald.Tests.Infrastructure;
using Xunit;
using static Herald.Tests.Transcripts.SmtpTranscriptTests;

namespace Herald.Tests.Transcripts;

/// <summary>
/// The STARTTLS refusals a replay can show (a successful handshake belongs to the loopback tier): injected bytes after
/// the 220, a stripped STARTTLS, and a 454. Each fails with its own message, and the client sends nothing after it,
/// not even the message or credentials.
/// </summary>
public class StartTlsTranscriptTests
{
    private static void Explicit(Smtp smtp)
    {
        smtp.SSLStartMode = SmtpSSLStartModes.sslExplicit;
        smtp.User = "alice";
        smtp.Password = "s3cret";
        smtp.From = "alice@example.org";
        smtp.SendTo = "bob@example.com";
        smtp.MessageText = "Secret.\r\n";
    }

    [Theory, MemberData(nameof(ReplayModes.Whole), MemberType = typeof(ReplayModes))]
    public Task RefusesBytesInjectedAfterThe220(ReplayMode mode) =>
        Run("tls-starttls-injection.smtp", mode, Explicit, async (smtp, isAsync) =>
        {
            var e = await SendFails(smtp, isAsync);
            Assert.Equal(SmtpErrorCodes.TlsHandshakeError, e.Code);
            Assert.Contains("injected", e.Message);
            Assert.False(smtp.Connected);
        });

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task RefusesAServerThatDoesNotOfferStartTls(ReplayMode mode) =>
        Run("tls-starttls-stripped.smtp", mode, Explicit, async (smtp, isAsync) =>
        {
            var e = await SendFails(smtp, isAsync);
            Assert.Equal(SmtpErrorCodes.TlsHandshakeError, e.Code);
            Assert.Contains("does not offer STARTTLS", e.Message);
            Assert.DoesNotContain("injected", e.Message);
        });

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task RefusesToGoOnWhenStartTlsIsAnswered454(ReplayMode mode) =>
        Run("tls-starttls-454.smtp", mode, Explicit, async (smtp, isAsync) =>
        {
            var e = await SendFails(smtp, isAsync);
            Assert.Equal(SmtpErrorCodes.ProtocolError, e.Code);
            Assert.Equal(454, e.ReplyCode);
            Assert.Equal("4.7.0", e.EnhancedStatusCode);
            Assert.Contains("refused STARTTLS", e.Message);
        });
}
