using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Herald.IntegrationTests.Tls;

/// <summary>
/// Server certificates the peers do not have, made for one test and issued by the peers' own test CA
/// (<see cref="Peers.CaPem"/>, key next to it), so that each has exactly one problem: an expired one for localhost and
/// a valid one for another name. Written as PEM files into a temporary folder for <c>openssl s_server</c>.
/// </summary>
internal sealed class GeneratedCertificates : IDisposable
{
    /// <summary>The name the wrongly named certificate is issued to (it resolves nowhere, and is not localhost).</summary>
    public const string OtherName = "mail.example.org";

    private GeneratedCertificates(string directory)
    {
        Directory = directory;
    }

    /// <summary>The temporary folder holding the files.</summary>
    public string Directory { get; }

    /// <summary>An expired certificate for localhost and 127.0.0.1 (valid from 60 until 2 days ago).</summary>
    public required IssuedCertificate Expired { get; init; }

    /// <summary>A valid certificate for <see cref="OtherName"/> only.</summary>
    public required IssuedCertificate WrongName { get; init; }

    /// <summary>Makes the certificates. Fails (does not skip) when the test CA's files are missing.</summary>
    public static GeneratedCertificates Create()
    {
        string caKeyFile = Path.Combine(Peers.CertDir, "ca.key");
        using var ca = X509Certificate2.CreateFromPemFile(Peers.CaPem, caKeyFile);
        string directory = System.IO.Directory.CreateTempSubdirectory("herald-tlsint-").FullName;
        var now = DateTimeOffset.UtcNow;
        return new GeneratedCertificates(directory)
        {
            Expired = Issue(ca, directory, "expired", "CN=localhost, O=Herald Expired", now.AddDays(-60), now.AddDays(-2),
                "localhost", IPAddress.Loopback),
            WrongName = Issue(ca, directory, "wrongname", $"CN={OtherName}, O=Herald Wrong Name", now.AddDays(-1),
                now.AddDays(30), OtherName, null),
        };
    }

    /// <summary>Deletes the folder.</summary>
    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static IssuedCertificate Issue(X509Certificate2 ca, string directory, string name, string subject,
        DateTimeOffset notBefore, DateTimeOffset notAfter, string dnsName, IPAddress? address)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(dnsName);
        if (address is not null)
        {
            san.AddIpAddress(address);
        }
        request.CertificateExtensions.Add(san.Build());
        byte[] serial = RandomNumberGenerator.GetBytes(12);
        serial[0] = (byte)((serial[0] & 0x7F) | 0x01);
        using var caKey = ca.GetRSAPrivateKey() ?? throw new InvalidOperationException("The test CA key is not RSA.");
        using var certificate = request.Create(ca.SubjectName, X509SignatureGenerator.CreateForRSA(caKey, RSASignaturePadding.Pkcs1),
            notBefore, notAfter, serial);
        string certificateFile = Path.Combine(directory, name + ".crt");
        string keyFile = Path.Combine(directory, name + ".key");
        File.WriteAllText(certificateFile, certificate.ExportCertificatePem());
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
        return new IssuedCertificate(certificateFile, keyFile, certificate.Subject, certificate.Issuer,
            certificate.ExportCertificatePem(), certificate.RawData);
    }
}

/// <summary>A certificate made by <see cref="GeneratedCertificates"/>.</summary>
/// <param name="CertificateFile">The certificate, PEM.</param>
/// <param name="KeyFile">Its private key, PEM (PKCS#8).</param>
/// <param name="Subject">Its subject as .NET formats it.</param>
/// <param name="Issuer">Its issuer as .NET formats it.</param>
/// <param name="Pem">The certificate as PEM text.</param>
/// <param name="Der">The certificate's DER bytes.</param>
internal sealed record IssuedCertificate(string CertificateFile, string KeyFile, string Subject, string Issuer, string Pem, byte[] Der);
