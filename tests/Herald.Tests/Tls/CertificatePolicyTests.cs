using System.Security.Cryptography.X509Certificates;
using Herald.Security.Tls;
using Xunit;

namespace Herald.Tests.Tls;

/// <summary>The certificate policy as a pure function of the facts validation observed.</summary>
public sealed class CertificatePolicyTests
{
    private static readonly DateTime Now = new(2025, 6, 1, 12, 0, 0, DateTimeKind.Utc);

    private static ChainElementFacts Element(string subject, X509ChainStatusFlags status = X509ChainStatusFlags.NoError,
        string? issuer = null, bool crl = false, bool ocsp = false, DateTime? notAfter = null, DateTime? notBefore = null) =>
        new(subject, issuer ?? subject, notBefore ?? Now.AddYears(-1), notAfter ?? Now.AddYears(1), status, "", crl, ocsp);

    private static CertificateFacts Facts(params ChainElementFacts[] elements) => new()
    {
        Elements = elements,
        HostName = new HostNameCheck(true, "mail.example.org", ["mail.example.org"]),
    };

    private static CertificateFacts GoodChain() => Facts(
        Element("CN=mail.example.org", issuer: "CN=CA"),
        Element("CN=CA"));

    [Fact]
    public void A_clean_chain_is_accepted_with_status_OK()
    {
        var verdict = CertificatePolicy.Decide(GoodChain(), 0, 0, 0, Now, Smtp.Terms);

        Assert.True(verdict.Accept);
        Assert.Equal("OK", verdict.Status);
        Assert.Empty(verdict.Problems);
        Assert.Empty(verdict.Ignored);
    }

    [Theory]
    [InlineData(X509ChainStatusFlags.NotTimeValid, 0, SecurityFlags.IgnoreTimeValidity,
        "certificate has expired (valid until 2025-05-01 00:00:00 UTC)")]
    [InlineData(X509ChainStatusFlags.NotTimeNested, 0, SecurityFlags.IgnoreNonNestedTimes,
        "certificate is valid outside its issuer's validity period")]
    [InlineData(X509ChainStatusFlags.NotValidForUsage, 0, SecurityFlags.IgnoreWrongUsage,
        "certificate is not valid for server authentication")]
    [InlineData(X509ChainStatusFlags.UntrustedRoot, 1, SecurityFlags.AllowUnknownCA, "certificate is not trusted: unknown CA 'CN=CA'")]
    [InlineData(X509ChainStatusFlags.PartialChain, 1, SecurityFlags.AllowUnknownCA,
        "certificate is not trusted: unknown CA 'CN=CA' (the chain could not be completed)")]
    [InlineData(X509ChainStatusFlags.CtlNotTimeValid, 0, SecurityFlags.IgnoreCtlTimeValidity, "the certificate trust list has expired")]
    public void Each_condition_is_reported_and_relaxed_only_by_its_own_flag(X509ChainStatusFlags status, int element, int flag, string text)
    {
        var elements = new[]
        {
            Element("CN=mail.example.org", issuer: "CN=CA", notAfter: new DateTime(2025, 5, 1, 0, 0, 0, DateTimeKind.Utc)),
            Element("CN=CA"),
        };
        elements[element] = elements[element] with { Status = status };
        var facts = Facts(elements);

        var strict = CertificatePolicy.Decide(facts, 0, 0, 0, Now, Smtp.Terms);
        var otherFlags = CertificatePolicy.Decide(facts, SecurityFlags.All & ~flag, 0, 0, Now, Smtp.Terms);
        var relaxed = CertificatePolicy.Decide(facts, flag, 0, 0, Now, Smtp.Terms);

        Assert.False(strict.Accept);
        Assert.StartsWith(text, strict.Status);
        Assert.Equal(flag, Assert.Single(strict.Problems).Flag);
        Assert.False(otherFlags.Accept);
        Assert.True(relaxed.Accept);
        Assert.StartsWith("OK (ignored by SSLSecurityFlags: " + text, relaxed.Status);
    }

