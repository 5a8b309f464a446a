using System.Formats.Asn1;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace Herald.Security.Tls;

/// <summary>
/// The TLS 1.2/1.3 signature algorithm and group lists. .NET's <c>SslStream</c> does not let a
/// client choose the signature_algorithms or supported_groups it offers, so the platform's defaults go on the wire.
/// What can be honoured is the documented check on the server certificate: its signature algorithm must be one of the
/// listed ones for the negotiated version (an empty list means no check). The group settings are validated and
/// reported as not applied when they differ from the defaults.
/// </summary>
internal static class SignatureAlgorithmPolicy
{
    private static readonly HashSet<string> s_tls12Names = BuildTls12Names();

    private static readonly HashSet<string> s_tls13Names = new(StringComparer.OrdinalIgnoreCase)
    {
        "ed25519", "ed448", "ecdsa_secp256r1_sha256", "ecdsa_secp384r1_sha384", "ecdsa_secp521r1_sha512",
        "rsa_pkcs1_sha256", "rsa_pkcs1_sha384", "rsa_pkcs1_sha512", "rsa_pss_sha256", "rsa_pss_sha384", "rsa_pss_sha512",
    };

    private static readonly HashSet<string> s_tls12Groups = new(StringComparer.OrdinalIgnoreCase)
    {
        "ecdhe_secp256r1", "ecdhe_secp384r1", "ecdhe_secp521r1",
    };

    private static readonly HashSet<string> s_tls13Groups = new(StringComparer.OrdinalIgnoreCase)
    {
        "ecdhe_x25519", "ecdhe_x448", "ecdhe_secp256r1", "ecdhe_secp384r1", "ecdhe_secp521r1",
        "ffdhe_2048", "ffdhe_3072", "ffdhe_4096", "ffdhe_6144", "ffdhe_8192",
    };

    /// <summary>The TLS 1.2 signature algorithm names, e.g. <c>sha256-rsa</c>.</summary>
    public static IReadOnlySet<string> Tls12Names => s_tls12Names;

    /// <summary>The TLS 1.3 signature scheme names, e.g. <c>rsa_pss_sha256</c>.</summary>
    public static IReadOnlySet<string> Tls13Names => s_tls13Names;

    /// <summary>The TLS 1.2 group names.</summary>
    public static IReadOnlySet<string> Tls12Groups => s_tls12Groups;

    /// <summary>The TLS 1.3 group names.</summary>
    public static IReadOnlySet<string> Tls13Groups => s_tls13Groups;

    /// <summary>Parses a comma/semicolon/space separated list and checks each name against <paramref name="allowed"/>.</summary>
    /// <param name="setting">The setting's name, for the error message.</param>
    /// <param name="value">The list.</param>
    /// <param name="allowed">The names the setting takes.</param>
    /// <returns>The names, in order.</returns>
    /// <exception cref="SmtpException">10022: a name is not one of <paramref name="allowed"/>.</exception>
    public static IReadOnlyList<string> ParseList(string setting, string value, IReadOnlySet<string> allowed)
    {
        var names = Split(value).ToList();
        foreach (string name in names)
        {
            if (!allowed.Contains(name))
            {
                throw new SmtpException(SmtpErrorCodes.InvalidArgument,
                    $"{setting} names '{name}', which is not one of: {string.Join(", ", allowed.Order())}.");
            }
        }
        return names;
    }

    /// <summary>
    /// Checks the server certificate's own signature algorithm against the list for the negotiated version.
    /// </summary>
    /// <param name="certificate">The server certificate.</param>
    /// <param name="protocol">The negotiated version; anything but TLS 1.3 is checked against the TLS 1.2 list.</param>
    /// <param name="settings">The TLS options.</param>
    /// <returns>The problem, or null when the algorithm is allowed, the list is empty, or the algorithm has no name in
    /// the setting's vocabulary (it is then left to the TLS library).</returns>
    public static string? Check(X509Certificate2 certificate, SslProtocols protocol, TlsOptions settings)
    {
        var (family, hash) = Describe(certificate);
        if (family is null)
        {
            return null;
        }
        bool tls13 = protocol == SslProtocols.Tls13;
        string setting = tls13 ? settings.Terms.Tls13SignatureAlgorithms : settings.Terms.Tls12SignatureAlgorithms;
        var list = tls13 ? settings.Tls13SignatureAlgorithms : settings.Tls12SignatureAlgorithms;
        var allowed = list.ToHashSet(StringComparer.OrdinalIgnoreCase);
        if (allowed.Count == 0)
        {
            return null;
        }
        string? name = tls13 ? Tls13Name(family, hash) : Tls12Name(family, hash);
        if (name is not null && allowed.Contains(name))
        {
            return null;
        }
        string shown = certificate.SignatureAlgorithm.FriendlyName ?? certificate.SignatureAlgorithm.Value ?? "unknown";
        if (name is null && !tls13)
        {
            // No TLS 1.2 name exists for it (e.g. Ed25519): nothing to compare with.
            return null;
        }
        return $"the certificate's signature algorithm {shown} is not allowed by {setting}";
    }

