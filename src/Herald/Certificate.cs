using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Herald.Security.Certificates;

namespace Herald;

/// <summary>
/// An X.509 certificate, with or without its private key, as used by SSLCert (the client certificate),
/// SSLAcceptServerCert and SSLServerCert. The read-only fields describe the loaded certificate; a certificate is
/// loaded from <see cref="Encoded"/>/<see cref="EncodedB"/>, or selected from a store by setting
/// <see cref="StoreType"/>, <see cref="Store"/> (or <see cref="StoreB"/>), <see cref="StorePassword"/> and then
/// <see cref="Subject"/> last, or through one of the constructors.
/// </summary>
/// <remarks>
/// <para>Store types that work everywhere: cstPFXFile/cstPFXBlob (PKCS#12), cstPEMKeyFile/cstPEMKeyBlob (PEM private key,
/// PKCS#8, PKCS#1 or SEC1, optionally encrypted PKCS#8 opened with <see cref="StorePassword"/>, plus certificates),
/// cstPublicKeyFile/cstPublicKeyBlob (PEM or DER certificate), cstP7BFile/cstP7BBlob (PKCS#7 bundle) and cstAuto (the
/// format is detected; a string Store is a file name when such a file exists). cstUser/cstMachine are the Windows
/// certificate stores and work only on Windows. Java, PuTTY, XML, JWK, BCFKS, SSH and PKCS#11 stores are not supported
/// (error 10045).</para>
/// <para>Blob stores given as a string may be PEM text, Base64, or a binary string (one character per byte).</para>
/// </remarks>
public class Certificate
{
    private const string DefaultStore = "MY";

    private X509Certificate2? _x509;
    private AsymmetricAlgorithm? _looseKey;
    private bool _looseKeyIsPrivate;
    private X509Certificate2Collection? _chain;
    private CertificateDetails? _details;
    private string _store = DefaultStore;
    private byte[] _storeB = Encoding.UTF8.GetBytes(DefaultStore);
    private bool _storeGivenAsBytes;
    private string _subject = "";
    private bool _persistKey = true;

    /// <summary>Creates an empty certificate whose fields can be set.</summary>
    public Certificate()
    {
    }

    /// <summary>Loads a public X.509 certificate from a PEM, DER or Base64 file (PKCS#7 bundles are read too).</summary>
    /// <param name="certificateFile">The file name.</param>
    /// <remarks>When the file holds several certificates the first is loaded and the rest become its chain. A private
    /// key in a PEM file is attached when it matches. <see cref="StoreType"/> reads back cstPublicKeyFile and
    /// <see cref="Store"/> the file name.</remarks>
    /// <exception cref="SmtpException">271: the file cannot be read or parsed; 272: it holds no certificate.</exception>
    public Certificate(string certificateFile)
    {
        StoreType = CertStoreTypes.cstPublicKeyFile;
        Store = certificateFile ?? "";
        var content = StoreFormats.ReadAuto(ReadCertificateFile(Store), "", persistKey: true, $"'{Store}'");
        Select(content, "*", null, throwWhenMissing: true);
    }

    /// <summary>Parses <paramref name="encoded"/> as an X.509 certificate (DER, or PEM/Base64 text as bytes).</summary>
    /// <param name="encoded">The certificate.</param>
    /// <exception cref="SmtpException">10022: the data is not a certificate.</exception>
    public Certificate(byte[] encoded)
    {
        SetEncoded(encoded ?? [], fromConstructor: true);
    }

    /// <summary>
    /// Opens a store and selects a certificate by <paramref name="subject"/>: a full DN, part of one, <c>*</c> (the
    /// first certificate, preferring one with a private key; an empty subject means the same), or
    /// <c>Thumbprint=</c> followed by an MD5, SHA-1 or SHA-256 thumbprint in hex.
    /// </summary>
    /// <param name="storeType">How <paramref name="store"/> is interpreted.</param>
    /// <param name="store">A file name, blob text (PEM/Base64) or Windows store name, according to the type.</param>
    /// <param name="storePassword">The store password, or an empty string.</param>
    /// <param name="subject">Which certificate to select.</param>
    /// <exception cref="SmtpException">271: the store cannot be opened (missing file, wrong password, damaged data);
    /// 272: no certificate matches; 10045: the store type is not supported on this platform.</exception>
    public Certificate(CertStoreTypes storeType, string store, string storePassword, string subject)
        : this(storeType, store, storePassword, subject, "")
    {
    }

