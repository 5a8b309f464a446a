using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Herald.Security.Tls;

/// <summary>The result of validating a server certificate: the facts, the verdict and the chain that was judged.</summary>
internal sealed class ServerCertificateValidation : IDisposable
{
    /// <summary>What was observed.</summary>
    public required CertificateFacts Facts { get; init; }

    /// <summary>The policy's decision.</summary>
    public required CertificateVerdict Verdict { get; init; }

    /// <summary>The chain the verdict is about (handed to the certificate event).</summary>
    public required X509Chain Chain { get; init; }

    /// <summary>Where trust came from: "system", the facade's names for its trusted-CA settings, or "" when not trusted.</summary>
    public required string TrustSource { get; init; }

    /// <summary>What validation found, one line per certificate of the chain and then the result (LF-separated).</summary>
    public string Log { get; init; } = "";

    /// <summary>The chain's certificates, server certificate first, as independent copies.</summary>
    public X509Certificate2Collection ChainCertificates()
    {
        var copies = new X509Certificate2Collection();
        foreach (var element in Chain.ChainElements)
        {
            copies.Add(X509CertificateLoader.LoadCertificate(element.Certificate.RawData));
        }
        return copies;
    }

    /// <summary>Releases the chain.</summary>
    public void Dispose() => Chain.Dispose();
}

/// <summary>
/// Builds the server certificate's chain and judges it with <see cref="CertificatePolicy"/>.
/// </summary>
/// <remarks>
/// Trust is the union of the system store and the extra anchors (the trusted CA certificates, then the first CA
/// bundle file), and adding an anchor never relaxes a check: first the chain is built against the system store, with the
/// extra certificates only as untrusted path-building helpers; only when that chain ends at an unknown CA is a second
/// chain built whose trust anchors are exactly the extra certificates (<see cref="X509ChainTrustMode.CustomRootTrust"/>).
/// Both builds use the same policy (validity, key usage, revocation), and no verification flag is ever set on them:
/// the relaxed checks are applied afterwards to the reported statuses, so each relaxation is explicit and visible.
/// Revocation: a CRL or OCSP check other than off turns on the platform's online revocation check, which consults
/// whatever the certificate offers (.NET cannot be told to use only CRLs or only OCSP); the levels decide how a
/// certificate that offers nothing, or an unreachable responder, is judged (see <see cref="CertificatePolicy"/>).
/// Fetches are bounded by <see cref="RevocationFetchTimeout"/> and run inside the handshake.
/// A trust anchor must be a self-signed root: an intermediate listed alone among the trusted CAs helps build the path
/// but does not end it (the platform, like OpenSSL by default, does not accept partial chains).
/// </remarks>
internal static class ServerCertificateValidator
{
    private const string ServerAuthOid = "1.3.6.1.5.5.7.3.1";
    private const X509ChainStatusFlags Untrusted = X509ChainStatusFlags.UntrustedRoot | X509ChainStatusFlags.PartialChain;

    /// <summary>How long a CRL or OCSP fetch may take during validation.</summary>
    public static readonly TimeSpan RevocationFetchTimeout = TimeSpan.FromSeconds(15);

