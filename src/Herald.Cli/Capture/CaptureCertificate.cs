using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Herald.Cli.Capture;

/// <summary>
/// The capture server's TLS certificate: made on first start, kept in the capture folder and reused afterwards, so a
/// client told once to trust it keeps working.
/// </summary>
/// <remarks>
/// <para>
/// Two certificates are made: a small local CA (<c>tls/ca.pem</c>, the file clients are told to trust) and the server
/// certificate it signs (<c>tls/server.pem</c>, key in <c>tls/server.key</c>, owner-only). The CA's private key is
/// thrown away once the server certificate is signed, so trusting <c>ca.pem</c> (even system-wide) lets nobody issue
/// certificates for other names. A separate CA also satisfies strict verifiers (OpenSSL's X509_STRICT, Python 3.13)
/// that refuse a self-signed end-entity certificate as its own trust anchor.
/// </para>
/// <para>
/// The server certificate names localhost, 127.0.0.1, ::1 and the server's host name, and lives 800 days, under the
/// 825-day ceiling Apple platforms put on every TLS server certificate. A day before it expires (or when the files
/// are missing, unreadable or do not belong together) both are made anew and the start-up line says so.
/// </para>
/// </remarks>
internal sealed class CaptureCertificate : IDisposable
{
    private const UnixFileMode OwnerOnlyDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode PublicFile = OwnerOnlyFile | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    private static readonly TimeSpan Lifetime = TimeSpan.FromDays(800);
    private static readonly TimeSpan RenewBefore = TimeSpan.FromDays(1);

    private CaptureCertificate(X509Certificate2 server, X509Certificate2 authority, string authorityPath, bool created)
    {
        Server = server;
        Authority = authority;
        AuthorityPath = authorityPath;
        Created = created;
        Context = SslStreamCertificateContext.Create(server, [authority], offline: true);
    }

    /// <summary>The server certificate, with its private key.</summary>
    public X509Certificate2 Server { get; }

    /// <summary>The CA certificate that signed <see cref="Server"/>: what clients should trust.</summary>
    public X509Certificate2 Authority { get; }

    /// <summary>The full path of the CA certificate in PEM form.</summary>
    public string AuthorityPath { get; }

    /// <summary>True when this start made the certificates; false when it reused the saved ones.</summary>
    public bool Created { get; }

    /// <summary>The certificate and its chain, ready for the TLS handshake.</summary>
    public SslStreamCertificateContext Context { get; }

    /// <summary>The folder, under the capture folder, that holds the certificate files.</summary>
    /// <param name="captureDirectory">The capture folder.</param>
    public static string FolderOf(string captureDirectory) => Path.Combine(Path.GetFullPath(captureDirectory), "tls");

