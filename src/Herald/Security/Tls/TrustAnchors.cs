using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Herald.Security.Tls;

/// <summary>
/// The certificates trusted in addition to the system store: PEM text given by the user, and the first existing CA
/// bundle of a list of files. Bundles are cached by path, size and modification time, because a system bundle
/// holds a few hundred certificates and a bulk sender connects often.
/// </summary>
internal static class TrustAnchors
{
    private static readonly ConcurrentDictionary<string, Bundle> s_bundles = new(StringComparer.Ordinal);

    /// <summary>Loads the first existing file of a list, or returns an empty collection.</summary>
    /// <param name="paths">The files, in order.</param>
    /// <param name="loaded">The file that was loaded, or an empty string.</param>
    public static X509Certificate2Collection LoadFirstBundle(IEnumerable<string> paths, out string loaded)
    {
        foreach (string raw in paths)
        {
            FileInfo file;
            try
            {
                file = new FileInfo(raw);
                if (!file.Exists)
                {
                    continue;
                }
            }
            catch (Exception e) when (e is ArgumentException or NotSupportedException or IOException or UnauthorizedAccessException)
            {
                continue;
            }
            loaded = file.FullName;
            if (s_bundles.TryGetValue(file.FullName, out var cached)
                && cached.Modified == file.LastWriteTimeUtc && cached.Length == file.Length)
            {
                return cached.Certificates;
            }
            var certificates = new X509Certificate2Collection();
            try
            {
                certificates.ImportFromPemFile(file.FullName);
            }
            catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
            {
                // An unreadable bundle adds no trust; the next file in the list is not tried, as documented
                // ("the first existing one is loaded").
            }
            s_bundles[file.FullName] = new Bundle(file.LastWriteTimeUtc, file.Length, certificates);
            return certificates;
        }
        loaded = "";
        return [];
    }

    private sealed record Bundle(DateTime Modified, long Length, X509Certificate2Collection Certificates);

    /// <summary>Parses PEM certificates, one after another (any line breaks); empty text gives an empty collection.</summary>
    /// <param name="text">The PEM text.</param>
    /// <param name="setting">The name of the setting it came from, for the error message.</param>
    /// <exception cref="SmtpException">10022: the text holds something that is not a PEM certificate.</exception>
    public static X509Certificate2Collection ParsePem(string text, string setting)
    {
        var result = new X509Certificate2Collection();
        if (string.IsNullOrWhiteSpace(text))
        {
            return result;
        }
        ReadOnlySpan<char> rest = Certificates.StoreFormats.SeparateBlocks(text);
        while (PemEncoding.TryFind(rest, out var fields))
        {
            if (rest[fields.Label].SequenceEqual("CERTIFICATE"))
            {
                try
                {
                    result.Add(X509CertificateLoader.LoadCertificate(Convert.FromBase64String(rest[fields.Base64Data].ToString())));
                }
                catch (CryptographicException e)
                {
                    throw new SmtpException(SmtpErrorCodes.InvalidArgument,
                        $"{setting} holds a certificate that cannot be read: {e.Message}", e);
                }
            }
            rest = rest[fields.Location.End..];
        }
        if (result.Count == 0 || rest.ToString().Contains("-----BEGIN", StringComparison.Ordinal))
        {
            throw new SmtpException(SmtpErrorCodes.InvalidArgument,
                $"{setting} must hold PEM certificates (-----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----), " +
                "one after another; the value could not be read.");
        }
        return result;
    }
}
