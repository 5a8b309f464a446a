using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Xunit;

namespace Herald.Tests.Tls;

/// <summary>Every constructor and store type of <see cref="Certificate"/>, with generated files, and their errors.</summary>
public sealed class CertificateStoreTests : IDisposable
{
    private readonly TempDir _dir = new();

    private static TestPki Pki => TestPki.Instance;

    public void Dispose() => _dir.Dispose();

    private string PfxFile(string password = TestPki.Password) =>
        _dir.Write("client.pfx", TestPki.Pfx(Pki.Client, password, Pki.Root, Pki.Intermediate));

    private static string KeyPem(X509Certificate2 cert) => cert.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem();

    private static string Sha1Colons(X509Certificate2 cert) => BitConverter.ToString(SHA1.HashData(cert.RawData)).Replace('-', ':');

    // ---- PFX ----

    [Theory]
    [InlineData("*")]
    [InlineData("")]
    [InlineData("CN=client@example.test, O=Herald Tests")]
    [InlineData("CN=client@example.test,O=Herald Tests")]
    [InlineData("client@EXAMPLE")]
    public void A_PFX_file_opens_with_its_password_and_selects_by_subject(string subject)
    {
        var cert = new Certificate(CertStoreTypes.cstPFXFile, PfxFile(), TestPki.Password, subject);

        Assert.Equal(Pki.Client.Subject, cert.Subject);
        Assert.True(cert.PrivateKeyAvailable);
        Assert.True(cert.ToX509()!.HasPrivateKey);
        Assert.Equal(new[] { Pki.Root.Thumbprint, Pki.Intermediate.Thumbprint }.Order(), cert.Chain!.Select(c => c.Thumbprint).Order());
        Assert.Equal(CertStoreTypes.cstPFXFile, cert.StoreType);
    }

    [Fact]
    public void A_CA_in_the_PFX_can_be_selected_by_subject()
    {
        var cert = new Certificate(CertStoreTypes.cstPFXFile, PfxFile(), TestPki.Password, "Intermediate CA");

        Assert.Equal(Pki.Intermediate.Subject, cert.Subject);
        Assert.False(cert.PrivateKeyAvailable);
    }

    [Fact]
    public void Thumbprints_select_by_MD5_SHA1_or_SHA256_in_the_subject_or_the_configuration()
    {
        string path = PfxFile();
        string md5 = Convert.ToHexString(MD5.HashData(Pki.Root.RawData));
        string sha256 = Pki.Intermediate.GetCertHashString(HashAlgorithmName.SHA256);

        Assert.Equal(Pki.Root.Subject, new Certificate(CertStoreTypes.cstPFXFile, path, TestPki.Password, "Thumbprint=" + md5).Subject);
        Assert.Equal(Pki.Client.Subject,
            new Certificate(CertStoreTypes.cstPFXFile, path, TestPki.Password, "Thumbprint=" + Sha1Colons(Pki.Client)).Subject);
        // The configuration's thumbprint wins over the subject.
        Assert.Equal(Pki.Intermediate.Subject,
            new Certificate(CertStoreTypes.cstPFXFile, path, TestPki.Password, "client",
                $"PersistPFXKey=False\r\nThumbprint={sha256}\n").Subject);
    }

    [Fact]
    public void The_blob_constructor_with_a_configuration_string_selects_by_thumbprint()
    {
        byte[] pfx = TestPki.Pfx(Pki.Client, TestPki.Password, Pki.Root);

        var cert = new Certificate(CertStoreTypes.cstPFXBlob, pfx, TestPki.Password, "*", "Thumbprint=" + Pki.Root.Thumbprint);

        Assert.Equal(Pki.Root.Subject, cert.Subject);
    }

    [Fact]
    public void A_wrong_PFX_password_is_error_271()
    {
        var error = Assert.Throws<SmtpException>(() => new Certificate(CertStoreTypes.cstPFXFile, PfxFile(), "wrong", "*"));

        Assert.Equal(SmtpErrorCodes.CertStoreError, error.Code);
        Assert.Contains("StorePassword", error.Message);
    }