    // TLS 1.2 names have no PSS form: an RSASSA-PSS signature counts as "rsa" with its hash.
    private static string? Tls12Name(string family, string? hash) =>
        hash is null ? null : $"{hash}-{(family == "rsapss" ? "rsa" : family)}";

    private static string? Tls13Name(string family, string? hash) => family switch
    {
        "ed25519" or "ed448" => family,
        "rsa" => hash is null ? null : $"rsa_pkcs1_{hash}",
        "rsapss" => hash is null ? null : $"rsa_pss_{hash}",
        "ecdsa" => hash switch
        {
            "sha256" => "ecdsa_secp256r1_sha256",
            "sha384" => "ecdsa_secp384r1_sha384",
            "sha512" => "ecdsa_secp521r1_sha512",
            _ => $"ecdsa_{hash}",
        },
        _ => $"{family}_{hash}",
    };

    /// <summary>The signature family (rsa, rsapss, ecdsa, dsa, ed25519, ed448) and hash (sha1 ... sha512) of a certificate.</summary>
    private static (string? Family, string? Hash) Describe(X509Certificate2 certificate) => certificate.SignatureAlgorithm.Value switch
    {
        "1.2.840.113549.1.1.5" => ("rsa", "sha1"),
        "1.2.840.113549.1.1.14" => ("rsa", "sha224"),
        "1.2.840.113549.1.1.11" => ("rsa", "sha256"),
        "1.2.840.113549.1.1.12" => ("rsa", "sha384"),
        "1.2.840.113549.1.1.13" => ("rsa", "sha512"),
        "1.2.840.113549.1.1.10" => ("rsapss", PssHash(certificate)),
        "1.2.840.10045.4.1" => ("ecdsa", "sha1"),
        "1.2.840.10045.4.3.1" => ("ecdsa", "sha224"),
        "1.2.840.10045.4.3.2" => ("ecdsa", "sha256"),
        "1.2.840.10045.4.3.3" => ("ecdsa", "sha384"),
        "1.2.840.10045.4.3.4" => ("ecdsa", "sha512"),
        "1.2.840.10040.4.3" => ("dsa", "sha1"),
        "2.16.840.1.101.3.4.3.1" => ("dsa", "sha224"),
        "2.16.840.1.101.3.4.3.2" => ("dsa", "sha256"),
        "1.3.101.112" => ("ed25519", null),
        "1.3.101.113" => ("ed448", null),
        _ => (null, null),
    };

    private static string? PssHash(X509Certificate2 certificate)
    {
        // Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm AlgorithmIdentifier, signature }
        // RSASSA-PSS-params ::= SEQUENCE { hashAlgorithm [0] EXPLICIT AlgorithmIdentifier DEFAULT sha1, ... } (RFC 4055 §3.1)
        try
        {
            var outer = new AsnReader(certificate.RawData, AsnEncodingRules.DER).ReadSequence();
            outer.ReadEncodedValue();
            var algorithm = outer.ReadSequence();
            algorithm.ReadObjectIdentifier();
            if (!algorithm.HasData)
            {
                return "sha1";
            }
            var parameters = algorithm.ReadSequence();
            var hashTag = new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true);
            if (!parameters.HasData || !parameters.PeekTag().HasSameClassAndValue(hashTag))
            {
                return "sha1";
            }
            string oid = parameters.ReadSequence(hashTag).ReadSequence().ReadObjectIdentifier();
            return oid switch
            {
                "1.3.14.3.2.26" => "sha1",
                "2.16.840.1.101.3.4.2.4" => "sha224",
                "2.16.840.1.101.3.4.2.1" => "sha256",
                "2.16.840.1.101.3.4.2.2" => "sha384",
                "2.16.840.1.101.3.4.2.3" => "sha512",
                _ => null,
            };
        }
        catch (AsnContentException)
        {
            return null;
        }
    }

    private static HashSet<string> BuildTls12Names()
    {
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (string hash in new[] { "sha1", "sha224", "sha256", "sha384", "sha512" })
        {
            foreach (string family in new[] { "rsa", "dsa", "ecdsa" })
            {
                names.Add($"{hash}-{family}");
            }
        }
        return names;
    }

    private static IEnumerable<string> Split(string value) =>
        (value ?? "").Split([',', ';', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>True when two lists name the same items in the same order, ignoring case and separators.</summary>
    /// <param name="a">One list.</param>
    /// <param name="b">The other.</param>
    public static bool SameList(string a, string b) =>
        Split(a).Select(x => x.ToLowerInvariant()).SequenceEqual(Split(b).Select(x => x.ToLowerInvariant()));
}
