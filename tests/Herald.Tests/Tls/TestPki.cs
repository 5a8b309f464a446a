using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Herald.Tests.Tls;

/// <summary>
/// Certificates generated for the TLS tests: a root CA, an intermediate CA under it, server certificates (valid,
/// expired, for the wrong name, without the server-auth usage, from an unknown CA) and a client certificate. ECDSA
/// P-256 keys keep generation fast; one RSA server certificate covers RSA. Built once per test run.
/// </summary>
internal sealed class TestPki
{
    public const string Password = "password";
    public const string ServerAuth = "1.3.6.1.5.5.7.3.1";
    public const string ClientAuth = "1.3.6.1.5.5.7.3.2";

    private static readonly Lazy<TestPki> s_instance = new(() => new TestPki());

    private TestPki()
    {
        var now = DateTimeOffset.UtcNow;
        Root = CreateCa("CN=Herald Test Root CA, O=Herald Tests", null, now.AddDays(-30), now.AddYears(5));
        Intermediate = CreateCa("CN=Herald Test Intermediate CA, O=Herald Tests", Root, now.AddDays(-20), now.AddYears(4));
        Server = CreateLeaf("CN=localhost, O=Herald Tests", Intermediate, now.AddDays(-1), now.AddDays(90),
            ["localhost"], [IPAddress.Loopback, IPAddress.IPv6Loopback], [ServerAuth]);
        RsaServer = CreateLeaf("CN=localhost, O=Herald RSA", Intermediate, now.AddDays(-1), now.AddDays(90),
            ["localhost"], [IPAddress.Loopback], [ServerAuth], rsa: true);
        Expired = CreateLeaf("CN=localhost, O=Herald Expired", Intermediate, now.AddDays(-60), now.AddDays(-2),
            ["localhost"], [IPAddress.Loopback], [ServerAuth]);
        WrongName = CreateLeaf("CN=mail.example.org", Intermediate, now.AddDays(-1), now.AddDays(90),
            ["mail.example.org"], [], [ServerAuth]);
        WrongUsage = CreateLeaf("CN=localhost, O=Herald Client Only", Intermediate, now.AddDays(-1), now.AddDays(90),
            ["localhost"], [IPAddress.Loopback], [ClientAuth]);
        OtherRoot = CreateCa("CN=Unknown Test CA, O=Elsewhere", null, now.AddDays(-30), now.AddYears(5));
        UnknownCa = CreateLeaf("CN=localhost, O=Herald Unknown CA", OtherRoot, now.AddDays(-1), now.AddDays(90),
            ["localhost"], [IPAddress.Loopback], [ServerAuth]);
        Client = CreateLeaf("CN=client@example.test, O=Herald Tests", Root, now.AddDays(-1), now.AddDays(90),
            [], [], [ClientAuth], email: "client@example.test");
    }

    public static TestPki Instance => s_instance.Value;

    public X509Certificate2 Root { get; }
    public X509Certificate2 Intermediate { get; }
    public X509Certificate2 Server { get; }
    public X509Certificate2 RsaServer { get; }
    public X509Certificate2 Expired { get; }
    public X509Certificate2 WrongName { get; }
    public X509Certificate2 WrongUsage { get; }
    public X509Certificate2 OtherRoot { get; }
    public X509Certificate2 UnknownCa { get; }
    public X509Certificate2 Client { get; }

    /// <summary>The root CA as PEM, as SSLServerCACerts takes it.</summary>
    public string RootPem => Root.ExportCertificatePem();

    /// <summary>Creates a CA certificate (self-signed when <paramref name="issuer"/> is null).</summary>
    public static X509Certificate2 CreateCa(string subject, X509Certificate2? issuer, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        if (issuer is null)
        {
            return request.CreateSelfSigned(notBefore, notAfter);
        }
        using var issuerKey = issuer.GetECDsaPrivateKey()!;
        var cert = request.Create(issuer.SubjectName, X509SignatureGenerator.CreateForECDsa(issuerKey), notBefore, notAfter, Serial());
        return cert.CopyWithPrivateKey(key);
    }

    /// <summary>Creates an end-entity certificate with its private key.</summary>
    public static X509Certificate2 CreateLeaf(string subject, X509Certificate2 issuer, DateTimeOffset notBefore, DateTimeOffset notAfter,
        string[] dnsNames, IPAddress[] addresses, string[] ekus, bool rsa = false, string? email = null, string? crlUrl = null,
        byte[]? serial = null)
    {
        AsymmetricAlgorithm key = rsa ? RSA.Create(2048) : ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = rsa
            ? new CertificateRequest(subject, (RSA)key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            : new CertificateRequest(subject, (ECDsa)key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(
            rsa ? X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment : X509KeyUsageFlags.DigitalSignature, true));
        var oids = new OidCollection();
        foreach (string eku in ekus)
        {
            oids.Add(new Oid(eku));
        }
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(oids, false));
        if (dnsNames.Length + addresses.Length > 0 || email is not null)
        {
            var san = new SubjectAlternativeNameBuilder();
            foreach (string name in dnsNames)
            {
                san.AddDnsName(name);
            }
            foreach (var address in addresses)
            {
                san.AddIpAddress(address);
            }
            if (email is not null)
            {
                san.AddEmailAddress(email);
            }
            request.CertificateExtensions.Add(san.Build());
        }
        if (crlUrl is not null)
        {
            request.CertificateExtensions.Add(CertificateRevocationListBuilder.BuildCrlDistributionPointExtension([crlUrl]));
        }
        using var issuerKey = issuer.GetECDsaPrivateKey()!;
        var cert = request.Create(issuer.SubjectName, X509SignatureGenerator.CreateForECDsa(issuerKey), notBefore, notAfter,
            serial ?? Serial());
        return key switch
        {
            RSA r => cert.CopyWithPrivateKey(r),
            ECDsa e => cert.CopyWithPrivateKey(e),
            _ => throw new InvalidOperationException(),
        };
    }

    /// <summary>A PFX holding <paramref name="leaf"/> with its key and the given CA certificates.</summary>
    public static byte[] Pfx(X509Certificate2 leaf, string password, params X509Certificate2[] cas)
    {
        var collection = new X509Certificate2Collection { leaf };
        foreach (var ca in cas)
        {
            collection.Add(X509CertificateLoader.LoadCertificate(ca.RawData));
        }
        return collection.Export(X509ContentType.Pkcs12, password)!;
    }

    private static byte[] Serial()
    {
        // A positive serial whose first byte is not zero, so the DER integer keeps all twelve bytes.
        byte[] serial = RandomNumberGenerator.GetBytes(12);
        serial[0] = (byte)((serial[0] & 0x7F) | 0x01);
        return serial;
    }
}

/// <summary>A temporary directory deleted when the test ends.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = Directory.CreateTempSubdirectory("herald-tls-").FullName;
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public string Write(string name, byte[] data)
    {
        string path = File(name);
        System.IO.File.WriteAllBytes(path, data);
        return path;
    }

    public string Write(string name, string text)
    {
        string path = File(name);
        System.IO.File.WriteAllText(path, text);
        return path;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