    [Fact]
    public void A_missing_file_is_error_271_naming_it()
    {
        string path = _dir.File("missing.pfx");

        var error = Assert.Throws<SmtpException>(() => new Certificate(CertStoreTypes.cstPFXFile, path, TestPki.Password, "*"));

        Assert.Equal(SmtpErrorCodes.CertStoreError, error.Code);
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void No_matching_certificate_is_error_272_listing_what_the_store_holds()
    {
        var error = Assert.Throws<SmtpException>(() =>
            new Certificate(CertStoreTypes.cstPFXFile, PfxFile(), TestPki.Password, "CN=nobody"));

        Assert.Equal(SmtpErrorCodes.CertNotFound, error.Code);
        Assert.Contains("subject 'CN=nobody'", error.Message);
        Assert.Contains(Pki.Client.Subject, error.Message);
    }

    [Theory]
    [InlineData("Thumbprint=abc")]
    [InlineData("Colour=blue")]
    [InlineData("PersistPFXKey=maybe")]
    public void Bad_configuration_strings_are_error_10022(string configuration)
    {
        var error = Assert.Throws<SmtpException>(() =>
            new Certificate(CertStoreTypes.cstPFXFile, PfxFile(), TestPki.Password, "*", configuration));

        Assert.Equal(SmtpErrorCodes.InvalidArgument, error.Code);
    }

    [Fact]
    public void A_PFX_blob_is_read_from_bytes_or_Base64()
    {
        byte[] pfx = TestPki.Pfx(Pki.Client, TestPki.Password);

        var fromBytes = new Certificate(CertStoreTypes.cstPFXBlob, pfx, TestPki.Password, "*");
        var fromBase64 = new Certificate(CertStoreTypes.cstPFXBlob, Convert.ToBase64String(pfx), TestPki.Password, "*", "");

        Assert.True(fromBytes.PrivateKeyAvailable);
        Assert.Equal(Pki.Client.Thumbprint, fromBase64.ToX509()!.Thumbprint);
    }

    // ---- PEM key stores ----

    [Fact]
    public void A_PEM_key_file_pairs_the_PKCS8_key_with_its_certificate()
    {
        string path = _dir.Write("client.pem",
            Pki.Root.ExportCertificatePem() + "\n" + Pki.Client.ExportCertificatePem() + "\n" + KeyPem(Pki.Client));

        var cert = new Certificate(CertStoreTypes.cstPEMKeyFile, path, "", "*");

        Assert.Equal(Pki.Client.Subject, cert.Subject);
        Assert.True(cert.PrivateKeyAvailable);
        Assert.Equal([Pki.Root.Thumbprint], cert.Chain!.Select(c => c.Thumbprint));
    }

    [Fact]
    public void PKCS1_RSA_and_SEC1_EC_keys_are_read()
    {
        string rsa = Pki.RsaServer.ExportCertificatePem() + Pki.RsaServer.GetRSAPrivateKey()!.ExportRSAPrivateKeyPem();
        string ec = Pki.Server.ExportCertificatePem() + Pki.Server.GetECDsaPrivateKey()!.ExportECPrivateKeyPem();

        Assert.True(new Certificate(CertStoreTypes.cstPEMKeyBlob, rsa, "", "*").PrivateKeyAvailable);
        Assert.True(new Certificate(CertStoreTypes.cstPEMKeyBlob, Encoding.ASCII.GetBytes(ec), "", "*").PrivateKeyAvailable);
        Assert.Contains("RSA PRIVATE KEY", rsa);
        Assert.Contains("EC PRIVATE KEY", ec);
    }

    [Fact]
    public void An_encrypted_PKCS8_key_opens_with_StorePassword_and_not_without()
    {
        var pbe = new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 10_000);
        string pem = Pki.Client.ExportCertificatePem() + Pki.Client.GetECDsaPrivateKey()!.ExportEncryptedPkcs8PrivateKeyPem("s3cret", pbe);
        string path = _dir.Write("encrypted.pem", pem);

        var cert = new Certificate(CertStoreTypes.cstPEMKeyFile, path, "s3cret", "*");
        var error = Assert.Throws<SmtpException>(() => new Certificate(CertStoreTypes.cstPEMKeyFile, path, "wrong", "*"));

        Assert.True(cert.PrivateKeyAvailable);
        Assert.Equal(SmtpErrorCodes.CertStoreError, error.Code);
        Assert.Contains("cannot be decrypted", error.Message);
    }

