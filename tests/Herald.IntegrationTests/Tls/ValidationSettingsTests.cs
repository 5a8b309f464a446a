using Herald.IntegrationTests.Support;
using Xunit;

namespace Herald.IntegrationTests.Tls;

/// <summary>
/// The settings that change how Postfix's certificate is judged: CACertFilePaths as a source of trust, SSLCheckCRL and
/// SSLCheckOCSP (the peers' certificates name neither a CRL nor an OCSP responder), and the TLS 1.2/1.3 signature
/// algorithm lists (the certificate is signed sha256WithRSA).
/// </summary>
public sealed class ValidationSettingsTests
{
    [Theory]
    [InlineData(Api.Sync)]
    [InlineData(Api.Async)]
    public async Task TheFirstExistingCACertFilePathsBundleIsTrusted(Api api)
    {
        using var smtp = PeerSmtp.Create(Peers.PostfixImplicitTls, SmtpSSLStartModes.sslImplicit, trustTestCa: false);
        smtp.Config("CACertFilePaths=/nonexistent/herald-bundle.pem;" + Peers.CaPem);
        var log = new SessionLog(smtp);

        await smtp.ConnectUsing(api);
        await smtp.DisconnectUsing(api);

        Assert.Equal("OK", Assert.Single(log.Authentications).Status);
    }

    [Fact]
    public async Task ABundleListWithoutTheTestCaDoesNotTrustPostfix()
    {
        using var smtp = PeerSmtp.Create(Peers.PostfixImplicitTls, SmtpSSLStartModes.sslImplicit, trustTestCa: false);
        smtp.Config("CACertFilePaths=/nonexistent/herald-bundle.pem");

        var error = await Assert.ThrowsAsync<SmtpException>(() => smtp.ConnectUsing(Api.Async));

        Assert.Equal(SmtpErrorCodes.CertVerificationError, error.Code);
        Assert.Contains("unknown CA", error.Message);
    }

    [Theory]
    [InlineData("SSLCheckCRL=2", "certificate names no CRL distribution point (SSLCheckCRL=2 requires one)")]
    [InlineData("SSLCheckOCSP=2", "certificate names no OCSP responder (SSLCheckOCSP=2 requires one)")]
    [InlineData("TLS13SignatureAlgorithms=ecdsa_secp256r1_sha256",
        "the certificate's signature algorithm sha256RSA is not allowed by TLS13SignatureAlgorithms")]
    public async Task ARequirementTheCertificateCannotMeetRejectsIt(string setting, string reason)
    {
        using var smtp = PeerSmtp.Create(Peers.PostfixImplicitTls, SmtpSSLStartModes.sslImplicit);
        smtp.Config("SSLEnabledProtocols=0x3000");
        smtp.Config(setting);
        var log = new SessionLog(smtp);

        var error = await Assert.ThrowsAsync<SmtpException>(() => smtp.ConnectUsing(Api.Async));

        Assert.Equal(SmtpErrorCodes.CertVerificationError, error.Code);
        Assert.Contains(reason, error.Message);
        Assert.Contains(reason, Assert.Single(log.Authentications).Status);
    }

    [Fact]
    public async Task Tls12SignatureAlgorithmsWithoutRsaRejectsTheCertificateUnderTls12()
    {
        using var smtp = PeerSmtp.Create(Peers.PostfixImplicitTls, SmtpSSLStartModes.sslImplicit);
        smtp.Config("SSLEnabledProtocols=0xC00");
        smtp.Config("TLS12SignatureAlgorithms=sha256-ecdsa,sha384-ecdsa");

        var error = await Assert.ThrowsAsync<SmtpException>(() => smtp.ConnectUsing(Api.Sync));

        Assert.Equal(SmtpErrorCodes.CertVerificationError, error.Code);
        Assert.Contains("the certificate's signature algorithm sha256RSA is not allowed by TLS12SignatureAlgorithms", error.Message);
    }

    [Theory]
    [InlineData("0xC00", "TLS12SignatureAlgorithms=sha256-rsa")]
    [InlineData("0x3000", "TLS13SignatureAlgorithms=rsa_pkcs1_sha256")]
    [InlineData("0x3000", "SSLCheckCRL=1")]
    [InlineData("0x3000", "SSLCheckOCSP=1")]
    public async Task ARequirementTheCertificateMeetsAcceptsIt(string protocols, string setting)
    {
        using var smtp = PeerSmtp.Create(Peers.PostfixImplicitTls, SmtpSSLStartModes.sslImplicit);
        smtp.Config("SSLEnabledProtocols=" + protocols);
        smtp.Config(setting);
        var log = new SessionLog(smtp);

        await smtp.ConnectUsing(Api.Async);
        await smtp.DisconnectUsing(Api.Async);

        // Level 1 checks what the certificate names; it names nothing, so there is nothing to fail.
        Assert.Equal("OK", Assert.Single(log.Authentications).Status);
    }
}
