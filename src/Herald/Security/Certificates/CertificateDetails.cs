using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Herald.Security.Certificates;

/// <summary>
/// The read-only text fields of a <see cref="Certificate"/>, computed once from the X.509 data (or from a bare key
/// when a PEM store held no certificate).
/// </summary>
internal sealed class CertificateDetails
{
    /// <summary>The date format the fields use, e.g. <c>23-Jan-2000 15:00:00</c> (local time).</summary>
    public const string DateFormat = "dd-MMM-yyyy HH:mm:ss";

    private static readonly (X509KeyUsageFlags Flag, string Name)[] s_usageNames =
    [
        (X509KeyUsageFlags.DigitalSignature, "Digital Signature"),
        (X509KeyUsageFlags.NonRepudiation, "Non-Repudiation"),
        (X509KeyUsageFlags.KeyEncipherment, "Key Encipherment"),
        (X509KeyUsageFlags.DataEncipherment, "Data Encipherment"),
        (X509KeyUsageFlags.KeyAgreement, "Key Agreement"),
        (X509KeyUsageFlags.KeyCertSign, "Certificate Signing"),
        (X509KeyUsageFlags.CrlSign, "CRL Signing"),
        (X509KeyUsageFlags.EncipherOnly, "Encipher Only"),
        (X509KeyUsageFlags.DecipherOnly, "Decipher Only"),
    ];

    /// <summary>Details with every field empty.</summary>
    public static CertificateDetails Empty { get; } = new();

    public string EffectiveDate { get; private init; } = "";
    public string ExpirationDate { get; private init; } = "";
    public string ExtendedKeyUsage { get; private init; } = "";
    public string Fingerprint { get; private init; } = "";
    public string FingerprintSHA1 { get; private init; } = "";
    public string FingerprintSHA256 { get; private init; } = "";
    public string Issuer { get; private init; } = "";
    public string Subject { get; private init; } = "";
    public string PrivateKey { get; private init; } = "";
    public bool PrivateKeyAvailable { get; private init; }
    public string PrivateKeyContainer { get; private init; } = "";
    public string PublicKey { get; private init; } = "";
    public string PublicKeyAlgorithm { get; private init; } = "";
    public int PublicKeyLength { get; private init; }
    public string SerialNumber { get; private init; } = "";
    public string SignatureAlgorithm { get; private init; } = "";
    public string SubjectAltNames { get; private init; } = "";
    public string ThumbprintMD5 { get; private init; } = "";
    public string ThumbprintSHA1 { get; private init; } = "";
    public string ThumbprintSHA256 { get; private init; } = "";
    public string Usage { get; private init; } = "";
    public int UsageFlags { get; private init; }
    public string Version { get; private init; } = "";

    /// <summary>Computes the fields of an X.509 certificate.</summary>
    /// <param name="certificate">The certificate, with or without its private key.</param>
    public static CertificateDetails From(X509Certificate2 certificate)
    {
        byte[] der = certificate.RawData;
        byte[] md5 = MD5.HashData(der);
        byte[] sha1 = SHA1.HashData(der);
        byte[] sha256 = SHA256.HashData(der);
        var (usage, usageFlags) = KeyUsage(certificate);
        using var privateKey = certificate.HasPrivateKey ? GetPrivateKey(certificate) : null;
        return new CertificateDetails
        {
            EffectiveDate = FormatDate(certificate.NotBefore),
            ExpirationDate = FormatDate(certificate.NotAfter),
            ExtendedKeyUsage = ExtendedKeyUsages(certificate),
            Fingerprint = Hex.WithColons(md5),
            FingerprintSHA1 = Hex.WithColons(sha1),
            FingerprintSHA256 = Hex.WithColons(sha256),
            ThumbprintMD5 = Convert.ToHexStringLower(md5),
            ThumbprintSHA1 = Convert.ToHexStringLower(sha1),
            ThumbprintSHA256 = Convert.ToHexStringLower(sha256),
            Issuer = certificate.Issuer,
            Subject = certificate.Subject,
            PrivateKeyAvailable = certificate.HasPrivateKey,
            PrivateKey = privateKey is null ? "" : ExportPrivateKeyPem(privateKey),
            PrivateKeyContainer = privateKey is null ? "" : KeyContainerName(privateKey),
            PublicKey = PemEncoding.WriteString("PUBLIC KEY", certificate.PublicKey.ExportSubjectPublicKeyInfo()),
            PublicKeyAlgorithm = KeyAlgorithmName(certificate.PublicKey.Oid),
            PublicKeyLength = PublicKeyBits(certificate),
            SerialNumber = certificate.SerialNumber,
            SignatureAlgorithm = certificate.SignatureAlgorithm.FriendlyName ?? certificate.SignatureAlgorithm.Value ?? "",
            SubjectAltNames = string.Join(", ", GeneralNames.Read(certificate).Select(n => n.Value)),
            Usage = usage,
            UsageFlags = usageFlags,
            Version = "V" + certificate.Version.ToString(CultureInfo.InvariantCulture),
        };
    }

