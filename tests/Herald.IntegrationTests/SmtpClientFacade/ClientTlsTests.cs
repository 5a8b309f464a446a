using Herald.IntegrationTests.Support;
using Herald.IntegrationTests.Tls;
using Xunit;

namespace Herald.IntegrationTests.SmtpClientFacade;

/// <summary>
/// SmtpClient's TLS against Postfix: STARTTLS (25025) and implicit TLS (25465) trusting the test CA through
/// TrustedCerts alone, CertificateValidate accepting and refusing, a BlockedCerts hit, a client certificate (25028),
/// and ConnInfo held against what Postfix wrote in its Received header.
/// </summary>
public sealed class ClientTlsTests
{
    [Theory]
    [InlineData(Peers.PostfixOpen, SmtpClientTlsMode.ExplicitTls, Api.Sync)]
    [InlineData(Peers.PostfixOpen, SmtpClientTlsMode.ExplicitTls, Api.Async)]
    [InlineData(Peers.PostfixImplicitTls, SmtpClientTlsMode.ImplicitTls, Api.Sync)]
    [InlineData(Peers.PostfixImplicitTls, SmtpClientTlsMode.ImplicitTls, Api.Async)]
    [InlineData(Peers.PostfixOpen, SmtpClientTlsMode.Automatic, Api.Async)]
    public async Task TrustingOnlyTheTestCaTheMessageGoesOverTlsAndConnInfoMatchesPostfixsRecord(int port, SmtpClientTlsMode mode, Api api)
    {
        using var client = ClientPeer.Create(out var trace);
        client.TLS.TLSMode = mode;
        ClientPeer.TrustOnlyTestCa(client);
        string marker = Peers.NewMarker();
        ClientPeer.SetMessage(client, marker);
        var validations = new List<SmtpClientCertificateValidateEventArgs>();
        client.CertificateValidate += (_, e) => validations.Add(e);

        await client.ConnectUsing(api, port);
        Assert.True(client.ConnInfo.ConnectionEstablished);
        Assert.True(client.ConnInfo.SecureConnection);
        await client.SendMessageUsing(api);
        await client.DisconnectUsing(api);

        var stored = await Peers.WaitForMaildirMessageAsync(marker);
        var received = PostfixReceivedHeader.From(stored);
        var info = client.ConnInfo;
        received.AssertMatches(new NegotiatedTls(info.Version, info.Ciphersuite, info.EncryptionAlgorithm, info.SymmetricKeyBits,
            info.KeyExchangeAlgorithm, info.KeyExchangeKeyBits));
        if (received.KeyExchange.Length > 0)
        {
            Assert.Equal(received.KeyExchange.ToLowerInvariant().Replace("prime256v1", "secp256r1", StringComparison.Ordinal),
                info.NamedECCurve);
        }
        Assert.NotEqual("", info.NamedECCurve);
        Assert.Equal(ChainValidationResult.Valid, info.ChainValidationResult);
        Assert.Equal(ChainValidityReasons.None, info.ChainValidationDetails);
        Assert.True(info.ServerAuthenticated);
        Assert.True(info.PFSCipher);
        Assert.True(info.AEADCipher);
        Assert.False(info.Exportable);
        Assert.False(info.ClientAuthenticated);
        Assert.Equal(16, info.ConnectionID.Length);
        Assert.Contains("Trusted through: TrustedCerts.", info.ValidationLog);
        Assert.True(info.TotalBytesSent > stored.Length / 2, $"{info.TotalBytesSent} bytes sent");
        Assert.True(info.TotalBytesReceived > 0);
        // The server's certificate and its chain as presented.
        var leaf = client.ServerCerts[0];
        Assert.Equal("localhost", leaf.Subject);
        Assert.Equal(ClientPeer.TestCa.Subject, leaf.Issuer);
        Assert.Equal(ClientPeer.TestCa.SubjectKeyID, leaf.CAKeyID);
        var validation = Assert.Single(validations);
        Assert.True(validation.Accept);
        Assert.Equal("OK", validation.Status);
        Assert.Equal("localhost", validation.Address);
        Assert.Equal(2, validation.Chain.Count);
        Assert.Equal(ClientPeer.TestCa.Fingerprint, validation.Chain[1].Fingerprint);
        if (mode == SmtpClientTlsMode.ImplicitTls)
        {
            Assert.DoesNotContain("C: STARTTLS", trace);
        }
        else
        {
            Assert.Contains("C: STARTTLS", trace);
        }
    }

