using System.Text;

namespace Herald.Cli.Options;

/// <summary>Turns <c>--client-cert</c> (and <c>--client-key</c>) into the component's <see cref="Certificate"/>.</summary>
internal static class ClientCertificates
{
    /// <summary>Loads the client certificate: PFX/PKCS#12 files as they are, PEM files with their key, or a PEM
    /// certificate and a separate PEM key joined into one PEM blob.</summary>
    /// <param name="certFile">The --client-cert path.</param>
    /// <param name="keyFile">The --client-key path, or null.</param>
    /// <param name="password">The password of the PFX file or of an encrypted PEM key ("" for none).</param>
    /// <exception cref="CliException">64 when --client-key comes with a PFX file; 66 when a file cannot be read.</exception>
    /// <exception cref="SmtpException">271/272 when the library cannot use the certificate.</exception>
    public static Certificate Load(string certFile, string? keyFile, string password)
    {
        byte[] cert = InputFiles.Read(certFile, "--client-cert");
        bool pem = IsPem(cert);
        if (keyFile is null)
        {
            return new Certificate(pem ? CertStoreTypes.cstPEMKeyFile : CertStoreTypes.cstPFXFile, certFile, password, "*");
        }
        if (!pem)
        {
            throw CliException.Usage("--client-key goes with a PEM --client-cert; a PFX/PKCS#12 file already holds its key.");
        }
        byte[] key = InputFiles.Read(keyFile, "--client-key");
        if (!IsPem(key))
        {
            throw new CliException(ExitCodes.DataError, $"--client-key {keyFile}: the file is not PEM (-----BEGIN ...).");
        }
        byte[] blob = [.. cert, (byte)'\n', .. key];
        return new Certificate(CertStoreTypes.cstPEMKeyBlob, blob, password, "*");
    }

    private static bool IsPem(byte[] data) => Encoding.ASCII.GetString(data, 0, Math.Min(data.Length, 4096))
        .Contains("-----BEGIN ", StringComparison.Ordinal);
}