    /// <summary>
    /// As <see cref="Certificate(CertStoreTypes, string, string, string)"/>, plus a newline-separated list of options:
    /// <c>Thumbprint=hex</c> (selects by thumbprint, taking precedence over the subject), <c>PersistPFXKey=True|False</c>
    /// (Windows: whether a PFX key is persisted in the key store; default True) and <c>UseInternalSecurityAPI=...</c>
    /// (accepted; Herald always uses the .NET cryptography).
    /// </summary>
    /// <param name="storeType">How <paramref name="store"/> is interpreted.</param>
    /// <param name="store">A file name, blob text or Windows store name, according to the type.</param>
    /// <param name="storePassword">The store password, or an empty string.</param>
    /// <param name="subject">Which certificate to select.</param>
    /// <param name="configurationString">Options, one <c>Name=Value</c> per line.</param>
    /// <exception cref="SmtpException">271, 272, 10045 as above; 10022: an unknown option or a malformed thumbprint.</exception>
    public Certificate(CertStoreTypes storeType, string store, string storePassword, string subject, string configurationString)
    {
        string? thumbprint = ApplyConfiguration(configurationString);
        StoreType = storeType;
        Store = store ?? "";
        StorePassword = storePassword ?? "";
        Select(OpenStore(), subject ?? "", thumbprint, throwWhenMissing: true);
    }

    /// <summary>Opens a store, loads <paramref name="encoded"/> as the certificate and looks up its private key in the store.</summary>
    /// <param name="storeType">How <paramref name="store"/> is interpreted.</param>
    /// <param name="store">A file name, blob text or Windows store name, according to the type.</param>
    /// <param name="storePassword">The store password, or an empty string.</param>
    /// <param name="encoded">The certificate (DER, or PEM/Base64 text as bytes).</param>
    /// <exception cref="SmtpException">10022: <paramref name="encoded"/> is not a certificate; 271: the store cannot be
    /// opened; 272: a store that can hold keys has none for this certificate; 10045: unsupported store type.</exception>
    public Certificate(CertStoreTypes storeType, string store, string storePassword, byte[] encoded)
    {
        StoreType = storeType;
        Store = store ?? "";
        StorePassword = storePassword ?? "";
        SetEncoded(encoded ?? [], fromConstructor: true);
    }

    /// <summary>Blob-store form of <see cref="Certificate(CertStoreTypes, string, string, string)"/>.</summary>
    /// <param name="storeType">How <paramref name="store"/> is interpreted (for the file types, the bytes are the file name).</param>
    /// <param name="store">The store data.</param>
    /// <param name="storePassword">The store password, or an empty string.</param>
    /// <param name="subject">Which certificate to select.</param>
    /// <exception cref="SmtpException">271: the store cannot be opened; 272: no certificate matches; 10045: unsupported
    /// store type.</exception>
    public Certificate(CertStoreTypes storeType, byte[] store, string storePassword, string subject)
        : this(storeType, store, storePassword, subject, "")
    {
    }

    /// <summary>Blob-store form of <see cref="Certificate(CertStoreTypes, string, string, string, string)"/>.</summary>
    /// <param name="storeType">How <paramref name="store"/> is interpreted.</param>
    /// <param name="store">The store data.</param>
    /// <param name="storePassword">The store password, or an empty string.</param>
    /// <param name="subject">Which certificate to select.</param>
    /// <param name="configurationString">Options, one <c>Name=Value</c> per line.</param>
    /// <exception cref="SmtpException">271, 272, 10045 as above; 10022: an unknown option or a malformed thumbprint.</exception>
    public Certificate(CertStoreTypes storeType, byte[] store, string storePassword, string subject, string configurationString)
    {
        string? thumbprint = ApplyConfiguration(configurationString);
        StoreType = storeType;
        StoreB = store ?? [];
        StorePassword = storePassword ?? "";
        Select(OpenStore(), subject ?? "", thumbprint, throwWhenMissing: true);
    }

