using System.Globalization;
using System.Net.Security;

namespace Herald.Security.Tls;

/// <summary>
/// What an IANA cipher suite name says about the connection: key exchange, authentication, bulk cipher and its
/// strength, MAC/PRF hash, and whether it is AEAD, forward-secret or export-grade. Derived from the name because .NET
/// 10 marks the old <c>SslStream.CipherAlgorithm</c>/<c>CipherStrength</c> family obsolete in favour of
/// <see cref="SslStream.NegotiatedCipherSuite"/>.
/// </summary>
internal sealed record CipherSuiteInfo
{
    /// <summary>The IANA name, e.g. <c>TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384</c>.</summary>
    public required string Name { get; init; }

    /// <summary>True for the TLS 1.3 suites (which name no key exchange or authentication).</summary>
    public bool IsTls13 { get; init; }

    /// <summary>Key exchange: ECDHE, DHE, RSA, ECDH, DH, PSK, ECDHE_PSK, ... (empty for TLS 1.3 suites).</summary>
    public string KeyExchange { get; init; } = "";

    /// <summary>Authentication: RSA, ECDSA, DSS, PSK, anon ... (empty for TLS 1.3 suites).</summary>
    public string Authentication { get; init; } = "";

    /// <summary>The bulk cipher as named in the suite, e.g. <c>AES_256_GCM</c>, <c>CHACHA20_POLY1305</c>, <c>3DES_EDE_CBC</c>.</summary>
    public string Cipher { get; init; } = "";

    /// <summary>The bulk cipher's key strength in bits (3DES counts 168, as the platforms report it).</summary>
    public int CipherStrength { get; init; }

    /// <summary>The cipher's block size in bytes; 0 for stream ciphers and ChaCha20.</summary>
    public int BlockSize { get; init; }

    /// <summary>The MAC or PRF hash: SHA, SHA256, SHA384, MD5.</summary>
    public string Hash { get; init; } = "";

    /// <summary>True for authenticated encryption (GCM, CCM, Poly1305).</summary>
    public bool Aead { get; init; }

    /// <summary>True when the key exchange is ephemeral (perfect forward secrecy); always true for TLS 1.3.</summary>
    public bool Pfs { get; init; }

    /// <summary>True for export-grade (deliberately weakened) suites.</summary>
    public bool Exportable { get; init; }

    /// <summary>Describes a suite.</summary>
    /// <param name="suite">The suite.</param>
    public static CipherSuiteInfo From(TlsCipherSuite suite) => Parse(suite.ToString());

    /// <summary>Describes a suite by its IANA name.</summary>
    /// <param name="name">The name, e.g. <c>TLS_AES_128_GCM_SHA256</c>.</param>
    public static CipherSuiteInfo Parse(string name)
    {
        bool prefixed = name.StartsWith("TLS_", StringComparison.Ordinal) || name.StartsWith("SSL_", StringComparison.Ordinal);
        string body = prefixed ? name[4..] : name;
        int with = body.IndexOf("_WITH_", StringComparison.Ordinal);
        string kxPart = with < 0 ? "" : body[..with];
        string cipherPart = with < 0 ? body : body[(with + 6)..];

        var (cipher, hash) = SplitHash(cipherPart);
        var (kx, auth) = SplitKeyExchange(kxPart);
        bool tls13 = with < 0;
        bool aead = cipher.Contains("GCM", StringComparison.Ordinal) || cipher.Contains("CCM", StringComparison.Ordinal)
            || cipher.Contains("POLY1305", StringComparison.Ordinal);
        return new CipherSuiteInfo
        {
            Name = name,
            IsTls13 = tls13,
            KeyExchange = kx,
            Authentication = auth,
            Cipher = cipher,
            CipherStrength = Strength(cipher),
            BlockSize = BlockBytes(cipher),
            Hash = hash,
            Aead = aead,
            Pfs = tls13 || kx is "ECDHE" or "DHE" or "ECDHE_PSK" or "DHE_PSK",
            Exportable = kxPart.Contains("EXPORT", StringComparison.Ordinal) || cipher.Contains("40", StringComparison.Ordinal),
        };
    }

    private static (string Cipher, string Hash) SplitHash(string part)
    {
        int last = part.LastIndexOf('_');
        if (last > 0 && part[(last + 1)..] is "SHA" or "SHA256" or "SHA384" or "SHA512" or "MD5")
        {
            return (part[..last], part[(last + 1)..]);
        }
        // CCM suites name no hash; their PRF is SHA-256 (RFC 6655 §3).
        return (part, "SHA256");
    }

    private static (string KeyExchange, string Authentication) SplitKeyExchange(string part)
    {
        if (part.Length == 0)
        {
            return ("", "");
        }
        string[] tokens = part.Split('_');
        string kx = tokens[0];
        if (tokens.Length >= 2 && tokens[1] == "PSK")
        {
            return ($"{kx}_PSK", "PSK");
        }
        if (kx == "PSK")
        {
            return ("PSK", "PSK");
        }
        if (kx == "SRP")
        {
            return ("SRP", tokens.Length > 2 ? tokens[^1] : "SRP");
        }
        if (tokens.Length == 1 || tokens[1] == "EXPORT" || tokens[1] == "EXPORT1024")
        {
            // TLS_RSA_WITH_...: the RSA key both exchanges the key and authenticates the server.
            return (kx, kx);
        }
        return (kx, tokens[1]);
    }

    private static int Strength(string cipher)
    {
        if (cipher.StartsWith("NULL", StringComparison.Ordinal))
        {
            return 0;
        }
        if (cipher.StartsWith("3DES", StringComparison.Ordinal))
        {
            return 168;
        }
        if (cipher.StartsWith("CHACHA20", StringComparison.Ordinal))
        {
            return 256;
        }
        if (cipher.StartsWith("DES40", StringComparison.Ordinal))
        {
            return 40;
        }
        if (cipher.StartsWith("DES", StringComparison.Ordinal))
        {
            return 56;
        }
        if (cipher.StartsWith("SEED", StringComparison.Ordinal) || cipher.StartsWith("IDEA", StringComparison.Ordinal))
        {
            return 128;
        }
        // AES_128_GCM, CAMELLIA_256_CBC, ARIA_128_GCM, RC4_128, RC2_CBC_40, RC4_40: the first number is the key size.
        foreach (string token in cipher.Split('_'))
        {
            if (int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out int bits) && bits is >= 40 and <= 512)
            {
                return bits;
            }
        }
        return 0;
    }

    private static int BlockBytes(string cipher)
    {
        if (cipher.StartsWith("AES", StringComparison.Ordinal) || cipher.StartsWith("CAMELLIA", StringComparison.Ordinal)
            || cipher.StartsWith("ARIA", StringComparison.Ordinal) || cipher.StartsWith("SEED", StringComparison.Ordinal))
        {
            return 16;
        }
        if (cipher.StartsWith("3DES", StringComparison.Ordinal) || cipher.StartsWith("DES", StringComparison.Ordinal)
            || cipher.StartsWith("IDEA", StringComparison.Ordinal) || cipher.StartsWith("RC2", StringComparison.Ordinal))
        {
            return 8;
        }
        return 0;
    }
}
