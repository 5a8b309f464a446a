using System.Security.Cryptography.X509Certificates;
using Herald.Security.Tls;
using Herald.Tests.Tls;
using Xunit;

namespace Herald.Tests.Facade.SmtpClientFacade;

/// <summary>How SmtpClient's TLS settings become the engine's TLS options (the words in messages are its own).</summary>
public class ClientTlsOptionsTests
{
    [Theory]
    [InlineData(RevocationCheckKind.None, 0, 0, false)]
    [InlineData(RevocationCheckKind.Auto, 1, 1, true)]
    [InlineData(RevocationCheckKind.AllCRL, 2, 0, false)]
    [InlineData(RevocationCheckKind.AllOCSP, 0, 2, false)]
    [InlineData(RevocationCheckKind.AllCRLAndOCSP, 2, 2, false)]
    [InlineData(RevocationCheckKind.AnyCRL, 1, 0, false)]
    [InlineData(RevocationCheckKind.AnyOCSP, 0, 1, false)]
    [InlineData(RevocationCheckKind.AnyCRLOrOCSP, 1, 1, false)]
    [InlineData(RevocationCheckKind.AnyOCSPOrCRL, 1, 1, false)]
    public void RevocationCheckChoosesTheChecksAndAutoToleratesAnUnknownStatus(RevocationCheckKind kind, int crl, int ocsp,
        bool tolerant)
    {
        using var client = new SmtpClient();
        client.TLS.RevocationCheck = kind;
        var options = client.CurrentTlsOptions();
        // 0 off, 1 when the certificate names a CRL or responder, 2 required.
        Assert.Equal((crl, ocsp), ((int)options.CheckCrl, (int)options.CheckOcsp));
        Assert.Equal(tolerant, (options.RelaxedChecks & SecurityFlags.IgnoreUnknownRevocation) != 0);
    }

    [Fact]
    public void TheCertificateListsGoWhereTheyBelong()
    {
        var pki = TestPki.Instance;
        using var client = new SmtpClient();
        client.TrustedCerts.Add(pki.Root);
        client.KnownCerts.Add(pki.Intermediate);
        client.BlockedCerts.Add(pki.Expired);
        client.ClientCerts.Add(X509CertificateLoader.LoadCertificate(pki.Root.RawData)); // no key: the chain part
        client.ClientCerts.Add(pki.Client);
        client.KnownCRLs.Add(OcspResponses.Crl(pki.Root, []));
        client.KnownOCSPs.Add(OcspResponses.Build(pki.Server, pki.Intermediate, pki.Intermediate, OcspResponses.Status.Good,
            DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1)));

        var options = client.CurrentTlsOptions();

        Assert.Equal(pki.Root.Thumbprint, Assert.Single(options.TrustedCAs).Thumbprint);
        Assert.Equal(pki.Intermediate.Thumbprint, Assert.Single(options.ExtraIntermediates).Thumbprint);
        Assert.Equal(pki.Expired.Thumbprint, Assert.Single(options.BlockedCertificates).Thumbprint);
        Assert.Equal(pki.Client.Thumbprint, options.ClientCertificate!.Thumbprint); // the first with a key is presented
        Assert.Equal(pki.Root.Thumbprint, Assert.Single(options.ClientChain).Thumbprint);
        Assert.Single(options.KnownCrls);
        Assert.Single(options.KnownOcspResponses);
        Assert.Empty(options.CABundleFiles);
        Assert.True(options.UseSystemTrust);
        Assert.False(options.HandlerDecides);
        Assert.Equal("TrustedCerts", options.Terms.TrustedCAs);
    }

    [Theory]
    [InlineData("UseSystemCertificates=False", false)]
    [InlineData("IgnoreSystemTrust=True", false)]
    [InlineData("UseSystemCertificates=True", true)]
    public void TheSystemStoreAnchorsTrustUnlessSwitchedOff(string setting, bool systemTrust)
    {
        using var client = new SmtpClient();
        client.Config(setting);
        Assert.Equal(systemTrust, client.CurrentTlsOptions().UseSystemTrust);
    }

    [Fact]
    public void WithoutSystemTrustOnlyTheTrustedCertsAnchorTheChain()
    {
        var pki = TestPki.Instance;
        var options = new TlsOptions { UseSystemTrust = false, TrustedCAs = [pki.Root], CABundleFiles = [] };
        using var validation = ServerCertificateValidator.Validate(pki.Server, [pki.Intermediate], "localhost", options,
            System.Security.Authentication.SslProtocols.Tls13, DateTime.UtcNow);
        Assert.Equal(X509ChainTrustMode.CustomRootTrust, validation.Chain.ChainPolicy.TrustMode);
        Assert.True(validation.Verdict.Accept, validation.Verdict.Status);
        Assert.Equal("the trusted CA certificates/the CA bundle files", validation.TrustSource);

        using var none = ServerCertificateValidator.Validate(pki.Server, [pki.Intermediate], "localhost",
            options with { TrustedCAs = [] }, System.Security.Authentication.SslProtocols.Tls13, DateTime.UtcNow);
        Assert.False(none.Verdict.Accept);
        Assert.Contains(none.Verdict.Problems, p => p.Kind == CertificateProblemKind.UnknownCA);
    }

    [Fact]
    public void TheOtherTlsSettingsMapOneToOne()
    {
        using var client = new SmtpClient();
        client.TLS.AutoValidateCertificates = false;
        client.TLS.UseSessionResumption = true;
        client.TLS.RenegotiationAttackPreventionMode = RenegotiationAttackPreventionMode.Strict;
        client.TLS.ECCurves = "x25519,secp384r1";
        client.TLS.Versions = TlsVersions.Tls13;
        client.TLS.Ciphersuites = "TLS_AES_256_GCM_SHA384";
        client.Config("TolerateMinorChainIssues=True");

        var options = client.CurrentTlsOptions();

        Assert.True(options.HandlerDecides);
        Assert.True(options.AllowResume);
        Assert.False(options.AllowRenegotiation);
        Assert.Equal(["x25519", "secp384r1"], options.AllowedGroups);
        Assert.Equal(System.Security.Authentication.SslProtocols.Tls13, options.Protocols);
        Assert.Equal([System.Net.Security.TlsCipherSuite.TLS_AES_256_GCM_SHA384], options.CipherSuites);
        Assert.NotEqual(0, options.RelaxedChecks & SecurityFlags.IgnoreNonNestedTimes);
        Assert.Equal(0, options.RelaxedChecks & SecurityFlags.IgnoreNameMismatch);
        Assert.Equal(0, options.RelaxedChecks & SecurityFlags.AllowUnknownCA);
    }

    [Fact]
    public void AClientCertificateWithoutAKeyFailsWith272()
    {
        using var client = new SmtpClient();
        client.ClientCerts.Add(X509CertificateLoader.LoadCertificate(TestPki.Instance.Client.RawData));
        var e = Assert.Throws<SmtpException>(() => client.CurrentTlsOptions());
        Assert.Equal(SmtpErrorCodes.CertNotFound, e.Code);
        Assert.Contains("none with its private key", e.Message);
    }
}
