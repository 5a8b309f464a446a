using System.Security.Cryptography.X509Certificates;
using Herald.IntegrationTests.Support;
using Xunit;

namespace Herald.IntegrationTests.Tls;

/// <summary>
/// Server-certificate verification against real peers: Postfix's certificate without its CA (unknown CA), and
/// <c>openssl s_server</c> with an expired certificate and with one for another name. Each fails with 280 and a message
/// naming the reason, and each is accepted by its SSLSecurityFlags bit or by the SSLServerAuthentication handler;
/// a handler can also reject a good certificate, and SSLAcceptServerCert accepts exactly the server's certificate.
/// </summary>
public sealed class ServerCertificateTests
{
    private const string UnknownCaFlag = "0x10";
    private const string TimeValidityFlag = "0x1";
    private const string NameMismatchFlag = "0x80000000";

    // ---- Postfix's certificate without its CA ----

    [Theory]
    [InlineData(Api.Sync)]
    [InlineData(Api.Async)]
    public async Task WithoutTheTestCaPostfixsCertificateIsRejectedAsFromAnUnknownCa(Api api)
    {
        using var smtp = PeerSmtp.Create(Peers.PostfixImplicitTls, SmtpSSLStartModes.sslImplicit, trustTestCa: false);
        var log = new SessionLog(smtp);

        var error = await Assert.ThrowsAsync<SmtpException>(() => smtp.ConnectUsing(api));

        using var file = X509CertificateLoader.LoadCertificateFromFile(Peers.ServerCertificate);
        Assert.Equal(SmtpErrorCodes.CertVerificationError, error.Code);
        Assert.Contains($"certificate is not trusted: unknown CA '{file.Issuer}'", error.Message);
        Assert.Contains("SSLServerCACerts", error.Message);
        Assert.Contains("0x00000010", error.Message);
        var seen = Assert.Single(log.Authentications);
        Assert.False(seen.AcceptArrived);
        Assert.Contains("unknown CA", seen.Status);
        Assert.Equal(file.Subject, seen.CertSubject);
        Assert.Equal(file.Issuer, seen.CertIssuer);
        Assert.Empty(log.ClientLines);
        Assert.False(smtp.Connected);
    }

    [Theory]
    [InlineData(Api.Sync)]
    [InlineData(Api.Async)]
    public async Task TheUnknownCaFlagAcceptsPostfixsCertificateAndMailArrives(Api api)
    {
        using var smtp = PeerSmtp.Create(Peers.PostfixImplicitTls, SmtpSSLStartModes.sslImplicit, trustTestCa: false);
        smtp.Config("SSLSecurityFlags=" + UnknownCaFlag);
        var log = new SessionLog(smtp);
        string marker = Peers.NewMarker();
        PeerSmtp.SetMessage(smtp, marker);

        await smtp.SendUsing(api);

        var seen = Assert.Single(log.Authentications);
        Assert.True(seen.AcceptArrived);
        Assert.StartsWith("OK (ignored by SSLSecurityFlags: certificate is not trusted: unknown CA", seen.Status);
        Assert.Contains(" with ESMTPS", PeerSmtp.TopReceivedHeader(await Peers.WaitForMaildirMessageAsync(marker)));
    }

    [Theory]
    [InlineData(Api.Sync)]
    [InlineData(Api.Async)]
    public async Task TheHandlerCanAcceptPostfixsCertificateFromAnUnknownCa(Api api)
    {
        using var smtp = PeerSmtp.Create(Peers.PostfixImplicitTls, SmtpSSLStartModes.sslImplicit, trustTestCa: false);
        var log = new SessionLog(smtp, decide: _ => true);
        string marker = Peers.NewMarker();
        PeerSmtp.SetMessage(smtp, marker);

        await smtp.SendUsing(api);

        var seen = Assert.Single(log.Authentications);
        Assert.False(seen.AcceptArrived);
        Assert.Contains("unknown CA", seen.Status);
        Assert.Contains(" with ESMTPS", PeerSmtp.TopReceivedHeader(await Peers.WaitForMaildirMessageAsync(marker)));
    }

