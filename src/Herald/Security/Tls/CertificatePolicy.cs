using System.Globalization;
using System.Security.Cryptography.X509Certificates;

using Herald.Transport;

namespace Herald.Security.Tls;

/// <summary>What validation observed about one certificate of the chain (index 0 is the server's own).</summary>
/// <param name="Subject">The certificate's subject DN.</param>
/// <param name="Issuer">The certificate's issuer DN.</param>
/// <param name="NotBefore">Start of validity (UTC).</param>
/// <param name="NotAfter">End of validity (UTC).</param>
/// <param name="Status">Every status flag reported for this certificate.</param>
/// <param name="StatusText">The platform's own description of the status, for the message.</param>
/// <param name="HasCrlPointer">The certificate names a CRL distribution point.</param>
/// <param name="HasOcspPointer">The certificate names an OCSP responder.</param>
/// <remarks>A revocation status that came from a known CRL or OCSP response is already part of
/// <paramref name="Status"/> (revoked, or no longer unknown).</remarks>
internal sealed record ChainElementFacts(
    string Subject,
    string Issuer,
    DateTime NotBefore,
    DateTime NotAfter,
    X509ChainStatusFlags Status,
    string StatusText = "",
    bool HasCrlPointer = false,
    bool HasOcspPointer = false)
{
    /// <summary>A known (offline) CRL gave this certificate's revocation status.</summary>
    public bool CheckedByKnownCrl { get; init; }

    /// <summary>A known (offline) OCSP response gave this certificate's revocation status.</summary>
    public bool CheckedByKnownOcsp { get; init; }
}

/// <summary>Everything the policy needs to decide about a server certificate. Pure data, so tests can build it.</summary>
internal sealed record CertificateFacts
{
    /// <summary>The chain as built, server certificate first. Never empty.</summary>
    public required IReadOnlyList<ChainElementFacts> Elements { get; init; }

    /// <summary>The host-name check.</summary>
    public required HostNameCheck HostName { get; init; }

    /// <summary>The server certificate equals the pinned certificate.</summary>
    public bool MatchesAcceptedCertificate { get; init; }

    /// <summary>A problem with the certificate's signature algorithm (TLS12/TLS13SignatureAlgorithms), or null.</summary>
    public string? SignatureAlgorithmProblem { get; init; }

    /// <summary>The chain could not be built at all (the platform's message), or null.</summary>
    public string? BuildError { get; init; }

    /// <summary>The subject of a certificate of the chain that is on the blocked list, or null.</summary>
    public string? BlockedSubject { get; init; }
}

/// <summary>What kind of problem a <see cref="CertificateProblem"/> is, for a facade that reports problems as codes.</summary>
internal enum CertificateProblemKind
{
    /// <summary>Anything not listed below.</summary>
    Other,
    /// <summary>A certificate has expired.</summary>
    Expired,
    /// <summary>A certificate is not valid yet.</summary>
    NotYetValid,
    /// <summary>A validity period lies outside its issuer's.</summary>
    NotNested,
    /// <summary>The chain ends at an unknown CA or cannot be completed.</summary>
    UnknownCA,
    /// <summary>A certificate is not meant for server authentication.</summary>
    WrongUsage,
    /// <summary>A revocation status could not be obtained (or a required CRL pointer is missing).</summary>
    CrlUnknown,
    /// <summary>An OCSP status could not be obtained (or a required responder is missing).</summary>
    OcspUnknown,
    /// <summary>A revocation status could not be obtained by any means.</summary>
    RevocationUnknown,
    /// <summary>A certificate is revoked.</summary>
    Revoked,
    /// <summary>A signature does not verify.</summary>
    BadSignature,
    /// <summary>A certificate is explicitly distrusted, or blocked.</summary>
    Blocked,
    /// <summary>The certificate does not name the server.</summary>
    NameMismatch,
    /// <summary>The certificate's signature algorithm is not allowed.</summary>
    SignatureAlgorithm,
    /// <summary>The chain could not be built.</summary>
    BuildFailed,
    /// <summary>The chain loops.</summary>
    Cyclic,
}

/// <summary>One reason to reject a certificate.</summary>
/// <param name="Text">What is wrong, in words.</param>
/// <param name="Flag">The <see cref="SecurityFlags"/> bit that ignores it, or 0 when no flag can.</param>
/// <param name="Kind">What kind of problem it is.</param>
internal readonly record struct CertificateProblem(string Text, int Flag, CertificateProblemKind Kind = CertificateProblemKind.Other);

