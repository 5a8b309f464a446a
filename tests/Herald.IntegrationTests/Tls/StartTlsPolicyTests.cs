using Herald.IntegrationTests.Support;
using Xunit;

namespace Herald.IntegrationTests.Tls;

/// <summary>
/// The real-peer side of STARTTLS policy: Postfix "bare" (25026) offers no STARTTLS, as a stripping attacker would
/// make it look, and Postfix 25027 refuses mail until STARTTLS. The attack variants themselves (STARTTLS removed from
/// the reply, 454, bytes injected after the 220) are covered by the loopback fake-server tests.
/// </summary>
public sealed class StartTlsPolicyTests
{
    [Theory]
    [InlineData(Api.Sync)]
    [InlineData(Api.Async)]
    public async Task ExplicitTlsWithoutStartTlsOnOfferFailsBeforeAnythingIsSent(Api api)
    {
        using var smtp = PeerSmtp.Create(Peers.PostfixBare, SmtpSSLStartModes.sslExplicit);
        var log = new SessionLog(smtp);
        PeerSmtp.SetMessage(smtp, Peers.NewMarker());

        var error = await Assert.ThrowsAsync<SmtpException>(() => smtp.SendUsing(api));

        Assert.Equal(SmtpErrorCodes.TlsHandshakeError, error.Code);
        Assert.Contains("does not offer STARTTLS", error.Message);
        Assert.Contains("nothing was sent", error.Message);
        Assert.Contains("removed STARTTLS", error.Message);
        // EHLO (to learn the capabilities) and nothing else: no STARTTLS attempt, no MAIL, no message.
        Assert.Equal(["EHLO"], log.ClientLines.Select(l => l.Split(' ')[0]));
        Assert.False(smtp.Connected);
    }

    [Theory]
    [InlineData(Api.Sync)]
    [InlineData(Api.Async)]
    public async Task InsecureAllowStartTlsFallbackSendsInPlaintextAndSaysSo(Api api)
    {
        using var smtp = PeerSmtp.Create(Peers.PostfixBare, SmtpSSLStartModes.sslExplicit);
        smtp.Config("InsecureAllowStartTlsFallback=True");
        var log = new SessionLog(smtp);
        string marker = Peers.NewMarker();
        PeerSmtp.SetMessage(smtp, marker);

        await smtp.ConnectUsing(api);
        Assert.Equal("", smtp.Config("SSLNegotiatedVersion"));
        await smtp.SendUsing(api);
        await smtp.DisconnectUsing(api);

        Assert.Contains(log.InfoLines, l => l.Contains("continuing WITHOUT encryption because InsecureAllowStartTlsFallback is set",
            StringComparison.Ordinal));
        Assert.DoesNotContain("STARTTLS", log.ClientLines);
        Assert.Empty(log.Authentications);
        string received = PeerSmtp.TopReceivedHeader(await Peers.WaitForMaildirMessageAsync(marker));
        // Postfix saw plain ESMTP: no "(using TLS...)" clause, not ESMTPS.
        Assert.Contains(" with ESMTP ", received);
        Assert.DoesNotContain("(using TLS", received);
    }

    [Theory]
    [InlineData(Api.Sync)]
    [InlineData(Api.Async)]
    public async Task APlaintextSendToTheTlsRequiredPortFailsWith530(Api api)
    {
        using var smtp = PeerSmtp.Create(Peers.PostfixTlsRequired, SmtpSSLStartModes.sslNone);
        var log = new SessionLog(smtp);
        PeerSmtp.SetMessage(smtp, Peers.NewMarker());

        var error = await Assert.ThrowsAsync<SmtpException>(() => smtp.SendUsing(api));

        Assert.Equal(SmtpErrorCodes.ProtocolError, error.Code);
        Assert.Equal(530, error.ReplyCode);
        Assert.Equal("5.7.0", error.EnhancedStatusCode);
        Assert.Contains("Must issue a STARTTLS command first", error.Message);
        // MAIL, RCPT and DATA may go out pipelined (RFC 2920), but without a 354 the message itself never does.
        Assert.Contains(log.ServerLines, l => l.StartsWith("530 5.7.0", StringComparison.Ordinal));
        Assert.DoesNotContain(log.ServerLines, l => l.StartsWith("354", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(Api.Sync)]
    [InlineData(Api.Async)]
    public async Task ExplicitTlsSendsToTheTlsRequiredPort(Api api)
    {
        using var smtp = PeerSmtp.Create(Peers.PostfixTlsRequired, SmtpSSLStartModes.sslExplicit);
        string marker = Peers.NewMarker();
        PeerSmtp.SetMessage(smtp, marker);

        await smtp.SendUsing(api);

        Assert.Contains(" with ESMTPS", PeerSmtp.TopReceivedHeader(await Peers.WaitForMaildirMessageAsync(marker)));
    }
}