    [Fact]
    public void A_legacy_encrypted_PEM_key_is_refused_with_the_conversion_command()
    {
        string pem = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF\n\n" +
            "AAAA\n-----END RSA PRIVATE KEY-----\n";

        var error = Assert.Throws<SmtpException>(() => new Certificate(CertStoreTypes.cstPEMKeyBlob, pem, "pw", "*"));

        Assert.Equal(SmtpErrorCodes.CertStoreError, error.Code);
        Assert.Contains("openssl pkcs8 -topk8", error.Message);
    }

    [Fact]
    public void A_PEM_store_with_only_a_key_loads_the_key()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        byte[] spki = key.ExportSubjectPublicKeyInfo();

        var cert = new Certificate(CertStoreTypes.cstPEMKeyBlob, key.ExportPkcs8PrivateKeyPem(), "", "*");

        Assert.True(cert.PrivateKeyAvailable);
        Assert.Equal("", cert.Subject);
        Assert.Equal("", cert.Encoded);
        Assert.Null(cert.ToX509());
        Assert.Equal("ECDSA", cert.PublicKeyAlgorithm);
        Assert.Equal(256, cert.PublicKeyLength);
        Assert.Equal(BitConverter.ToString(SHA256.HashData(spki)).Replace('-', ':').ToLowerInvariant(), cert.FingerprintSHA256);
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", cert.PrivateKey);
    }

    [Fact]
    public void A_key_that_belongs_to_no_certificate_is_not_attached()
    {
        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        string pem = Pki.Client.ExportCertificatePem() + otherKey.ExportPkcs8PrivateKeyPem();

        var cert = new Certificate(CertStoreTypes.cstPEMKeyBlob, pem, "", "*");

        Assert.Equal(Pki.Client.Subject, cert.Subject);
        Assert.False(cert.PrivateKeyAvailable);
    }

    [Fact]
    public void A_PEM_store_without_certificate_or_key_is_error_271()
    {
        const string pem = "-----BEGIN FOO-----\nAAAA\n-----END FOO-----\n";

        var error = Assert.Throws<SmtpException>(() => new Certificate(CertStoreTypes.cstPEMKeyBlob, pem, "", "*"));

        Assert.Equal(SmtpErrorCodes.CertStoreError, error.Code);
    }

    // ---- public certificates and PKCS#7 ----

    [Fact]
    public void A_public_key_file_may_be_PEM_or_DER()
    {
        string pem = _dir.Write("server.pem", Pki.Server.ExportCertificatePem());
        string der = _dir.Write("server.cer", Pki.Server.RawData);

        var fromPem = new Certificate(CertStoreTypes.cstPublicKeyFile, pem, "", "*");
        var fromDer = new Certificate(CertStoreTypes.cstPublicKeyFile, der, "", "localhost");
        var fromBlob = new Certificate(CertStoreTypes.cstPublicKeyBlob, Convert.ToBase64String(Pki.Server.RawData), "", "*");

        Assert.All(new[] { fromPem, fromDer, fromBlob }, c =>
        {
            Assert.Equal(Pki.Server.Thumbprint, c.ToX509()!.Thumbprint);
            Assert.False(c.PrivateKeyAvailable);
        });
    }

    [Fact]
    public void A_P7B_bundle_is_read_as_DER_or_PEM_and_selected_from()
    {
        var bundle = new X509Certificate2Collection
        {
            X509CertificateLoader.LoadCertificate(Pki.Intermediate.RawData),
            X509CertificateLoader.LoadCertificate(Pki.Server.RawData),
        };
        byte[] p7b = bundle.Export(X509ContentType.Pkcs7)!;
        string path = _dir.Write("bundle.p7b", p7b);
        string pem = PemEncoding.WriteString("PKCS7", p7b);

        var fromFile = new Certificate(CertStoreTypes.cstP7BFile, path, "", "CN=localhost");
        var fromPem = new Certificate(CertStoreTypes.cstP7BBlob, Encoding.ASCII.GetBytes(pem), "", "Intermediate");

        Assert.Equal(Pki.Server.Thumbprint, fromFile.ToX509()!.Thumbprint);
        Assert.Equal([Pki.Intermediate.Thumbprint], fromFile.Chain!.Select(c => c.Thumbprint));
        Assert.Equal(Pki.Intermediate.Subject, fromPem.Subject);
    }

    [Fact]
    public void A_P7B_store_that_is_not_PKCS7_is_error_271()
    {
        var error = Assert.Throws<SmtpException>(() => new Certificate(CertStoreTypes.cstP7BBlob, Pki.Server.RawData, "", "*"));

        Assert.Equal(SmtpErrorCodes.CertStoreError, error.Code);
    }

    // ---- cstAuto ----

    [Fact]
    public void cstAuto_detects_PFX_PEM_DER_and_P7B_in_files_and_blobs()
    {
        byte[] pfx = TestPki.Pfx(Pki.Client, TestPki.Password);
        byte[] pem = Encoding.ASCII.GetBytes(Pki.Client.ExportCertificatePem() + KeyPem(Pki.Client));
        byte[] p7b = new X509Certificate2Collection { X509CertificateLoader.LoadCertificate(Pki.Client.RawData) }
            .Export(X509ContentType.Pkcs7)!;

        var pfxFile = new Certificate(CertStoreTypes.cstAuto, _dir.Write("a.pfx", pfx), TestPki.Password, "*");
        var pemFile = new Certificate(CertStoreTypes.cstAuto, _dir.Write("a.pem", pem), "", "*");
        var derBlob = new Certificate(CertStoreTypes.cstAuto, Pki.Client.RawData, "", "*");
        var p7bBlob = new Certificate(CertStoreTypes.cstAuto, p7b, "", "*");
        var base64Blob = new Certificate(CertStoreTypes.cstAuto, Convert.ToBase64String(Pki.Client.RawData), "", "*");

        Assert.True(pfxFile.PrivateKeyAvailable);
        Assert.True(pemFile.PrivateKeyAvailable);
        Assert.All(new[] { pfxFile, pemFile, derBlob, p7bBlob, base64Blob }, c => Assert.Equal(Pki.Client.Subject, c.Subject));
    }

    [Fact]
    public void cstAuto_refuses_data_it_cannot_recognise()
    {
        var error = Assert.Throws<SmtpException>(() => new Certificate(CertStoreTypes.cstAuto, [1, 2, 3, 4], "", "*"));

        Assert.Equal(SmtpErrorCodes.CertStoreError, error.Code);
        Assert.Contains("cstAuto", error.Message);
    }

    // ---- unsupported store types ----

    [Theory]
    [InlineData(CertStoreTypes.cstUser)]
    [InlineData(CertStoreTypes.cstMachine)]
    public void Windows_stores_elsewhere_are_not_supported_and_the_message_says_what_to_use(CertStoreTypes type)
    {
        if (OperatingSystem.IsWindows())
        {
            // On Windows the store opens; an unknown subject is simply not found.
            Assert.Equal(SmtpErrorCodes.CertNotFound,
                Assert.Throws<SmtpException>(() => new Certificate(type, "MY", "", "CN=no such herald test certificate")).Code);
            return;
        }
        var error = Assert.Throws<SmtpException>(() => new Certificate(type, "MY", "", "*"));

        Assert.Equal(SmtpErrorCodes.NotSupported, error.Code);
        Assert.Contains("Windows certificate store", error.Message);
        Assert.Contains("PFX file (StoreType cstPFXFile)", error.Message);
    }

    [Theory]
    [InlineData(CertStoreTypes.cstJKSFile, "keytool")]
    [InlineData(CertStoreTypes.cstJKSBlob, "keytool")]
    [InlineData(CertStoreTypes.cstPPKFile, "puttygen")]
    [InlineData(CertStoreTypes.cstPPKBlob, "puttygen")]
    [InlineData(CertStoreTypes.cstXMLFile, "XML key files")]
    [InlineData(CertStoreTypes.cstXMLBlob, "XML key files")]
    [InlineData(CertStoreTypes.cstJWKFile, "JSON Web Keys")]
    [InlineData(CertStoreTypes.cstJWKBlob, "JSON Web Keys")]
    [InlineData(CertStoreTypes.cstBCFKSFile, "Bouncy Castle")]
    [InlineData(CertStoreTypes.cstBCFKSBlob, "Bouncy Castle")]
    [InlineData(CertStoreTypes.cstPKCS11, "PKCS#11")]
    [InlineData(CertStoreTypes.cstSSHPublicKeyFile, "SSH public keys")]
    [InlineData(CertStoreTypes.cstSSHPublicKeyBlob, "SSH public keys")]
    public void Foreign_store_types_are_not_supported_with_a_specific_message(CertStoreTypes type, string message)
    {
        var error = Assert.Throws<SmtpException>(() => new Certificate(type, "store", "", "*"));

        Assert.Equal(SmtpErrorCodes.NotSupported, error.Code);
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void An_undefined_store_type_is_an_invalid_argument()
    {
        Assert.Equal(SmtpErrorCodes.InvalidArgument,
            Assert.Throws<SmtpException>(() => new Certificate((CertStoreTypes)42, "x", "", "*")).Code);
    }

    // ---- certificate files and encoded certificates ----

    [Fact]
    public void The_file_constructor_loads_the_first_certificate_and_keeps_the_rest_as_chain()
    {
        string path = _dir.Write("chain.pem", Pki.Server.ExportCertificatePem() + Pki.Intermediate.ExportCertificatePem());
        string der = _dir.Write("server.der", Pki.Server.RawData);

        var cert = new Certificate(path);

        Assert.Equal(Pki.Server.Thumbprint, cert.ToX509()!.Thumbprint);
        Assert.Equal([Pki.Intermediate.Thumbprint], cert.Chain!.Select(c => c.Thumbprint));
        Assert.Equal(CertStoreTypes.cstPublicKeyFile, cert.StoreType);
        Assert.Equal(path, cert.Store);
        Assert.Equal(Pki.Server.Thumbprint, new Certificate(der).ToX509()!.Thumbprint);
    }

    [Fact]
    public void The_file_constructor_reports_missing_and_unreadable_files_as_271()
    {
        Assert.Equal(SmtpErrorCodes.CertStoreError, Assert.Throws<SmtpException>(() => new Certificate(_dir.File("nope.pem"))).Code);
        string garbage = _dir.Write("garbage.bin", [0x30, 0x03, 0x02, 0x01]);
        Assert.Equal(SmtpErrorCodes.CertStoreError, Assert.Throws<SmtpException>(() => new Certificate(garbage)).Code);
    }

    [Theory]
    [InlineData("der")]
    [InlineData("pem")]
    [InlineData("base64")]
    public void The_encoded_constructor_takes_DER_PEM_or_Base64(string form)
    {
        byte[] data = form switch
        {
            "der" => Pki.Client.RawData,
            "pem" => Encoding.ASCII.GetBytes(Pki.Client.ExportCertificatePem()),
            _ => Encoding.ASCII.GetBytes(Convert.ToBase64String(Pki.Client.RawData)),
        };

        var cert = new Certificate(data);

        Assert.Equal(Pki.Client.Subject, cert.Subject);
        Assert.False(cert.PrivateKeyAvailable);
    }

    [Fact]
    public void Encoded_data_that_is_not_a_certificate_is_error_10022()
    {
        Assert.Equal(SmtpErrorCodes.InvalidArgument, Assert.Throws<SmtpException>(() => new Certificate("hello"u8.ToArray())).Code);
        Assert.Equal(SmtpErrorCodes.InvalidArgument, Assert.Throws<SmtpException>(() => new Certificate(Array.Empty<byte>())).Code);
    }

    [Fact]
    public void The_encoded_store_constructors_find_the_key_in_the_store()
    {
        byte[] pfx = TestPki.Pfx(Pki.Client, TestPki.Password);

        var fromFile = new Certificate(CertStoreTypes.cstPFXFile, PfxFile(), TestPki.Password, Pki.Client.RawData);
        var fromBlob = new Certificate(CertStoreTypes.cstPFXBlob, pfx, TestPki.Password, Pki.Client.RawData);
        var publicStore = new Certificate(CertStoreTypes.cstPublicKeyBlob, Pki.Root.RawData, "", Pki.Client.RawData);

        Assert.True(fromFile.PrivateKeyAvailable);
        Assert.Equal(Pki.Client.Subject, fromFile.Subject);
        Assert.True(fromBlob.PrivateKeyAvailable);
        Assert.False(publicStore.PrivateKeyAvailable);
        Assert.Equal(Pki.Client.Subject, publicStore.Subject);
    }

    [Fact]
    public void The_encoded_store_constructor_fails_with_272_when_the_store_lacks_the_key()
    {
        byte[] pfx = TestPki.Pfx(Pki.Server, TestPki.Password);

        var error = Assert.Throws<SmtpException>(() =>
            new Certificate(CertStoreTypes.cstPFXBlob, pfx, TestPki.Password, Pki.Client.RawData));

        Assert.Equal(SmtpErrorCodes.CertNotFound, error.Code);
        Assert.Contains("no private key", error.Message);
    }

    // ---- the settable fields ----

    [Fact]
    public void Setting_the_store_fields_then_Subject_selects_a_certificate()
    {
        var cert = new Certificate
        {
            StoreType = CertStoreTypes.cstPFXFile,
            Store = PfxFile(),
            StorePassword = TestPki.Password,
            Subject = "client@example.test",
        };

        Assert.Equal(Pki.Client.Subject, cert.Subject);
        Assert.True(cert.PrivateKeyAvailable);

        cert.Subject = "CN=nobody";
        Assert.Equal("", cert.Subject);
        Assert.Null(cert.ToX509());

        cert.Subject = "*";
        Assert.NotNull(cert.ToX509());
        cert.Subject = "";
        Assert.True(cert.IsEmpty);
    }

    [Fact]
    public void Subject_on_the_default_Windows_store_fails_clearly_elsewhere()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }
        var error = Assert.Throws<SmtpException>(() => new Certificate { Subject = "CN=x" });

        Assert.Equal(SmtpErrorCodes.NotSupported, error.Code);
    }

    [Fact]
    public void StoreB_holds_blob_bytes_and_reading_it_returns_a_copy()
    {
        byte[] pfx = TestPki.Pfx(Pki.Client, TestPki.Password);
        var cert = new Certificate { StoreType = CertStoreTypes.cstPFXBlob, StoreB = pfx, StorePassword = TestPki.Password, Subject = "*" };

        Assert.True(cert.PrivateKeyAvailable);
        cert.StoreB[0] ^= 0xFF;
        Assert.Equal(pfx, cert.StoreB);
        Assert.Equal(Encoding.Latin1.GetString(pfx), cert.Store);
    }

    [Fact]
    public void Encoded_on_the_default_store_loads_the_certificate_with_its_subject()
    {
        var cert = new Certificate { Encoded = Pki.Server.ExportCertificatePem() };

        Assert.Equal(Pki.Server.Subject, cert.Subject);
        Assert.False(cert.PrivateKeyAvailable);

        cert.Encoded = "";
        Assert.True(cert.IsEmpty);
        Assert.Equal(SmtpErrorCodes.InvalidArgument, Assert.Throws<SmtpException>(() => cert.Encoded = "not base64!").Code);
    }

    [Fact]
    public void Encoded_searches_a_configured_store_for_the_key()
    {
        var withKey = new Certificate { StoreType = CertStoreTypes.cstPFXFile, Store = PfxFile(), StorePassword = TestPki.Password };
        withKey.EncodedB = Pki.Client.RawData;
        var withoutKey = new Certificate
        {
            StoreType = CertStoreTypes.cstPFXBlob,
            StoreB = TestPki.Pfx(Pki.Server, TestPki.Password),
            StorePassword = TestPki.Password,
        };
        withoutKey.Encoded = Convert.ToBase64String(Pki.Client.RawData);

        Assert.True(withKey.PrivateKeyAvailable);
        Assert.Equal(Pki.Client.Subject, withKey.Subject);
        // As documented: the certificate is loaded, but Subject reads empty because its key was not found.
        Assert.False(withoutKey.PrivateKeyAvailable);
        Assert.Equal("", withoutKey.Subject);
        Assert.Equal(Pki.Client.RawData, withoutKey.EncodedB);
    }

    [Fact]
    public void Encoded_PEM_text_with_the_key_carries_the_key()
    {
        var cert = new Certificate { Encoded = Pki.Client.ExportCertificatePem() + KeyPem(Pki.Client) };

        Assert.True(cert.PrivateKeyAvailable);
    }
}