/// <summary>The decision about a server certificate.</summary>
/// <param name="Accept">True when the connection may continue.</param>
/// <param name="Status">"OK" when the certificate is valid; "OK (...)" when problems were ignored by the relaxed
/// checks; otherwise the reasons, separated by "; ".</param>
/// <param name="Problems">The problems that stand (empty when valid or relaxed by flags).</param>
/// <param name="Ignored">The problems the relaxed checks ignored.</param>
internal sealed record CertificateVerdict(bool Accept, string Status, IReadOnlyList<CertificateProblem> Problems,
    IReadOnlyList<CertificateProblem> Ignored)
{
    /// <summary>The chain holds a blocked certificate: the certificate is refused whatever anyone decides.</summary>
    public bool Blocked { get; init; }

    /// <summary>
    /// What the user can change to accept this certificate, for the error message, in the facade's words: the flag
    /// bits that would cover every remaining problem (where the facade has such a setting), the trusted CAs for an
    /// unknown CA, the event handler and the pinned certificate.
    /// </summary>
    /// <param name="terms">The facade's words.</param>
    public string Hint(SettingTerms terms)
    {
        var parts = new List<string>();
        bool allFlaggable = terms.SecurityFlags is not null && Problems.Count > 0 && Problems.All(p => p.Flag != 0);
        if (Problems.Any(p => p.Flag == SecurityFlags.AllowUnknownCA))
        {
            parts.Add(terms.AddTrustedCA);
        }
        if (allFlaggable)
        {
            int bits = Problems.Aggregate(0, (acc, p) => acc | p.Flag);
            var flags = Problems.Select(p => p.Flag).Distinct().ToList();
            string names = flags.Count == 1
                ? FlagName(flags[0])
                : string.Join(", ", flags.Select(f => $"{SecurityFlags.Format(f)} {FlagName(f)}"));
            parts.Add($"set {terms.SecurityFlags} to include {SecurityFlags.Format(bits)} ({names})");
        }
        if (Blocked)
        {
            return $"It is in {terms.BlockedCertificates ?? "the blocked certificates"}, which nothing overrides.";
        }
        if (terms.CertificateEvent is { } certificateEvent)
        {
            parts.Add($"set Accept = true in the {certificateEvent} event");
        }
        if (terms.PinnedCertificate is { } pinned)
        {
            parts.Add($"or set {pinned} to this exact certificate");
        }
        string prefix = allFlaggable || terms.SecurityFlags is null
            ? "To accept it anyway: " : $"No {terms.SecurityFlags} bit relaxes this; to accept it anyway: ";
        return prefix + string.Join(", ", parts) + ".";
    }

    private static string FlagName(int flag) => flag switch
    {
        SecurityFlags.IgnoreTimeValidity => "ignore time validity",
        SecurityFlags.IgnoreCtlTimeValidity => "ignore trust-list time validity",
        SecurityFlags.IgnoreNonNestedTimes => "ignore non-nested times",
        SecurityFlags.AllowUnknownCA => "allow unknown CA",
        SecurityFlags.IgnoreWrongUsage => "ignore wrong usage",
        SecurityFlags.IgnoreUnknownRevocation => "ignore unknown revocation",
        SecurityFlags.IgnoreUnknownCARevocation => "ignore unknown CA revocation",
        SecurityFlags.IgnoreUnknownRootRevocation => "ignore unknown root revocation",
        SecurityFlags.IgnoreNameMismatch => "ignore name mismatch",
        _ => "flag",
    };
}

/// <summary>
/// The server-certificate policy as a pure function: from what chain building and the host-name check observed, and
/// the relaxed checks and the revocation options, decide whether to accept and say why in words.
/// </summary>
internal static class CertificatePolicy
{
    private const X509ChainStatusFlags UnknownRevocation =
        X509ChainStatusFlags.RevocationStatusUnknown | X509ChainStatusFlags.OfflineRevocation;

