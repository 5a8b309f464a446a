using Herald.IntegrationTests.Support;
using Xunit;

namespace Herald.IntegrationTests.Tls;

/// <summary>
/// Client certificates (SSLCert) against peers that require one: <c>openssl s_server -Verify 1 -verify_return_error</c>
/// with the test CA, which refuses the handshake without a certificate that chains to it, and Postfix 25028
/// (<c>smtpd_tls_req_ccert</c>), which finishes the handshake and then answers 421.
/// </summary>
public sealed class ClientCertificateTests
{
    public enum Source
    {
        Pfx,
        PemKeyFile,
    }

    [Theory]
    [InlineData(Source.Pfx, Api.Sync)]
    [InlineData(Source.Pfx, Api.Async)]
    [InlineData(Source.PemKeyFile, Api.Sync)]
    [InlineData(Source.PemKeyFile, Api.Async)]
    public async Task SServerThatRequiresAClientCertificateAcceptsSSLCert(Source source, Api api)
    {
        await using var server = await StartVerifyingSServer();
        using var smtp = PeerSmtp.ForOpenSslServer(server);
        smtp.SSLCert = Load(source);
        var log = new SessionLog(smtp);

        await smtp.ConnectUsing(api);

        Assert.Contains(log.SslStatus, s => s.Contains("client certificate sent: yes", StringComparison.Ordinal));
        Assert.True(await server.WaitForLineAsync(l => l.StartsWith("EHLO ", StringComparison.Ordinal), TimeSpan.FromSeconds(5)),
            "s_server did not pass on EHLO: " + string.Join(" | ", server.Received) + server.Errors);
        await smtp.DisconnectUsing(api);
        // s_server verified the chain itself (-verify_return_error would have ended the handshake otherwise).
        Assert.True(await server.WaitForExitAsync(TimeSpan.FromSeconds(10)), "s_server did not end after the session");
        Assert.Contains("CN = user@example.test", server.Errors);
    }

    [Theory]
    [InlineData(Api.Sync)]
    [InlineData(Api.Async)]
    public async Task WithoutSSLCertTheTls12HandshakeFailsAndSaysACertificateWasAskedFor(Api api)
    {
        await using var server = await StartVerifyingSServer();
        using var smtp = PeerSmtp.ForOpenSslServer(server);
        smtp.Config("SSLEnabledProtocols=0xC00");
        var log = new SessionLog(smtp);

        var error = await Assert.ThrowsAsync<SmtpException>(() => smtp.ConnectUsing(api));

        Assert.Equal(SmtpErrorCodes.TlsHandshakeError, error.Code);
        Assert.Contains("the server asked for a client certificate and none is set (SSLCert)", error.Message);
        Assert.Contains(log.SslStatus, s => s.StartsWith("The server asked for a client certificate", StringComparison.Ordinal));
        Assert.True(await server.WaitForExitAsync(TimeSpan.FromSeconds(10)), "s_server did not end after the handshake");
        Assert.Contains("peer did not return a certificate", server.Errors);
        Assert.False(smtp.Connected);
    }

    [Fact]
    public async Task WithoutSSLCertTheTls13FailureSaysACertificateWasAskedFor()
    {
        await using var server = await StartVerifyingSServer();
        using var smtp = PeerSmtp.ForOpenSslServer(server);
        var log = new SessionLog(smtp);

        var error = await Assert.ThrowsAsync<SmtpException>(() => smtp.ConnectUsing(Api.Async));

        // Under TLS 1.3 the client's side of the handshake is over before the server judges its (missing) certificate;
        // the server's alert arrives with the first read. The TLS layer knows the server asked for a certificate (it
        // says so on SSLStatus), so the error should say so too, not only that decryption failed.
        Assert.Contains(log.SslStatus, s => s.StartsWith("The server asked for a client certificate", StringComparison.Ordinal));
        Assert.False(smtp.Connected);
        Assert.Contains("client certificate", error.Message);
    }