    /// <summary>
    /// Computes the fields of a key that came without a certificate (a PEM store holding only a key). The
    /// fingerprints are hashes of the DER SubjectPublicKeyInfo, since there is no certificate to hash.
    /// </summary>
    /// <param name="key">The key.</param>
    /// <param name="isPrivate">True when <paramref name="key"/> holds the private half.</param>
    public static CertificateDetails FromKey(AsymmetricAlgorithm key, bool isPrivate)
    {
        byte[] spki = key.ExportSubjectPublicKeyInfo();
        var publicKey = System.Security.Cryptography.X509Certificates.PublicKey.CreateFromSubjectPublicKeyInfo(spki, out _);
        return new CertificateDetails
        {
            Fingerprint = Hex.WithColons(MD5.HashData(spki)),
            FingerprintSHA1 = Hex.WithColons(SHA1.HashData(spki)),
            FingerprintSHA256 = Hex.WithColons(SHA256.HashData(spki)),
            PrivateKeyAvailable = isPrivate,
            PrivateKey = isPrivate ? ExportPrivateKeyPem(key) : "",
            PublicKey = PemEncoding.WriteString("PUBLIC KEY", spki),
            PublicKeyAlgorithm = KeyAlgorithmName(publicKey.Oid),
            PublicKeyLength = key.KeySize,
        };
    }

    /// <summary>Formats a date the documented way, in local time.</summary>
    /// <param name="value">The date (local or UTC).</param>
    public static string FormatDate(DateTime value) =>
        value.ToLocalTime().ToString(DateFormat, CultureInfo.InvariantCulture);

    /// <summary>A short name for a public-key algorithm OID, or the OID itself.</summary>
    /// <param name="oid">The algorithm OID.</param>
    public static string KeyAlgorithmName(Oid oid) => oid.Value switch
    {
        "1.2.840.113549.1.1.1" => "RSA",
        "1.2.840.113549.1.1.10" => "RSASSA-PSS",
        "1.2.840.10045.2.1" => "ECDSA",
        "1.2.840.10040.4.1" => "DSA",
        "1.2.840.10046.2.1" => "DH",
        "1.3.101.110" => "X25519",
        "1.3.101.111" => "X448",
        "1.3.101.112" => "Ed25519",
        "1.3.101.113" => "Ed448",
        _ => oid.Value ?? "",
    };

    /// <summary>The size in bits of a certificate's public key.</summary>
    /// <param name="certificate">The certificate.</param>
    public static int PublicKeyBits(X509Certificate2 certificate)
    {
        try
        {
            switch (certificate.PublicKey.Oid.Value)
            {
                case "1.2.840.113549.1.1.1":
                case "1.2.840.113549.1.1.10":
                    using (var rsa = certificate.GetRSAPublicKey())
                    {
                        return rsa?.KeySize ?? 0;
                    }
                case "1.2.840.10045.2.1":
                    using (var ec = certificate.GetECDsaPublicKey())
                    {
                        return ec?.KeySize ?? 0;
                    }
                case "1.2.840.10040.4.1":
                    using (var dsa = certificate.GetDSAPublicKey())
                    {
                        return dsa?.KeySize ?? 0;
                    }
                case "1.3.101.110" or "1.3.101.112":
                    return 256;
                case "1.3.101.111":
                    return 448;
                case "1.3.101.113":
                    return 456;
            }
        }
        catch (CryptographicException)
        {
            // An unusual key encoding: fall back to the size of the raw key bits below.
        }
        return certificate.PublicKey.EncodedKeyValue.RawData.Length * 8;
    }