    /// <summary>Validates a server certificate.</summary>
    /// <param name="leaf">The server certificate.</param>
    /// <param name="presented">The other certificates the server sent.</param>
    /// <param name="host">The server name the client asked for.</param>
    /// <param name="settings">The TLS options.</param>
    /// <param name="protocol">The negotiated protocol, when known.</param>
    /// <param name="utcNow">The time to validate at.</param>
    public static ServerCertificateValidation Validate(X509Certificate2 leaf, X509Certificate2Collection presented, string host,
        TlsOptions settings, SslProtocols protocol, DateTime utcNow)
    {
        bool checksOn = settings.CheckCrl != RevocationCheck.Off || settings.CheckOcsp != RevocationCheck.Off;
        bool hasKnown = (settings.CheckCrl != RevocationCheck.Off && settings.KnownCrls.Count > 0)
            || (settings.CheckOcsp != RevocationCheck.Off && settings.KnownOcspResponses.Count > 0);
        var log = new List<string>();
        // With known revocation data, the chain is first built without any fetch; only when that data leaves a
        // certificate uncovered is it built again with the platform's online check (RFC 5280 §6.3 lets any current
        // CRL of the issuer answer, however it was obtained).
        var built = BuildTrusted(leaf, presented, settings, utcNow, online: checksOn && !hasKnown);
        var known = hasKnown ? CheckKnown(built.Chain, settings, utcNow) : [];
        if (hasKnown && checksOn && known.Any(k => k is null))
        {
            log.Add("The known CRLs/OCSP responses do not cover every certificate of the chain; checking online as well.");
            built.Chain.Dispose();
            built = BuildTrusted(leaf, presented, settings, utcNow, online: true);
            known = CheckKnown(built.Chain, settings, utcNow);
        }
        var chain = built.Chain;
        var elements = Elements(chain, leaf);
        for (int i = 0; i < elements.Count && i < known.Count; i++)
        {
            if (known[i] is { } answer)
            {
                elements[i] = Apply(elements[i], answer);
            }
        }
        string? blocked = FindBlocked(chain, leaf, settings.BlockedCertificates);

        var accepted = settings.PinnedServerCertificate;
        var facts = new CertificateFacts
        {
            Elements = elements,
            HostName = HostNameMatcher.Check(leaf, host),
            MatchesAcceptedCertificate = accepted is not null && accepted.RawData.AsSpan().SequenceEqual(leaf.RawData),
            SignatureAlgorithmProblem = SignatureAlgorithmPolicy.Check(leaf, protocol, settings),
            BuildError = built.Error,
            BlockedSubject = blocked,
        };
        var verdict = CertificatePolicy.Decide(facts, settings.RelaxedChecks, (int)settings.CheckCrl, (int)settings.CheckOcsp, utcNow,
            settings.Terms);
        log.AddRange(DescribeChain(facts, built.Trust, known));
        log.Add($"Result: {verdict.Status}");
        return new ServerCertificateValidation
        {
            Facts = facts, Verdict = verdict, Chain = chain, TrustSource = built.Trust, Log = string.Join("\n", log),
        };
    }

    /// <summary>
    /// Builds the chain against the system store (unless system trust is off), with the extra certificates only as
    /// path-building helpers; when that ends at an unknown CA, builds it again with exactly the extra anchors trusted.
    /// </summary>
    private static (X509Chain Chain, string? Error, string Trust) BuildTrusted(X509Certificate2 leaf,
        X509Certificate2Collection presented, TlsOptions settings, DateTime utcNow, bool online)
    {
        var serverCACerts = settings.TrustedCAs;
        var helpers = new X509Certificate2Collection();
        helpers.AddRange(presented);
        helpers.AddRange(settings.ExtraIntermediates);
        helpers.AddRange(serverCACerts);
        X509Chain? chain = null;
        string? buildError = null;
        string trust = "";
        if (settings.UseSystemTrust)
        {
            (chain, buildError) = Build(leaf, helpers, null, settings, utcNow, online);
            trust = (Flags(chain) & Untrusted) == 0 && buildError is null ? "system" : "";
        }
        if (trust.Length == 0)
        {
            var anchors = new X509Certificate2Collection();
            anchors.AddRange(serverCACerts);
            anchors.AddRange(TrustAnchors.LoadFirstBundle(settings.CABundleFiles, out _));
            if (anchors.Count > 0 || chain is null)
            {
                helpers.AddRange(anchors);
                var (custom, customError) = Build(leaf, helpers, anchors, settings, utcNow, online);
                if ((Flags(custom) & Untrusted) == 0 && customError is null)
                {
                    chain?.Dispose();
                    chain = custom;
                    buildError = null;
                    trust = settings.Terms.CABundleFiles.Length == 0
                        ? settings.Terms.TrustedCAs
                        : $"{settings.Terms.TrustedCAs}/{settings.Terms.CABundleFiles}";
                }
                else if (chain is null)
                {
                    chain = custom;
                    buildError = customError;
                }
                else
                {
                    custom.Dispose();
                }
            }
        }
        return (chain!, buildError, trust);
    }