    [Theory]
    [InlineData(Api.Sync)]
    [InlineData(Api.Async)]
    public async Task SSLCACertsCompletesTheClientCertificatesChain(Api api)
    {
        using var certificates = GeneratedCertificates.Create();
        // s_server knows only the root; the client certificate was issued by an intermediate under it.
        await using var server = await OpenSslServer.StartAsync(Peers.ServerCertificate, Peers.ServerKey,
            "-Verify", "2", "-verify_return_error", "-CAfile", Peers.CaPem);
        using var smtp = PeerSmtp.ForOpenSslServer(server);
        smtp.SSLCert = new Certificate(CertStoreTypes.cstPEMKeyFile, certificates.ClientViaIntermediate.KeyFile, "", "*");
        smtp.Config("SSLCACerts=" + certificates.Intermediate.Pem);

        await smtp.ConnectUsing(api);
        await smtp.DisconnectUsing(api);

        Assert.True(await server.WaitForExitAsync(TimeSpan.FromSeconds(10)), "s_server did not end after the session");
        Assert.Contains("CN = Herald Test Intermediate CA", server.Errors);
        Assert.Contains("CN = intermediate-client@example.test", server.Errors);
    }

    [Fact]
    public async Task WithoutSSLCACertsTheIntermediateIsMissingAndTheServerRefuses()
    {
        using var certificates = GeneratedCertificates.Create();
        await using var server = await OpenSslServer.StartAsync(Peers.ServerCertificate, Peers.ServerKey,
            "-Verify", "2", "-verify_return_error", "-CAfile", Peers.CaPem);
        using var smtp = PeerSmtp.ForOpenSslServer(server);
        smtp.Config("SSLEnabledProtocols=0xC00");
        smtp.SSLCert = new Certificate(CertStoreTypes.cstPEMKeyFile, certificates.ClientViaIntermediate.KeyFile, "", "*");

        var error = await Assert.ThrowsAsync<SmtpException>(() => smtp.ConnectUsing(Api.Async));

        Assert.Equal(SmtpErrorCodes.TlsHandshakeError, error.Code);
        Assert.True(await server.WaitForExitAsync(TimeSpan.FromSeconds(10)), "s_server did not end after the handshake");
        Assert.Contains("unable to get local issuer certificate", server.Errors);
    }

    [Theory]
    [InlineData(Source.Pfx, Api.Sync)]
    [InlineData(Source.PemKeyFile, Api.Async)]
    public async Task PostfixThatRequiresAClientCertificateTakesMailWithSSLCert(Source source, Api api)
    {
        using var smtp = PeerSmtp.Create(Peers.PostfixClientCert, SmtpSSLStartModes.sslExplicit);
        smtp.SSLCert = Load(source);
        string marker = Peers.NewMarker();
        PeerSmtp.SetMessage(smtp, marker);

        await smtp.SendUsing(api);

        string received = PeerSmtp.TopReceivedHeader(await Peers.WaitForMaildirMessageAsync(marker));
        Assert.Contains(" with ESMTPS", received);
        // Postfix's own record: it verified the certificate against the test CA.
        Assert.Contains("Client CN \"user@example.test\"", received);
        Assert.Contains("(verified OK)", received);
    }

    [Theory]
    [InlineData(Api.Sync)]
    [InlineData(Api.Async)]
    public async Task PostfixThatRequiresAClientCertificateAnswers421WithoutOne(Api api)
    {
        using var smtp = PeerSmtp.Create(Peers.PostfixClientCert, SmtpSSLStartModes.sslExplicit);
        var log = new SessionLog(smtp);
        PeerSmtp.SetMessage(smtp, Peers.NewMarker());

        var error = await Assert.ThrowsAsync<SmtpException>(() => smtp.SendUsing(api));

        Assert.Equal(SmtpErrorCodes.ProtocolError, error.Code);
        Assert.Equal(421, error.ReplyCode);
        Assert.Contains("No client certificate presented", error.Message);
        Assert.Contains(log.SslStatus, s => s.StartsWith("The server asked for a client certificate; none is set (SSLCert)",
            StringComparison.Ordinal));
        Assert.DoesNotContain(log.ClientLines, l => l.StartsWith("MAIL", StringComparison.Ordinal));
        Assert.False(smtp.Connected);
    }

    private static Certificate Load(Source source) => source == Source.Pfx
        ? new Certificate(CertStoreTypes.cstPFXFile, Peers.ClientPfx, Peers.PfxPassword, "*")
        : new Certificate(CertStoreTypes.cstPEMKeyFile, Peers.ClientPem, "", "*");

    private static Task<OpenSslServer> StartVerifyingSServer()
    {
        Assert.True(File.Exists(Peers.CaPem), $"The test CA {Peers.CaPem} is missing: run scripts/peers/up.sh.");
        return OpenSslServer.StartAsync(Peers.ServerCertificate, Peers.ServerKey,
            "-Verify", "1", "-verify_return_error", "-CAfile", Peers.CaPem);
    }
}
