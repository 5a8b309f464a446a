using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Herald.Security.Certificates;

/// <summary>The encodings a certificate store can arrive in.</summary>
internal enum StoreFormat
{
    /// <summary>Not recognised.</summary>
    Unknown,
    /// <summary>PKCS#12 (PFX), RFC 7292.</summary>
    Pfx,
    /// <summary>PEM text (RFC 7468): certificates, keys, or a PKCS#7 block.</summary>
    Pem,
    /// <summary>One DER-encoded X.509 certificate.</summary>
    DerCertificate,
    /// <summary>A DER-encoded SubjectPublicKeyInfo (a bare public key).</summary>
    DerPublicKey,
    /// <summary>A DER-encoded PKCS#7 / CMS SignedData (RFC 5652) carrying certificates (a .p7b file).</summary>
    Pkcs7,
}

/// <summary>
/// Parses the store encodings Herald supports on every platform: PKCS#12, PEM (certificates and PKCS#8 / PKCS#1 /
/// SEC1 keys, encrypted PKCS#8 with the store password), DER certificates and public keys, and PKCS#7 bundles.
/// Every failure is an <see cref="SmtpException"/> with code 271 (the store cannot be opened).
/// </summary>
internal static class StoreFormats
{
    private const string SignedDataOid = "1.2.840.113549.1.7.2";
    private const string DataOid = "1.2.840.113549.1.7.1";

    /// <summary>Guesses the format of store bytes from their structure.</summary>
    /// <param name="data">The bytes.</param>
    public static StoreFormat Detect(ReadOnlySpan<byte> data)
    {
        if (LooksLikePem(data))
        {
            return StoreFormat.Pem;
        }
        if (data.IsEmpty || data[0] != 0x30)
        {
            return StoreFormat.Unknown;
        }
        try
        {
            var outer = new AsnReader(data.ToArray(), AsnEncodingRules.BER).ReadSequence();
            var first = outer.PeekTag();
            if (first.HasSameClassAndValue(Asn1Tag.Integer))
            {
                // PFX ::= SEQUENCE { version INTEGER (3), authSafe ContentInfo (data), macData OPTIONAL }
                outer.ReadInteger();
                var authSafe = outer.ReadSequence();
                return authSafe.ReadObjectIdentifier() == DataOid ? StoreFormat.Pfx : StoreFormat.Unknown;
            }
            if (first.HasSameClassAndValue(Asn1Tag.ObjectIdentifier))
            {
                // ContentInfo ::= SEQUENCE { contentType OID (signedData), content [0] EXPLICIT ... }
                return outer.ReadObjectIdentifier() == SignedDataOid ? StoreFormat.Pkcs7 : StoreFormat.Unknown;
            }
            if (first.HasSameClassAndValue(Asn1Tag.Sequence))
            {
                // Certificate ::= SEQUENCE { tbsCertificate SEQUENCE, signatureAlgorithm SEQUENCE, signature BIT STRING }
                // SubjectPublicKeyInfo ::= SEQUENCE { algorithm SEQUENCE, subjectPublicKey BIT STRING }
                outer.ReadSequence();
                var second = outer.PeekTag();
                if (second.HasSameClassAndValue(Asn1Tag.PrimitiveBitString))
                {
                    return StoreFormat.DerPublicKey;
                }
                return second.HasSameClassAndValue(Asn1Tag.Sequence) ? StoreFormat.DerCertificate : StoreFormat.Unknown;
            }
        }
        catch (AsnContentException)
        {
        }
        return StoreFormat.Unknown;
    }

    /// <summary>True when the bytes contain a PEM boundary line.</summary>
    /// <param name="data">The bytes.</param>
    public static bool LooksLikePem(ReadOnlySpan<byte> data) => data.IndexOf("-----BEGIN "u8) >= 0;

    /// <summary>
    /// Decodes a blob given as a string: PEM text is kept as text, otherwise Base64 is decoded, otherwise the characters
    /// are taken as bytes (the documented "binary string" form).
    /// </summary>
    /// <param name="text">The Store value.</param>
    public static byte[] DecodeBlobText(string text)
    {
        if (text.Contains("-----BEGIN ", StringComparison.Ordinal))
        {
            return Encoding.UTF8.GetBytes(text);
        }
        string compact = string.Concat(text.Where(c => !char.IsWhiteSpace(c)));
        if (compact.Length > 0 && compact.Length % 4 == 0)
        {
            byte[] buffer = new byte[compact.Length / 4 * 3];
            if (Convert.TryFromBase64String(compact, buffer, out int written))
            {
                return buffer.AsSpan(0, written).ToArray();
            }
        }
        return Encoding.Latin1.GetBytes(text);
    }