    /// <summary>For each chain element but a self-signed root, what the known CRLs and OCSP responses say (null when they
    /// do not cover it).</summary>
    private static List<RevocationAnswer?> CheckKnown(X509Chain chain, TlsOptions settings, DateTime utcNow)
    {
        var answers = new List<RevocationAnswer?>();
        var elements = chain.ChainElements;
        for (int i = 0; i < elements.Count; i++)
        {
            var certificate = elements[i].Certificate;
            if (i + 1 >= elements.Count)
            {
                // The last element has no issuer in the chain: a root is not checked (X509RevocationFlag.ExcludeRoot),
                // and an incomplete chain's end cannot be.
                answers.Add(certificate.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData)
                    ? new RevocationAnswer(RevocationStatus.Good, "a root: not checked")
                    : null);
                continue;
            }
            var issuer = elements[i + 1].Certificate;
            RevocationAnswer? answer = null;
            if (settings.CheckOcsp != RevocationCheck.Off && settings.KnownOcspResponses.Count > 0)
            {
                var ocsp = KnownRevocation.CheckOcsp(certificate, issuer, settings.KnownOcspResponses, utcNow);
                answer = ocsp.Status != RevocationStatus.NotCovered ? ocsp with { Detail = "OCSP: " + ocsp.Detail } : null;
            }
            if (answer is not { Status: RevocationStatus.Revoked } && settings.CheckCrl != RevocationCheck.Off
                && settings.KnownCrls.Count > 0)
            {
                var crl = KnownRevocation.CheckCrl(certificate, issuer, settings.KnownCrls, utcNow);
                if (crl.Status != RevocationStatus.NotCovered)
                {
                    answer = crl with { Detail = "CRL: " + crl.Detail };
                }
            }
            answers.Add(answer);
        }
        return answers;
    }

    private static ChainElementFacts Apply(ChainElementFacts element, RevocationAnswer answer)
    {
        const X509ChainStatusFlags Unknown = X509ChainStatusFlags.RevocationStatusUnknown | X509ChainStatusFlags.OfflineRevocation;
        bool byCrl = answer.Detail.StartsWith("CRL", StringComparison.Ordinal);
        bool byOcsp = answer.Detail.StartsWith("OCSP", StringComparison.Ordinal);
        var status = element.Status & ~Unknown;
        string text = element.StatusText;
        if (answer.Status == RevocationStatus.Revoked)
        {
            status |= X509ChainStatusFlags.Revoked;
            text = (text + " " + answer.Detail).Trim();
        }
        return element with { Status = status, StatusText = text, CheckedByKnownCrl = byCrl, CheckedByKnownOcsp = byOcsp };
    }

    /// <summary>The subject of the first certificate of the chain (or the server's own) that is blocked, or null.</summary>
    private static string? FindBlocked(X509Chain chain, X509Certificate2 leaf, X509Certificate2Collection blocked)
    {
        if (blocked.Count == 0)
        {
            return null;
        }
        var candidates = new List<X509Certificate2> { leaf };
        candidates.AddRange(chain.ChainElements.Select(e => e.Certificate));
        foreach (var certificate in candidates)
        {
            foreach (var b in blocked)
            {
                if (b.RawData.AsSpan().SequenceEqual(certificate.RawData))
                {
                    return certificate.Subject;
                }
            }
        }
        return null;
    }

    /// <summary>The validation log: one line per certificate of the chain with what was found, then the trust source.</summary>
    private static IEnumerable<string> DescribeChain(CertificateFacts facts, string trust, List<RevocationAnswer?> known)
    {
        for (int i = 0; i < facts.Elements.Count; i++)
        {
            var e = facts.Elements[i];
            string status = e.Status == X509ChainStatusFlags.NoError ? "no problem" : e.Status.ToString();
            string revocation = i < known.Count && known[i] is { } k ? $"; revocation: {k.Detail}" : "";
            yield return $"[{i}] {e.Subject} (issuer {e.Issuer}, valid {Date(e.NotBefore)} to {Date(e.NotAfter)}): {status}" +
                (e.StatusText.Length > 0 ? $" ({e.StatusText})" : "") + revocation;
        }
        yield return trust.Length > 0 ? $"Trusted through: {trust}." : "No trust anchor was found for the chain.";
        yield return facts.HostName.Matches
            ? $"Host name '{facts.HostName.Host}' matches."
            : $"Host name '{facts.HostName.Host}' does not match.";

        static string Date(DateTime d) => d.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
    }

    private static (X509Chain Chain, string? Error) Build(X509Certificate2 leaf, X509Certificate2Collection helpers,
        X509Certificate2Collection? anchors, TlsOptions settings, DateTime utcNow, bool online)
    {
        var chain = new X509Chain();
        var policy = chain.ChainPolicy;
        policy.RevocationMode = online ? X509RevocationMode.Online : X509RevocationMode.NoCheck;
        policy.RevocationFlag = X509RevocationFlag.ExcludeRoot;
        policy.VerificationFlags = X509VerificationFlags.NoFlag;
        policy.UrlRetrievalTimeout = RevocationFetchTimeout;
        policy.VerificationTimeIgnored = false;
        policy.VerificationTime = utcNow.ToLocalTime();
        policy.ApplicationPolicy.Add(new Oid(ServerAuthOid));
        policy.ExtraStore.AddRange(helpers);
        if (anchors is not null)
        {
            policy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            policy.CustomTrustStore.AddRange(anchors);
        }
        try
        {
            chain.Build(leaf);
            return (chain, null);
        }
        catch (CryptographicException e)
        {
            return (chain, e.Message);
        }
    }

    private static X509ChainStatusFlags Flags(X509Chain chain)
    {
        var flags = X509ChainStatusFlags.NoError;
        foreach (var status in chain.ChainStatus)
        {
            flags |= status.Status;
        }
        foreach (var element in chain.ChainElements)
        {
            foreach (var status in element.ChainElementStatus)
            {
                flags |= status.Status;
            }
        }
        return flags;
    }

    private static List<ChainElementFacts> Elements(X509Chain chain, X509Certificate2 leaf)
    {
        var result = new List<ChainElementFacts>();
        var seen = X509ChainStatusFlags.NoError;
        foreach (var element in chain.ChainElements)
        {
            var flags = X509ChainStatusFlags.NoError;
            foreach (var status in element.ChainElementStatus)
            {
                flags |= status.Status;
            }
            seen |= flags;
            string text = string.Join(" ", element.ChainElementStatus.Select(s => s.StatusInformation.Trim()));
            result.Add(Describe(element.Certificate, flags, text));
        }
        if (result.Count == 0)
        {
            result.Add(Describe(leaf, X509ChainStatusFlags.NoError, ""));
        }
        // Conditions reported only for the chain as a whole (a partial chain, for one) belong to its last certificate.
        var overall = X509ChainStatusFlags.NoError;
        foreach (var status in chain.ChainStatus)
        {
            overall |= status.Status;
        }
        var unattributed = overall & ~seen;
        if (unattributed != X509ChainStatusFlags.NoError)
        {
            var last = result[^1];
            var statuses = chain.ChainStatus.Where(s => (s.Status & unattributed) != 0);
            string text = string.Join(" ", statuses.Select(s => s.StatusInformation.Trim()));
            result[^1] = last with { Status = last.Status | unattributed, StatusText = (last.StatusText + " " + text).Trim() };
        }
        return result;
    }

    private static ChainElementFacts Describe(X509Certificate2 certificate, X509ChainStatusFlags flags, string text)
    {
        bool hasCrl = certificate.Extensions["2.5.29.31"] is not null;
        bool hasOcsp = false;
        if (certificate.Extensions["1.3.6.1.5.5.7.1.1"] is { } aia)
        {
            try
            {
                hasOcsp = new X509AuthorityInformationAccessExtension(aia.RawData, aia.Critical).EnumerateOcspUris().Any();
            }
            catch (CryptographicException)
            {
                // A malformed extension names no usable responder.
            }
        }
        return new ChainElementFacts(certificate.Subject, certificate.Issuer, certificate.NotBefore.ToUniversalTime(),
            certificate.NotAfter.ToUniversalTime(), flags, text, hasCrl, hasOcsp);
    }
}