    /// <summary>Exports a private key as PKCS#8 PEM, or returns an empty string when the key cannot be exported.</summary>
    /// <param name="key">The key.</param>
    public static string ExportPrivateKeyPem(AsymmetricAlgorithm key)
    {
        try
        {
            return key.ExportPkcs8PrivateKeyPem();
        }
        catch (Exception e) when (e is CryptographicException or NotSupportedException or NotImplementedException)
        {
            // The documented behaviour: a key that is present but not exportable reads as "".
            return "";
        }
    }

    /// <summary>Returns the certificate's private key object, or null for an algorithm .NET cannot open.</summary>
    /// <param name="certificate">A certificate with a private key.</param>
    public static AsymmetricAlgorithm? GetPrivateKey(X509Certificate2 certificate)
    {
        try
        {
            return certificate.PublicKey.Oid.Value switch
            {
                "1.2.840.113549.1.1.1" or "1.2.840.113549.1.1.10" => certificate.GetRSAPrivateKey(),
                "1.2.840.10045.2.1" => (AsymmetricAlgorithm?)certificate.GetECDsaPrivateKey() ?? certificate.GetECDiffieHellmanPrivateKey(),
                "1.2.840.10040.4.1" => certificate.GetDSAPrivateKey(),
                _ => null,
            };
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    private static string KeyContainerName(AsymmetricAlgorithm key)
    {
        // Key containers exist only in the Windows key stores (CNG / CAPI); elsewhere the field is documented empty.
        if (!OperatingSystem.IsWindows())
        {
            return "";
        }
        try
        {
            return key switch
            {
                RSACng rsa => rsa.Key.KeyName ?? "",
                ECDsaCng ec => ec.Key.KeyName ?? "",
                RSACryptoServiceProvider csp => csp.CspKeyContainerInfo.KeyContainerName ?? "",
                _ => "",
            };
        }
        catch (CryptographicException)
        {
            return "";
        }
    }

    private static (string Names, int Flags) KeyUsage(X509Certificate2 certificate)
    {
        if (certificate.Extensions["2.5.29.15"] is not X509KeyUsageExtension extension)
        {
            return ("", 0);
        }
        var flags = extension.KeyUsages;
        var names = s_usageNames.Where(u => (flags & u.Flag) != 0).Select(u => u.Name);
        return (string.Join(", ", names), (int)flags);
    }

    private static string ExtendedKeyUsages(X509Certificate2 certificate)
    {
        if (certificate.Extensions["2.5.29.37"] is not X509EnhancedKeyUsageExtension extension)
        {
            return "";
        }
        var oids = new List<string>();
        foreach (var oid in extension.EnhancedKeyUsages)
        {
            if (oid.Value is { } value)
            {
                oids.Add(value);
            }
        }
        return string.Join(", ", oids);
    }
}

/// <summary>Hex formatting for fingerprints.</summary>
internal static class Hex
{
    /// <summary>Lower-case hex digit pairs separated by colons, e.g. <c>bc:2a:72</c>.</summary>
    /// <param name="bytes">The bytes.</param>
    public static string WithColons(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return "";
        }
        string hex = Convert.ToHexStringLower(bytes);
        return string.Create(bytes.Length * 3 - 1, hex, static (span, h) =>
        {
            for (int i = 0, j = 0; i < h.Length; i += 2)
            {
                if (i > 0)
                {
                    span[j++] = ':';
                }
                span[j++] = h[i];
                span[j++] = h[i + 1];
            }
        });
    }

    /// <summary>
    /// Normalises a user-supplied thumbprint: drops colons, spaces and dashes and lower-cases it. Returns null when what
    /// is left is not an MD5, SHA-1 or SHA-256 sized hex string.
    /// </summary>
    /// <param name="text">The thumbprint as typed.</param>
    public static string? NormalizeThumbprint(string text)
    {
        var chars = text.Where(c => c is not (':' or ' ' or '-' or '\t')).ToArray();
        if (chars.Length is not (32 or 40 or 64) || !chars.All(char.IsAsciiHexDigit))
        {
            return null;
        }
        return new string(chars).ToLowerInvariant();
    }
}