    [Theory]
    [InlineData(Api.Sync)]
    [InlineData(Api.Async)]
    public async Task WithoutTheTestCaTheCertificateIsRefusedUnlessCertificateValidateAccepts(Api api)
    {
        using (var refused = ClientPeer.Create(out _))
        {
            refused.TLS.TLSMode = SmtpClientTlsMode.ExplicitTls;
            refused.Config("UseSystemCertificates=False");
            var e = await Assert.ThrowsAsync<SmtpException>(() => refused.ConnectUsing(api, Peers.PostfixOpen));
            Assert.Equal(SmtpErrorCodes.CertVerificationError, e.Code);
            Assert.Contains("unknown CA", e.Message);
            Assert.Contains("add the issuing CA certificate to TrustedCerts", e.Message);
            Assert.DoesNotContain("SSL", e.Message.Replace("OpenSSL", "", StringComparison.Ordinal));
        }

        using var accepted = ClientPeer.Create(out _);
        accepted.TLS.TLSMode = SmtpClientTlsMode.ExplicitTls;
        accepted.Config("UseSystemCertificates=False");
        SmtpClientCertificateValidateEventArgs? seen = null;
        accepted.CertificateValidate += (_, e) =>
        {
            seen = e;
            e.Accept = e.Certificate.Issuer == ClientPeer.TestCa.Subject;
        };
        string marker = Peers.NewMarker();
        ClientPeer.SetMessage(accepted, marker);
        await accepted.ConnectUsing(api, Peers.PostfixOpen);
        await accepted.SendMessageUsing(api);
        await accepted.DisconnectUsing(api);

        Assert.NotNull(seen);
        Assert.Equal(ChainValidationResult.ValidButUntrusted, seen.ValidationResult);
        Assert.Equal(ChainValidityReasons.UnknownCA, seen.ValidationDetails);
        Assert.Contains("unknown CA", seen.Status);
        Assert.Equal(ChainValidityReasons.UnknownCA | ChainValidityReasons.UserEnforced, accepted.ConnInfo.ChainValidationDetails);
        Assert.Contains(marker, await Peers.WaitForMaildirMessageAsync(marker));
    }

