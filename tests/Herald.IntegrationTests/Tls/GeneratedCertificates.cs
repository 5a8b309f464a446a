using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Herald.IntegrationTests.Tls;

/// <summary>
/// Certificates the peers do not have, made for one test and issued by the peers' own test CA (<see cref="Peers.CaPem"/>,
/// key next to it), so that each has exactly one problem: an expired server certificate for localhost, a valid one for
/// another name, and a client certificate whose chain needs an intermediate CA. Written as PEM files into a temporary
/// folder for <c>openssl s_server</c> and the component.
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

    /// <summary>An intermediate CA issued by the test CA (not known to any peer).</summary>
    public required IssuedCertificate Intermediate { get; init; }

    /// <summary>
    /// A client certificate (CN intermediate-client@example.test) issued by <see cref="Intermediate"/>; its
    /// <see cref="IssuedCertificate.KeyFile"/> holds the key and this certificate only, not the intermediate.
    /// </summary>
    public required IssuedCertificate ClientViaIntermediate { get; init; }

    /// <summary>Makes the certificates. Fails (does not skip) when the test CA's files are missing.</summary>
    public static GeneratedCertificates Create()
    {
        string caKeyFile = Path.Combine(Peers.CertDir, "ca.key");
        using var ca = X509Certificate2.CreateFromPemFile(Peers.CaPem, caKeyFile);
        using var caKey = ca.GetRSAPrivateKey() ?? throw new InvalidOperationException("The test CA key is not RSA.");
        var byCa = X509SignatureGenerator.CreateForRSA(caKey, RSASignaturePadding.Pkcs1);
        string directory = System.IO.Directory.CreateTempSubdirectory("herald-tlsint-").FullName;
        var now = DateTimeOffset.UtcNow;
        using var intermediateKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var intermediate = Issue(byCa, ca.SubjectName, intermediateKey, directory, "intermediate",
            "CN=Herald Test Intermediate CA, O=Herald Tests", now.AddDays(-1), now.AddDays(30), Usage.Ca);
        return new GeneratedCertificates(directory)
        {
            Expired = Issue(byCa, ca.SubjectName, null, directory, "expired", "CN=localhost, O=Herald Expired", now.AddDays(-60),
                now.AddDays(-2), Usage.Server, "localhost", IPAddress.Loopback),
            WrongName = Issue(byCa, ca.SubjectName, null, directory, "wrongname", $"CN={OtherName}, O=Herald Wrong Name",
                now.AddDays(-1), now.AddDays(30), Usage.Server, OtherName),
            Intermediate = intermediate,
            ClientViaIntermediate = Issue(X509SignatureGenerator.CreateForECDsa(intermediateKey),
                new X500DistinguishedName(intermediate.Subject), null, directory, "intermediate-client",
                "CN=intermediate-client@example.test, O=Herald Tests", now.AddDays(-1), now.AddDays(30), Usage.Client),
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

    private enum Usage
    {
        Server,
        Client,
        Ca,
    }

    private static IssuedCertificate Issue(X509SignatureGenerator issuer, X500DistinguishedName issuerName, ECDsa? key,
        string directory, string name, string subject, DateTimeOffset notBefore, DateTimeOffset notAfter, Usage usage,
        string? dnsName = null, IPAddress? address = null)
    {
        using var ownKey = key is null ? ECDsa.Create(ECCurve.NamedCurves.nistP256) : null;
        var subjectKey = key ?? ownKey!;
        var request = new CertificateRequest(subject, subjectKey, HashAlgorithmName.SHA256);
        if (usage == Usage.Ca)
        {
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        }
        else
        {
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
            string eku = usage == Usage.Server ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2";
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(eku)], false));
        }
        if (dnsName is not null)
        {
            var san = new SubjectAlternativeNameBuilder();
            san.AddDnsName(dnsName);
            if (address is not null)
            {
                san.AddIpAddress(address);
            }
            request.CertificateExtensions.Add(san.Build());
        }
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        byte[] serial = RandomNumberGenerator.GetBytes(12);
        serial[0] = (byte)((serial[0] & 0x7F) | 0x01);
        using var certificate = request.Create(issuerName, issuer, notBefore, notAfter, serial);
        string certificateFile = Path.Combine(directory, name + ".crt");
        string keyFile = Path.Combine(directory, name + ".key");
        File.WriteAllText(certificateFile, certificate.ExportCertificatePem());
        // The key file also carries the certificate, as a PEM key file (cstPEMKeyFile) does.
        File.WriteAllText(keyFile, subjectKey.ExportPkcs8PrivateKeyPem() + "\n" + certificate.ExportCertificatePem());
        return new IssuedCertificate(certificateFile, keyFile, certificate.Subject, certificate.Issuer,
            certificate.ExportCertificatePem(), certificate.RawData);
    }
}

/// <summary>A certificate made by <see cref="GeneratedCertificates"/>.</summary>
/// <param name="CertificateFile">The certificate, PEM.</param>
/// <param name="KeyFile">Its private key (PEM, PKCS#8) followed by the certificate.</param>
/// <param name="Subject">Its subject as .NET formats it.</param>
/// <param name="Issuer">Its issuer as .NET formats it.</param>
/// <param name="Pem">The certificate as PEM text.</param>
/// <param name="Der">The certificate's DER bytes.</param>
internal sealed record IssuedCertificate(string CertificateFile, string KeyFile, string Subject, string Issuer, string Pem, byte[] Der);
