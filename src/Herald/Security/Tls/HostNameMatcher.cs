using System.Net;
using System.Security.Cryptography.X509Certificates;
using Herald.Security.Certificates;

namespace Herald.Security.Tls;

/// <summary>The outcome of checking a certificate against the server name.</summary>
/// <param name="Matches">True when the certificate is for the server.</param>
/// <param name="Host">The name or address that was checked (brackets and a trailing dot removed).</param>
/// <param name="Names">The identities the certificate carries, for the message (SAN values, or the CN).</param>
internal readonly record struct HostNameCheck(bool Matches, string Host, IReadOnlyList<string> Names);

/// <summary>
/// Checks a server certificate against the host name the client asked for, following RFC 6125 §6 as applied to
/// SMTP by RFC 7817 §3: DNS-ID subjectAltNames (with a wildcard only as the whole left-most label), iPAddress SANs when
/// the server is given as an address, and the subject CN only when the certificate has no DNS or IP SAN at all.
/// </summary>
internal static class HostNameMatcher
{
    /// <summary>Checks <paramref name="certificate"/> against <paramref name="host"/>.</summary>
    /// <param name="certificate">The server certificate.</param>
    /// <param name="host">The server name as given (a name, an IPv4 address or an IPv6 address with or without brackets).</param>
    public static HostNameCheck Check(X509Certificate2 certificate, string host)
    {
        string target = host.Trim().TrimStart('[').TrimEnd(']').TrimEnd('.');
        var sans = GeneralNames.Read(certificate);
        var dnsNames = sans.Where(n => n.Kind == GeneralNameKind.Dns).Select(n => n.Value).ToList();
        var addresses = sans.Where(n => n.Kind == GeneralNameKind.IPAddress).ToList();
        var shown = sans.Where(n => n.Kind is GeneralNameKind.Dns or GeneralNameKind.IPAddress).Select(n => n.Value).ToList();

        if (IPAddress.TryParse(target, out var address))
        {
            // RFC 6125 §6.2.1 / RFC 5280 §4.2.1.6: an address is only matched by an iPAddress SAN, never by a DNS name
            // or the CN text. Scoped IPv6 addresses compare without their scope.
            bool ipMatch = addresses.Any(a => SameAddress(a.Address!, address));
            if (shown.Count == 0)
            {
                shown = CommonNames(certificate);
            }
            return new HostNameCheck(ipMatch, target, shown);
        }
        // Certificates carry internationalised names in their A-label (punycode) form (RFC 5280 §7.2).
        string ascii = ToAscii(target);
        if (dnsNames.Count > 0 || addresses.Count > 0)
        {
            return new HostNameCheck(dnsNames.Any(pattern => MatchesDnsName(pattern, ascii)), target, shown);
        }
        // No SAN of either kind: fall back to the subject's common name (RFC 6125 §6.4.4).
        var commonNames = CommonNames(certificate);
        return new HostNameCheck(commonNames.Any(cn => MatchesDnsName(cn, ascii)), target, commonNames);
    }

    /// <summary>
    /// Compares a DNS name pattern from a certificate with a host name, case-insensitively. A wildcard is honoured only
    /// as the entire left-most label of a pattern with at least two more labels (<c>*.example.org</c>), and matches
    /// exactly one label (RFC 6125 §6.4.3).
    /// </summary>
    /// <param name="pattern">The certificate's name.</param>
    /// <param name="host">The server name.</param>
    public static bool MatchesDnsName(string pattern, string host)
    {
        pattern = pattern.Trim().TrimEnd('.');
        host = host.Trim().TrimEnd('.');
        if (pattern.Length == 0 || host.Length == 0)
        {
            return false;
        }
        if (!pattern.StartsWith("*.", StringComparison.Ordinal))
        {
            return !pattern.Contains('*') && string.Equals(pattern, host, StringComparison.OrdinalIgnoreCase);
        }
        string suffix = pattern[1..];                     // ".example.org"
        if (suffix.Contains('*') || suffix.Count(c => c == '.') < 2)
        {
            // "*.*.example.org", "*.org": not a wildcard we honour.
            return false;
        }
        int dot = host.IndexOf('.');
        if (dot <= 0)
        {
            return false;
        }
        return string.Equals(host[dot..], suffix, StringComparison.OrdinalIgnoreCase);
    }

    private static string ToAscii(string host)
    {
        if (host.All(char.IsAscii))
        {
            return host;
        }
        try
        {
            return new System.Globalization.IdnMapping().GetAscii(host);
        }
        catch (ArgumentException)
        {
            // Not a valid internationalised name: compared as given, it matches nothing a CA would issue.
            return host;
        }
    }

    private static bool SameAddress(IPAddress a, IPAddress b)
    {
        if (a.AddressFamily != b.AddressFamily)
        {
            // An IPv4-mapped IPv6 address is the same host as its IPv4 form.
            return a.IsIPv4MappedToIPv6 && a.MapToIPv4().Equals(b) || b.IsIPv4MappedToIPv6 && b.MapToIPv4().Equals(a);
        }
        return a.GetAddressBytes().AsSpan().SequenceEqual(b.GetAddressBytes());
    }

    private static List<string> CommonNames(X509Certificate2 certificate)
    {
        var names = new List<string>();
        foreach (var rdn in certificate.SubjectName.EnumerateRelativeDistinguishedNames())
        {
            if (!rdn.HasMultipleElements && rdn.GetSingleElementType().Value == "2.5.4.3" && rdn.GetSingleElementValue() is { } value)
            {
                names.Add(value);
            }
        }
        return names;
    }
}
