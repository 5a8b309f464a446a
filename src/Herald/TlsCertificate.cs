using System.Collections.Concurrent;
using System.Collections.ObjectModel;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Herald.Security.Certificates;

namespace Herald;

/// <summary>
/// An X.509 certificate as <see cref="SmtpClient"/>'s certificate lists hold it (<see cref="SmtpClient.ClientCerts"/>,
/// <see cref="SmtpClient.TrustedCerts"/>, <see cref="SmtpClient.KnownCerts"/>, <see cref="SmtpClient.BlockedCerts"/>,
/// <see cref="SmtpClient.ServerCerts"/>): the .NET certificate, with or without its private key, and its fields.
/// </summary>
/// <remarks>Fields are computed from the certificate when first read. Names (<see cref="Subject"/>,
/// <see cref="Issuer"/>) are the common names; the RDN fields hold the whole names.</remarks>
public sealed class TlsCertificate
{
    private static long s_lastHandle;
    private static readonly ConcurrentDictionary<long, WeakReference<X509Certificate2>> s_handles = new();

    private X509Certificate2 _certificate;
    private long _handle;

    /// <summary>Wraps a .NET certificate (with its private key, if it has one).</summary>
    /// <param name="certificate">The certificate.</param>
    /// <exception cref="ArgumentNullException"><paramref name="certificate"/> is null.</exception>
    public TlsCertificate(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        _certificate = certificate;
        _handle = Register(certificate);
    }

    /// <summary>Reads a certificate from bytes: DER, PEM text (a private key in the same PEM is attached when it
    /// matches), or PKCS#12 (PFX) opened with <paramref name="password"/>.</summary>
    /// <param name="data">The bytes.</param>
    /// <param name="password">The PKCS#12 or encrypted-key password, or "".</param>
    /// <exception cref="SmtpException">10022 when the bytes hold no certificate; 271 when a PKCS#12 store cannot be
    /// opened (a wrong password, for one).</exception>
    public TlsCertificate(byte[] data, string password = "")
        : this(LoadFirst(data ?? throw new ArgumentNullException(nameof(data)), password ?? ""))
    {
    }

    /// <summary>
    /// Reads the certificates of a file: PEM (certificates and a private key), DER, PKCS#7 or PKCS#12 (PFX). The
    /// certificate with the private key (or else the first) comes first, then the others in the file's order, so the
    /// result can go straight into <see cref="SmtpClient.ClientCerts"/>.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="password">The PKCS#12 or encrypted-key password, or "".</param>
    /// <exception cref="SmtpException">271 when the file cannot be read or opened; 272 when it holds no certificate.</exception>
    public static IReadOnlyList<TlsCertificate> LoadFile(string path, string password = "")
    {
        ArgumentNullException.ThrowIfNull(path);
        var store = new Certificate(CertStoreTypes.cstAuto, path, password ?? "", "*");
        var result = new List<TlsCertificate>();
        if (store.ToX509() is { } first)
        {
            result.Add(new TlsCertificate(first));
        }
        if (store.Chain is { } chain)
        {
            result.AddRange(chain.Select(c => new TlsCertificate(c)));
        }
        if (result.Count == 0)
        {
            throw new SmtpException(SmtpErrorCodes.CertNotFound, $"'{path}' holds no certificate.");
        }
        return result;
    }

    /// <summary>The .NET certificate.</summary>
    public X509Certificate2 Certificate => _certificate;

    /// <summary>
    /// An identifier of the underlying certificate object, the same in every list that holds it. Setting it to the
    /// handle of another live <see cref="TlsCertificate"/> makes this entry refer to that certificate (the way to share
    /// one certificate object between components).
    /// </summary>
    /// <exception cref="SmtpException">10022 when set to a handle that names no live certificate.</exception>
    public long Handle
    {
        get => _handle;
        set
        {
            if (!s_handles.TryGetValue(value, out var reference) || !reference.TryGetTarget(out var certificate))
            {
                throw new SmtpException(SmtpErrorCodes.InvalidArgument, $"Handle {value} names no certificate that is still in use.");
            }
            _certificate = certificate;
            _handle = value;
        }
    }

    /// <summary>True when the private key is present (needed for a client certificate).</summary>
    public bool HasPrivateKey => _certificate.HasPrivateKey;

    /// <summary>The certificate in DER form.</summary>
    public byte[] Bytes => _certificate.RawData;

