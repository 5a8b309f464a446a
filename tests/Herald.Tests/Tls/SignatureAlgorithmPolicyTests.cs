using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Herald.Security;
using Herald.Security.Tls;
using Xunit;

namespace Herald.Tests.Tls;

public sealed class SignatureAlgorithmPolicyTests
{
    private static X509Certificate2 RsaSigned(HashAlgorithmName hash, RSASignaturePadding padding)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=rsa", key, hash, padding);
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
    }

    private static X509Certificate2 Sha1Signed()
    {
        // .NET refuses to issue SHA-1 signatures itself, so a generator supplies one.
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=sha1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return request.Create(request.SubjectName, new Sha1RsaGenerator(key), DateTimeOffset.UtcNow.AddDays(-1),
            DateTimeOffset.UtcNow.AddDays(1), [1, 2, 3]);
    }

    private sealed class Sha1RsaGenerator(RSA key) : X509SignatureGenerator
    {
        public override byte[] GetSignatureAlgorithmIdentifier(HashAlgorithmName hashAlgorithm) =>
            // AlgorithmIdentifier { sha1WithRSAEncryption (1.2.840.113549.1.1.5), NULL }
            [0x30, 0x0D, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x05, 0x05, 0x00];

        public override byte[] SignData(byte[] data, HashAlgorithmName hashAlgorithm) =>
            key.SignData(data, HashAlgorithmName.SHA1, RSASignaturePadding.Pkcs1);

        protected override PublicKey BuildPublicKey() => PublicKey.CreateFromSubjectPublicKeyInfo(key.ExportSubjectPublicKeyInfo(), out _);
    }

    [Fact]
    public void The_defaults_allow_the_usual_signatures_under_both_versions()
    {
        var settings = new SmtpTlsSettings();
        using var rsa = RsaSigned(HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var pss = RsaSigned(HashAlgorithmName.SHA384, RSASignaturePadding.Pss);

        Assert.Null(SignatureAlgorithmPolicy.Check(rsa, SslProtocols.Tls12, settings.ToOptions(Smtp.Terms)));
        Assert.Null(SignatureAlgorithmPolicy.Check(rsa, SslProtocols.Tls13, settings.ToOptions(Smtp.Terms)));
        Assert.Null(SignatureAlgorithmPolicy.Check(pss, SslProtocols.Tls12, settings.ToOptions(Smtp.Terms)));
        Assert.Null(SignatureAlgorithmPolicy.Check(pss, SslProtocols.Tls13, settings.ToOptions(Smtp.Terms)));
        Assert.Null(SignatureAlgorithmPolicy.Check(TestPki.Instance.Server, SslProtocols.Tls13, settings.ToOptions(Smtp.Terms)));
    }

    [Fact]
    public void A_SHA1_signature_is_outside_the_TLS13_defaults_but_inside_the_TLS12_ones()
    {
        var settings = new SmtpTlsSettings();
        using var sha1 = Sha1Signed();

        Assert.Null(SignatureAlgorithmPolicy.Check(sha1, SslProtocols.Tls12, settings.ToOptions(Smtp.Terms)));
        Assert.Equal("the certificate's signature algorithm sha1RSA is not allowed by TLS13SignatureAlgorithms",
            SignatureAlgorithmPolicy.Check(sha1, SslProtocols.Tls13, settings.ToOptions(Smtp.Terms)));
    }

    [Fact]
    public void A_narrowed_list_rejects_other_signatures_and_an_empty_list_checks_nothing()
    {
        using var rsa = RsaSigned(HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var ecdsaOnly = new SmtpTlsSettings { Tls12SignatureAlgorithms = "sha256-ecdsa", Tls13SignatureAlgorithms = "ecdsa_secp256r1_sha256" };
        var empty = new SmtpTlsSettings { Tls12SignatureAlgorithms = "", Tls13SignatureAlgorithms = "" };

        Assert.Contains("not allowed by TLS12SignatureAlgorithms", SignatureAlgorithmPolicy.Check(rsa, SslProtocols.Tls12, ecdsaOnly.ToOptions(Smtp.Terms)));
        Assert.Contains("not allowed by TLS13SignatureAlgorithms", SignatureAlgorithmPolicy.Check(rsa, SslProtocols.Tls13, ecdsaOnly.ToOptions(Smtp.Terms)));
        Assert.Null(SignatureAlgorithmPolicy.Check(TestPki.Instance.Server, SslProtocols.Tls12, ecdsaOnly.ToOptions(Smtp.Terms)));
        Assert.Null(SignatureAlgorithmPolicy.Check(rsa, SslProtocols.Tls13, empty.ToOptions(Smtp.Terms)));
    }
}
