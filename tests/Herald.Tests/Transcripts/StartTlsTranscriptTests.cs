using Herald.Tests.Infrastructure;
using Xunit;
using static Herald.Tests.Transcripts.FacadeDriver;

namespace Herald.Tests.Transcripts;

/// <summary>
/// The STARTTLS refusals a replay can show (a successful handshake belongs to the loopback tier): injected bytes after
/// the 220, a stripped STARTTLS, and a 454. Each fails with its own message, and the client sends nothing after it,
/// not even the message or credentials. Through both facades.
/// </summary>
public class StartTlsTranscriptTests
{
    private static void Explicit(IFacadeDriver driver)
    {
        driver.SetTls(DriverTls.StartTls);
        driver.SetAuth("alice", "s3cret", "PLAIN");
        driver.SetMessage("alice@example.org", "bob@example.com", body: "Secret.\r\n");
    }

    [Theory, MemberData(nameof(FacadeModes.Whole), MemberType = typeof(FacadeModes))]
    public Task RefusesBytesInjectedAfterThe220(Facade facade, ReplayMode mode) =>
        Run("tls-starttls-injection.smtp", facade, mode, Explicit, async (driver, isAsync) =>
        {
            var e = await SendFails(driver, isAsync);
            Assert.Equal(SmtpErrorCodes.TlsHandshakeError, e.Code);
            Assert.Contains("injected", e.Message);
            Assert.False(driver.Connected);
        });

    [Theory, MemberData(nameof(FacadeModes.All), MemberType = typeof(FacadeModes))]
    public Task RefusesAServerThatDoesNotOfferStartTls(Facade facade, ReplayMode mode) =>
        Run("tls-starttls-stripped.smtp", facade, mode, Explicit, async (driver, isAsync) =>
        {
            var e = await SendFails(driver, isAsync);
            Assert.Equal(SmtpErrorCodes.TlsHandshakeError, e.Code);
            Assert.Contains("does not offer STARTTLS", e.Message);
            Assert.DoesNotContain("injected", e.Message);
        });

    [Theory, MemberData(nameof(FacadeModes.All), MemberType = typeof(FacadeModes))]
    public Task RefusesToGoOnWhenStartTlsIsAnswered454(Facade facade, ReplayMode mode) =>
        Run("tls-starttls-454.smtp", facade, mode, Explicit, async (driver, isAsync) =>
        {
            var e = await SendFails(driver, isAsync);
            Assert.Equal(SmtpErrorCodes.ProtocolError, e.Code);
            Assert.Equal(454, e.ReplyCode);
            Assert.Equal("4.7.0", e.EnhancedStatusCode);
            Assert.Contains("refused STARTTLS", e.Message);
        });
}
