using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Herald.Tests.Tls;
using Xunit;

namespace Herald.Tests.Facade.SmtpClientFacade;

/// <summary>The certificate entries of SmtpClient's lists: the seed's fields, loading, handles, and CRL/OCSP entries.</summary>
public class TlsCertificateTests
{
    private static readonly TestPki s_pki = TestPki.Instance;

    [Fact]
    public void TheFieldsDescribeTheCertificate()
    {
        var leaf = new TlsCertificate(s_pki.Server);
        var ca = new TlsCertificate(s_pki.Intermediate);

        Assert.Equal(s_pki.Server.RawData, leaf.Bytes);
        Assert.Equal("localhost", leaf.Subject);
        Assert.Equal("Herald Test Intermediate CA", leaf.Issuer);
        Assert.Equal("/O=Herald Tests/CN=localhost", leaf.SubjectRDN); // in encoding order, as OpenSSL prints it
        Assert.Equal("/O=Herald Tests/CN=Herald Test Intermediate CA", leaf.IssuerRDN);
        Assert.Equal("ECDSA", leaf.KeyAlgorithm);
        Assert.Equal(256, leaf.KeyBits);
        Assert.Equal(SHA256.HashData(s_pki.Server.RawData), leaf.Fingerprint);
        Assert.Equal(SHA256.HashData(s_pki.Server.PublicKey.ExportSubjectPublicKeyInfo()), leaf.KeyFingerprint);
        Assert.Equal(s_pki.Server.PublicKey.ExportSubjectPublicKeyInfo(), leaf.PublicKeyBytes);
        Assert.Equal(0x1, leaf.KeyUsage); // digital signature
        Assert.Equal(0x20 | 0x40, ca.KeyUsage); // certificate and CRL signing
        Assert.Equal(Convert.FromHexString(s_pki.Server.SerialNumber), leaf.SerialNumber);
        Assert.Equal("sha256ECDSA", leaf.SigAlgorithm);
        Assert.False(leaf.SelfSigned);
        Assert.True(new TlsCertificate(s_pki.Root).SelfSigned);
        Assert.Empty(leaf.CAKeyID); // the test leaf has no Authority Key Identifier
        Assert.NotEmpty(ca.SubjectKeyID);
        Assert.Equal(s_pki.Server.NotBefore.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'",
            System.Globalization.CultureInfo.InvariantCulture), leaf.ValidFrom);
        Assert.EndsWith("Z", leaf.ValidTo);
        Assert.True(leaf.HasPrivateKey);
        Assert.Same(s_pki.Server, leaf.Certificate);
    }

    [Fact]
    public void CaKeyIdIsTheAuthorityKeyIdentifier()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=with-aki", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(s_pki.Intermediate, true, false));
        using var issuerKey = s_pki.Intermediate.GetECDsaPrivateKey()!;
        using var certificate = request.Create(s_pki.Intermediate.SubjectName, X509SignatureGenerator.CreateForECDsa(issuerKey),
            DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1), [7, 7]);

        var entry = new TlsCertificate(certificate);

        Assert.Equal(new TlsCertificate(s_pki.Intermediate).SubjectKeyID, entry.CAKeyID);
        Assert.Equal([7, 7], entry.SerialNumber);
        Assert.Empty(entry.SubjectKeyID);
    }

    [Fact]
    public void BytesAndFilesLoadWithTheirKeysAndChains()
    {
        using var dir = new TempDir();
        var fromDer = new TlsCertificate(s_pki.Server.RawData);
        Assert.Equal(s_pki.Server.Thumbprint, fromDer.Certificate.Thumbprint);
        Assert.False(fromDer.HasPrivateKey);
        var fromPem = new TlsCertificate(Encoding.ASCII.GetBytes(s_pki.Server.ExportCertificatePem()));
        Assert.Equal(s_pki.Server.Thumbprint, fromPem.Certificate.Thumbprint);

        string pfx = dir.Write("client.pfx", TestPki.Pfx(s_pki.Client, TestPki.Password, s_pki.Root));
        var loaded = TlsCertificate.LoadFile(pfx, TestPki.Password);
        Assert.Equal(2, loaded.Count);
        Assert.True(loaded[0].HasPrivateKey);
        Assert.Equal(s_pki.Client.Thumbprint, loaded[0].Certificate.Thumbprint);
        Assert.Equal(s_pki.Root.Thumbprint, loaded[1].Certificate.Thumbprint);

        var fromPfxBytes = new TlsCertificate(File.ReadAllBytes(pfx), TestPki.Password);
        Assert.True(fromPfxBytes.HasPrivateKey);
        var wrong = Assert.Throws<SmtpException>(() => TlsCertificate.LoadFile(pfx, "not the password"));
        Assert.Equal(SmtpErrorCodes.CertStoreError, wrong.Code);
        Assert.Throws<SmtpException>(() => TlsCertificate.LoadFile(dir.File("missing.pem")));
    }

    [Fact]
    public void AHandleSharesTheUnderlyingCertificate()
    {
        var first = new TlsCertificate(s_pki.Root);
        var again = new TlsCertificate(s_pki.Root);
        Assert.Equal(first.Handle, again.Handle); // the same object has one handle
        var other = new TlsCertificate(s_pki.Intermediate);
        Assert.NotEqual(first.Handle, other.Handle);

        other.Handle = first.Handle;
        Assert.Same(s_pki.Root, other.Certificate);
        Assert.Equal("Herald Test Root CA", other.Subject);
        var e = Assert.Throws<SmtpException>(() => other.Handle = -42);
        Assert.Equal(SmtpErrorCodes.InvalidArgument, e.Code);
    }

    [Fact]
    public void ListsRefuseNullAndTakeNetCertificates()
    {
        using var client = new SmtpClient();
        client.TrustedCerts.Add(s_pki.Root);
        Assert.Equal("Herald Test Root CA", client.TrustedCerts[0].Subject);
        Assert.Throws<ArgumentNullException>(() => client.TrustedCerts.Add((TlsCertificate)null!));
        Assert.Throws<ArgumentNullException>(() => client.KnownCerts.AddRange(null!));
        Assert.Throws<ArgumentNullException>(() => client.KnownCRLs.Add((CertificateRevocationList)null!));
    }

    [Fact]
    public void CrlAndOcspEntriesAreCheckedWhenMade()
    {
        byte[] crl = OcspResponses.Crl(s_pki.Root, []);
        var entry = new CertificateRevocationList(crl);
        Assert.Equal(crl, entry.Bytes);
        var fromPem = new CertificateRevocationList(Encoding.ASCII.GetBytes(PemEncoding.WriteString("X509 CRL", crl)));
        Assert.Equal(crl, fromPem.Bytes);
        var notACrl = Assert.Throws<SmtpException>(() => new CertificateRevocationList(s_pki.Root.RawData));
        Assert.Equal(SmtpErrorCodes.InvalidArgument, notACrl.Code);

        byte[] ocsp = OcspResponses.Build(s_pki.Server, s_pki.Intermediate, s_pki.Intermediate, OcspResponses.Status.Good,
            DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1));
        var response = new OcspResponse(ocsp);
        Assert.Equal(ocsp, response.Bytes);
        Assert.Equal(SmtpErrorCodes.InvalidArgument, Assert.Throws<SmtpException>(() => new OcspResponse(crl)).Code);

        var shared = new CertificateRevocationList(OcspResponses.Crl(s_pki.Intermediate, []));
        shared.Handle = entry.Handle;
        Assert.Equal(crl, shared.Bytes);
        Assert.Throws<SmtpException>(() => response.Handle = -1);
    }
}
