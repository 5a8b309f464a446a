using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Herald.Security.Certificates;

/// <summary>
/// Opens a certificate store the way <see cref="Certificate.StoreType"/> describes: a file name or a blob for the
/// portable formats, a named system store for cstUser/cstMachine (Windows only).
/// </summary>
internal static class CertificateStoreReader
{
    /// <summary>Opens a store given as a string (a file name, a blob as Base64/PEM text, or a Windows store name).</summary>
    /// <param name="type">StoreType.</param>
    /// <param name="store">Store.</param>
    /// <param name="password">StorePassword.</param>
    /// <param name="persistKey">PersistPFXKey from the configuration string.</param>
    /// <exception cref="SmtpException">271 the store cannot be opened; 10045 the store type is not supported here.</exception>
    public static StoreContent Open(CertStoreTypes type, string store, string password, bool persistKey = true)
    {
        EnsureSupported(type);
        if (type is CertStoreTypes.cstUser or CertStoreTypes.cstMachine)
        {
            return OpenSystemStore(type, store);
        }
        if (type == CertStoreTypes.cstAuto)
        {
            // cstAuto with a string: a path when such a file exists, otherwise the data itself.
            return File.Exists(store)
                ? StoreFormats.ReadAuto(ReadFile(store), password, persistKey, $"'{store}'")
                : StoreFormats.ReadAuto(StoreFormats.DecodeBlobText(store), password, persistKey, "(blob)");
        }
        return IsFileType(type)
            ? Read(type, ReadFile(store), password, persistKey, $"'{store}'")
            : Read(type, StoreFormats.DecodeBlobText(store), password, persistKey, "(blob)");
    }

    /// <summary>Opens a store given as bytes (blob data, or for the file types the file name's bytes).</summary>
    /// <param name="type">StoreType.</param>
    /// <param name="store">StoreB.</param>
    /// <param name="password">StorePassword.</param>
    /// <param name="persistKey">PersistPFXKey from the configuration string.</param>
    /// <exception cref="SmtpException">271 the store cannot be opened; 10045 the store type is not supported here.</exception>
    public static StoreContent Open(CertStoreTypes type, byte[] store, string password, bool persistKey = true)
    {
        EnsureSupported(type);
        if (type is CertStoreTypes.cstUser or CertStoreTypes.cstMachine)
        {
            return OpenSystemStore(type, Encoding.UTF8.GetString(store));
        }
        if (IsFileType(type))
        {
            string path = Encoding.UTF8.GetString(store);
            return Read(type, ReadFile(path), password, persistKey, $"'{path}'");
        }
        return type == CertStoreTypes.cstAuto
            ? StoreFormats.ReadAuto(store, password, persistKey, "(blob)")
            : Read(type, store, password, persistKey, "(blob)");
    }

    /// <summary>True for the store types that can hold a private key (and so are searched when Encoded is set).</summary>
    /// <param name="type">StoreType.</param>
    public static bool CanHoldPrivateKeys(CertStoreTypes type) => type is CertStoreTypes.cstUser or CertStoreTypes.cstMachine
        or CertStoreTypes.cstPFXFile or CertStoreTypes.cstPFXBlob or CertStoreTypes.cstPEMKeyFile or CertStoreTypes.cstPEMKeyBlob
        or CertStoreTypes.cstAuto;

