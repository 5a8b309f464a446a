using Herald.IntegrationTests.Support;
using Xunit;

namespace Herald.IntegrationTests.Tls;

/// <summary>
/// The TLS settings that shape a session rather than judge the certificate: ReuseSSLSession, SSLEnabled, SSLProvider and
/// LogSSLPackets against Postfix, SSLEnableRenegotiation against <c>openssl s_server</c> (which can ask for a TLS 1.2
/// renegotiation; Postfix never does).
/// </summary>
public sealed class SessionSettingsTests
{
    [Theory]
    [InlineData(true, Api.Sync)]
    [InlineData(true, Api.Async)]
    [InlineData(false, Api.Sync)]
    public async Task ReuseSSLSessionResumesTheNextSession(bool reuse, Api api)
    {
        using var smtp = PeerSmtp.Create(Peers.PostfixImplicitTls, SmtpSSLStartModes.sslImplicit);
        smtp.Config("ReuseSSLSession=" + reuse);
        var log = new SessionLog(smtp);

        for (int i = 0; i < 2; i++)
        {
            await smtp.ConnectUsing(api);
            // A TLS 1.3 server sends its session ticket after the handshake; EHLO's reply has come after it.
            await smtp.DisconnectUsing(api);
        }

        var handshakes = log.SslStatus.Where(s => s.StartsWith("TLS handshake complete:", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, handshakes.Count);
        if (reuse)
        {
            // The first may itself resume a session an earlier test left in .NET's process-wide cache; the second
            // resumes the first's for certain.
            Assert.Contains("session resumed: yes", handshakes[1]);
        }
        else
        {
            Assert.All(handshakes, h => Assert.Contains("session resumed: no", h));
        }
        // A resumed session is still a session with this server: the event fires and the certificate is known.
        Assert.Equal(2, log.Authentications.Count);
    }

    [Theory]
    [InlineData(Api.Sync)]
    [InlineData(Api.Async)]
    public async Task SSLEnabledTrueIsAutomaticAndFalseIsPlaintext(Api api)
    {
        using var smtp = PeerSmtp.Create(Peers.PostfixImplicitTls, SmtpSSLStartModes.sslNone);
        var log = new SessionLog(smtp);

        smtp.SSLEnabled = true;
        Assert.Equal(SmtpSSLStartModes.sslAutomatic, smtp.SSLStartMode);
        await smtp.ConnectUsing(api);
        Assert.StartsWith("TLS1.", smtp.Config("SSLNegotiatedVersion"));
        await smtp.DisconnectUsing(api);

        smtp.SSLEnabled = false;
        Assert.Equal(SmtpSSLStartModes.sslNone, smtp.SSLStartMode);
        smtp.MailPort = Peers.PostfixOpen;
        await smtp.ConnectUsing(api);
        Assert.Equal("", smtp.Config("SSLNegotiatedVersion"));
        await smtp.DisconnectUsing(api);

        Assert.Single(log.Authentications);
        Assert.DoesNotContain("STARTTLS", log.ClientLines);
    }

    [Theory]
    [InlineData(SmtpSSLProviders.sslpAutomatic, false)]
    [InlineData(SmtpSSLProviders.sslpPlatform, false)]
    [InlineData(SmtpSSLProviders.sslpInternal, true)]
    public async Task EveryProviderUsesThePlatformTlsAndInternalSaysSo(SmtpSSLProviders provider, bool note)
    {
        using var smtp = PeerSmtp.Create(Peers.PostfixImplicitTls, SmtpSSLStartModes.sslImplicit);
        smtp.SSLProvider = provider;
        var log = new SessionLog(smtp);

        await smtp.ConnectUsing(Api.Async);
        NegotiatedTls.Read(smtp).AssertPlausible();
        await smtp.DisconnectUsing(Api.Async);

        Assert.Equal(note, log.SslStatus.Any(s => s.Contains("Herald has no built-in TLS implementation", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task LogSSLPacketsSaysItHasNoEffectAndTheSessionWorks()
    {
        using var smtp = PeerSmtp.Create(Peers.PostfixImplicitTls, SmtpSSLStartModes.sslImplicit);
        smtp.Config("LogSSLPackets=True");
        var log = new SessionLog(smtp);

        await smtp.ConnectUsing(Api.Sync);
        await smtp.DisconnectUsing(Api.Sync);

        Assert.Contains(log.SslStatus, s => s.StartsWith("LogSSLPackets has no effect with the platform TLS library",
            StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(true, Api.Sync)]
    [InlineData(true, Api.Async)]
    [InlineData(false, Api.Sync)]
    [InlineData(false, Api.Async)]
    public async Task SSLEnableRenegotiationDecidesWhetherTheServerMayRenegotiate(bool enable, Api api)
    {
        // -state: s_server reports each handshake step on stderr, so a second "read client hello" is the renegotiation.
        await using var server = await OpenSslServer.StartAsync(Peers.ServerCertificate, Peers.ServerKey, "-tls1_2", "-state");
        using var smtp = PeerSmtp.ForOpenSslServer(server);
        smtp.Config("SSLEnableRenegotiation=" + enable);
        await smtp.ConnectUsing(api);

        await server.RequestRenegotiationAsync();
        // s_server reports the request only on buffered output; the client hellos it logs at the end are the proof.
        await Task.Delay(300);
        var noop = api == Api.Async ? smtp.SendCommandAsync("NOOP") : Task.Run(() => smtp.SendCommand("NOOP"));
        if (enable)
        {
            await noop;
            Assert.StartsWith("250", smtp.LastReply);
            await smtp.DisconnectUsing(api);
        }
        else
        {
            var error = await Assert.ThrowsAsync<SmtpException>(() => noop);
            Assert.Equal(SmtpErrorCodes.CommunicationError, error.Code);
            Assert.Contains("renegotiation", error.Message);
            Assert.False(smtp.Connected);
        }

        Assert.True(await server.WaitForExitAsync(TimeSpan.FromSeconds(10)), "s_server did not end after the session");
        int clientHellos = server.Errors.Split('\n').Count(l => l.Contains("read client hello", StringComparison.Ordinal));
        Assert.Equal(enable ? 2 : 1, clientHellos);
    }
}