    /// <summary>Blob-store form of <see cref="Certificate(CertStoreTypes, string, string, byte[])"/>.</summary>
    /// <param name="storeType">How <paramref name="store"/> is interpreted.</param>
    /// <param name="store">The store data.</param>
    /// <param name="storePassword">The store password, or an empty string.</param>
    /// <param name="encoded">The certificate (DER, or PEM/Base64 text as bytes).</param>
    /// <exception cref="SmtpException">10022, 271, 272, 10045 as for the string-store form.</exception>
    public Certificate(CertStoreTypes storeType, byte[] store, string storePassword, byte[] encoded)
    {
        StoreType = storeType;
        StoreB = store ?? [];
        StorePassword = storePassword ?? "";
        SetEncoded(encoded ?? [], fromConstructor: true);
    }

    /// <summary>Start of the validity period in local time, formatted like <c>23-Jan-2000 15:00:00</c>.</summary>
    public string EffectiveDate => Details.EffectiveDate;

    /// <summary>End of the validity period in local time, formatted like <c>23-Jan-2001 15:00:00</c>.</summary>
    public string ExpirationDate => Details.ExpirationDate;

    /// <summary>The extended key usage OIDs, separated by <c>", "</c> (e.g. <c>1.3.6.1.5.5.7.3.1</c> for server authentication).</summary>
    public string ExtendedKeyUsage => Details.ExtendedKeyUsage;

    /// <summary>MD5 fingerprint as lower-case hex pairs separated by colons (of the certificate, or of the public key
    /// for a key loaded without a certificate).</summary>
    public string Fingerprint => Details.Fingerprint;

    /// <summary>SHA-1 fingerprint as lower-case hex pairs separated by colons.</summary>
    public string FingerprintSHA1 => Details.FingerprintSHA1;

    /// <summary>SHA-256 fingerprint as lower-case hex pairs separated by colons.</summary>
    public string FingerprintSHA256 => Details.FingerprintSHA256;

    /// <summary>The issuer's distinguished name, e.g. <c>CN=Example CA, O=Example, C=US</c>.</summary>
    public string Issuer => Details.Issuer;

    /// <summary>The private key as PKCS#8 PEM when it is present and exportable; otherwise an empty string.</summary>
    public string PrivateKey => Details.PrivateKey;

    /// <summary>True when the private key is present, so the certificate can authenticate (e.g. as SSLCert).</summary>
    public bool PrivateKeyAvailable => Details.PrivateKeyAvailable;

    /// <summary>The name of the key container holding the private key; Windows only, an empty string elsewhere.</summary>
    public string PrivateKeyContainer => Details.PrivateKeyContainer;

    /// <summary>The public key as PEM (<c>-----BEGIN PUBLIC KEY-----</c>, a SubjectPublicKeyInfo).</summary>
    public string PublicKey => Details.PublicKey;

    /// <summary>The public key algorithm: <c>RSA</c>, <c>ECDSA</c>, <c>DSA</c>, <c>Ed25519</c>, ... or the OID.</summary>
    public string PublicKeyAlgorithm => Details.PublicKeyAlgorithm;

    /// <summary>The public key size in bits (e.g. 2048 for RSA, 256 for ECDSA P-256).</summary>
    public int PublicKeyLength => Details.PublicKeyLength;

    /// <summary>The serial number as upper-case hex digit pairs, most significant byte first.</summary>
    public string SerialNumber => Details.SerialNumber;

    /// <summary>The signature algorithm name, e.g. <c>sha256RSA</c> or <c>sha384ECDSA</c>, or its OID.</summary>
    public string SignatureAlgorithm => Details.SignatureAlgorithm;

    /// <summary>The subject alternative names (DNS names, IP addresses, e-mail addresses, URIs), separated by <c>", "</c>.</summary>
    public string SubjectAltNames => Details.SubjectAltNames;

    /// <summary>MD5 hash of the certificate as lower-case hex.</summary>
    public string ThumbprintMD5 => Details.ThumbprintMD5;

