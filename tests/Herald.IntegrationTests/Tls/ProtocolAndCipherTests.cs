using Herald.IntegrationTests.Support;
using Xunit;

namespace Herald.IntegrationTests.Tls;

/// <summary>
/// SSLEnabledProtocols, SSLEnabledCipherSuites and SSLCipherStrength against Postfix: what is restricted is what gets
/// negotiated, and Postfix's Received header records the same version and suite.
/// </summary>
public sealed class ProtocolAndCipherTests
{
    public static TheoryData<string[], string, string?, Api> Restrictions => new()
    {
        // Config settings, expected version, expected suite (null: any), async
        { ["SSLEnabledProtocols=0xC00"], "TLS1.2", null, Api.Sync },
        { ["SSLEnabledProtocols=3072"], "TLS1.2", null, Api.Async },
        { ["SSLEnabledProtocols=0x3000"], "TLS1.3", null, Api.Sync },
        // A TLS 1.2 suite that is not Postfix's first choice.
        { ["SSLEnabledProtocols=0xC00", "SSLEnabledCipherSuites=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"], "TLS1.2",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", Api.Sync },
        { ["SSLEnabledProtocols=0xC00", "SSLEnabledCipherSuites=TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"], "TLS1.2",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", Api.Async },
        // With both versions enabled (the default), a TLS 1.3 suite alone means TLS 1.3.
        { ["SSLEnabledCipherSuites=TLS_CHACHA20_POLY1305_SHA256"], "TLS1.3", "TLS_CHACHA20_POLY1305_SHA256", Api.Sync },
        { ["SSLEnabledCipherSuites=TLS_AES_128_GCM_SHA256"], "TLS1.3", "TLS_AES_128_GCM_SHA256", Api.Async },
    };

    [Theory]
    [MemberData(nameof(Restrictions))]
    public async Task TheRestrictionIsWhatPostfixNegotiates(string[] settings, string version, string? suite, Api api)
    {
        using var smtp = PeerSmtp.Create(Peers.PostfixOpen, SmtpSSLStartModes.sslExplicit);
        foreach (string setting in settings)
        {
            smtp.Config(setting);
        }
        string marker = Peers.NewMarker();
        PeerSmtp.SetMessage(smtp, marker);

        await smtp.ConnectUsing(api);
        var negotiated = NegotiatedTls.Read(smtp);
        await smtp.SendUsing(api);
        await smtp.DisconnectUsing(api);

        Assert.Equal(version, negotiated.Version);
        if (suite is not null)
        {
            Assert.Equal(suite, negotiated.CipherSuite);
        }
        negotiated.AssertPlausible();
        PostfixReceivedHeader.From(await Peers.WaitForMaildirMessageAsync(marker)).AssertMatches(negotiated);
    }

    [Theory]
    [InlineData(Api.Sync)]
    [InlineData(Api.Async)]
    public async Task OneTls12SuiteWithTheDefaultVersionsNegotiatesThatSuite(Api api)
    {
        // Both versions are enabled by default; with only a TLS 1.2 suite allowed, TLS 1.3 has nothing to offer, so
        // the component should offer TLS 1.2 alone (.NET refuses a TLS 1.3 offer without a TLS 1.3 suite).
        using var smtp = PeerSmtp.Create(Peers.PostfixOpen, SmtpSSLStartModes.sslExplicit);
        smtp.Config("SSLEnabledCipherSuites=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
        var log = new SessionLog(smtp);

        await smtp.ConnectUsing(api);
        var negotiated = NegotiatedTls.Read(smtp);
        await smtp.DisconnectUsing(api);

        Assert.Equal("TLS1.2", negotiated.Version);
        Assert.Equal("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", negotiated.CipherSuite);
        Assert.Single(log.Authentications);
    }

    [Theory]
    [InlineData(Api.Sync)]
    [InlineData(Api.Async)]
    public async Task SSLCipherStrengthLeavesOnlyStrongEnoughSuites(Api api)
    {
        using var smtp = PeerSmtp.Create(Peers.PostfixImplicitTls, SmtpSSLStartModes.sslImplicit);
        smtp.Config("SSLCipherStrength=256");

        await smtp.ConnectUsing(api);
        var negotiated = NegotiatedTls.Read(smtp);
        await smtp.DisconnectUsing(api);

        Assert.Equal(256, negotiated.CipherStrength);
        negotiated.AssertPlausible();
    }

    [Fact]
    public async Task SSLCipherStrengthAboveEveryEnabledSuiteFailsBeforeConnecting()
    {
        using var smtp = PeerSmtp.Create(Peers.PostfixImplicitTls, SmtpSSLStartModes.sslImplicit);
        smtp.Config("SSLEnabledCipherSuites=TLS_AES_128_GCM_SHA256");
        smtp.Config("SSLCipherStrength=256");
        var log = new SessionLog(smtp);

        var error = await Assert.ThrowsAsync<SmtpException>(() => smtp.ConnectUsing(Api.Async));

        Assert.Equal(SmtpErrorCodes.InvalidArgument, error.Code);
        Assert.Contains("No enabled cipher suite has a 256-bit cipher (SSLCipherStrength)", error.Message);
        Assert.Empty(log.Authentications);
    }
}
