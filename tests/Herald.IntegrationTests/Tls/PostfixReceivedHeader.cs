using System.Diagnostics;
using System.Text.RegularExpressions;
using Xunit;

namespace Herald.IntegrationTests.Tls;

/// <summary>
/// What Postfix wrote about the TLS session in the Received header it added (<c>smtpd_tls_received_header = yes</c>):
/// <c>(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 ...)</c> and
/// <c>with ESMTPS</c>. The server's own record of the session, to hold the component's SSLNegotiated* values against.
/// </summary>
internal sealed partial record PostfixReceivedHeader(string Header, string Version, string Cipher, int CipherBits, string KeyExchange)
{
    private static readonly Lazy<Dictionary<string, string>> s_openSslNames = new(LoadOpenSslNames);

    /// <summary>Parses the top Received header of a delivered message.</summary>
    /// <exception cref="Xunit.Sdk.XunitException">The header does not describe a TLS session.</exception>
    public static PostfixReceivedHeader From(string message)
    {
        string header = PeerSmtp.TopReceivedHeader(message);
        var match = TlsClause().Match(header);
        Assert.True(match.Success, "Postfix's Received header does not say the message came over TLS: " + header);
        return new PostfixReceivedHeader(header, match.Groups["version"].Value, match.Groups["cipher"].Value,
            int.Parse(match.Groups["bits"].Value, System.Globalization.CultureInfo.InvariantCulture), match.Groups["kx"].Value);
    }

    /// <summary>
    /// Asserts that the component's SSLNegotiated* settings describe the session Postfix recorded: the same version,
    /// the same suite (OpenSSL's name for it, from <c>openssl ciphers -stdname</c>), the same cipher strength, and a
    /// key exchange that matches the group Postfix used.
    /// </summary>
    public void AssertMatches(NegotiatedTls negotiated)
    {
        Assert.Contains(" with ESMTPS", Header);
        Assert.Equal(negotiated.Version, Version.Replace("TLSv", "TLS", StringComparison.Ordinal));
        Assert.Equal(OpenSslName(negotiated.CipherSuite), Cipher);
        Assert.Equal(CipherBits, negotiated.CipherStrength);
        if (KeyExchange.Length > 0)
        {
            var (kind, bits) = KeyExchange.ToUpperInvariant() switch
            {
                "X25519" => ("ECDHE", 253),
                "X448" => ("ECDHE", 448),
                "PRIME256V1" or "SECP256R1" or "P-256" => ("ECDHE", 256),
                "SECP384R1" or "P-384" => ("ECDHE", 384),
                "SECP521R1" or "P-521" => ("ECDHE", 521),
                "FFDHE2048" => ("DHE", 2048),
                "FFDHE3072" => ("DHE", 3072),
                _ => throw new Xunit.Sdk.XunitException($"Unexpected key-exchange group '{KeyExchange}' in: {Header}"),
            };
            Assert.Equal(kind, negotiated.KeyExchange);
            Assert.Equal(bits, negotiated.KeyExchangeStrength);
        }
    }

    /// <summary>OpenSSL's name for an IANA cipher-suite name (TLS 1.3 suites keep theirs).</summary>
    public static string OpenSslName(string ianaName) =>
        s_openSslNames.Value.TryGetValue(ianaName, out string? name) ? name
            : throw new Xunit.Sdk.XunitException($"openssl ciphers -stdname does not know {ianaName}.");

    private static Dictionary<string, string> LoadOpenSslNames()
    {
        var info = new ProcessStartInfo("openssl", ["ciphers", "-stdname", "ALL:@SECLEVEL=0"])
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(info)!;
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            // "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 - ECDHE-RSA-AES256-GCM-SHA384 TLSv1.2 Kx=ECDH ..."
            string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length >= 3 && parts[1] == "-")
            {
                names[parts[0]] = parts[2];
            }
        }
        return names;
    }

    [GeneratedRegex(@"\(using (?<version>TLSv[0-9.]+) with cipher (?<cipher>\S+) \((?<bits>\d+)/\d+ bits\)"
        + @"(?: key-exchange (?<kx>[^\s)]+))?")]
    private static partial Regex TlsClause();
}
