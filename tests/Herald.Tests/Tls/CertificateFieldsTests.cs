using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Xunit;

namespace Herald.Tests.Tls;

/// <summary>The read-only fields of <see cref="Certificate"/>, computed from the X.509 data.</summary>
public sealed class CertificateFieldsTests
{
    private static readonly RSA s_key = RSA.Create(2048);

    private static X509Certificate2 Described()
    {
        var request = new CertificateRequest("CN=Test Subject, O=\"Acme, Inc\", C=US", s_key, HashAlgorithmName.SHA256,
            RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(
            new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            new OidCollection { new Oid(TestPki.ServerAuth), new Oid(TestPki.ClientAuth) }, false));
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("mail.example.org");
        san.AddIpAddress(IPAddress.Parse("192.0.2.1"));
        san.AddEmailAddress("postmaster@example.org");
        san.AddUri(new Uri("https://example.org/"));
        request.CertificateExtensions.Add(san.Build());
        // The documented example date, 23-Jan-2000 15:00:00, in local time.
        var local = new DateTime(2000, 1, 23, 15, 0, 0, DateTimeKind.Unspecified);
        var notBefore = new DateTimeOffset(local, TimeZoneInfo.Local.GetUtcOffset(local));
        var issuer = new X500DistinguishedName("CN=Fields Issuer");
        return request.Create(issuer, X509SignatureGenerator.CreateForRSA(s_key, RSASignaturePadding.Pkcs1), notBefore,
            notBefore.AddYears(40), [0x0A, 0x1B, 0x2C, 0x3D]);
    }

    private static string Colons(byte[] hash) => BitConverter.ToString(hash).Replace('-', ':').ToLowerInvariant();

    [Fact]
    public void Every_field_reads_from_the_certificate()
    {
        using var x509 = Described();
        var cert = new Certificate(x509.RawData);

        Assert.Equal("CN=Test Subject, O=\"Acme, Inc\", C=US", cert.Subject);
        Assert.Equal("CN=Fields Issuer", cert.Issuer);
        Assert.Equal("23-Jan-2000 15:00:00", cert.EffectiveDate);
        Assert.Equal(x509.NotAfter.ToString("dd-MMM-yyyy HH:mm:ss", CultureInfo.InvariantCulture), cert.ExpirationDate);
        Assert.Equal("0A1B2C3D", cert.SerialNumber);
        Assert.Equal("V3", cert.Version);
        Assert.Equal("RSA", cert.PublicKeyAlgorithm);
        Assert.Equal(2048, cert.PublicKeyLength);
        Assert.Equal("sha256RSA", cert.SignatureAlgorithm);
        Assert.Equal("mail.example.org, 192.0.2.1, postmaster@example.org, https://example.org/", cert.SubjectAltNames);
        Assert.Equal("Digital Signature, Key Encipherment", cert.Usage);
        Assert.Equal(0xA0, cert.UsageFlags);
        Assert.Equal("1.3.6.1.5.5.7.3.1, 1.3.6.1.5.5.7.3.2", cert.ExtendedKeyUsage);
        Assert.False(cert.PrivateKeyAvailable);
        Assert.Equal("", cert.PrivateKey);
        Assert.Equal("", cert.PrivateKeyContainer);
    }

    [Fact]
    public void Fingerprints_are_colon_hex_and_thumbprints_plain_hex_of_the_DER()
    {
        using var x509 = Described();
        var cert = new Certificate(x509.RawData);

        Assert.Equal(Colons(MD5.HashData(x509.RawData)), cert.Fingerprint);
        Assert.Equal(Colons(SHA1.HashData(x509.RawData)), cert.FingerprintSHA1);
        Assert.Equal(Colons(SHA256.HashData(x509.RawData)), cert.FingerprintSHA256);
        Assert.Matches("^([0-9a-f]{2}:){15}[0-9a-f]{2}$", cert.Fingerprint);
        Assert.Equal(x509.Thumbprint.ToLowerInvariant(), cert.ThumbprintSHA1);
        Assert.Equal(x509.GetCertHashString(HashAlgorithmName.SHA256).ToLowerInvariant(), cert.ThumbprintSHA256);
        Assert.Equal(Convert.ToHexStringLower(MD5.HashData(x509.RawData)), cert.ThumbprintMD5);
    }

