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
        var serverCACerts = settings.TrustedCAs;
        var helpers = new X509Certificate2Collection();
        helpers.AddRange(presented);
        helpers.AddRange(serverCACerts);
        var (chain, buildError) = Build(leaf, helpers, null, settings, utcNow);
        string trust = Flags(chain) is var f && (f & Untrusted) == 0 && buildError is null ? "system" : "";
        if (trust.Length == 0)
        {
            var anchors = new X509Certificate2Collection();
            anchors.AddRange(serverCACerts);
            anchors.AddRange(TrustAnchors.LoadFirstBundle(settings.CABundleFiles, out _));
            if (anchors.Count > 0)
            {
                helpers.AddRange(anchors);
                var (custom, customError) = Build(leaf, helpers, anchors, settings, utcNow);
                if ((Flags(custom) & Untrusted) == 0 && customError is null)
                {
                    chain.Dispose();
                    chain = custom;
                    buildError = null;
                    trust = $"{settings.Terms.TrustedCAs}/{settings.Terms.CABundleFiles}";
                }
                else
                {
                    custom.Dispose();
                }
            }
        }

        var accepted = settings.PinnedServerCertificate;
        var facts = new CertificateFacts
        {
            Elements = Elements(chain, leaf),
            HostName = HostNameMatcher.Check(leaf, host),
            MatchesAcceptedCertificate = accepted is not null && accepted.RawData.AsSpan().SequenceEqual(leaf.RawData),
            SignatureAlgorithmProblem = SignatureAlgorithmPolicy.Check(leaf, protocol, settings),
            BuildError = buildError,
        };
        var verdict = CertificatePolicy.Decide(facts, settings.RelaxedChecks, (int)settings.CheckCrl, (int)settings.CheckOcsp, utcNow,
            settings.Terms);
        return new ServerCertificateValidation { Facts = facts, Verdict = verdict, Chain = chain, TrustSource = trust };
    }

    private static (X509Chain Chain, string? Error) Build(X509Certificate2 leaf, X509Certificate2Collection helpers,
        X509Certificate2Collection? anchors, TlsOptions settings, DateTime utcNow)
    {
        var chain = new X509Chain();
        var policy = chain.ChainPolicy;
        policy.RevocationMode = settings.CheckCrl != RevocationCheck.Off || settings.CheckOcsp != RevocationCheck.Off
            ? X509RevocationMode.Online : X509RevocationMode.NoCheck;
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
