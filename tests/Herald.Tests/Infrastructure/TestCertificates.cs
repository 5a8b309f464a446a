using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Herald.Tests.Infrastructure;

/// <summary>
/// Certificates made in the test process (nothing on disk, nothing from the machine's stores): a self-signed one for
/// <c>localhost</c>, and on demand authorities, certificates they sign, expired ones or ones for another name, for
/// tests of certificate checks.
/// </summary>
internal static class TestCertificates
{
    private static readonly Lazy<X509Certificate2> LocalhostCertificate = new(() => Create("localhost", rsa: true));

    /// <summary>
    /// A self-signed RSA server certificate for <c>localhost</c> and 127.0.0.1, valid from yesterday for 30 days,
    /// made once per test run.
    /// </summary>
    public static X509Certificate2 Localhost => LocalhostCertificate.Value;

    /// <summary>
    /// Creates a server certificate with a private key: self-signed, or signed by <paramref name="issuer"/>. Its
    /// subject alternative names are <paramref name="dnsNames"/> (default: the common name) and
    /// <paramref name="addresses"/> (default: 127.0.0.1 when the name is <c>localhost</c>). The key is ECDSA P-256,
    /// which is quick to make, or RSA 2048 when <paramref name="rsa"/> is set.
    /// </summary>
    public static X509Certificate2 Create(string commonName, IEnumerable<string>? dnsNames = null,
        IEnumerable<IPAddress>? addresses = null, DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null,
        X509Certificate2? issuer = null, bool rsa = false)
    {
        using var key = rsa ? (AsymmetricAlgorithm)RSA.Create(2048) : ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = Request(commonName, key);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(
            rsa ? X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment : X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var names = new SubjectAlternativeNameBuilder();
        foreach (var dns in dnsNames ?? [commonName])
        {
            names.AddDnsName(dns);
        }
        foreach (var address in addresses ?? (commonName == "localhost" ? [IPAddress.Loopback] : []))
        {
            names.AddIpAddress(address);
        }
        request.CertificateExtensions.Add(names.Build());
        var from = notBefore ?? DateTimeOffset.UtcNow.AddDays(-1);
        var to = notAfter ?? DateTimeOffset.UtcNow.AddDays(30);
        if (issuer is null)
        {
            using var self = request.CreateSelfSigned(from, to);
            return Reload(self);
        }
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        using var signed = request.Create(issuer, from, to, serial);
        using var withKey = key is RSA rsaKey ? signed.CopyWithPrivateKey(rsaKey) : signed.CopyWithPrivateKey((ECDsa)key);
        return Reload(withKey);
    }

    /// <summary>Creates a certificate authority that <see cref="Create"/> can sign with.</summary>
    public static X509Certificate2 CreateAuthority(string commonName)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = Request(commonName, key);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(
            X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        using var self = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        return Reload(self);
    }

    private static CertificateRequest Request(string commonName, AsymmetricAlgorithm key) => key switch
    {
        RSA rsa => new CertificateRequest($"CN={commonName}", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
        _ => new CertificateRequest($"CN={commonName}", (ECDsa)key, HashAlgorithmName.SHA256),
    };

    // A round trip through PKCS#12 gives a certificate whose key every platform's TLS stack can use.
    private static X509Certificate2 Reload(X509Certificate2 certificate) =>
        X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pfx), null);
}
