using Xunit;

namespace Herald.IntegrationTests.Tls;

/// <summary>
/// The TLS settings that shape a session rather than judge the certificate, against Postfix: ReuseSSLSession,
/// SSLEnabled, SSLProvider and LogSSLPackets.
/// </summary>
public sealed class SessionSettingsTests
{
    [Theory]
    [InlineData(true, false)]
    [InlineData(true, true)]
    [InlineData(false, false)]
    public async Task ReuseSSLSessionResumesTheNextSession(bool reuse, bool useAsync)
    {
        using var smtp = PeerSmtp.Create(Peers.PostfixImplicitTls, SmtpSSLStartModes.sslImplicit);
        smtp.Config("ReuseSSLSession=" + reuse);
        var log = new SessionLog(smtp);

        for (int i = 0; i < 2; i++)
        {
            await PeerSmtp.ConnectAsync(smtp, useAsync);
            // A TLS 1.3 server sends its session ticket after the handshake; EHLO's reply has come after it.
            await PeerSmtp.DisconnectAsync(smtp, useAsync);
        }

        var handshakes = log.SslStatus.Where(s => s.StartsWith("TLS handshake complete:", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, handshakes.Count);
        Assert.Contains("session resumed: no", handshakes[0]);
        Assert.Contains(reuse ? "session resumed: yes" : "session resumed: no", handshakes[1]);
        // A resumed session is still a session with this server: the event fires and the certificate is known.
        Assert.Equal(2, log.Authentications.Count);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SSLEnabledTrueIsAutomaticAndFalseIsPlaintext(bool useAsync)
    {
        using var smtp = PeerSmtp.Create(Peers.PostfixImplicitTls, SmtpSSLStartModes.sslNone);
        var log = new SessionLog(smtp);

        smtp.SSLEnabled = true;
        Assert.Equal(SmtpSSLStartModes.sslAutomatic, smtp.SSLStartMode);
        await PeerSmtp.ConnectAsync(smtp, useAsync);
        Assert.StartsWith("TLS1.", smtp.Config("SSLNegotiatedVersion"));
        await PeerSmtp.DisconnectAsync(smtp, useAsync);

        smtp.SSLEnabled = false;
        Assert.Equal(SmtpSSLStartModes.sslNone, smtp.SSLStartMode);
        smtp.MailPort = Peers.PostfixOpen;
        await PeerSmtp.ConnectAsync(smtp, useAsync);
        Assert.Equal("", smtp.Config("SSLNegotiatedVersion"));
        await PeerSmtp.DisconnectAsync(smtp, useAsync);

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

        await PeerSmtp.ConnectAsync(smtp, useAsync: true);
        NegotiatedTls.Read(smtp).AssertPlausible();
        await PeerSmtp.DisconnectAsync(smtp, useAsync: true);

        Assert.Equal(note, log.SslStatus.Any(s => s.Contains("Herald has no built-in TLS implementation", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task LogSSLPacketsSaysItHasNoEffectAndTheSessionWorks()
    {
        using var smtp = PeerSmtp.Create(Peers.PostfixImplicitTls, SmtpSSLStartModes.sslImplicit);
        smtp.Config("LogSSLPackets=True");
        var log = new SessionLog(smtp);

        await PeerSmtp.ConnectAsync(smtp, useAsync: false);
        await PeerSmtp.DisconnectAsync(smtp, useAsync: false);

        Assert.Contains(log.SslStatus, s => s.StartsWith("LogSSLPackets has no effect with the platform TLS library",
            StringComparison.Ordinal));
    }
}
