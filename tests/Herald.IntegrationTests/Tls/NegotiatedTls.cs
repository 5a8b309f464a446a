using System.Globalization;
using Xunit;

namespace Herald.IntegrationTests.Tls;

/// <summary>The SSLNegotiated* config settings, read while the session is up (they are cleared when it closes).</summary>
internal sealed record NegotiatedTls(string Version, string CipherSuite, string Cipher, int CipherStrength, string KeyExchange,
    int KeyExchangeStrength)
{
    /// <summary>Reads the settings from a connected component.</summary>
    public static NegotiatedTls Read(Smtp smtp) => new(
        smtp.Config("SSLNegotiatedVersion"),
        smtp.Config("SSLNegotiatedCipherSuite"),
        smtp.Config("SSLNegotiatedCipher"),
        int.Parse(smtp.Config("SSLNegotiatedCipherStrength"), CultureInfo.InvariantCulture),
        smtp.Config("SSLNegotiatedKeyExchange"),
        int.Parse(smtp.Config("SSLNegotiatedKeyExchangeStrength"), CultureInfo.InvariantCulture));

    /// <summary>
    /// Asserts values that are plausible on their own: a version both Postfix and .NET allow, an IANA suite name that
    /// holds the cipher's name, a 128- or 256-bit cipher, an ephemeral key exchange of a real size.
    /// </summary>
    public void AssertPlausible()
    {
        Assert.Contains(Version, (string[])["TLS1.2", "TLS1.3"]);
        Assert.StartsWith("TLS_", CipherSuite);
        Assert.NotEqual("", Cipher);
        Assert.Contains(Cipher, CipherSuite);
        Assert.Contains(CipherStrength, (int[])[128, 256]);
        Assert.Contains(KeyExchange, (string[])["ECDHE", "DHE"]);
        Assert.True(KeyExchangeStrength >= 253, $"key exchange strength {KeyExchangeStrength}");
    }
}