    /// <summary>Throws the documented error for store types that cannot be used on this platform.</summary>
    /// <param name="type">StoreType.</param>
    /// <exception cref="SmtpException">10045 with a message naming what to use instead; 10022 for an undefined value.</exception>
    public static void EnsureSupported(CertStoreTypes type)
    {
        string? why = type switch
        {
            CertStoreTypes.cstUser or CertStoreTypes.cstMachine when !OperatingSystem.IsWindows() =>
                $"StoreType {type} names a Windows certificate store, which does not exist on {PlatformName()}. " +
                "Export the certificate with its private key to a PFX file (StoreType cstPFXFile) or a PEM file " +
                "(cstPEMKeyFile) and use that instead.",
            CertStoreTypes.cstJKSFile or CertStoreTypes.cstJKSBlob =>
                "Java key stores (cstJKSFile/cstJKSBlob) are not supported. Convert the store with " +
                "'keytool -importkeystore -deststoretype PKCS12' and use StoreType cstPFXFile.",
            CertStoreTypes.cstSSHPublicKeyFile or CertStoreTypes.cstSSHPublicKeyBlob =>
                "SSH public keys (cstSSHPublicKeyFile/cstSSHPublicKeyBlob) carry no X.509 certificate and cannot be used for TLS. " +
                "Use a PEM or PFX certificate.",
            CertStoreTypes.cstPPKFile or CertStoreTypes.cstPPKBlob =>
                "PuTTY key files (cstPPKFile/cstPPKBlob) are not supported. Convert the key with 'puttygen key.ppk -O " +
                "private-openssh-new' or to PEM, and use StoreType cstPEMKeyFile with its certificate.",
            CertStoreTypes.cstXMLFile or CertStoreTypes.cstXMLBlob =>
                "XML key files (cstXMLFile/cstXMLBlob) are not supported. Use a PEM (cstPEMKeyFile) or PFX (cstPFXFile) store.",
            CertStoreTypes.cstJWKFile or CertStoreTypes.cstJWKBlob =>
                "JSON Web Keys (cstJWKFile/cstJWKBlob) are not supported. Use a PEM (cstPEMKeyFile) or PFX (cstPFXFile) store.",
            CertStoreTypes.cstBCFKSFile or CertStoreTypes.cstBCFKSBlob =>
                "Bouncy Castle FIPS key stores (cstBCFKSFile/cstBCFKSBlob) are not supported. Convert the store to PKCS#12 " +
                "and use StoreType cstPFXFile.",
            CertStoreTypes.cstPKCS11 =>
                "PKCS#11 security keys (cstPKCS11) are not supported. Export the certificate to a PFX or PEM store if the " +
                "key allows it.",
            _ => null,
        };
        if (why is not null)
        {
            throw new SmtpException(SmtpErrorCodes.NotSupported, why);
        }
        if (!Enum.IsDefined(type))
        {
            throw new SmtpException(SmtpErrorCodes.InvalidArgument, $"StoreType {(int)type} is not a CertStoreTypes value.");
        }
    }

    private static bool IsFileType(CertStoreTypes type) => type is CertStoreTypes.cstPFXFile or CertStoreTypes.cstPEMKeyFile
        or CertStoreTypes.cstPublicKeyFile or CertStoreTypes.cstP7BFile;

    private static StoreContent Read(CertStoreTypes type, byte[] data, string password, bool persistKey, string what) => type switch
    {
        CertStoreTypes.cstPFXFile or CertStoreTypes.cstPFXBlob => StoreFormats.ReadPfx(MaybeBase64Pfx(data), password, persistKey, what),
        CertStoreTypes.cstPEMKeyFile or CertStoreTypes.cstPEMKeyBlob => StoreFormats.ReadPem(data, password, what),
        CertStoreTypes.cstPublicKeyFile or CertStoreTypes.cstPublicKeyBlob => StoreFormats.ReadPublic(data, what),
        CertStoreTypes.cstP7BFile or CertStoreTypes.cstP7BBlob => StoreFormats.ReadPkcs7(data, what),
        _ => throw new SmtpException(SmtpErrorCodes.NotSupported, $"StoreType {type} is not supported."),
    };

    private static byte[] MaybeBase64Pfx(byte[] data)
    {
        // A PFX file is binary; one saved as Base64 text is accepted too.
        if (StoreFormats.Detect(data) == StoreFormat.Pfx)
        {
            return data;
        }
        var decoded = StoreFormats.DecodeBlobText(Encoding.Latin1.GetString(data));
        return StoreFormats.Detect(decoded) == StoreFormat.Pfx ? decoded : data;
    }

    private static byte[] ReadFile(string path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new SmtpException(SmtpErrorCodes.CertStoreError, "No certificate store file was given: set Store to the file name.");
        }
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new SmtpException(SmtpErrorCodes.CertStoreError, $"The certificate store file '{path}' cannot be opened: {e.Message}", e);
        }
    }

    private static StoreContent OpenSystemStore(CertStoreTypes type, string name)
    {
        var location = type == CertStoreTypes.cstMachine ? StoreLocation.LocalMachine : StoreLocation.CurrentUser;
        try
        {
            using var store = new X509Store(string.IsNullOrEmpty(name) ? "MY" : name, location);
            store.Open(OpenFlags.ReadOnly | OpenFlags.OpenExistingOnly);
            var content = new StoreContent();
            content.Certificates.AddRange(store.Certificates);
            return content;
        }
        catch (CryptographicException e)
        {
            throw new SmtpException(SmtpErrorCodes.CertStoreError,
                $"The {location} certificate store '{name}' cannot be opened: {e.Message}", e);
        }
    }

    private static string PlatformName() =>
        OperatingSystem.IsLinux() ? "Linux" : OperatingSystem.IsMacOS() ? "macOS" : "this platform";
}