    [Fact]
    public void The_public_key_is_PEM_of_the_same_key()
    {
        using var x509 = Described();
        var cert = new Certificate(x509.RawData);

        Assert.StartsWith("-----BEGIN PUBLIC KEY-----", cert.PublicKey);
        using var imported = RSA.Create();
        imported.ImportFromPem(cert.PublicKey);
        Assert.Equal(s_key.ExportParameters(false).Modulus, imported.ExportParameters(false).Modulus);
    }

    [Fact]
    public void Encoded_is_Base64_DER_and_EncodedB_the_DER()
    {
        using var x509 = Described();
        var cert = new Certificate(x509.RawData);

        Assert.Equal(Convert.ToBase64String(x509.RawData), cert.Encoded);
        Assert.Equal(x509.RawData, cert.EncodedB);
        Assert.Equal(x509.RawData, new Certificate(System.Text.Encoding.ASCII.GetBytes(cert.Encoded)).EncodedB);
    }

    [Fact]
    public void An_ECDSA_key_reports_its_curve_size()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        var request = new CertificateRequest("CN=ec", key, HashAlgorithmName.SHA384);
        using var x509 = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var cert = new Certificate(x509.RawData);

        Assert.Equal("ECDSA", cert.PublicKeyAlgorithm);
        Assert.Equal(384, cert.PublicKeyLength);
        Assert.Equal("sha384ECDSA", cert.SignatureAlgorithm);
        Assert.Equal("", cert.Usage);
        Assert.Equal(0, cert.UsageFlags);
        Assert.Equal("", cert.SubjectAltNames);
    }

    [Fact]
    public void A_private_key_is_available_and_exported_as_PKCS8_PEM()
    {
        var pki = TestPki.Instance;
        var cert = new Certificate(CertStoreTypes.cstPFXBlob, TestPki.Pfx(pki.RsaServer, "pw"), "pw", "*");

        Assert.True(cert.PrivateKeyAvailable);
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", cert.PrivateKey);
        using var key = RSA.Create();
        key.ImportFromPem(cert.PrivateKey);
        byte[] signature = key.SignData(new byte[] { 1, 2, 3 }, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var publicKey = pki.RsaServer.GetRSAPublicKey()!;
        Assert.True(publicKey.VerifyData(new byte[] { 1, 2, 3 }, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        Assert.True(OperatingSystem.IsWindows() || cert.PrivateKeyContainer == "");
    }

    [Fact]
    public void An_empty_certificate_has_the_documented_defaults()
    {
        var cert = new Certificate();

        Assert.Equal("MY", cert.Store);
        Assert.Equal("MY"u8.ToArray(), cert.StoreB);
        Assert.Equal(CertStoreTypes.cstUser, cert.StoreType);
        Assert.Equal("", cert.StorePassword);
        Assert.Equal("", cert.Subject);
        Assert.Equal("", cert.Encoded);
        Assert.Empty(cert.EncodedB);
        Assert.Equal("", cert.EffectiveDate);
        Assert.Equal("", cert.Fingerprint);
        Assert.Equal(0, cert.PublicKeyLength);
        Assert.Equal(0, cert.UsageFlags);
        Assert.False(cert.PrivateKeyAvailable);
        Assert.Equal("", cert.Version);
        Assert.Null(cert.ToX509());
        Assert.True(cert.IsEmpty);
    }

    [Fact]
    public void FromX509_wraps_the_instance_it_is_given()
    {
        var x509 = TestPki.Instance.Server;

        var cert = Certificate.FromX509(x509);

        Assert.Same(x509, cert.ToX509());
        Assert.Equal(x509.Subject, cert.Subject);
        Assert.True(cert.PrivateKeyAvailable);
    }
}
