using System.Net;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Herald.Security;
using Herald.Security.Tls;
using Xunit;

namespace Herald.Tests.Tls;

/// <summary>Chain building and trust with generated certificates (no network).</summary>
public sealed class ServerCertificateValidatorTests
{
    private static TestPki Pki => TestPki.Instance;

    private static ServerCertificateValidation Validate(X509Certificate2 leaf, SmtpTlsSettings settings, string host = "localhost",
        params X509Certificate2[] presented) =>
        ServerCertificateValidator.Validate(leaf, new X509Certificate2Collection(presented), host, settings.ToOptions(Smtp.Terms),
            SslProtocols.Tls13, DateTime.UtcNow);

    private static SmtpTlsSettings Trusting(params X509Certificate2[] cas) => new()
    {
        ServerCACerts = string.Concat(cas.Select(c => c.ExportCertificatePem() + "\r\n")),
        CACertFilePaths = "",
    };

    [Fact]
    public void A_chain_to_a_root_in_SSLServerCACerts_is_trusted_and_reported_leaf_first()
    {
        using var result = Validate(Pki.Server, Trusting(Pki.Root), presented: Pki.Intermediate);

        Assert.True(result.Verdict.Accept);
        Assert.Equal("OK", result.Verdict.Status);
        Assert.Equal("SSLServerCACerts/CACertFilePaths", result.TrustSource);
        Assert.Equal([Pki.Server.Subject, Pki.Intermediate.Subject, Pki.Root.Subject], result.ChainCertificates().Select(c => c.Subject));
    }

    [Fact]
    public void An_intermediate_missing_from_the_server_can_come_from_SSLServerCACerts()
    {
        using var result = Validate(Pki.Server, Trusting(Pki.Root, Pki.Intermediate));

        Assert.Equal("OK", result.Verdict.Status);
    }

    [Fact]
    public void An_intermediate_alone_is_not_a_trust_anchor()
    {
        // As with OpenSSL's own default, trust must end at a self-signed root; listing the root (as the documented
        // example of SSLServerCACerts does) is what makes the chain trusted.
        using var result = Validate(Pki.Server, Trusting(Pki.Intermediate));

        Assert.False(result.Verdict.Accept);
        Assert.Contains($"unknown CA '{Pki.Root.Subject}'", result.Verdict.Status);
    }

    [Fact]
    public void A_root_the_server_sends_is_still_an_unknown_CA()
    {
        using var result = Validate(Pki.Server, Trusting(), presented: [Pki.Intermediate, Pki.Root]);

        Assert.False(result.Verdict.Accept);
        Assert.Equal($"certificate is not trusted: unknown CA '{Pki.Root.Subject}'", result.Verdict.Status);
        Assert.Equal("", result.TrustSource);
    }

    [Fact]
    public void An_unrelated_CA_in_SSLServerCACerts_trusts_nothing_else()
    {
        using var result = Validate(Pki.Server, Trusting(Pki.OtherRoot), presented: Pki.Intermediate);

        Assert.False(result.Verdict.Accept);
        Assert.Contains("unknown CA", result.Verdict.Status);
    }

    [Fact]
    public void Trusting_the_CA_does_not_relax_the_other_checks()
    {
        var settings = Trusting(Pki.Root);

        using var expired = Validate(Pki.Expired, settings, presented: Pki.Intermediate);
        using var wrongUsage = Validate(Pki.WrongUsage, settings, presented: Pki.Intermediate);
        using var wrongName = Validate(Pki.WrongName, settings, presented: Pki.Intermediate);

        Assert.StartsWith("certificate has expired", expired.Verdict.Status);
        Assert.DoesNotContain("unknown CA", expired.Verdict.Status);
        Assert.StartsWith("certificate is not valid for server authentication", wrongUsage.Verdict.Status);
        Assert.StartsWith("host name mismatch", wrongName.Verdict.Status);
        Assert.All(new[] { expired, wrongUsage, wrongName }, r => Assert.False(r.Verdict.Accept));
    }

    [Fact]
    public void The_first_existing_CA_bundle_is_trusted()
    {
        using var dir = new TempDir();
        string bundle = dir.Write("bundle.pem", Pki.OtherRoot.ExportCertificatePem() + "\n" + Pki.Root.ExportCertificatePem());
        string other = dir.Write("other.pem", Pki.OtherRoot.ExportCertificatePem());
        var settings = new SmtpTlsSettings { CACertFilePaths = $"{dir.File("missing.pem")};{bundle};{other}" };

        using var trusted = Validate(Pki.Server, settings, presented: Pki.Intermediate);
        // The cached bundle serves a second validation just as well (its certificates outlive the first chain).
        using var again = Validate(Pki.Server, settings, presented: Pki.Intermediate);
        Assert.Equal("OK", again.Verdict.Status);
        settings.CACertFilePaths = $"{other};{bundle}";
        using var firstWins = Validate(Pki.Server, settings, presented: Pki.Intermediate);

        Assert.Equal("OK", trusted.Verdict.Status);
        Assert.False(firstWins.Verdict.Accept);
    }

    [Fact]
    public void The_certificate_must_equal_SSLAcceptServerCert_byte_for_byte()
    {
        var settings = Trusting();
        settings.AcceptServerCertificate = new Certificate(Pki.UnknownCa.RawData);

        using var matching = Validate(Pki.UnknownCa, settings);
        using var other = Validate(Pki.Server, settings, presented: Pki.Intermediate);

        Assert.True(matching.Facts.MatchesAcceptedCertificate);
        Assert.True(matching.Verdict.Accept);
        Assert.False(other.Facts.MatchesAcceptedCertificate);
        Assert.False(other.Verdict.Accept);
    }

    [Fact]
    public void An_unreachable_CRL_is_unknown_revocation_which_flag_0x100_relaxes()
    {
        var now = DateTimeOffset.UtcNow;
        // Port 9 (discard) on the loopback: the fetch fails at once.
        using var leaf = TestPki.CreateLeaf("CN=localhost, O=Herald CRL", Pki.Intermediate, now.AddDays(-1), now.AddDays(30),
            ["localhost"], [IPAddress.Loopback], [TestPki.ServerAuth], crlUrl: "http://127.0.0.1:9/herald-test.crl");
        var settings = Trusting(Pki.Root);
        settings.CheckCrl = 1;

        using var strict = Validate(leaf, settings, presented: Pki.Intermediate);
        settings.SecurityFlags = SecurityFlags.IgnoreUnknownRevocation;
        using var relaxed = Validate(leaf, settings, presented: Pki.Intermediate);
        settings.SecurityFlags = 0;
        settings.CheckCrl = 0;
        using var unchecked_ = Validate(leaf, settings, presented: Pki.Intermediate);

        Assert.False(strict.Verdict.Accept);
        Assert.StartsWith("the revocation status of certificate could not be checked", strict.Verdict.Status);
        Assert.True(relaxed.Verdict.Accept);
        Assert.Equal("OK", unchecked_.Verdict.Status);
    }

    [Fact]
    public void SSLCheckCRL_1_accepts_a_certificate_that_names_no_CRL_and_2_does_not()
    {
        var settings = Trusting(Pki.Root);
        settings.CheckCrl = 1;
        using var level1 = Validate(Pki.Server, settings, presented: Pki.Intermediate);
        settings.CheckCrl = 2;
        using var level2 = Validate(Pki.Server, settings, presented: Pki.Intermediate);

        Assert.Equal("OK", level1.Verdict.Status);
        Assert.Equal("certificate names no CRL distribution point (SSLCheckCRL=2 requires one)", level2.Verdict.Status);
    }
}