    /// <summary>SHA-1 hash of the certificate as lower-case hex.</summary>
    public string ThumbprintSHA1 => Details.ThumbprintSHA1;

    /// <summary>SHA-256 hash of the certificate as lower-case hex.</summary>
    public string ThumbprintSHA256 => Details.ThumbprintSHA256;

    /// <summary>
    /// The key usages by name, separated by <c>", "</c>: Digital Signature, Non-Repudiation, Key Encipherment, Data
    /// Encipherment, Key Agreement, Certificate Signing, CRL Signing, Encipher Only (and Decipher Only). Empty when the
    /// certificate has no key usage extension.
    /// </summary>
    public string Usage => Details.Usage;

    /// <summary>
    /// The key usage bits: 0x80 digital signature, 0x40 non-repudiation, 0x20 key encipherment, 0x10 data
    /// encipherment, 0x08 key agreement, 0x04 certificate signing, 0x02 CRL signing, 0x01 encipher only (0x8000 decipher
    /// only). 0 when the certificate has no key usage extension.
    /// </summary>
    public int UsageFlags => Details.UsageFlags;

    /// <summary>The X.509 version: <c>V1</c>, <c>V2</c> or <c>V3</c>.</summary>
    public string Version => Details.Version;

    /// <summary>
    /// The store: a file name for the *File types, the data for the *Blob types (PEM text, Base64, or a binary string),
    /// or a Windows store name (MY, CA, ROOT) for cstUser/cstMachine. Set <see cref="Subject"/> afterwards to select a
    /// certificate from it.
    /// </summary>
    public string Store
    {
        get => _store;
        set
        {
            _store = value ?? "";
            _storeB = Encoding.UTF8.GetBytes(_store);
            _storeGivenAsBytes = false;
        }
    }

    /// <summary>The store as bytes (for the blob types: the store data). Reading returns a copy.</summary>
    public byte[] StoreB
    {
        get => (byte[])_storeB.Clone();
        set
        {
            _storeB = (byte[])(value ?? []).Clone();
            _store = Encoding.Latin1.GetString(_storeB);
            _storeGivenAsBytes = true;
        }
    }

    /// <summary>The password that opens the store (PFX password, or the passphrase of an encrypted PEM key).</summary>
    public string StorePassword { get; set; } = "";

    /// <summary>How <see cref="Store"/> is interpreted. The default is cstUser (a Windows store).</summary>
    public CertStoreTypes StoreType { get; set; } = CertStoreTypes.cstUser;

    /// <summary>
    /// The subject DN of the loaded certificate. Assigning it opens the store (see <see cref="Store"/>) and selects a
    /// certificate: an exact DN match (<c>CN=www.server.com, OU=test, C=US</c>; quote values containing commas),
    /// else the first whose DN contains the value, else nothing (the property then reads as an empty string);
    /// <c>*</c> selects the first certificate and <c>Thumbprint=hex</c> selects by MD5, SHA-1 or SHA-256 thumbprint.
    /// Assigning an empty string clears the selection. Set it last, after the store fields.
    /// </summary>
    /// <exception cref="SmtpException">271: the store cannot be opened; 10045: the store type is not supported on
    /// this platform; 10022: a malformed thumbprint.</exception>
    public string Subject
    {
        get => _subject;
        set
        {
            value ??= "";
            if (value.Length == 0)
            {
                Clear();
                return;
            }
            Select(OpenStore(), value, null, throwWhenMissing: false);
        }
    }

    /// <summary>
    /// The certificate as Base64 of its DER encoding. Assigning PEM or Base64 loads that certificate (a private key in
    /// the same PEM text is attached when it matches); when the current store can hold private keys (and is not the
    /// default Windows "MY" store on other platforms) it is searched for the certificate's key, and
    /// <see cref="Subject"/> reads the certificate's DN when the key was found and an empty string when not.
    /// Assigning an empty string clears the certificate.
    /// </summary>
    /// <exception cref="SmtpException">10022: the value is not a certificate; 271/10045: the store cannot be searched.</exception>
    public string Encoded
    {
        get => _x509 is null ? "" : Convert.ToBase64String(_x509.RawData);
        set => SetEncoded(Encoding.UTF8.GetBytes(value ?? ""), fromConstructor: false);
    }