    /// <summary>The Authority Key Identifier: the id of the issuing CA's key, or empty.</summary>
    public byte[] CAKeyID =>
        _certificate.Extensions["2.5.29.35"] is { } aki
            ? new X509AuthorityKeyIdentifierExtension(aki.RawData, aki.Critical).KeyIdentifier?.ToArray() ?? []
            : [];

    /// <summary>The SHA-256 hash of the certificate (its fingerprint).</summary>
    public byte[] Fingerprint => SHA256.HashData(_certificate.RawData);

    /// <summary>The issuer's common name (or its whole name when it has none).</summary>
    public string Issuer => CommonName(_certificate, forIssuer: true);

    /// <summary>The issuer's whole name as <c>/OID=value</c> pairs in order, e.g. <c>/C=DE/O=Example/CN=Example CA</c>.</summary>
    public string IssuerRDN => Rdn(_certificate.IssuerName);

    /// <summary>The public key algorithm: RSA, ECDSA, DSA, Ed25519, ... (or its OID).</summary>
    public string KeyAlgorithm => CertificateDetails.KeyAlgorithmName(_certificate.PublicKey.Oid);

    /// <summary>The public key's size in bits.</summary>
    public int KeyBits => CertificateDetails.PublicKeyBits(_certificate);

    /// <summary>The SHA-256 hash of the public key (its SubjectPublicKeyInfo).</summary>
    public byte[] KeyFingerprint => SHA256.HashData(_certificate.PublicKey.ExportSubjectPublicKeyInfo());

    /// <summary>
    /// The key usage bits: 0x1 digital signature, 0x2 non-repudiation, 0x4 key encipherment, 0x8 data encipherment,
    /// 0x10 key agreement, 0x20 certificate signing, 0x40 CRL signing, 0x80 encipher only, 0x100 decipher only; 0 when
    /// the certificate has no key usage extension.
    /// </summary>
    public int KeyUsage
    {
        get
        {
            if (_certificate.Extensions["2.5.29.15"] is not X509KeyUsageExtension usage)
            {
                return 0;
            }
            var flags = usage.KeyUsages;
            int bits = 0;
            foreach (var (flag, bit) in s_usageBits)
            {
                if ((flags & flag) != 0)
                {
                    bits |= bit;
                }
            }
            return bits;
        }
    }

    /// <summary>The public key in DER form (SubjectPublicKeyInfo).</summary>
    public byte[] PublicKeyBytes => _certificate.PublicKey.ExportSubjectPublicKeyInfo();

    /// <summary>True when the certificate is issued by itself (subject and issuer are the same name).</summary>
    public bool SelfSigned => _certificate.SubjectName.RawData.AsSpan().SequenceEqual(_certificate.IssuerName.RawData);

    /// <summary>The serial number (big-endian bytes).</summary>
    public byte[] SerialNumber => _certificate.SerialNumberBytes.ToArray();

    /// <summary>The algorithm the issuer signed the certificate with, e.g. <c>sha256RSA</c> (or its OID).</summary>
    public string SigAlgorithm => _certificate.SignatureAlgorithm.FriendlyName ?? _certificate.SignatureAlgorithm.Value ?? "";

    /// <summary>The subject's common name (or its whole name when it has none).</summary>
    public string Subject => CommonName(_certificate, forIssuer: false);

    /// <summary>The Subject Key Identifier, or empty.</summary>
    public byte[] SubjectKeyID =>
        _certificate.Extensions["2.5.29.14"] is X509SubjectKeyIdentifierExtension ski && ski.SubjectKeyIdentifier is { } hex
            ? Convert.FromHexString(hex)
            : [];

    /// <summary>The subject's whole name as <c>/OID=value</c> pairs in order.</summary>
    public string SubjectRDN => Rdn(_certificate.SubjectName);

    /// <summary>The start of validity in UTC, as <c>yyyy-MM-ddTHH:mm:ssZ</c>.</summary>
    public string ValidFrom => Utc(_certificate.NotBefore);

    /// <summary>The end of validity in UTC, as <c>yyyy-MM-ddTHH:mm:ssZ</c>.</summary>
    public string ValidTo => Utc(_certificate.NotAfter);

    /// <summary>The subject's common name and the fingerprint, for a person reading a list.</summary>
    public override string ToString() => $"{Subject} ({Convert.ToHexStringLower(Fingerprint)[..16]}...)";

