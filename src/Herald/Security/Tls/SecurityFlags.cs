namespace Herald.Security.Tls;

/// <summary>
/// Bits that each relax one certificate check (a facade's security-flags setting takes these values). The ones that
/// describe Windows-only concepts (certificate trust lists, the Microsoft test root) are accepted and have no effect,
/// since .NET on other platforms never reports those conditions.
/// </summary>
internal static class SecurityFlags
{
    /// <summary>0x1: ignore the certificates' validity periods (expired or not yet valid).</summary>
    public const int IgnoreTimeValidity = 0x00000001;

    /// <summary>0x2: ignore an expired certificate trust list (Windows only).</summary>
    public const int IgnoreCtlTimeValidity = 0x00000002;

    /// <summary>0x4: ignore a certificate whose validity period lies outside its issuer's.</summary>
    public const int IgnoreNonNestedTimes = 0x00000004;

    /// <summary>0x10: allow a chain that ends at an unknown (untrusted) CA or cannot be completed.</summary>
    public const int AllowUnknownCA = 0x00000010;

    /// <summary>0x20: ignore a certificate that is not valid for server authentication (extended key usage).</summary>
    public const int IgnoreWrongUsage = 0x00000020;

    /// <summary>0x100: ignore an unknown revocation status of the server certificate.</summary>
    public const int IgnoreUnknownRevocation = 0x00000100;

    /// <summary>0x200: ignore an unknown revocation status of a trust-list signer (Windows only).</summary>
    public const int IgnoreUnknownCtlSignerRevocation = 0x00000200;

    /// <summary>0x400: ignore an unknown revocation status of an intermediate CA.</summary>
    public const int IgnoreUnknownCARevocation = 0x00000400;

    /// <summary>0x800: ignore an unknown revocation status of the root CA.</summary>
    public const int IgnoreUnknownRootRevocation = 0x00000800;

    /// <summary>0x4000: trust the Microsoft test root (Windows only).</summary>
    public const int TrustTestRoot = 0x00004000;

    /// <summary>0x8000: allow the Microsoft test root (Windows only).</summary>
    public const int AllowTestRoot = 0x00008000;

    /// <summary>0x80000000: ignore a certificate that does not name the server.</summary>
    public const int IgnoreNameMismatch = unchecked((int)0x80000000);

    /// <summary>Every documented bit.</summary>
    public const int All = IgnoreTimeValidity | IgnoreCtlTimeValidity | IgnoreNonNestedTimes | AllowUnknownCA | IgnoreWrongUsage
        | IgnoreUnknownRevocation | IgnoreUnknownCtlSignerRevocation | IgnoreUnknownCARevocation | IgnoreUnknownRootRevocation
        | TrustTestRoot | AllowTestRoot | IgnoreNameMismatch;

    /// <summary>Formats a bit for messages, e.g. <c>0x00000010</c>.</summary>
    /// <param name="flag">The bit.</param>
    public static string Format(int flag) => "0x" + ((uint)flag).ToString("X8", System.Globalization.CultureInfo.InvariantCulture);
}