    [Fact]
    public void A_certificate_that_is_not_yet_valid_says_so()
    {
        var facts = Facts(Element("CN=x", X509ChainStatusFlags.NotTimeValid, notBefore: Now.AddDays(3)));

        Assert.StartsWith("certificate is not yet valid (valid from ", CertificatePolicy.Decide(facts, 0, 0, 0, Now, Smtp.Terms).Status);
    }

    [Fact]
    public void An_expired_intermediate_is_named()
    {
        var facts = Facts(
            Element("CN=leaf", issuer: "CN=Intermediate"),
            Element("CN=Intermediate", X509ChainStatusFlags.NotTimeValid, issuer: "CN=Root", notAfter: Now.AddDays(-1)),
            Element("CN=Root"));

        Assert.StartsWith("issuer certificate 'CN=Intermediate' has expired", CertificatePolicy.Decide(facts, 0, 0, 0, Now, Smtp.Terms).Status);
    }

    [Fact]
    public void A_name_mismatch_lists_the_names_and_flag_0x80000000_relaxes_it()
    {
        var facts = GoodChain() with { HostName = new HostNameCheck(false, "example.org", ["localhost", "127.0.0.1"]) };

        var strict = CertificatePolicy.Decide(facts, 0, 0, 0, Now, Smtp.Terms);
        var relaxed = CertificatePolicy.Decide(facts, SecurityFlags.IgnoreNameMismatch, 0, 0, Now, Smtp.Terms);

        Assert.Equal("host name mismatch: certificate is for localhost, 127.0.0.1 but the server is 'example.org'", strict.Status);
        Assert.False(strict.Accept);
        Assert.True(relaxed.Accept);
    }

    [Fact]
    public void Revocation_and_bad_signatures_are_never_relaxed_by_flags()
    {
        var facts = Facts(
            Element("CN=leaf", X509ChainStatusFlags.Revoked, issuer: "CN=CA"),
            Element("CN=CA", X509ChainStatusFlags.NotSignatureValid));

        var verdict = CertificatePolicy.Decide(facts, SecurityFlags.All, 0, 0, Now, Smtp.Terms);

        Assert.False(verdict.Accept);
        Assert.Equal("certificate has been revoked; issuer certificate 'CN=CA' has an invalid signature", verdict.Status);
        Assert.StartsWith("No SSLSecurityFlags bit relaxes this", verdict.Hint(Smtp.Terms));
    }

    [Fact]
    public void Unhandled_platform_conditions_are_problems_no_flag_relaxes()
    {
        var facts = Facts(Element("CN=leaf", X509ChainStatusFlags.InvalidBasicConstraints));

        var verdict = CertificatePolicy.Decide(facts, SecurityFlags.All, 0, 0, Now, Smtp.Terms);

        Assert.False(verdict.Accept);
        Assert.Contains("InvalidBasicConstraints", verdict.Status);
    }

    [Fact]
    public void Several_problems_are_all_reported_and_the_hint_names_every_flag()
    {
        var facts = Facts(Element("CN=leaf", X509ChainStatusFlags.NotTimeValid | X509ChainStatusFlags.UntrustedRoot,
                notAfter: Now.AddDays(-1)))
            with { HostName = new HostNameCheck(false, "h", ["other"]) };

        var verdict = CertificatePolicy.Decide(facts, 0, 0, 0, Now, Smtp.Terms);

        Assert.Equal(3, verdict.Problems.Count);
        Assert.Contains("; ", verdict.Status);
        string hint = verdict.Hint(Smtp.Terms);
        Assert.Contains("0x80000011", hint);
        Assert.Contains("SSLServerCACerts", hint);
        Assert.Contains("SSLServerAuthentication", hint);
        Assert.Contains("SSLAcceptServerCert", hint);
        // Relaxing only two of the three is not enough.
        Assert.False(CertificatePolicy.Decide(facts, SecurityFlags.IgnoreTimeValidity | SecurityFlags.AllowUnknownCA, 0, 0, Now, Smtp.Terms).Accept);
    }

    [Fact]
    public void A_single_flag_hint_names_the_flag_once()
    {
        var facts = Facts(Element("CN=leaf", X509ChainStatusFlags.UntrustedRoot));

        Assert.Contains("set SSLSecurityFlags to include 0x00000010 (allow unknown CA)",
            CertificatePolicy.Decide(facts, 0, 0, 0, Now, Smtp.Terms).Hint(Smtp.Terms));
    }