    /// <summary>The certificate's DER bytes. Assigning accepts DER or PEM/Base64 text as bytes, with the same lookup as
    /// <see cref="Encoded"/>.</summary>
    /// <exception cref="SmtpException">10022: the value is not a certificate; 271/10045: the store cannot be searched.</exception>
    public byte[] EncodedB
    {
        get => _x509 is null ? [] : _x509.RawData;
        set => SetEncoded(value ?? [], fromConstructor: false);
    }

    /// <summary>The other certificates the store held (e.g. the CA certificates in a PFX), sent with a client certificate.</summary>
    internal X509Certificate2Collection? Chain => _chain;

    /// <summary>True when no certificate or key is loaded.</summary>
    internal bool IsEmpty => _x509 is null && _looseKey is null;

    /// <summary>Wraps a certificate (for example the one a server presented). The instance is used, not copied.</summary>
    /// <param name="certificate">The certificate.</param>
    internal static Certificate FromX509(X509Certificate2 certificate)
    {
        var result = new Certificate();
        result.Set(certificate, null);
        result._subject = certificate.Subject;
        return result;
    }

    /// <summary>
    /// The loaded certificate, carrying its private key when one was found, or null when none is loaded (or only a key
    /// is). The instance belongs to this object: do not dispose it.
    /// </summary>
    internal X509Certificate2? ToX509() => _x509;

    private CertificateDetails Details => _details ??= _x509 is not null
        ? CertificateDetails.From(_x509)
        : _looseKey is not null ? CertificateDetails.FromKey(_looseKey, _looseKeyIsPrivate) : CertificateDetails.Empty;

    private void Clear()
    {
        _x509 = null;
        _looseKey = null;
        _looseKeyIsPrivate = false;
        _chain = null;
        _details = null;
        _subject = "";
    }

    private void Set(X509Certificate2 certificate, IEnumerable<X509Certificate2>? storeCertificates)
    {
        Clear();
        _x509 = certificate;
        var others = storeCertificates?.Where(c => !c.RawData.AsSpan().SequenceEqual(certificate.RawData)).ToArray() ?? [];
        _chain = others.Length > 0 ? new X509Certificate2Collection(others) : null;
    }

    private StoreContent OpenStore() => _storeGivenAsBytes
        ? CertificateStoreReader.Open(StoreType, _storeB, StorePassword, _persistKey)
        : CertificateStoreReader.Open(StoreType, _store, StorePassword, _persistKey);

    private void Select(StoreContent content, string subject, string? thumbprint, bool throwWhenMissing)
    {
        // The constructors treat an empty subject as "*": a store given without a subject means "its certificate".
        if (subject.Trim().Length == 0 && thumbprint is null)
        {
            subject = "*";
        }
        var selected = CertificateSelector.Select(content.Certificates, subject, thumbprint);
        if (selected is not null)
        {
            Set(selected, content.Certificates);
            _subject = selected.Subject;
            return;
        }
        if (content.Certificates.Count == 0 && content.LooseKeys.Count > 0 && subject.Trim() == "*" && thumbprint is null)
        {
            // A PEM store with a key and no certificate: the key itself is what was asked for.
            Clear();
            (_looseKey, _looseKeyIsPrivate) = content.LooseKeys[0];
            return;
        }
        Clear();
        if (throwWhenMissing)
        {
            string wanted = thumbprint is not null ? $"thumbprint {thumbprint}" : $"subject '{subject}'";
            string held = content.Certificates.Count == 0
                ? "it holds no certificate"
                : "it holds: " + string.Join("; ", content.Certificates.Select(c => c.Subject).Distinct().Take(10));
            throw new SmtpException(SmtpErrorCodes.CertNotFound, $"No certificate with {wanted} was found in the store ({held}).");
        }
    }

