using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Herald.Security.Certificates;

/// <summary>
/// What an opened certificate store holds: certificates (those whose private key was found carry it) and keys that
/// matched no certificate. A PEM store that holds only a key yields one such key and no certificate.
/// </summary>
internal sealed class StoreContent
{
    /// <summary>The certificates, in store order.</summary>
    public List<X509Certificate2> Certificates { get; } = [];

    /// <summary>Private keys (or, for a bare PUBLIC KEY block, public keys) that matched no certificate.</summary>
    public List<(AsymmetricAlgorithm Key, bool IsPrivate)> LooseKeys { get; } = [];

    /// <summary>
    /// Attaches each loose private key to the certificate whose public key it matches (compared as DER
    /// SubjectPublicKeyInfo), so a PEM file with a key and its certificate yields a certificate with a private key.
    /// </summary>
    public void PairKeys()
    {
        for (int k = LooseKeys.Count - 1; k >= 0; k--)
        {
            var (key, isPrivate) = LooseKeys[k];
            if (!isPrivate)
            {
                continue;
            }
            byte[] spki = key.ExportSubjectPublicKeyInfo();
            bool used = false;
            for (int c = 0; c < Certificates.Count; c++)
            {
                var certificate = Certificates[c];
                if (certificate.HasPrivateKey || !certificate.PublicKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(spki))
                {
                    continue;
                }
                Certificates[c] = Attach(certificate, key);
                used = true;
            }
            if (used)
            {
                LooseKeys.RemoveAt(k);
            }
        }
    }

    /// <summary>Returns the private key in this store that belongs to <paramref name="certificate"/>, or null.</summary>
    /// <param name="certificate">A certificate loaded from elsewhere (for example from Encoded).</param>
    public X509Certificate2? FindKeyFor(X509Certificate2 certificate)
    {
        byte[] spki = certificate.PublicKey.ExportSubjectPublicKeyInfo();
        foreach (var candidate in Certificates)
        {
            if (candidate.HasPrivateKey && candidate.PublicKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(spki))
            {
                using var key = CertificateDetails.GetPrivateKey(candidate);
                if (key is not null)
                {
                    return Attach(certificate, key);
                }
            }
        }
        foreach (var (key, isPrivate) in LooseKeys)
        {
            if (isPrivate && key.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(spki))
            {
                return Attach(certificate, key);
            }
        }
        return null;
    }

    /// <summary>Returns a copy of <paramref name="certificate"/> that carries <paramref name="key"/>.</summary>
    /// <exception cref="SmtpException">271: the key type cannot be attached.</exception>
    private static X509Certificate2 Attach(X509Certificate2 certificate, AsymmetricAlgorithm key) => key switch
    {
        RSA rsa => certificate.CopyWithPrivateKey(rsa),
        ECDsa ecdsa => certificate.CopyWithPrivateKey(ecdsa),
        ECDiffieHellman ecdh => certificate.CopyWithPrivateKey(ecdh),
        DSA dsa => certificate.CopyWithPrivateKey(dsa),
        _ => throw new SmtpException(SmtpErrorCodes.CertStoreError,
            $"The private key type {key.GetType().Name} cannot be attached to a certificate."),
    };
}
