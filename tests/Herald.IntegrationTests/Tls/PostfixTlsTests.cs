using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using Herald.IntegrationTests.Support;
using Xunit;

namespace Herald.IntegrationTests.Tls;

/// <summary>
/// Mail over STARTTLS (Postfix 25025) and implicit TLS (Postfix 25465), trusting the test CA through
/// SSLServerCACerts; what the component reports about the session, held against what Postfix recorded in its Received
/// header and against the certificate file; and how SSLStartMode chooses and fails.
/// </summary>
public sealed class PostfixTlsTests
{
    public static TheoryData<int, SmtpSSLStartModes, Api> TlsPorts => new()
    {
        { Peers.PostfixOpen, SmtpSSLStartModes.sslExplicit, Api.Sync },
        { Peers.PostfixOpen, SmtpSSLStartModes.sslExplicit, Api.Async },
        { Peers.PostfixImplicitTls, SmtpSSLStartModes.sslImplicit, Api.Sync },
        { Peers.PostfixImplicitTls, SmtpSSLStartModes.sslImplicit, Api.Async },
        // sslAutomatic on a port other than 25 and 587 means implicit TLS.
        { Peers.PostfixImplicitTls, SmtpSSLStartModes.sslAutomatic, Api.Sync },
        { Peers.PostfixImplicitTls, SmtpSSLStartModes.sslAutomatic, Api.Async },
    };

    [Theory]
    [MemberData(nameof(TlsPorts))]
    public async Task MailArrivesOverTlsAndTheNegotiatedValuesAreThoseOfPostfixsSession(int port, SmtpSSLStartModes mode, Api api)
    {
        using var smtp = PeerSmtp.Create(port, mode);
        var log = new SessionLog(smtp);
        string marker = Peers.NewMarker();
        PeerSmtp.SetMessage(smtp, marker);

        await smtp.ConnectUsing(api);
        var negotiated = NegotiatedTls.Read(smtp);
        await smtp.SendUsing(api);
        await smtp.DisconnectUsing(api);

        negotiated.AssertPlausible();

        // STARTTLS only in explicit mode, and then EHLO again over TLS (RFC 3207 §4.2).
        bool explicitTls = mode == SmtpSSLStartModes.sslExplicit;
        Assert.Equal(explicitTls ? 1 : 0, log.ClientLines.Count(l => l == "STARTTLS"));
        Assert.Equal(explicitTls ? 2 : 1, log.ClientLines.Count(l => l.StartsWith("EHLO ", StringComparison.Ordinal)));
        if (explicitTls)
        {
            // Postfix offers STARTTLS in plaintext and no longer once TLS is up.
            Assert.Equal(1, log.ServerLines.Count(l => l.EndsWith("STARTTLS", StringComparison.Ordinal)));
        }

        // Postfix's record of the same session.
        string delivered = await Peers.WaitForMaildirMessageAsync(marker);
        Assert.Equal(marker, StoredMessage.Parse(delivered).Header("X-Test-Id"));
        PostfixReceivedHeader.From(delivered).AssertMatches(negotiated);
    }

    [Theory]
    [InlineData(Api.Sync)]
    [InlineData(Api.Async)]
    public async Task SSLServerCertIsThePeersCertificateFileAndLastsUntilTheNextAttempt(Api api)
    {
        using var smtp = PeerSmtp.Create(Peers.PostfixImplicitTls, SmtpSSLStartModes.sslImplicit);
        Assert.Equal("", smtp.SSLServerCert.Subject);

        await smtp.ConnectUsing(api);
        await smtp.DisconnectUsing(api);

        using var file = X509CertificateLoader.LoadCertificateFromFile(Peers.ServerCertificate);
        var cert = smtp.SSLServerCert;
        Assert.Equal(file.Subject, cert.Subject);
        Assert.Equal(file.Issuer, cert.Issuer);
        Assert.Equal(file.RawData, cert.EncodedB);
        Assert.Equal(Convert.ToBase64String(file.RawData), cert.Encoded);
        Assert.Equal(file.SerialNumber, cert.SerialNumber);
        // Fingerprints as openssl computes them from the file (colon-separated hex; Herald writes lower case).
        Assert.Equal(OpenSslFingerprint("-md5"), cert.Fingerprint);
        Assert.Equal(OpenSslFingerprint("-sha1"), cert.FingerprintSHA1);
        Assert.Equal(OpenSslFingerprint("-sha256"), cert.FingerprintSHA256);
        Assert.Equal(OpenSslFingerprint("-sha1").Replace(":", "", StringComparison.Ordinal), cert.ThumbprintSHA1.ToLowerInvariant());
        // After the session the settings of the session are gone, but SSLServerCert stays until the next attempt.
        Assert.Equal("", smtp.Config("SSLNegotiatedVersion"));

        smtp.SSLStartMode = SmtpSSLStartModes.sslNone;
        smtp.MailPort = Peers.PostfixOpen;
        await smtp.ConnectUsing(api);
        Assert.Equal("", smtp.SSLServerCert.Subject);
        Assert.Equal("", smtp.Config("SSLNegotiatedCipherSuite"));
        await smtp.DisconnectUsing(api);
    }