    /// <summary>Loads a PKCS#12 store.</summary>
    /// <param name="data">The PFX bytes.</param>
    /// <param name="password">StorePassword.</param>
    /// <param name="persistKey">PersistPFXKey: keep the key in the Windows key store (ignored elsewhere).</param>
    /// <param name="what">How to name the store in messages.</param>
    /// <exception cref="SmtpException">271: wrong password or damaged data.</exception>
    public static StoreContent ReadPfx(byte[] data, string password, bool persistKey, string what)
    {
        var flags = X509KeyStorageFlags.Exportable;
        if (OperatingSystem.IsWindows() && !persistKey)
        {
            flags |= X509KeyStorageFlags.EphemeralKeySet;
        }
        X509Certificate2Collection collection;
        try
        {
            collection = X509CertificateLoader.LoadPkcs12Collection(data, password, flags);
        }
        catch (CryptographicException e)
        {
            throw new SmtpException(SmtpErrorCodes.CertStoreError,
                $"The PFX (PKCS#12) store {what} cannot be opened: {e.Message.TrimEnd('.')}. " +
                "Check StorePassword, and that the data is a PKCS#12 file.", e);
        }
        var content = new StoreContent();
        // A PFX lists the CA certificates as well; put the ones with keys first so "*" picks the usable one.
        content.Certificates.AddRange(collection.Where(c => c.HasPrivateKey));
        content.Certificates.AddRange(collection.Where(c => !c.HasPrivateKey));
        return content;
    }

    /// <summary>Reads PEM text: certificates, private keys, public keys and PKCS#7 blocks; other blocks are skipped.</summary>
    /// <param name="data">The PEM bytes (UTF-8 / ASCII).</param>
    /// <param name="password">StorePassword, used for ENCRYPTED PRIVATE KEY blocks.</param>
    /// <param name="what">How to name the store in messages.</param>
    /// <exception cref="SmtpException">271: a block cannot be read or decrypted, or nothing usable was found.</exception>
    public static StoreContent ReadPem(byte[] data, string password, string what)
    {
        string text = Encoding.UTF8.GetString(data);
        if (text.Contains("Proc-Type: 4,ENCRYPTED", StringComparison.Ordinal))
        {
            // RFC 1421-style encrypted keys ("traditional" OpenSSL format) are not readable by .NET.
            throw new SmtpException(SmtpErrorCodes.CertStoreError,
                $"The PEM store {what} holds a key in the legacy encrypted format (Proc-Type: 4,ENCRYPTED), which is not " +
                "supported. Convert it to PKCS#8 with: openssl pkcs8 -topk8 -in old.key -out new.key");
        }
        var content = new StoreContent();
        ReadOnlySpan<char> rest = SeparateBlocks(text);
        while (PemEncoding.TryFind(rest, out var fields))
        {
            string label = rest[fields.Label].ToString();
            byte[] der = Convert.FromBase64String(rest[fields.Base64Data].ToString());
            rest = rest[fields.Location.End..];
            switch (label)
            {
                case "CERTIFICATE":
                case "X509 CERTIFICATE":
                    content.Certificates.Add(LoadCertificate(der, what));
                    break;
                case "PRIVATE KEY":
                    content.LooseKeys.Add((ImportPkcs8(der, what), true));
                    break;
                case "ENCRYPTED PRIVATE KEY":
                    content.LooseKeys.Add((ImportEncryptedPkcs8(der, password, what), true));
                    break;
                case "RSA PRIVATE KEY":
                    content.LooseKeys.Add((Import(what, () =>
                    {
                        var k = RSA.Create();
                        k.ImportRSAPrivateKey(der, out _);
                        return k;
                    }), true));
                    break;
                case "EC PRIVATE KEY":
                    content.LooseKeys.Add((Import(what, () =>
                    {
                        var k = ECDsa.Create();
                        k.ImportECPrivateKey(der, out _);
                        return k;
                    }), true));
                    break;
                case "PUBLIC KEY":
                    content.LooseKeys.Add((ImportPublicKey(der, what), false));
                    break;
                case "PKCS7":
                case "CMS":
                    content.Certificates.AddRange(ReadPkcs7(der, what).Certificates);
                    break;
            }
        }
        if (content.Certificates.Count == 0 && content.LooseKeys.Count == 0)
        {
            throw new SmtpException(SmtpErrorCodes.CertStoreError,
                $"The PEM store {what} contains no certificate or key (no readable -----BEGIN CERTIFICATE----- or " +
                "-----BEGIN PRIVATE KEY----- block).");
        }
        content.PairKeys();
        return content;
    }