    /// <summary>Loads the saved certificate from the capture folder, or makes and saves a new one.</summary>
    /// <param name="captureDirectory">The capture folder.</param>
    /// <param name="hostName">The server's host name, named in the certificate next to localhost and the loopback addresses.</param>
    /// <param name="utcNow">The current time.</param>
    /// <exception cref="IOException">The files cannot be written, or another process held the folder too long.</exception>
    /// <exception cref="UnauthorizedAccessException">The folder or files cannot be created.</exception>
    public static CaptureCertificate LoadOrCreate(string captureDirectory, string hostName, DateTimeOffset utcNow)
    {
        string folder = FolderOf(captureDirectory);
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(folder);
        }
        else
        {
            Directory.CreateDirectory(folder, OwnerOnlyDirectory);
        }
        string caPath = Path.Combine(folder, "ca.pem");
        string certPath = Path.Combine(folder, "server.pem");
        string keyPath = Path.Combine(folder, "server.key");
        // Two capture servers starting at once on one folder must not each write half of a key pair.
        using var lockFile = Lock(Path.Combine(folder, ".lock"));
        if (TryLoad(caPath, certPath, keyPath, utcNow) is { } saved)
        {
            return saved;
        }
        var (server, authority) = Create(hostName, utcNow);
        using (server)
        {
            // Key first: a certificate file is only ever beside the key it belongs to.
            WriteAtomically(keyPath, server.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem(), OwnerOnlyFile);
            WriteAtomically(certPath, server.ExportCertificatePem() + "\n" + authority.ExportCertificatePem() + "\n", PublicFile);
            WriteAtomically(caPath, authority.ExportCertificatePem() + "\n", PublicFile);
            return new CaptureCertificate(Usable(server), authority, caPath, created: true);
        }
    }

    /// <summary>Releases the certificates.</summary>
    public void Dispose()
    {
        Server.Dispose();
        Authority.Dispose();
    }

    private static CaptureCertificate? TryLoad(string caPath, string certPath, string keyPath, DateTimeOffset utcNow)
    {
        if (!File.Exists(caPath) || !File.Exists(certPath) || !File.Exists(keyPath))
        {
            return null;
        }
        X509Certificate2? authority = null;
        X509Certificate2? server = null;
        try
        {
            authority = X509Certificate2.CreateFromPem(File.ReadAllText(caPath));
            using (var loaded = X509Certificate2.CreateFromPemFile(certPath, keyPath))
            {
                server = Usable(loaded);
            }
            if (server.NotAfter.ToUniversalTime() - RenewBefore < utcNow.UtcDateTime || !IssuedBy(server, authority, utcNow))
            {
                throw new CryptographicException("The saved certificate is expiring or was not issued by the saved CA.");
            }
            return new CaptureCertificate(server, authority, caPath, created: false);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            // Damaged, mismatched or expiring: make new ones (the caller reports that it did).
            server?.Dispose();
            authority?.Dispose();
            return null;
        }
    }

    /// <summary>True when <paramref name="server"/> chains to <paramref name="authority"/> and nothing else.</summary>
    private static bool IssuedBy(X509Certificate2 server, X509Certificate2 authority, DateTimeOffset utcNow)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = utcNow.UtcDateTime;
        return chain.Build(server);
    }

    private static (X509Certificate2 Server, X509Certificate2 Authority) Create(string hostName, DateTimeOffset utcNow)
    {
        var notBefore = utcNow.AddHours(-1); // a client whose clock runs a little behind still accepts it
        var notAfter = utcNow.Add(Lifetime);

        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=Herald capture server local CA, O=Herald", caKey, HashAlgorithmName.SHA256);
        // RFC 5280 §4.2.1.9: a CA says so in a critical basicConstraints; path length 0, it signs only the server certificate.
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(
            X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        var caKeyId = new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, critical: false);
        caRequest.CertificateExtensions.Add(caKeyId);
        using var caWithKey = caRequest.CreateSelfSigned(notBefore, notAfter.AddDays(1));

        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={NameForSubject(hostName)}, O=Herald", serverKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1", "TLS Web Server Authentication")], critical: false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(caKeyId));
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        if (IPAddress.TryParse(hostName, out var address))
        {
            if (!IPAddress.IsLoopback(address))
            {
                names.AddIpAddress(address);
            }
        }
        else if (!hostName.Equals("localhost", StringComparison.OrdinalIgnoreCase) && Uri.CheckHostName(hostName) == UriHostNameType.Dns)
        {
            names.AddDnsName(hostName);
        }
        request.CertificateExtensions.Add(names.Build());
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F; // RFC 5280 §4.1.2.2: a positive integer
        using var signed = request.Create(caWithKey, notBefore, notAfter, serial);
        var server = signed.CopyWithPrivateKey(serverKey);
        var authority = X509CertificateLoader.LoadCertificate(caWithKey.RawData); // the public part only
        return (server, authority);
    }

    /// <summary>A copy of the certificate whose key a server-side TLS handshake can use on every platform (Windows
    /// cannot use an ephemeral key there, so the key goes through a PKCS#12 export).</summary>
    private static X509Certificate2 Usable(X509Certificate2 certificate)
    {
        byte[] pfx = certificate.Export(X509ContentType.Pkcs12);
        return X509CertificateLoader.LoadPkcs12(pfx, null);
    }

    /// <summary>The host name made safe for a distinguished name (it is the user's --hostname, in the end).</summary>
    private static string NameForSubject(string hostName) =>
        Uri.CheckHostName(hostName) is UriHostNameType.Dns or UriHostNameType.IPv4 ? hostName : "localhost";

    private static void WriteAtomically(string path, string text, UnixFileMode mode)
    {
        string temp = path + ".tmp-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = mode;
        }
        try
        {
            using (var stream = new FileStream(temp, options))
            using (var writer = new StreamWriter(stream))
            {
                writer.Write(text.ReplaceLineEndings("\n"));
            }
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    private static FileStream Lock(string path)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            try
            {
                var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None };
                if (!OperatingSystem.IsWindows())
                {
                    options.UnixCreateMode = OwnerOnlyFile;
                }
                return new FileStream(path, options);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(50);
            }
        }
    }
}