    [Theory]
    [InlineData(25, Api.Sync)]
    [InlineData(587, Api.Async)]
    public async Task AutomaticModeUsesStartTlsOnPorts25And587(int wellKnownPort, Api api)
    {
        Peers.RequirePeer(Peers.PostfixOpen);
        // Postfix's STARTTLS port, reached on the well-known port through a byte-for-byte relay.
        await using var relay = TcpRelay.Start(wellKnownPort, Peers.PostfixOpen);
        using var smtp = new Smtp
        {
            MailServer = Peers.HostName, MailPort = wellKnownPort, SSLStartMode = SmtpSSLStartModes.sslAutomatic, Timeout = 20,
        };
        smtp.Config("SSLServerCACerts=" + PeerSmtp.CaPemText);
        var log = new SessionLog(smtp);
        string marker = Peers.NewMarker();
        PeerSmtp.SetMessage(smtp, marker);

        await smtp.SendUsing(api);

        Assert.Contains("STARTTLS", log.ClientLines);
        string delivered = await Peers.WaitForMaildirMessageAsync(marker);
        Assert.Contains(" with ESMTPS", PeerSmtp.TopReceivedHeader(delivered));
    }

    [Theory]
    [InlineData(Api.Sync)]
    [InlineData(Api.Async)]
    public async Task AutomaticModeOnAnotherPortIsImplicitSoAStartTlsPortFailsAtTheHandshake(Api api)
    {
        using var smtp = PeerSmtp.Create(Peers.PostfixOpen, SmtpSSLStartModes.sslAutomatic);
        var log = new SessionLog(smtp);

        var watch = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<SmtpException>(() => smtp.ConnectUsing(api));

        // Postfix greets in plaintext, which is not a TLS ServerHello: the handshake fails at once.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
        Assert.Equal(SmtpErrorCodes.TlsHandshakeError, error.Code);
        Assert.Contains("TLS handshake with localhost failed", error.Message);
        Assert.Contains("implicit TLS is usually port 465", error.Message);
        Assert.Empty(log.ClientLines);
        Assert.False(smtp.Connected);
    }

    [Theory]
    [InlineData(Api.Sync)]
    [InlineData(Api.Async)]
    public async Task ExplicitModeAgainstTheImplicitPortFailsWithinTheTimeout(Api api)
    {
        using var smtp = PeerSmtp.Create(Peers.PostfixImplicitTls, SmtpSSLStartModes.sslExplicit, timeout: 2);
        var log = new SessionLog(smtp);

        var watch = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<SmtpException>(() => smtp.ConnectUsing(api));

        // Postfix waits for a ClientHello and the component for a greeting: only the timeout can end it, and it does.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(8), $"took {watch.Elapsed}");
        Assert.Equal(SmtpErrorCodes.Timeout, error.Code);
        Assert.Contains("nothing was received", error.Message);
        Assert.Empty(log.ClientLines);
        Assert.False(smtp.Connected);
    }

    [Fact]
    public async Task ExplicitModeAgainstTheImplicitPortSaysItWasWaitingForTheGreeting()
    {
        using var smtp = PeerSmtp.Create(Peers.PostfixImplicitTls, SmtpSSLStartModes.sslExplicit, timeout: 2);

        var error = await Assert.ThrowsAsync<SmtpException>(() => smtp.ConnectUsing(Api.Async));

        // A bare "timed out" does not tell the user that no greeting came, the sign of a port that expects implicit TLS;
        // the engine knows the step (it names it for every other failure) and should say it here too.
        Assert.Equal(SmtpErrorCodes.Timeout, error.Code);
        Assert.Contains("greeting", error.Message);
    }

    private static string OpenSslFingerprint(string digest)
    {
        var info = new ProcessStartInfo("openssl", ["x509", "-in", Peers.ServerCertificate, "-noout", "-fingerprint", digest])
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(info)!;
        string output = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        // "sha256 Fingerprint=BE:0E:..."
        return output[(output.IndexOf('=', StringComparison.Ordinal) + 1)..].ToLowerInvariant();
    }
}