    private void SetEncoded(byte[] data, bool fromConstructor)
    {
        if (data.Length == 0 || data.All(b => b is (byte)' ' or (byte)'\r' or (byte)'\n' or (byte)'\t'))
        {
            if (fromConstructor)
            {
                throw new SmtpException(SmtpErrorCodes.InvalidArgument, "The encoded certificate is empty.");
            }
            Clear();
            return;
        }
        var certificate = ParseEncoded(data);
        if (certificate.HasPrivateKey || !ShouldSearchStoreForKey())
        {
            Set(certificate, null);
            _subject = certificate.Subject;
            return;
        }
        var content = OpenStore();
        var withKey = content.FindKeyFor(certificate);
        if (withKey is not null)
        {
            Set(withKey, content.Certificates);
            _subject = withKey.Subject;
            return;
        }
        if (fromConstructor)
        {
            throw new SmtpException(SmtpErrorCodes.CertNotFound,
                $"The store holds no private key for the certificate '{certificate.Subject}'. Check Store and StoreType.");
        }
        // The documented behaviour: the certificate stays loaded, but Subject reports that no key was selected.
        Set(certificate, null);
        _subject = "";
    }

    private bool ShouldSearchStoreForKey()
    {
        if (!CertificateStoreReader.CanHoldPrivateKeys(StoreType) || _storeB.Length == 0)
        {
            return false;
        }
        // The default store is the Windows "MY" store: elsewhere there is nothing to search, and Encoded alone (as in
        // SSLAcceptServerCert) must keep working.
        bool isDefaultStore = StoreType == CertStoreTypes.cstUser && _store == DefaultStore;
        return !isDefaultStore || OperatingSystem.IsWindows();
    }

    private X509Certificate2 ParseEncoded(byte[] data)
    {
        try
        {
            var content = StoreFormats.LooksLikePem(data)
                ? StoreFormats.ReadPem(data, StorePassword, "Encoded")
                : StoreFormats.ReadPublic(data, "Encoded");
            return CertificateSelector.Select(content.Certificates, "*", null)
                ?? throw new SmtpException(SmtpErrorCodes.InvalidArgument, "Encoded holds a key but no certificate.");
        }
        catch (SmtpException e) when (e.Code == SmtpErrorCodes.CertStoreError)
        {
            throw new SmtpException(SmtpErrorCodes.InvalidArgument,
                $"The encoded value is not an X.509 certificate (expected DER, PEM or Base64): {e.Message}", e);
        }
    }

    private static byte[] ReadCertificateFile(string path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new SmtpException(SmtpErrorCodes.CertStoreError, "No certificate file name was given.");
        }
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new SmtpException(SmtpErrorCodes.CertStoreError, $"The certificate file '{path}' cannot be opened: {e.Message}", e);
        }
    }

    private string? ApplyConfiguration(string? configuration)
    {
        string? thumbprint = null;
        foreach (string raw in (configuration ?? "").Split('\n'))
        {
            string line = raw.Trim();
            if (line.Length == 0)
            {
                continue;
            }
            int eq = line.IndexOf('=');
            string name = (eq < 0 ? line : line[..eq]).Trim();
            string value = eq < 0 ? "" : line[(eq + 1)..].Trim();
            if (name.Equals("Thumbprint", StringComparison.OrdinalIgnoreCase))
            {
                thumbprint = value;
            }
            else if (name.Equals("PersistPFXKey", StringComparison.OrdinalIgnoreCase))
            {
                _persistKey = ParseBool(name, value);
            }
            else if (name.Equals("UseInternalSecurityAPI", StringComparison.OrdinalIgnoreCase))
            {
                // Accepted for compatibility: certificates are always handled by the .NET cryptography.
                ParseBool(name, value);
            }
            else
            {
                throw new SmtpException(SmtpErrorCodes.InvalidArgument,
                    $"Unknown certificate option '{name}'. The options are Thumbprint, PersistPFXKey and UseInternalSecurityAPI.");
            }
        }
        return thumbprint;
    }

    private static bool ParseBool(string name, string value) => value.ToLowerInvariant() switch
    {
        "true" or "1" or "yes" => true,
        "false" or "0" or "no" => false,
        _ => throw new SmtpException(SmtpErrorCodes.InvalidArgument, $"The certificate option {name} needs True or False, not '{value}'."),
    };
}