    private static readonly (X509KeyUsageFlags Flag, int Bit)[] s_usageBits =
    [
        (X509KeyUsageFlags.DigitalSignature, 0x1), (X509KeyUsageFlags.NonRepudiation, 0x2),
        (X509KeyUsageFlags.KeyEncipherment, 0x4), (X509KeyUsageFlags.DataEncipherment, 0x8),
        (X509KeyUsageFlags.KeyAgreement, 0x10), (X509KeyUsageFlags.KeyCertSign, 0x20), (X509KeyUsageFlags.CrlSign, 0x40),
        (X509KeyUsageFlags.EncipherOnly, 0x80), (X509KeyUsageFlags.DecipherOnly, 0x100),
    ];

    private static long Register(X509Certificate2 certificate)
    {
        // One handle per certificate object, so the same object in two lists has the same handle.
        foreach (var (handle, reference) in s_handles)
        {
            if (!reference.TryGetTarget(out var live))
            {
                s_handles.TryRemove(handle, out _);
            }
            else if (ReferenceEquals(live, certificate))
            {
                return handle;
            }
        }
        long next = Interlocked.Increment(ref s_lastHandle);
        s_handles[next] = new WeakReference<X509Certificate2>(certificate);
        return next;
    }

    private static X509Certificate2 LoadFirst(byte[] data, string password)
    {
        var store = new Certificate(CertStoreTypes.cstAuto, data, password, "*");
        return store.ToX509() ?? throw new SmtpException(SmtpErrorCodes.InvalidArgument, "The data holds no certificate.");
    }

    private static string CommonName(X509Certificate2 certificate, bool forIssuer) =>
        certificate.GetNameInfo(X509NameType.SimpleName, forIssuer) is { Length: > 0 } simple ? simple
        : forIssuer ? certificate.Issuer : certificate.Subject;

    private static string Rdn(X500DistinguishedName name)
    {
        var sb = new StringBuilder();
        foreach (var rdn in name.EnumerateRelativeDistinguishedNames(reversed: false))
        {
            sb.Append('/').Append(ShortName(rdn.GetSingleElementType())).Append('=').Append(rdn.GetSingleElementValue());
        }
        return sb.ToString();
    }

    private static string ShortName(Oid oid) => oid.Value switch
    {
        "2.5.4.3" => "CN",
        "2.5.4.6" => "C",
        "2.5.4.7" => "L",
        "2.5.4.8" => "ST",
        "2.5.4.10" => "O",
        "2.5.4.11" => "OU",
        "1.2.840.113549.1.9.1" => "E",
        "0.9.2342.19200300.100.1.25" => "DC",
        _ => oid.Value ?? "",
    };

    private static string Utc(DateTime value) =>
        value.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}

/// <summary>A list of certificates (<see cref="SmtpClient.ClientCerts"/>, <see cref="SmtpClient.TrustedCerts"/>, ...).</summary>
public sealed class TlsCertificateList : Collection<TlsCertificate>
{
    /// <summary>Adds a .NET certificate.</summary>
    /// <param name="certificate">The certificate.</param>
    /// <exception cref="ArgumentNullException"><paramref name="certificate"/> is null.</exception>
    public void Add(X509Certificate2 certificate) => Add(new TlsCertificate(certificate));

    /// <summary>Adds several certificates in order.</summary>
    /// <param name="certificates">The certificates.</param>
    /// <exception cref="ArgumentNullException"><paramref name="certificates"/> or one of them is null.</exception>
    public void AddRange(IEnumerable<TlsCertificate> certificates)
    {
        ArgumentNullException.ThrowIfNull(certificates);
        foreach (var certificate in certificates)
        {
            Add(certificate);
        }
    }

    /// <summary>The .NET certificates, in order.</summary>
    internal X509Certificate2Collection ToCollection() => [.. this.Select(c => c.Certificate)];

    /// <inheritdoc />
    protected override void InsertItem(int index, TlsCertificate item)
    {
        ArgumentNullException.ThrowIfNull(item);
        base.InsertItem(index, item);
    }

    /// <inheritdoc />
    protected override void SetItem(int index, TlsCertificate item)
    {
        ArgumentNullException.ThrowIfNull(item);
        base.SetItem(index, item);
    }
}
