using System.Security.Cryptography.X509Certificates;
using Herald.Security.Tls;
using Xunit;

namespace Herald.Tests.Tls;

/// <summary>
/// Revocation answers from CRLs and OCSP responses given in advance: each counts only when the issuer (or its delegated
/// responder) signed it, it names the certificate's issuer, and it is current.
/// </summary>
public class KnownRevocationTests
{
    private static readonly TestPki s_pki = TestPki.Instance;
    private static readonly DateTime s_now = DateTime.UtcNow;

    [Fact]
    public void ACrlOfTheIssuerSaysGoodOrRevoked()
    {
        var good = KnownRevocation.CheckCrl(s_pki.Server, s_pki.Intermediate, [OcspResponses.Crl(s_pki.Intermediate, [])], s_now);
        Assert.Equal(RevocationStatus.Good, good.Status);

        var revoked = KnownRevocation.CheckCrl(s_pki.Server, s_pki.Intermediate,
            [OcspResponses.Crl(s_pki.Intermediate, [s_pki.RsaServer]), OcspResponses.Crl(s_pki.Intermediate, [s_pki.Server])], s_now);
        // The first CRL that fits answers: it does not list the server, so the second is not consulted.
        Assert.Equal(RevocationStatus.Good, revoked.Status);
        Assert.Equal(RevocationStatus.Revoked,
            KnownRevocation.CheckCrl(s_pki.Server, s_pki.Intermediate, [OcspResponses.Crl(s_pki.Intermediate, [s_pki.Server])],
                s_now).Status);
    }

    [Fact]
    public void ACrlOfAnotherIssuerAnImpostorOrAnOldOneDoesNotCount()
    {
        var other = KnownRevocation.CheckCrl(s_pki.Server, s_pki.Intermediate, [OcspResponses.Crl(s_pki.Root, [s_pki.Server])], s_now);
        Assert.Equal(RevocationStatus.NotCovered, other.Status);

        // Same name as the intermediate, another key: the signature does not verify.
        var impostor = TestPki.CreateCa(s_pki.Intermediate.Subject, s_pki.Root, DateTimeOffset.UtcNow.AddDays(-1),
            DateTimeOffset.UtcNow.AddDays(9));
        var forged = KnownRevocation.CheckCrl(s_pki.Server, s_pki.Intermediate, [OcspResponses.Crl(impostor, [s_pki.Server])], s_now);
        Assert.Equal(RevocationStatus.NotCovered, forged.Status);
        Assert.Contains("signature", forged.Detail);

        var stale = KnownRevocation.CheckCrl(s_pki.Server, s_pki.Intermediate,
            [OcspResponses.Crl(s_pki.Intermediate, [], DateTimeOffset.UtcNow.AddDays(-10), DateTimeOffset.UtcNow.AddDays(-3))], s_now);
        Assert.Equal(RevocationStatus.NotCovered, stale.Status);
        Assert.Contains("not current", stale.Detail);
    }

    [Theory]
    [InlineData(0, 1)] // good: good
    [InlineData(1, 2)] // revoked: revoked
    [InlineData(2, 0)] // unknown: no answer
    public void AnOcspResponseFromTheIssuerGivesTheStatus(int ocspStatus, int expectedAnswer)
    {
        var status = (OcspResponses.Status)ocspStatus;
        var expected = (RevocationStatus)expectedAnswer;
        var response = OcspResponses.Build(s_pki.Server, s_pki.Intermediate, s_pki.Intermediate, status,
            DateTimeOffset.UtcNow.AddMinutes(-10), DateTimeOffset.UtcNow.AddDays(1));
        Assert.Null(KnownRevocation.ValidateOcspResponse(response));
        Assert.Equal(expected, KnownRevocation.CheckOcsp(s_pki.Server, s_pki.Intermediate, [response], s_now).Status);
    }

    [Fact]
    public void ADelegatedResponderCountsOnlyWithTheOcspSigningPurpose()
    {
        var delegated = OcspResponses.Responder(s_pki.Intermediate);
        var response = OcspResponses.Build(s_pki.Server, s_pki.Intermediate, delegated, OcspResponses.Status.Revoked,
            DateTimeOffset.UtcNow.AddMinutes(-10), DateTimeOffset.UtcNow.AddDays(1));
        Assert.Equal(RevocationStatus.Revoked, KnownRevocation.CheckOcsp(s_pki.Server, s_pki.Intermediate, [response], s_now).Status);

        var notAResponder = OcspResponses.Responder(s_pki.Intermediate, ocspSigning: false);
        var refused = OcspResponses.Build(s_pki.Server, s_pki.Intermediate, notAResponder, OcspResponses.Status.Good,
            DateTimeOffset.UtcNow.AddMinutes(-10), DateTimeOffset.UtcNow.AddDays(1));
        var answer = KnownRevocation.CheckOcsp(s_pki.Server, s_pki.Intermediate, [refused], s_now);
        Assert.Equal(RevocationStatus.NotCovered, answer.Status);
        Assert.Contains("signed neither", answer.Detail);
    }