    // Conditions handled one by one below; anything else the platform reports is a problem no flag relaxes.
    private const X509ChainStatusFlags Handled = X509ChainStatusFlags.NotTimeValid | X509ChainStatusFlags.NotTimeNested
        | X509ChainStatusFlags.UntrustedRoot | X509ChainStatusFlags.PartialChain | X509ChainStatusFlags.NotValidForUsage
        | UnknownRevocation | X509ChainStatusFlags.Revoked | X509ChainStatusFlags.NotSignatureValid
        | X509ChainStatusFlags.ExplicitDistrust | X509ChainStatusFlags.CtlNotTimeValid;

    /// <summary>Decides about a server certificate.</summary>
    /// <param name="facts">What validation observed.</param>
    /// <param name="securityFlags">The <see cref="SecurityFlags"/> bits of the problems to ignore.</param>
    /// <param name="checkCrl">CRL checking: 0 off, 1 when the certificate names a CRL, 2 required.</param>
    /// <param name="checkOcsp">OCSP checking: 0 off, 1 when the certificate names a responder, 2 required.</param>
    /// <param name="now">The time validity is judged at (UTC).</param>
    /// <param name="terms">The facade's words, for the status text; null for neutral words.</param>
    public static CertificateVerdict Decide(CertificateFacts facts, int securityFlags, int checkCrl, int checkOcsp, DateTime now,
        SettingTerms? terms = null)
    {
        terms ??= SettingTerms.Neutral;
        var problems = new List<CertificateProblem>();
        void Add(string text, int flag, CertificateProblemKind kind = CertificateProblemKind.Other)
        {
            if (!problems.Any(p => p.Text == text))
            {
                problems.Add(new CertificateProblem(text, flag, kind));
            }
        }

        if (facts.BlockedSubject is { } blocked)
        {
            Add($"certificate '{blocked}' is in {terms.BlockedCertificates ?? "the blocked certificates"}", 0, CertificateProblemKind.Blocked);
        }
        if (facts.BuildError is { } buildError)
        {
            Add($"the certificate chain could not be built: {buildError}", 0, CertificateProblemKind.BuildFailed);
        }
        int count = facts.Elements.Count;
        for (int i = 0; i < count; i++)
        {
            var e = facts.Elements[i];
            string role = i == 0 ? "certificate" : $"issuer certificate '{e.Subject}'";
            var s = e.Status;
            if ((s & X509ChainStatusFlags.NotTimeValid) != 0)
            {
                bool expired = now > e.NotAfter.ToUniversalTime();
                Add(expired
                    ? $"{role} has expired (valid until {Utc(e.NotAfter)})"
                    : $"{role} is not yet valid (valid from {Utc(e.NotBefore)})", SecurityFlags.IgnoreTimeValidity,
                    expired ? CertificateProblemKind.Expired : CertificateProblemKind.NotYetValid);
            }
            if ((s & X509ChainStatusFlags.NotTimeNested) != 0)
            {
                Add($"{role} is valid outside its issuer's validity period", SecurityFlags.IgnoreNonNestedTimes,
                    CertificateProblemKind.NotNested);
            }
            if ((s & X509ChainStatusFlags.UntrustedRoot) != 0)
            {
                Add($"certificate is not trusted: unknown CA '{e.Subject}'", SecurityFlags.AllowUnknownCA, CertificateProblemKind.UnknownCA);
            }
            if ((s & X509ChainStatusFlags.PartialChain) != 0)
            {
                // The issuer's certificate is nowhere to be found (servers do not send their root): an unknown CA.
                Add($"certificate is not trusted: unknown CA '{facts.Elements[count - 1].Issuer}' (the chain could not be completed)",
                    SecurityFlags.AllowUnknownCA, CertificateProblemKind.UnknownCA);
            }
            if ((s & X509ChainStatusFlags.NotValidForUsage) != 0)
            {
                Add($"{role} is not valid for server authentication (extended key usage)", SecurityFlags.IgnoreWrongUsage,
                    CertificateProblemKind.WrongUsage);
            }
            if ((s & UnknownRevocation) != 0 && !RevocationUnknownExpected(e, checkCrl, checkOcsp))
            {
                int flag = i == 0 ? SecurityFlags.IgnoreUnknownRevocation
                    : i == count - 1 && e.Subject == e.Issuer ? SecurityFlags.IgnoreUnknownRootRevocation
                    : SecurityFlags.IgnoreUnknownCARevocation;
                var kind = e.HasOcspPointer && !e.HasCrlPointer ? CertificateProblemKind.OcspUnknown
                    : e.HasCrlPointer && !e.HasOcspPointer ? CertificateProblemKind.CrlUnknown : CertificateProblemKind.RevocationUnknown;
                Add($"the revocation status of {role} could not be checked{Detail(e)}", flag, kind);
            }
            if ((s & X509ChainStatusFlags.Revoked) != 0)
            {
                Add($"{role} has been revoked", 0, CertificateProblemKind.Revoked);
            }
            if ((s & X509ChainStatusFlags.NotSignatureValid) != 0)
            {
                Add($"{role} has an invalid signature", 0, CertificateProblemKind.BadSignature);
            }
            if ((s & X509ChainStatusFlags.ExplicitDistrust) != 0)
            {
                Add($"{role} is explicitly distrusted", 0, CertificateProblemKind.Blocked);
            }
            if ((s & X509ChainStatusFlags.CtlNotTimeValid) != 0)
            {
                Add("the certificate trust list has expired", SecurityFlags.IgnoreCtlTimeValidity);
            }
            var other = s & ~Handled;
            if (other != X509ChainStatusFlags.NoError)
            {
                Add($"{role} failed validation: {other}{Detail(e)}", 0,
                    (other & X509ChainStatusFlags.Cyclic) != 0 ? CertificateProblemKind.Cyclic : CertificateProblemKind.Other);
            }
        }

        var leaf = facts.Elements[0];
        if (checkCrl == 2 && !leaf.HasCrlPointer && !leaf.CheckedByKnownCrl)
        {
            Add($"certificate names no CRL distribution point ({terms.CrlRequired} requires one)", SecurityFlags.IgnoreUnknownRevocation,
                CertificateProblemKind.CrlUnknown);
        }
        if (checkOcsp == 2 && !leaf.HasOcspPointer && !leaf.CheckedByKnownOcsp)
        {
            Add($"certificate names no OCSP responder ({terms.OcspRequired} requires one)", SecurityFlags.IgnoreUnknownRevocation,
                CertificateProblemKind.OcspUnknown);
        }
        if (!facts.HostName.Matches)
        {
            string names = facts.HostName.Names.Count == 0 ? "no host name" : string.Join(", ", facts.HostName.Names);
            Add($"host name mismatch: certificate is for {names} but the server is '{facts.HostName.Host}'",
                SecurityFlags.IgnoreNameMismatch, CertificateProblemKind.NameMismatch);
        }
        if (facts.SignatureAlgorithmProblem is { } signatureProblem)
        {
            Add(signatureProblem, 0, CertificateProblemKind.SignatureAlgorithm);
        }

        var remaining = problems.Where(p => p.Flag == 0 || (securityFlags & p.Flag) == 0).ToList();
        var ignored = problems.Where(p => p.Flag != 0 && (securityFlags & p.Flag) != 0).ToList();
        string status;
        if (remaining.Count > 0)
        {
            status = string.Join("; ", remaining.Select(p => p.Text));
            if (facts.MatchesAcceptedCertificate)
            {
                status += $" (accepted: the certificate equals {terms.PinnedCertificate ?? "the pinned certificate"})";
            }
        }
        else
        {
            status = ignored.Count == 0 ? "OK"
                : $"OK (ignored by {terms.SecurityFlags ?? "the relaxed checks"}: {string.Join("; ", ignored.Select(p => p.Text))})";
        }
        bool isBlocked = facts.BlockedSubject is not null;
        return new CertificateVerdict(!isBlocked && (remaining.Count == 0 || facts.MatchesAcceptedCertificate), status, remaining,
            ignored) { Blocked = isBlocked };
    }

    /// <summary>
    /// At level 1 (check when listed) a certificate that names neither a CRL distribution point nor an
    /// OCSP responder for an enabled check cannot be checked, and that is not an error. At level 2 the server
    /// certificate's missing pointer is reported by its own message instead.
    /// </summary>
    private static bool RevocationUnknownExpected(ChainElementFacts e, int checkCrl, int checkOcsp)
    {
        bool checkable = (checkCrl > 0 && e.HasCrlPointer) || (checkOcsp > 0 && e.HasOcspPointer);
        return !checkable;
    }

    private static string Detail(ChainElementFacts e) => e.StatusText.Length == 0 ? "" : $" ({e.StatusText.TrimEnd('.')})";

    private static string Utc(DateTime value) =>
        value.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);
}