    /// <summary>
    /// Puts a line break between PEM blocks that were joined without one (<c>...-----END CERTIFICATE----------BEGIN ...</c>,
    /// as string concatenation in code produces), which RFC 7468 parsing would otherwise reject.
    /// </summary>
    /// <param name="text">PEM text.</param>
    public static string SeparateBlocks(string text) => text.Replace("----------BEGIN ", "-----\n-----BEGIN ", StringComparison.Ordinal);

    /// <summary>Reads the certificates of a PKCS#7 SignedData (RFC 5652 §5.1), DER or BER.</summary>
    /// <param name="data">The bytes (a PEM PKCS7 block is also accepted).</param>
    /// <param name="what">How to name the store in messages.</param>
    /// <exception cref="SmtpException">271: the data is not a PKCS#7 certificate bundle.</exception>
    public static StoreContent ReadPkcs7(byte[] data, string what)
    {
        if (LooksLikePem(data))
        {
            return ReadPem(data, "", what);
        }
        var content = new StoreContent();
        try
        {
            var contentInfo = new AsnReader(data, AsnEncodingRules.BER).ReadSequence();
            if (contentInfo.ReadObjectIdentifier() != SignedDataOid)
            {
                throw new AsnContentException("not a SignedData");
            }
            var signedData = contentInfo.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0)).ReadSequence();
            signedData.ReadInteger();           // version
            signedData.ReadSetOf();             // digestAlgorithms
            signedData.ReadSequence();          // encapContentInfo
            var certificatesTag = new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true);
            if (signedData.HasData && signedData.PeekTag().HasSameClassAndValue(certificatesTag))
            {
                var certificates = signedData.ReadSetOf(certificatesTag);
                while (certificates.HasData)
                {
                    var tag = certificates.PeekTag();
                    var encoded = certificates.ReadEncodedValue();
                    // CertificateChoices: only the plain X.509 certificate (a SEQUENCE) is of use here.
                    if (tag.HasSameClassAndValue(Asn1Tag.Sequence))
                    {
                        content.Certificates.Add(LoadCertificate(encoded.ToArray(), what));
                    }
                }
            }
        }
        catch (AsnContentException e)
        {
            throw new SmtpException(SmtpErrorCodes.CertStoreError,
                $"The PKCS#7 (P7B) store {what} cannot be read: {e.Message}. Check that it is a .p7b certificate bundle.", e);
        }
        return content;
    }

    /// <summary>Reads DER, PEM or Base64 data holding public certificates (or a bare public key).</summary>
    /// <param name="data">The bytes.</param>
    /// <param name="what">How to name the store in messages.</param>
    /// <exception cref="SmtpException">271: nothing readable.</exception>
    public static StoreContent ReadPublic(byte[] data, string what)
    {
        switch (Detect(data))
        {
            case StoreFormat.Pem:
                return ReadPem(data, "", what);
            case StoreFormat.Pkcs7:
                return ReadPkcs7(data, what);
            case StoreFormat.DerCertificate:
                var content = new StoreContent();
                content.Certificates.Add(LoadCertificate(data, what));
                return content;
            case StoreFormat.DerPublicKey:
                var keyOnly = new StoreContent();
                keyOnly.LooseKeys.Add((ImportPublicKey(data, what), false));
                return keyOnly;
        }
        if (TryBase64(data) is { } decoded)
        {
            return ReadPublic(decoded, what);
        }
        throw new SmtpException(SmtpErrorCodes.CertStoreError,
            $"The store {what} is not a PEM, DER or Base64 certificate.");
    }

    /// <summary>Reads any supported format, detected from the data (cstAuto).</summary>
    /// <param name="data">The bytes.</param>
    /// <param name="password">StorePassword.</param>
    /// <param name="persistKey">PersistPFXKey.</param>
    /// <param name="what">How to name the store in messages.</param>
    /// <exception cref="SmtpException">271: the format is not recognised or the store cannot be read.</exception>
    public static StoreContent ReadAuto(byte[] data, string password, bool persistKey, string what)
    {
        switch (Detect(data))
        {
            case StoreFormat.Pfx:
                return ReadPfx(data, password, persistKey, what);
            case StoreFormat.Pem:
                return ReadPem(data, password, what);
            case StoreFormat.Pkcs7:
            case StoreFormat.DerCertificate:
            case StoreFormat.DerPublicKey:
                return ReadPublic(data, what);
        }
        if (TryBase64(data) is { } decoded && Detect(decoded) != StoreFormat.Unknown)
        {
            return ReadAuto(decoded, password, persistKey, what);
        }
        throw new SmtpException(SmtpErrorCodes.CertStoreError,
            $"The format of the store {what} was not recognised (cstAuto reads PFX, PEM, DER and P7B). " +
            "Set StoreType to the store's real type.");
    }

    /// <summary>Parses one DER certificate.</summary>
    /// <exception cref="SmtpException">271: not a certificate.</exception>
    public static X509Certificate2 LoadCertificate(byte[] der, string what)
    {
        try
        {
            return X509CertificateLoader.LoadCertificate(der);
        }
        catch (CryptographicException e)
        {
            throw new SmtpException(SmtpErrorCodes.CertStoreError, $"A certificate in {what} cannot be read: {e.Message}", e);
        }
    }

    private static byte[]? TryBase64(byte[] data)
    {
        string text = Encoding.ASCII.GetString(data);
        string compact = string.Concat(text.Where(c => !char.IsWhiteSpace(c)));
        if (compact.Length == 0 || compact.Length % 4 != 0)
        {
            return null;
        }
        byte[] buffer = new byte[compact.Length / 4 * 3];
        return Convert.TryFromBase64String(compact, buffer, out int written) ? buffer.AsSpan(0, written).ToArray() : null;
    }

    private static AsymmetricAlgorithm ImportPkcs8(byte[] der, string what)
    {
        // PrivateKeyInfo ::= SEQUENCE { version, privateKeyAlgorithm AlgorithmIdentifier, privateKey, ... } (RFC 5208)
        string? oid = null;
        try
        {
            var info = new AsnReader(der, AsnEncodingRules.BER).ReadSequence();
            info.ReadInteger();
            oid = info.ReadSequence().ReadObjectIdentifier();
        }
        catch (AsnContentException)
        {
        }
        return oid switch
        {
            "1.2.840.113549.1.1.1" => Import(what, () => { var k = RSA.Create(); k.ImportPkcs8PrivateKey(der, out _); return k; }),
            "1.2.840.10045.2.1" => Import(what, () => { var k = ECDsa.Create(); k.ImportPkcs8PrivateKey(der, out _); return k; }),
            "1.2.840.10040.4.1" => Import(what, () => { var k = DSA.Create(); k.ImportPkcs8PrivateKey(der, out _); return k; }),
            _ => throw new SmtpException(SmtpErrorCodes.CertStoreError,
                $"The private key in {what} uses an unsupported algorithm ({AlgorithmName(oid)}); RSA, ECDSA and DSA keys are supported."),
        };
    }

    private static AsymmetricAlgorithm ImportEncryptedPkcs8(byte[] der, string password, string what)
    {
        // The algorithm is only visible once decrypted, so try each key type .NET can hold.
        Func<AsymmetricAlgorithm>[] factories = [RSA.Create, ECDsa.Create, DSA.Create];
        CryptographicException? last = null;
        foreach (var factory in factories)
        {
            var key = factory();
            try
            {
                key.ImportEncryptedPkcs8PrivateKey(password, der, out _);
                return key;
            }
            catch (CryptographicException e)
            {
                key.Dispose();
                last = e;
            }
        }
        throw new SmtpException(SmtpErrorCodes.CertStoreError,
            $"The encrypted private key in {what} cannot be decrypted: the StorePassword is wrong, or the key is not RSA, ECDSA or DSA.",
            last);
    }

    private static AsymmetricAlgorithm ImportPublicKey(byte[] der, string what)
    {
        string? oid = null;
        try
        {
            oid = new AsnReader(der, AsnEncodingRules.BER).ReadSequence().ReadSequence().ReadObjectIdentifier();
        }
        catch (AsnContentException)
        {
        }
        return oid switch
        {
            "1.2.840.113549.1.1.1" => Import(what, () => { var k = RSA.Create(); k.ImportSubjectPublicKeyInfo(der, out _); return k; }),
            "1.2.840.10045.2.1" => Import(what, () => { var k = ECDsa.Create(); k.ImportSubjectPublicKeyInfo(der, out _); return k; }),
            "1.2.840.10040.4.1" => Import(what, () => { var k = DSA.Create(); k.ImportSubjectPublicKeyInfo(der, out _); return k; }),
            _ => throw new SmtpException(SmtpErrorCodes.CertStoreError,
                $"The public key in {what} uses an unsupported algorithm ({AlgorithmName(oid)})."),
        };
    }

    private static string AlgorithmName(string? oid) => oid switch
    {
        null => "unreadable",
        "1.3.101.112" => "Ed25519",
        "1.3.101.113" => "Ed448",
        "1.3.101.110" => "X25519",
        "1.3.101.111" => "X448",
        _ => oid,
    };

    private static AsymmetricAlgorithm Import(string what, Func<AsymmetricAlgorithm> import)
    {
        try
        {
            return import();
        }
        catch (CryptographicException e)
        {
            throw new SmtpException(SmtpErrorCodes.CertStoreError, $"A key in {what} cannot be read: {e.Message}", e);
        }
    }
}