    [Fact]
    public void AnOcspResponseForAnotherCertificateOrOutOfDateDoesNotCount()
    {
        var forOther = OcspResponses.Build(s_pki.RsaServer, s_pki.Intermediate, s_pki.Intermediate, OcspResponses.Status.Good,
            DateTimeOffset.UtcNow.AddMinutes(-10), DateTimeOffset.UtcNow.AddDays(1));
        Assert.Equal(RevocationStatus.NotCovered, KnownRevocation.CheckOcsp(s_pki.Server, s_pki.Intermediate, [forOther], s_now).Status);

        var expired = OcspResponses.Build(s_pki.Server, s_pki.Intermediate, s_pki.Intermediate, OcspResponses.Status.Good,
            DateTimeOffset.UtcNow.AddDays(-5), DateTimeOffset.UtcNow.AddDays(-1));
        Assert.Equal(RevocationStatus.NotCovered, KnownRevocation.CheckOcsp(s_pki.Server, s_pki.Intermediate, [expired], s_now).Status);

        // Without nextUpdate a response is taken for a week.
        var noNext = OcspResponses.Build(s_pki.Server, s_pki.Intermediate, s_pki.Intermediate, OcspResponses.Status.Good,
            DateTimeOffset.UtcNow.AddDays(-2), null);
        Assert.Equal(RevocationStatus.Good, KnownRevocation.CheckOcsp(s_pki.Server, s_pki.Intermediate, [noNext], s_now).Status);
        var oldNoNext = OcspResponses.Build(s_pki.Server, s_pki.Intermediate, s_pki.Intermediate, OcspResponses.Status.Good,
            DateTimeOffset.UtcNow.AddDays(-8), null);
        Assert.Equal(RevocationStatus.NotCovered, KnownRevocation.CheckOcsp(s_pki.Server, s_pki.Intermediate, [oldNoNext], s_now).Status);
    }

    [Fact]
    public void GarbageIsNeitherACrlNorAnOcspResponse()
    {
        Assert.NotNull(KnownRevocation.ValidateCrl([1, 2, 3]));
        Assert.NotNull(KnownRevocation.ValidateOcspResponse(s_pki.Server.RawData));
        Assert.Null(KnownRevocation.ValidateCrl(OcspResponses.Crl(s_pki.Root, [])));
        Assert.Equal(RevocationStatus.NotCovered, KnownRevocation.CheckCrl(s_pki.Server, s_pki.Intermediate, [[0x30, 0x00]], s_now).Status);
    }

    [Fact]
    public void ValidationUsesKnownCrlsWithoutTheNetworkAndRefusesARevokedCertificate()
    {
        var chainHelpers = new X509Certificate2Collection { s_pki.Intermediate };
        var settings = new TlsOptions
        {
            TrustedCAs = [s_pki.Root],
            CABundleFiles = [],
            UseSystemTrust = false,
            CheckCrl = RevocationCheck.Required,
            KnownCrls = [OcspResponses.Crl(s_pki.Intermediate, [s_pki.Server]), OcspResponses.Crl(s_pki.Root, [])],
        };
        using var revoked = ServerCertificateValidator.Validate(s_pki.Server, chainHelpers, "localhost", settings,
            System.Security.Authentication.SslProtocols.Tls13, s_now);
        Assert.False(revoked.Verdict.Accept);
        Assert.Contains("revoked", revoked.Verdict.Status);
        Assert.Contains(revoked.Verdict.Problems, p => p.Kind == CertificateProblemKind.Revoked);
        Assert.Contains("CRL: revoked according to the known CRL", revoked.Log);

        using var good = ServerCertificateValidator.Validate(s_pki.RsaServer, chainHelpers, "localhost", settings,
            System.Security.Authentication.SslProtocols.Tls13, s_now);
        Assert.True(good.Verdict.Accept, good.Verdict.Status);
        Assert.True(good.Facts.Elements[0].CheckedByKnownCrl);
        Assert.True(good.Facts.Elements[1].CheckedByKnownCrl);
        Assert.DoesNotContain("checking online", good.Log);
    }

    [Fact]
    public void AChainWithABlockedCertificateIsRefusedAndNamesIt()
    {
        var settings = new TlsOptions
        {
            TrustedCAs = [s_pki.Root],
            CABundleFiles = [],
            BlockedCertificates = [X509CertificateLoader.LoadCertificate(s_pki.Intermediate.RawData)],
        };
        using var result = ServerCertificateValidator.Validate(s_pki.Server, [s_pki.Intermediate], "localhost", settings,
            System.Security.Authentication.SslProtocols.Tls13, s_now);
        Assert.False(result.Verdict.Accept);
        Assert.True(result.Verdict.Blocked);
        Assert.Equal(s_pki.Intermediate.Subject, result.Facts.BlockedSubject);
        Assert.Contains("the blocked certificates, which nothing overrides", result.Verdict.Hint(settings.Terms));
    }
}
