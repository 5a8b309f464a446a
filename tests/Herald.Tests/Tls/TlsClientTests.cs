using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Herald.Security.Tls;
using Xunit;

namespace Herald.Tests.Tls;

public sealed class TlsClientTests
{
    private static TestPki Pki => TestPki.Instance;

    private static X509Certificate2Collection IntermediateChain => [Pki.Intermediate];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_server_chaining_to_a_CA_in_ServerCACerts_is_trusted(bool useAsync)
    {
        await using var server = new LoopbackTlsServer(Pki.Server, IntermediateChain);
        var callbacks = new RecordingTlsCallbacks();

        var session = await TlsTestClient.ConnectAsync(useAsync, server.Port, TlsTestClient.TrustingTestRoot(), callbacks);

        using (session.Stream)
        {
            Assert.Equal("220 tls server ready\r\n", TlsTestClient.ReadGreeting(session));
            Assert.Equal("OK", session.ValidationStatus);
            Assert.True(session.ValidationPassed);
            Assert.Equal("validation", session.AcceptedBy);
            Assert.Equal("SSLServerCACerts/CACertFilePaths", session.TrustSource);
            Assert.Equal(Pki.Server.Subject, session.ServerCertificate.Subject);
            Assert.Equal([Pki.Server.Thumbprint, Pki.Intermediate.Thumbprint, Pki.Root.Thumbprint],
                session.ServerChain.Select(c => c.Thumbprint));
            Assert.Equal("TLS1.3", session.Version);
            Assert.StartsWith("TLS_", session.CipherSuite);
            var (subject, status, accept, chainLength) = Assert.Single(callbacks.Certificates);
            Assert.Equal((Pki.Server.Subject, "OK", true, 3), (subject, status, accept, chainLength));
            Assert.Contains(callbacks.Statuses, s => s.StartsWith("TLS handshake complete: TLS1.3", StringComparison.Ordinal));
        }
        Assert.True((await server.NextResultAsync()).HandshakeSucceeded);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_server_from_an_unknown_CA_is_rejected_with_280_and_a_clear_status(bool useAsync)
    {
        await using var server = new LoopbackTlsServer(Pki.UnknownCa);
        var callbacks = new RecordingTlsCallbacks();

        var error = await Assert.ThrowsAsync<SmtpException>(() =>
            TlsTestClient.ConnectAsync(useAsync, server.Port, TlsTestClient.TrustingTestRoot(), callbacks));

        Assert.Equal(SmtpErrorCodes.CertVerificationError, error.Code);
        Assert.Contains("certificate is not trusted: unknown CA 'CN=Unknown Test CA, O=Elsewhere'", error.Message);
        Assert.Contains("SSLServerCACerts", error.Message);
        Assert.Contains("0x00000010", error.Message);
        var (_, status, accept, _) = Assert.Single(callbacks.Certificates);
        Assert.False(accept);
        Assert.Equal("certificate is not trusted: unknown CA 'CN=Unknown Test CA, O=Elsewhere' (the chain could not be completed)", status);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Without_its_root_a_chain_is_incomplete_and_rejected(bool useAsync)
    {
        await using var server = new LoopbackTlsServer(Pki.Server, IntermediateChain);

        var error = await Assert.ThrowsAsync<SmtpException>(() =>
            TlsTestClient.ConnectAsync(useAsync, server.Port, TlsTestClient.Untrusting(), new RecordingTlsCallbacks()));

        Assert.Equal(SmtpErrorCodes.CertVerificationError, error.Code);
        Assert.Contains("certificate is not trusted", error.Message);
        Assert.Contains("Herald Test Root CA", error.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SSLSecurityFlags_0x10_accepts_an_unknown_CA_and_says_so_in_the_status(bool useAsync)
    {
        await using var server = new LoopbackTlsServer(Pki.UnknownCa);
        var settings = TlsTestClient.Untrusting();
        settings.SecurityFlags = SecurityFlags.AllowUnknownCA;
        var callbacks = new RecordingTlsCallbacks();

        using var session = (await TlsTestClient.ConnectAsync(useAsync, server.Port, settings, callbacks)).Stream;

        var (_, status, accept, _) = Assert.Single(callbacks.Certificates);
        Assert.True(accept);
        Assert.Equal("OK (ignored by SSLSecurityFlags: certificate is not trusted: unknown CA 'CN=Unknown Test CA, O=Elsewhere' " +
            "(the chain could not be completed))", status);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_event_handler_can_accept_a_certificate_that_failed(bool useAsync)
    {
        await using var server = new LoopbackTlsServer(Pki.UnknownCa);
        var callbacks = new RecordingTlsCallbacks { Decide = (_, _) => true };

        var session = await TlsTestClient.ConnectAsync(useAsync, server.Port, TlsTestClient.Untrusting(), callbacks);

        using (session.Stream)
        {
            Assert.Equal("SSLServerAuthentication", session.AcceptedBy);
            Assert.False(session.ValidationPassed);
            Assert.Contains("unknown CA", session.ValidationStatus);
            Assert.Equal("220 tls server ready\r\n", TlsTestClient.ReadGreeting(session));
        }
        Assert.Contains(callbacks.Statuses, s => s.Contains("handler accepted the server certificate despite", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_event_handler_can_reject_a_good_certificate(bool useAsync)
    {
        await using var server = new LoopbackTlsServer(Pki.Server, IntermediateChain);
        var callbacks = new RecordingTlsCallbacks { Decide = (_, _) => false };

        var error = await Assert.ThrowsAsync<SmtpException>(() =>
            TlsTestClient.ConnectAsync(useAsync, server.Port, TlsTestClient.TrustingTestRoot(), callbacks));

        Assert.Equal(SmtpErrorCodes.CertVerificationError, error.Code);
        Assert.Contains("event handler rejected the server certificate", error.Message);
        Assert.Contains("passed validation (status: OK)", error.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_exception_thrown_by_the_event_handler_surfaces_unchanged(bool useAsync)
    {
        await using var server = new LoopbackTlsServer(Pki.Server, IntermediateChain);
        var callbacks = new RecordingTlsCallbacks { Throw = new InvalidTimeZoneException("from the handler") };

        var error = await Assert.ThrowsAsync<InvalidTimeZoneException>(() =>
            TlsTestClient.ConnectAsync(useAsync, server.Port, TlsTestClient.TrustingTestRoot(), callbacks));

        Assert.Equal("from the handler", error.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_expired_certificate_is_rejected_and_accepted_with_flag_0x1(bool useAsync)
    {
        await using var server = new LoopbackTlsServer(Pki.Expired, IntermediateChain);

        var error = await Assert.ThrowsAsync<SmtpException>(() =>
            TlsTestClient.ConnectAsync(useAsync, server.Port, TlsTestClient.TrustingTestRoot(), new RecordingTlsCallbacks()));
        Assert.Equal(SmtpErrorCodes.CertVerificationError, error.Code);
        Assert.Contains($"certificate has expired (valid until {Pki.Expired.NotAfter.ToUniversalTime():yyyy-MM-dd HH:mm:ss} UTC)",
            error.Message);
        Assert.Contains("0x00000001", error.Message);

        var relaxed = TlsTestClient.TrustingTestRoot();
        relaxed.SecurityFlags = SecurityFlags.IgnoreTimeValidity;
        using var session = (await TlsTestClient.ConnectAsync(useAsync, server.Port, relaxed, new RecordingTlsCallbacks())).Stream;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_certificate_for_another_name_is_rejected_and_accepted_with_flag_0x80000000(bool useAsync)
    {
        await using var server = new LoopbackTlsServer(Pki.WrongName, IntermediateChain);

        var error = await Assert.ThrowsAsync<SmtpException>(() =>
            TlsTestClient.ConnectAsync(useAsync, server.Port, TlsTestClient.TrustingTestRoot(), new RecordingTlsCallbacks()));
        Assert.Equal(SmtpErrorCodes.CertVerificationError, error.Code);
        Assert.Contains("host name mismatch: certificate is for mail.example.org but the server is 'localhost'", error.Message);
        Assert.Contains("0x80000000", error.Message);

        var relaxed = TlsTestClient.TrustingTestRoot();
        relaxed.SecurityFlags = SecurityFlags.IgnoreNameMismatch;
        var callbacks = new RecordingTlsCallbacks();
        using var session = (await TlsTestClient.ConnectAsync(useAsync, server.Port, relaxed, callbacks)).Stream;
        Assert.StartsWith("OK (ignored by SSLSecurityFlags: host name mismatch", Assert.Single(callbacks.Certificates).Status);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_address_is_checked_against_the_IP_address_SANs(bool useAsync)
    {
        await using var server = new LoopbackTlsServer(Pki.Server, IntermediateChain);

        var session = await TlsTestClient.ConnectAsync(useAsync, server.Port, TlsTestClient.TrustingTestRoot(), new RecordingTlsCallbacks(),
            host: "127.0.0.1");

        using (session.Stream)
        {
            Assert.Equal("OK", session.ValidationStatus);
            Assert.Equal("127.0.0.1", session.TargetHost);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_certificate_without_the_server_usage_is_rejected_and_accepted_with_flag_0x20(bool useAsync)
    {
        await using var server = new LoopbackTlsServer(Pki.WrongUsage, IntermediateChain);

        var error = await Assert.ThrowsAsync<SmtpException>(() =>
            TlsTestClient.ConnectAsync(useAsync, server.Port, TlsTestClient.TrustingTestRoot(), new RecordingTlsCallbacks()));
        Assert.Contains("not valid for server authentication", error.Message);

        var relaxed = TlsTestClient.TrustingTestRoot();
        relaxed.SecurityFlags = SecurityFlags.IgnoreWrongUsage;
        using var session = (await TlsTestClient.ConnectAsync(useAsync, server.Port, relaxed, new RecordingTlsCallbacks())).Stream;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SSLAcceptServerCert_accepts_exactly_that_certificate(bool useAsync)
    {
        await using var server = new LoopbackTlsServer(Pki.UnknownCa);
        var settings = TlsTestClient.Untrusting();
        settings.AcceptServerCertificate = new Certificate(Pki.UnknownCa.RawData);
        var callbacks = new RecordingTlsCallbacks();

        var session = await TlsTestClient.ConnectAsync(useAsync, server.Port, settings, callbacks);
        using (session.Stream)
        {
            Assert.Equal("SSLAcceptServerCert", session.AcceptedBy);
            Assert.EndsWith("(accepted: the certificate equals SSLAcceptServerCert)", session.ValidationStatus);
            Assert.True(Assert.Single(callbacks.Certificates).Accept);
        }

        // Another certificate, even one from the same server's CA, is not a bypass.
        settings.AcceptServerCertificate = new Certificate(Pki.Server.RawData);
        var error = await Assert.ThrowsAsync<SmtpException>(() =>
            TlsTestClient.ConnectAsync(useAsync, server.Port, settings, new RecordingTlsCallbacks()));
        Assert.Equal(SmtpErrorCodes.CertVerificationError, error.Code);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_client_certificate_is_sent_when_the_server_asks(bool useAsync)
    {
        await using var server = new LoopbackTlsServer(Pki.Server, IntermediateChain, requireClientCertificate: true);
        var settings = TlsTestClient.TrustingTestRoot();
        settings.ClientCertificate = new Certificate(CertStoreTypes.cstPFXBlob, TestPki.Pfx(Pki.Client, "pw", Pki.Root), "pw", "*");

        var session = await TlsTestClient.ConnectAsync(useAsync, server.Port, settings, new RecordingTlsCallbacks());

        using (session.Stream)
        {
            Assert.True(session.ClientCertificateRequested);
            Assert.True(session.ClientCertificateSent);
            Assert.Equal("220 tls server ready\r\n", TlsTestClient.ReadGreeting(session));
        }
        Assert.Equal(Pki.Client.Subject, (await server.NextResultAsync()).ClientCertificateSubject);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_client_certificate_is_not_sent_when_the_server_does_not_ask(bool useAsync)
    {
        await using var server = new LoopbackTlsServer(Pki.Server, IntermediateChain);
        var settings = TlsTestClient.TrustingTestRoot();
        settings.ClientCertificate = new Certificate(CertStoreTypes.cstPFXBlob, TestPki.Pfx(Pki.Client, "pw"), "pw", "*");

        var session = await TlsTestClient.ConnectAsync(useAsync, server.Port, settings, new RecordingTlsCallbacks());

        using (session.Stream)
        {
            Assert.False(session.ClientCertificateRequested);
            Assert.False(session.ClientCertificateSent);
        }
        Assert.Null((await server.NextResultAsync()).ClientCertificateSubject);
    }

    [Theory]
    [InlineData(false, SslProtocols.Tls12)]
    [InlineData(true, SslProtocols.Tls12)]
    [InlineData(false, SslProtocols.Tls13)]
    [InlineData(true, SslProtocols.Tls13)]
    public async Task Without_SSLCert_a_certificate_request_is_noticed(bool useAsync, SslProtocols protocol)
    {
        // The client's handshake finishes before the server judges the missing certificate (the .NET server, like
        // Postfix, checks afterwards), so the request is what the client can report.
        await using var server = new LoopbackTlsServer(Pki.Server, IntermediateChain, requireClientCertificate: true, protocols: protocol);
        var callbacks = new RecordingTlsCallbacks();

        var session = await TlsTestClient.ConnectAsync(useAsync, server.Port, TlsTestClient.TrustingTestRoot(), callbacks);

        using (session.Stream)
        {
            Assert.True(session.ClientCertificateRequested);
            Assert.False(session.ClientCertificateSent);
        }
        Assert.Contains(callbacks.Statuses, s => s.StartsWith("The server asked for a client certificate", StringComparison.Ordinal));
        Assert.False((await server.NextResultAsync()).HandshakeSucceeded);
    }

    [Theory]
    [InlineData(false, 0x0C00, "TLS1.2")]
    [InlineData(true, 0x0C00, "TLS1.2")]
    [InlineData(false, 0x3000, "TLS1.3")]
    [InlineData(true, 0x3C00, "TLS1.3")]
    public async Task SSLEnabledProtocols_restricts_the_version(bool useAsync, int protocols, string expected)
    {
        await using var server = new LoopbackTlsServer(Pki.Server, IntermediateChain);
        var settings = TlsTestClient.TrustingTestRoot();
        settings.EnabledProtocols = protocols;

        var session = await TlsTestClient.ConnectAsync(useAsync, server.Port, settings, new RecordingTlsCallbacks());

        using (session.Stream)
        {
            Assert.Equal(expected, session.Version);
            Assert.Equal(expected, TlsPlan.VersionName((await server.NextResultAsync()).Protocol));
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_version_the_server_does_not_speak_fails_with_276(bool useAsync)
    {
        await using var server = new LoopbackTlsServer(Pki.Server, IntermediateChain, protocols: SslProtocols.Tls13);
        var settings = TlsTestClient.TrustingTestRoot();
        settings.EnabledProtocols = 0x0C00;

        var error = await Assert.ThrowsAsync<SmtpException>(() =>
            TlsTestClient.ConnectAsync(useAsync, server.Port, settings, new RecordingTlsCallbacks()));

        Assert.Equal(SmtpErrorCodes.TlsHandshakeError, error.Code);
        Assert.StartsWith("The TLS handshake with localhost failed: ", error.Message);
        Assert.Contains("enabled versions (TLS1.2)", error.Message);
    }

    [Theory]
    [InlineData(false, 0x0C00, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "AES_128_GCM", 128, "ECDHE")]
    [InlineData(true, 0x0C00, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "AES_256_GCM", 256, "ECDHE")]
    [InlineData(false, 0x3000, "TLS_AES_128_GCM_SHA256", "AES_128_GCM", 128, "ECDHE")]
    [InlineData(true, 0x3000, "TLS_CHACHA20_POLY1305_SHA256", "CHACHA20_POLY1305", 256, "ECDHE")]
    public async Task SSLEnabledCipherSuites_restricts_the_suite(bool useAsync, int protocols, string suite, string cipher, int strength,
        string keyExchange)
    {
        await using var server = new LoopbackTlsServer(Pki.Server, IntermediateChain);
        var settings = TlsTestClient.TrustingTestRoot();
        settings.EnabledProtocols = protocols;
        settings.EnabledCipherSuites = $"{suite}; TLS_DHE_RSA_WITH_AES_256_CBC_SHA";

        var session = await TlsTestClient.ConnectAsync(useAsync, server.Port, settings, new RecordingTlsCallbacks());

        using (session.Stream)
        {
            Assert.Equal(suite, session.CipherSuite);
            Assert.Equal(cipher, session.Cipher);
            Assert.Equal(strength, session.CipherStrength);
            Assert.Equal(keyExchange, session.KeyExchange);
            Assert.True(session.Aead);
            Assert.True(session.Pfs);
            Assert.Equal("ECDSA", session.Authentication);
            Assert.Equal(suite, (await server.NextResultAsync()).CipherSuite.ToString());
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SSLCipherStrength_keeps_weaker_suites_out_of_the_offer(bool useAsync)
    {
        await using var server = new LoopbackTlsServer(Pki.Server, IntermediateChain);
        var settings = TlsTestClient.TrustingTestRoot();
        settings.CipherStrength = 256;

        var session = await TlsTestClient.ConnectAsync(useAsync, server.Port, settings, new RecordingTlsCallbacks());

        using (session.Stream)
        {
            Assert.Equal(256, session.CipherStrength);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_key_exchange_group_and_strength_are_reported(bool useAsync)
    {
        await using var server = new LoopbackTlsServer(Pki.RsaServer, IntermediateChain);
        var settings = TlsTestClient.TrustingTestRoot();
        settings.EnabledProtocols = 0x0C00;
        settings.EnabledCipherSuites = "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384";

        var session = await TlsTestClient.ConnectAsync(useAsync, server.Port, settings, new RecordingTlsCallbacks());

        using (session.Stream)
        {
            Assert.Equal("ECDHE", session.KeyExchange);
            Assert.Equal("RSA", session.Authentication);
            Assert.Equal(2048, session.ServerPublicKeyBits);
            Assert.Equal("SHA384", session.Hash);
            Assert.Equal(16, session.CipherBlockSize);
            Assert.Contains(session.KeyExchangeGroup, new[] { "x25519", "secp256r1", "secp384r1" });
            Assert.True(session.KeyExchangeStrength >= 253, $"key exchange strength {session.KeyExchangeStrength}");
            Assert.StartsWith("rsa_", session.PeerSignatureScheme);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_plaintext_server_fails_the_handshake_with_276_and_the_platform_reason(bool useAsync)
    {
        await using var server = new LoopbackTlsServer(Pki.Server, plaintext: true);

        var error = await Assert.ThrowsAsync<SmtpException>(() =>
            TlsTestClient.ConnectAsync(useAsync, server.Port, TlsTestClient.TrustingTestRoot(), new RecordingTlsCallbacks()));

        Assert.Equal(SmtpErrorCodes.TlsHandshakeError, error.Code);
        Assert.NotNull(error.InnerException);
        Assert.Contains("check that the server speaks TLS", error.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_silent_server_times_out_with_201(bool useAsync)
    {
        await using var server = new LoopbackTlsServer(Pki.Server, silent: true);

        var error = await Assert.ThrowsAsync<SmtpException>(() =>
            TlsTestClient.ConnectAsync(useAsync, server.Port, TlsTestClient.TrustingTestRoot(), new RecordingTlsCallbacks(),
                timeoutSeconds: 1));

        Assert.Equal(SmtpErrorCodes.Timeout, error.Code);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SSLProvider_internal_uses_the_platform_and_says_so(bool useAsync)
    {
        await using var server = new LoopbackTlsServer(Pki.Server, IntermediateChain);
        var settings = TlsTestClient.TrustingTestRoot();
        settings.Provider = SmtpSSLProviders.sslpInternal;
        settings.Tls13SupportedGroups = "ecdhe_x25519";
        var callbacks = new RecordingTlsCallbacks();

        using var session = (await TlsTestClient.ConnectAsync(useAsync, server.Port, settings, callbacks)).Stream;

        Assert.Contains(callbacks.Statuses,
            s => s.StartsWith("SSLProvider is sslpInternal, but Herald has no built-in TLS", StringComparison.Ordinal));
        Assert.Contains(callbacks.Statuses, s => s.StartsWith("TLS13SupportedGroups is not applied", StringComparison.Ordinal));
        Assert.DoesNotContain(callbacks.Statuses, s => s.StartsWith("TLS13KeyShareGroups", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_session_is_resumed_only_when_ReuseSSLSession_is_on(bool useAsync)
    {
        await using var server = new LoopbackTlsServer(Pki.Server, IntermediateChain, protocols: SslProtocols.Tls12);
        var settings = TlsTestClient.TrustingTestRoot();
        settings.ReuseSession = true;

        var first = await TlsTestClient.ConnectAsync(useAsync, server.Port, settings, new RecordingTlsCallbacks());
        TlsTestClient.ReadGreeting(first);
        first.Stream.Dispose();
        var second = await TlsTestClient.ConnectAsync(useAsync, server.Port, settings, new RecordingTlsCallbacks());
        second.Stream.Dispose();
        settings.ReuseSession = false;
        var third = await TlsTestClient.ConnectAsync(useAsync, server.Port, settings, new RecordingTlsCallbacks());
        third.Stream.Dispose();

        // The first connection may itself resume: .NET keeps sessions per host name for the whole process, and other
        // tests connect to "localhost" too.
        Assert.True(second.IsResumed);
        Assert.False(third.IsResumed);
    }
}