    [Theory]
    [InlineData(Api.Sync)]
    [InlineData(Api.Async)]
    public async Task TheHandlerCanRejectAGoodCertificate(Api api)
    {
        using var smtp = PeerSmtp.Create(Peers.PostfixOpen, SmtpSSLStartModes.sslExplicit);
        var log = new SessionLog(smtp, decide: _ => false);
        PeerSmtp.SetMessage(smtp, Peers.NewMarker());

        var error = await Assert.ThrowsAsync<SmtpException>(() => smtp.SendUsing(api));

        Assert.Equal(SmtpErrorCodes.CertVerificationError, error.Code);
        Assert.Contains("SSLServerAuthentication", error.Message);
        var seen = Assert.Single(log.Authentications);
        Assert.True(seen.AcceptArrived);
        Assert.Equal("OK", seen.Status);
        // Nothing after STARTTLS: the message never went out.
        Assert.Equal("STARTTLS", log.ClientLines[^1]);
        Assert.DoesNotContain(log.ClientLines, l => l.StartsWith("MAIL", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(Api.Sync)]
    [InlineData(Api.Async)]
    public async Task SSLAcceptServerCertAcceptsExactlyTheServersCertificateWithoutItsCa(Api api)
    {
        using var smtp = PeerSmtp.Create(Peers.PostfixImplicitTls, SmtpSSLStartModes.sslImplicit, trustTestCa: false);
        var log = new SessionLog(smtp);

        // Another certificate (the CA's own) does not stand in for the server's.
        smtp.SSLAcceptServerCert = new Certificate(Peers.CaPem);
        var error = await Assert.ThrowsAsync<SmtpException>(() => smtp.ConnectUsing(api));
        Assert.Equal(SmtpErrorCodes.CertVerificationError, error.Code);

        // The certificate as its PEM text, the way a user pastes it (SSLAcceptServerCertEncoded in the flat API).
        smtp.SSLAcceptServerCert = new Certificate { Encoded = File.ReadAllText(Peers.ServerCertificate) };
        await smtp.ConnectUsing(api);
        Assert.Equal(new Certificate(Peers.ServerCertificate).FingerprintSHA256, smtp.SSLServerCert.FingerprintSHA256);
        await smtp.DisconnectUsing(api);

        Assert.Equal(2, log.Authentications.Count);
        Assert.False(log.Authentications[0].AcceptArrived);
        Assert.True(log.Authentications[1].AcceptArrived);
        Assert.Contains("accepted: the certificate equals SSLAcceptServerCert", log.Authentications[1].Status);
    }

    // ---- openssl s_server: expired and wrongly named certificates (issued by the trusted test CA) ----

    public enum Problem
    {
        Expired,
        NameMismatch,
    }

    [Theory]
    [InlineData(Problem.Expired, Api.Sync)]
    [InlineData(Problem.Expired, Api.Async)]
    [InlineData(Problem.NameMismatch, Api.Sync)]
    [InlineData(Problem.NameMismatch, Api.Async)]
    public async Task TheCertificateIsRejectedWith280AndTheReason(Problem problem, Api api)
    {
        using var certificates = GeneratedCertificates.Create();
        var issued = Issued(certificates, problem);
        await using var server = await OpenSslServer.StartAsync(issued.CertificateFile, issued.KeyFile);
        using var smtp = PeerSmtp.ForOpenSslServer(server);
        var log = new SessionLog(smtp);

        var error = await Assert.ThrowsAsync<SmtpException>(() => smtp.ConnectUsing(api));

        Assert.Equal(SmtpErrorCodes.CertVerificationError, error.Code);
        Assert.Contains(ExpectedReason(problem), error.Message);
        Assert.Contains(problem == Problem.Expired ? "0x00000001" : "0x80000000", error.Message);
        var seen = Assert.Single(log.Authentications);
        Assert.False(seen.AcceptArrived);
        Assert.Contains(ExpectedReason(problem), seen.Status);
        Assert.Equal(issued.Subject, seen.CertSubject);
        Assert.Equal(issued.Issuer, seen.CertIssuer);
        // The handshake was refused, so s_server never got to pass on a line from the client.
        Assert.True(await server.WaitForExitAsync(TimeSpan.FromSeconds(10)), "s_server did not end after the refused handshake");
        Assert.DoesNotContain(server.Received, l => l.StartsWith("EHLO", StringComparison.Ordinal));
        Assert.Empty(log.ClientLines);
    }

    [Theory]
    [InlineData(Problem.Expired, TimeValidityFlag, Api.Sync)]
    [InlineData(Problem.Expired, TimeValidityFlag, Api.Async)]
    [InlineData(Problem.NameMismatch, NameMismatchFlag, Api.Sync)]
    [InlineData(Problem.NameMismatch, NameMismatchFlag, Api.Async)]
    public async Task ItsSecurityFlagAcceptsTheCertificate(Problem problem, string flag, Api api)
    {
        using var certificates = GeneratedCertificates.Create();
        var issued = Issued(certificates, problem);
        await using var server = await OpenSslServer.StartAsync(issued.CertificateFile, issued.KeyFile);
        using var smtp = PeerSmtp.ForOpenSslServer(server);
        smtp.Config("SSLSecurityFlags=" + flag);
        var log = new SessionLog(smtp);

        await smtp.ConnectUsing(api);
        await AssertSessionWithSServer(smtp, server, issued, api);

        var seen = Assert.Single(log.Authentications);
        Assert.True(seen.AcceptArrived);
        Assert.StartsWith("OK (ignored by SSLSecurityFlags: ", seen.Status);
        Assert.Contains(ExpectedReason(problem), seen.Status);
    }

    [Theory]
    [InlineData(Problem.Expired, NameMismatchFlag)]
    [InlineData(Problem.NameMismatch, TimeValidityFlag)]
    public async Task AnotherProblemsFlagDoesNotAcceptTheCertificate(Problem problem, string wrongFlag)
    {
        using var certificates = GeneratedCertificates.Create();
        var issued = Issued(certificates, problem);
        await using var server = await OpenSslServer.StartAsync(issued.CertificateFile, issued.KeyFile);
        using var smtp = PeerSmtp.ForOpenSslServer(server);
        smtp.Config("SSLSecurityFlags=" + wrongFlag);

        var error = await Assert.ThrowsAsync<SmtpException>(() => smtp.ConnectUsing(Api.Async));

        Assert.Equal(SmtpErrorCodes.CertVerificationError, error.Code);
        Assert.Contains(ExpectedReason(problem), error.Message);
    }

    [Theory]
    [InlineData(Problem.Expired, Api.Sync)]
    [InlineData(Problem.Expired, Api.Async)]
    [InlineData(Problem.NameMismatch, Api.Sync)]
    [InlineData(Problem.NameMismatch, Api.Async)]
    public async Task TheHandlerSeesTheProblemAndCanAcceptTheCertificate(Problem problem, Api api)
    {
        using var certificates = GeneratedCertificates.Create();
        var issued = Issued(certificates, problem);
        await using var server = await OpenSslServer.StartAsync(issued.CertificateFile, issued.KeyFile);
        using var smtp = PeerSmtp.ForOpenSslServer(server);
        var log = new SessionLog(smtp, decide: _ => true);

        await smtp.ConnectUsing(api);
        await AssertSessionWithSServer(smtp, server, issued, api);

        var seen = Assert.Single(log.Authentications);
        Assert.False(seen.AcceptArrived);
        Assert.Contains(ExpectedReason(problem), seen.Status);
        Assert.Equal(issued.Subject, seen.CertSubject);
        Assert.Equal(issued.Issuer, seen.CertIssuer);
        Assert.Equal(issued.Der, seen.CertEncodedB);
    }

    private static IssuedCertificate Issued(GeneratedCertificates certificates, Problem problem) =>
        problem == Problem.Expired ? certificates.Expired : certificates.WrongName;

    private static string ExpectedReason(Problem problem) => problem == Problem.Expired
        ? "certificate has expired (valid until "
        : $"host name mismatch: certificate is for {GeneratedCertificates.OtherName} but the server is 'localhost'";

    /// <summary>
    /// The session came up: the greeting s_server relayed arrived over TLS, s_server printed the client's EHLO, and the
    /// component reports s_server's certificate and a negotiated suite.
    /// </summary>
    private static async Task AssertSessionWithSServer(Smtp smtp, OpenSslServer server, IssuedCertificate issued, Api api)
    {
        Assert.True(smtp.Connected);
        Assert.Equal(issued.Der, smtp.SSLServerCert.EncodedB);
        Assert.StartsWith("TLS_", smtp.Config("SSLNegotiatedCipherSuite"));
        Assert.True(await server.WaitForLineAsync(l => l.StartsWith("EHLO ", StringComparison.Ordinal), TimeSpan.FromSeconds(5)),
            "s_server did not receive EHLO: " + string.Join(" | ", server.Received));
        await smtp.DisconnectUsing(api);
        Assert.Contains("QUIT", server.Received);
    }
}