    [Fact]
    public void Matching_SSLAcceptServerCert_accepts_whatever_is_wrong()
    {
        var facts = Facts(Element("CN=leaf", X509ChainStatusFlags.Revoked | X509ChainStatusFlags.UntrustedRoot)) with
        {
            MatchesAcceptedCertificate = true,
        };

        var verdict = CertificatePolicy.Decide(facts, 0, 0, 0, Now, Smtp.Terms);

        Assert.True(verdict.Accept);
        Assert.EndsWith("(accepted: the certificate equals SSLAcceptServerCert)", verdict.Status);
        Assert.Equal(2, verdict.Problems.Count);
    }

    [Theory]
    [InlineData(0, SecurityFlags.IgnoreUnknownRevocation)]
    [InlineData(1, SecurityFlags.IgnoreUnknownCARevocation)]
    [InlineData(2, SecurityFlags.IgnoreUnknownRootRevocation)]
    public void Unknown_revocation_of_a_checkable_certificate_fails_and_its_flag_depends_on_the_position(int position, int flag)
    {
        var elements = new[]
        {
            Element("CN=leaf", issuer: "CN=Intermediate", crl: true),
            Element("CN=Intermediate", issuer: "CN=Root", crl: true),
            Element("CN=Root", crl: true),
        };
        elements[position] = elements[position] with { Status = X509ChainStatusFlags.RevocationStatusUnknown };
        var facts = Facts(elements);

        var verdict = CertificatePolicy.Decide(facts, 0, 1, 0, Now, Smtp.Terms);

        Assert.False(verdict.Accept);
        Assert.Contains("could not be checked", verdict.Status);
        Assert.Equal(flag, Assert.Single(verdict.Problems).Flag);
        Assert.True(CertificatePolicy.Decide(facts, flag, 1, 0, Now, Smtp.Terms).Accept);
    }

    [Fact]
    public void At_level_1_a_certificate_without_a_CRL_pointer_is_not_an_error()
    {
        var facts = Facts(Element("CN=leaf", X509ChainStatusFlags.RevocationStatusUnknown | X509ChainStatusFlags.OfflineRevocation));

        Assert.True(CertificatePolicy.Decide(facts, 0, 1, 0, Now, Smtp.Terms).Accept);
        Assert.True(CertificatePolicy.Decide(facts, 0, 0, 1, Now, Smtp.Terms).Accept);
    }

    [Fact]
    public void At_level_2_a_missing_CRL_or_OCSP_pointer_fails()
    {
        var facts = Facts(Element("CN=leaf", crl: true, ocsp: false));

        var crlRequired = CertificatePolicy.Decide(facts, 0, 2, 0, Now, Smtp.Terms);
        var ocspRequired = CertificatePolicy.Decide(facts, 0, 0, 2, Now, Smtp.Terms);

        Assert.True(crlRequired.Accept);
        Assert.False(ocspRequired.Accept);
        Assert.Equal("certificate names no OCSP responder (SSLCheckOCSP=2 requires one)", ocspRequired.Status);
        Assert.True(CertificatePolicy.Decide(facts, SecurityFlags.IgnoreUnknownRevocation, 0, 2, Now, Smtp.Terms).Accept);
    }

    [Fact]
    public void A_signature_algorithm_problem_and_a_build_error_are_reported()
    {
        var facts = GoodChain() with
        {
            SignatureAlgorithmProblem = "the certificate's signature algorithm sha1RSA is not allowed",
            BuildError = "boom",
        };

        var verdict = CertificatePolicy.Decide(facts, SecurityFlags.All, 0, 0, Now, Smtp.Terms);

        Assert.False(verdict.Accept);
        Assert.Equal("the certificate chain could not be built: boom; the certificate's signature algorithm sha1RSA is not allowed",
            verdict.Status);
    }

    [Fact]
    public void SecurityFlags_format_as_eight_hex_digits()
    {
        Assert.Equal("0x80000000", SecurityFlags.Format(SecurityFlags.IgnoreNameMismatch));
        Assert.Equal("0x00000010", SecurityFlags.Format(SecurityFlags.AllowUnknownCA));
    }
}
