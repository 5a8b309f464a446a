using System.Net.Security;
using System.Security.Authentication;
using Herald.Security;
using Herald.Security.Tls;
using Xunit;

namespace Herald.Tests.Tls;

/// <summary>Settings are checked and translated before anything goes on the wire.</summary>
public sealed class TlsPlanTests
{
    [Theory]
    [InlineData(0x3000, SslProtocols.Tls13)]
    [InlineData(0x1000, SslProtocols.Tls13)]
    [InlineData(0x0C00, SslProtocols.Tls12)]
    [InlineData(0x3C00, SslProtocols.Tls12 | SslProtocols.Tls13)]
#pragma warning disable SYSLIB0039 // the obsolete versions are what the value asks for
    [InlineData(4032, SslProtocols.Tls | SslProtocols.Tls11 | SslProtocols.Tls12)]
#pragma warning restore SYSLIB0039
    public void SSLEnabledProtocols_bits_map_to_versions(int bits, SslProtocols expected)
    {
        Assert.Equal(expected, SmtpTlsSettings.MapProtocols(bits));
    }

    [Theory]
    [InlineData(0x30)]
    [InlineData(0x0C)]
    [InlineData(0x3C30)]
    public void SSL2_and_SSL3_are_not_supported(int bits)
    {
        var error = Assert.Throws<SmtpException>(() => SmtpTlsSettings.MapProtocols(bits));

        Assert.Equal(SmtpErrorCodes.NotSupported, error.Code);
        Assert.Contains("SSL 2.0 or SSL 3.0", error.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(0x1)]
    [InlineData(0x10000)]
    public void Unknown_or_empty_protocol_masks_are_invalid(int bits)
    {
        Assert.Equal(SmtpErrorCodes.InvalidArgument, Assert.Throws<SmtpException>(() => SmtpTlsSettings.MapProtocols(bits)).Code);
    }

    [Theory]
    [InlineData("*")]
    [InlineData("")]
    [InlineData("  *  ")]
    public void Star_means_the_platform_defaults(string value)
    {
        var settings = new SmtpTlsSettings { EnabledCipherSuites = value };

        Assert.Null(TlsPlan.SelectCipherSuites(settings.ToOptions(Smtp.Terms), SslProtocols.Tls12 | SslProtocols.Tls13));
    }

    [Fact]
    public void Suites_are_IANA_names_separated_by_commas_semicolons_or_blanks()
    {
        var settings = new SmtpTlsSettings
        {
            EnabledCipherSuites = "TLS_AES_128_GCM_SHA256,tls_ecdhe_rsa_with_aes_256_gcm_sha384; TLS_CHACHA20_POLY1305_SHA256",
        };

        Assert.Equal(
            [
                TlsCipherSuite.TLS_AES_128_GCM_SHA256,
                TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
                TlsCipherSuite.TLS_CHACHA20_POLY1305_SHA256,
            ],
            TlsPlan.SelectCipherSuites(settings.ToOptions(Smtp.Terms), SslProtocols.Tls12 | SslProtocols.Tls13));
    }

    [Theory]
    [InlineData("TLS_NOT_A_SUITE", "is not an IANA cipher suite name")]
    [InlineData("ECDHE-RSA-AES256-GCM-SHA384", "OpenSSL-style names")]
    [InlineData("4865", "is not an IANA cipher suite name")]
    [InlineData("CALG_AES_256", "Windows SChannel algorithm id")]
    [InlineData("*;TLS_AES_128_GCM_SHA256", "cannot be combined")]
    public void Unknown_suite_names_are_invalid_arguments(string value, string message)
    {
        var settings = new SmtpTlsSettings { EnabledCipherSuites = value };

        var error = Assert.Throws<SmtpException>(() => TlsPlan.SelectCipherSuites(settings.ToOptions(Smtp.Terms), SslProtocols.Tls12 | SslProtocols.Tls13));

        Assert.Equal(SmtpErrorCodes.InvalidArgument, error.Code);
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void Suites_that_fit_no_enabled_version_are_refused()
    {
        var only13 = new SmtpTlsSettings { EnabledCipherSuites = "TLS_AES_128_GCM_SHA256" };
        var only12 = new SmtpTlsSettings { EnabledCipherSuites = "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" };

        Assert.Throws<SmtpException>(() => TlsPlan.SelectCipherSuites(only13.ToOptions(Smtp.Terms), SslProtocols.Tls12));
        Assert.Throws<SmtpException>(() => TlsPlan.SelectCipherSuites(only12.ToOptions(Smtp.Terms), SslProtocols.Tls13));
        Assert.NotNull(TlsPlan.SelectCipherSuites(only12.ToOptions(Smtp.Terms), SslProtocols.Tls12 | SslProtocols.Tls13));
    }

    [Fact]
    public void SSLCipherStrength_keeps_only_strong_enough_suites()
    {
        var settings = new SmtpTlsSettings { CipherStrength = 256 };

        var suites = TlsPlan.SelectCipherSuites(settings.ToOptions(Smtp.Terms), SslProtocols.Tls12 | SslProtocols.Tls13)!;

        Assert.NotEmpty(suites);
        Assert.All(suites, s => Assert.True(CipherSuiteInfo.From(s).CipherStrength >= 256, s.ToString()));
        Assert.Contains(TlsCipherSuite.TLS_AES_256_GCM_SHA384, suites);
        Assert.DoesNotContain(suites,
            s => s.ToString().Contains("_anon_", StringComparison.Ordinal) || s.ToString().Contains("NULL", StringComparison.Ordinal));
        Assert.True(CipherSuiteInfo.From(suites[0]).IsTls13, "TLS 1.3 suites come first");
    }

    [Fact]
    public void SSLCipherStrength_filters_an_explicit_list_and_fails_when_nothing_is_left()
    {
        var settings = new SmtpTlsSettings { EnabledCipherSuites = "TLS_AES_128_GCM_SHA256;TLS_AES_256_GCM_SHA384", CipherStrength = 256 };
        Assert.Equal([TlsCipherSuite.TLS_AES_256_GCM_SHA384], TlsPlan.SelectCipherSuites(settings.ToOptions(Smtp.Terms), SslProtocols.Tls13));

        settings.CipherStrength = 512;
        var error = Assert.Throws<SmtpException>(() => TlsPlan.SelectCipherSuites(settings.ToOptions(Smtp.Terms), SslProtocols.Tls13));
        Assert.Contains("the strongest is 256 bits", error.Message);
    }

    [Fact]
    public void Other_invalid_settings_fail_before_the_handshake()
    {
        static int Code(SmtpTlsSettings settings) => Assert.Throws<SmtpException>(() => TlsPlan.Create(settings.ToOptions(Smtp.Terms))).Code;

        Assert.Equal(SmtpErrorCodes.InvalidArgument, Code(new SmtpTlsSettings { SecurityFlags = 0x40 }));
        Assert.Equal(SmtpErrorCodes.InvalidArgument, Code(new SmtpTlsSettings { CheckCrl = 3 }));
        Assert.Equal(SmtpErrorCodes.InvalidArgument, Code(new SmtpTlsSettings { Provider = (SmtpSSLProviders)7 }));
        var badPem = Assert.Throws<SmtpException>(() => TlsPlan.Create(new SmtpTlsSettings { ServerCACerts = "not a certificate" }.ToOptions(Smtp.Terms)));
        Assert.Equal(SmtpErrorCodes.InvalidArgument, badPem.Code);
        Assert.Contains("SSLServerCACerts", badPem.Message);
        var badGroup = Assert.Throws<SmtpException>(() => TlsPlan.Create(new SmtpTlsSettings { Tls13SupportedGroups = "ecdhe_x25519,kyber" }.ToOptions(Smtp.Terms)));
        Assert.Contains("TLS13SupportedGroups names 'kyber'", badGroup.Message);
        var badSig = Assert.Throws<SmtpException>(() =>
            TlsPlan.Create(new SmtpTlsSettings { Tls12SignatureAlgorithms = "sha256-rsa,md5-rsa" }.ToOptions(Smtp.Terms)));
        Assert.Contains("TLS12SignatureAlgorithms names 'md5-rsa'", badSig.Message);
    }

    [Fact]
    public void The_defaults_produce_no_notes_and_TLS12_plus_TLS13()
    {
        var plan = TlsPlan.Create(new SmtpTlsSettings().ToOptions(Smtp.Terms));

        Assert.Equal(SslProtocols.Tls12 | SslProtocols.Tls13, plan.Protocols);
        Assert.Null(plan.CipherSuites);
        Assert.Empty(plan.Notes);
        Assert.Null(plan.ClientCertificate);
    }

    [Fact]
    public void Settings_that_cannot_be_applied_are_reported()
    {
        var plan = TlsPlan.Create(new SmtpTlsSettings
        {
            Provider = SmtpSSLProviders.sslpInternal,
            Tls12SupportedGroups = "ecdhe_secp384r1",
            Tls13SignatureAlgorithms = "ed25519",
            EnableRenegotiation = false,
            LogPackets = true,
        }.ToOptions(Smtp.Terms));

        Assert.Equal(5, plan.Notes.Count);
        Assert.Contains(plan.Notes, n => n.StartsWith("TLS12SupportedGroups is not applied", StringComparison.Ordinal));
        Assert.Contains(plan.Notes, n => n.StartsWith(
            "TLS12SignatureAlgorithms/TLS13SignatureAlgorithms are applied to the server certificate", StringComparison.Ordinal));
        Assert.Contains(plan.Notes, n => n.StartsWith("SSLEnableRenegotiation=False", StringComparison.Ordinal));
        Assert.Contains(plan.Notes, n => n.StartsWith("LogSSLPackets has no effect", StringComparison.Ordinal));
    }

    [Fact]
    public void A_client_certificate_without_its_private_key_is_refused()
    {
        var settings = new SmtpTlsSettings { ClientCertificate = new Certificate(TestPki.Instance.Client.RawData) };

        var error = Assert.Throws<SmtpException>(() => TlsPlan.Create(settings.ToOptions(Smtp.Terms)));

        Assert.Equal(SmtpErrorCodes.CertNotFound, error.Code);
        Assert.Contains("has no private key", error.Message);
    }

    [Fact]
    public void A_client_certificate_brings_its_store_chain_and_SSLCACerts()
    {
        var pki = TestPki.Instance;
        var settings = new SmtpTlsSettings
        {
            ClientCertificate = new Certificate(CertStoreTypes.cstPFXBlob, TestPki.Pfx(pki.Client, "pw", pki.Root), "pw", "*"),
            CACerts = pki.Intermediate.ExportCertificatePem(),
        };

        var plan = TlsPlan.Create(settings.ToOptions(Smtp.Terms));

        Assert.True(plan.ClientCertificate!.HasPrivateKey);
        Assert.Equal([pki.Root.Thumbprint, pki.Intermediate.Thumbprint], plan.ClientChain.Select(c => c.Thumbprint));
    }

    [Theory]
    [InlineData(SslProtocols.Tls13, "TLS1.3")]
    [InlineData(SslProtocols.Tls12, "TLS1.2")]
#pragma warning disable SYSLIB0039
    [InlineData(SslProtocols.Tls11, "TLS1.1")]
    [InlineData(SslProtocols.Tls, "TLS1")]
#pragma warning restore SYSLIB0039
    public void Versions_are_named_as_SSLEnabledProtocols_names_them(SslProtocols protocol, string name)
    {
        Assert.Equal(name, TlsPlan.VersionName(protocol));
    }

    [Fact]
    public void VersionsWithoutAnAllowedSuiteAreNotOffered()
    {
        var only12 = TlsPlan.Create(new SmtpTlsSettings { EnabledCipherSuites = "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" }.ToOptions(Smtp.Terms));
        Assert.Equal(SslProtocols.Tls12, only12.Protocols);
        Assert.Contains(only12.Notes, n => n.Contains("no TLS 1.3 suite", StringComparison.Ordinal));

        var only13 = TlsPlan.Create(new SmtpTlsSettings { EnabledCipherSuites = "TLS_AES_256_GCM_SHA384" }.ToOptions(Smtp.Terms));
        Assert.Equal(SslProtocols.Tls13, only13.Protocols);

        var both = TlsPlan.Create(new SmtpTlsSettings { EnabledCipherSuites = "TLS_AES_256_GCM_SHA384;TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" }.ToOptions(Smtp.Terms));
        Assert.Equal(SslProtocols.Tls12 | SslProtocols.Tls13, both.Protocols);
    }
}