    [Theory]
    [InlineData(Api.Sync)]
    [InlineData(Api.Async)]
    public async Task CertificateValidateCanRefuseAValidCertificate(Api api)
    {
        using var client = ClientPeer.Create(out var trace);
        client.TLS.TLSMode = SmtpClientTlsMode.ExplicitTls;
        ClientPeer.TrustOnlyTestCa(client);
        client.CertificateValidate += (_, e) =>
        {
            Assert.True(e.Accept);
            Assert.Equal(ChainValidationResult.Valid, e.ValidationResult);
            e.Accept = false;
        };

        var e = await Assert.ThrowsAsync<SmtpException>(() => client.ConnectUsing(api, Peers.PostfixOpen));

        Assert.Equal(SmtpErrorCodes.CertVerificationError, e.Code);
        Assert.Contains("CertificateValidate event handler rejected", e.Message);
        Assert.False(client.ConnInfo.ConnectionEstablished);
        Assert.DoesNotContain(trace, l => l.StartsWith("C: MAIL", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(Api.Sync)]
    [InlineData(Api.Async)]
    public async Task WithAutomaticValidationOffOnlyTheHandlerDecides(Api api)
    {
        using (var noHandler = ClientPeer.Create(out _))
        {
            noHandler.TLS.TLSMode = SmtpClientTlsMode.ExplicitTls;
            noHandler.TLS.AutoValidateCertificates = false;
            ClientPeer.TrustOnlyTestCa(noHandler);
            var e = await Assert.ThrowsAsync<SmtpException>(() => noHandler.ConnectUsing(api, Peers.PostfixOpen));
            Assert.Equal(SmtpErrorCodes.CertVerificationError, e.Code);
            Assert.Contains("TLS.AutoValidateCertificates false", e.Message);
        }

        using var handled = ClientPeer.Create(out _);
        handled.TLS.TLSMode = SmtpClientTlsMode.ExplicitTls;
        handled.TLS.AutoValidateCertificates = false;
        handled.Config("UseSystemCertificates=False");
        bool? startedWith = null;
        handled.CertificateValidate += (_, e) =>
        {
            startedWith = e.Accept;
            e.Accept = true;
        };
        await handled.ConnectUsing(api, Peers.PostfixOpen);
        Assert.True(handled.ConnInfo.SecureConnection);
        await handled.DisconnectUsing(api);
        Assert.False(startedWith);
    }

    [Theory]
    [InlineData(Api.Sync, true)]
    [InlineData(Api.Async, false)]
    public async Task ABlockedCertificateInTheChainIsRefusedWhateverTheHandlerSays(Api api, bool blockTheCa)
    {
        using var client = ClientPeer.Create(out var trace);
        client.TLS.TLSMode = SmtpClientTlsMode.ImplicitTls;
        ClientPeer.TrustOnlyTestCa(client);
        client.BlockedCerts.AddRange(TlsCertificate.LoadFile(blockTheCa ? Peers.CaPem : Peers.ServerCertificate));
        client.CertificateValidate += (_, e) => e.Accept = true;

        var e = await Assert.ThrowsAsync<SmtpException>(() => client.ConnectUsing(api, Peers.PostfixImplicitTls));

        Assert.Equal(SmtpErrorCodes.CertVerificationError, e.Code);
        Assert.Contains("BlockedCerts", e.Message);
        Assert.Contains(blockTheCa ? ClientPeer.TestCa.Subject : "localhost", e.Message);
        Assert.False(client.ConnInfo.ConnectionEstablished);
        Assert.DoesNotContain(trace, l => l.StartsWith("C: EHLO", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(Api.Sync)]
    [InlineData(Api.Async)]
    public async Task AClientCertificateFromClientCertsOpensThePeerThatRequiresOne(Api api)
    {
        using (var without = ClientPeer.Create(out _))
        {
            without.TLS.TLSMode = SmtpClientTlsMode.ExplicitTls;
            ClientPeer.TrustOnlyTestCa(without);
            string marker = Peers.NewMarker();
            ClientPeer.SetMessage(without, marker);
            // Postfix lets the handshake finish and refuses the session after it.
            var e = await Assert.ThrowsAsync<SmtpException>(() => without.ConnectUsing(api, Peers.PostfixClientCert));
            Assert.Equal((SmtpErrorCodes.ProtocolError, 421), (e.Code, e.ReplyCode));
            Assert.Contains("No client certificate presented", e.Message);
            Assert.True(without.ConnInfo.ClientAuthRequested);
            Assert.False(without.ConnInfo.ClientAuthenticated);
            Assert.False(without.ConnInfo.ConnectionEstablished);
        }

        using var client = ClientPeer.Create(out _);
        client.TLS.TLSMode = SmtpClientTlsMode.ExplicitTls;
        ClientPeer.TrustOnlyTestCa(client);
        client.ClientCerts.AddRange(TlsCertificate.LoadFile(Peers.ClientPfx, Peers.PfxPassword));
        client.Config("CheckKeyIntegrityBeforeUse=True");
        string mark = Peers.NewMarker();
        ClientPeer.SetMessage(client, mark);

        await client.ConnectUsing(api, Peers.PostfixClientCert);
        await client.SendMessageUsing(api);
        await client.DisconnectUsing(api);

        Assert.True(client.ConnInfo.ClientAuthRequested);
        Assert.True(client.ConnInfo.ClientAuthenticated);
        string received = PeerSmtp.TopReceivedHeader(await Peers.WaitForMaildirMessageAsync(mark));
        Assert.Contains("Client CN \"user@example.test\"", received);
        Assert.Contains("(verified OK)", received);
    }

    [Theory]
    [InlineData(true, Api.Sync)]
    [InlineData(true, Api.Async)]
    [InlineData(false, Api.Async)]
    public async Task UseSessionResumptionResumesTheNextSession(bool resume, Api api)
    {
        using var client = ClientPeer.Create(out _);
        client.TLS.TLSMode = SmtpClientTlsMode.ImplicitTls;
        ClientPeer.TrustOnlyTestCa(client);
        client.TLS.UseSessionResumption = resume;
        var resumed = new List<bool>();
        for (int i = 0; i < 2; i++)
        {
            await client.ConnectUsing(api, Peers.PostfixImplicitTls);
            // A TLS 1.3 server sends its session ticket after the handshake; EHLO's reply has come after it.
            resumed.Add(client.ConnInfo.ResumedSession);
            await client.DisconnectUsing(api);
        }
        // The first may resume a session an earlier test left in .NET's process-wide cache; the second resumes the
        // first's for certain.
        Assert.Equal(resume, resumed[1]);
        if (!resume)
        {
            Assert.False(resumed[0]);
        }
    }

    [Theory]
    [InlineData(Api.Sync)]
    [InlineData(Api.Async)]
    public async Task VersionsAndCiphersuitesDecideTheSessionAndConnInfoDescribesIt(Api api)
    {
        using var client = ClientPeer.Create(out _);
        client.TLS.TLSMode = SmtpClientTlsMode.ExplicitTls;
        ClientPeer.TrustOnlyTestCa(client);
        client.TLS.Versions = TlsVersions.Tls12;
        client.TLS.Ciphersuites = "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256";
        string marker = Peers.NewMarker();
        ClientPeer.SetMessage(client, marker);

        await client.ConnectUsing(api, Peers.PostfixOpen);
        await client.SendMessageUsing(api);
        await client.DisconnectUsing(api);

        var info = client.ConnInfo;
        Assert.Equal("TLS1.2", info.Version);
        Assert.Equal("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", info.Ciphersuite);
        Assert.Equal("AES_128_GCM", info.EncryptionAlgorithm);
        Assert.Equal(128, info.SymmetricKeyBits);
        Assert.Equal(16, info.SymmetricBlockSize); // AES
        Assert.Equal("SHA256", info.DigestAlgorithm);
        Assert.Equal("ECDHE", info.KeyExchangeAlgorithm);
        Assert.True(info.KeyExchangeKeyBits >= 253, $"{info.KeyExchangeKeyBits} bits");
        Assert.Equal(client.ServerCerts[0].KeyBits, info.PublicKeyBits);
        Assert.Equal("RSA", client.ServerCerts[0].KeyAlgorithm);
        Assert.StartsWith("rsa_", info.SignatureAlgorithm);
        Assert.True(info.AEADCipher);
        Assert.True(info.PFSCipher);
        var received = PostfixReceivedHeader.From(await Peers.WaitForMaildirMessageAsync(marker));
        received.AssertMatches(new NegotiatedTls(info.Version, info.Ciphersuite, info.EncryptionAlgorithm, info.SymmetricKeyBits,
            info.KeyExchangeAlgorithm, info.KeyExchangeKeyBits));
        Assert.Contains("TLSv1.2", received.Header);
    }
}
