using System.Net.Security;
using Herald.Security.Tls;
using Xunit;

namespace Herald.Tests.Tls;

public sealed class CipherSuiteInfoTests
{
    [Theory]
    [InlineData(TlsCipherSuite.TLS_AES_256_GCM_SHA384, true, "", "", "AES_256_GCM", 256, 16, "SHA384", true, true)]
    [InlineData(TlsCipherSuite.TLS_CHACHA20_POLY1305_SHA256, true, "", "", "CHACHA20_POLY1305", 256, 0, "SHA256", true, true)]
    [InlineData(TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, false, "ECDHE", "RSA", "AES_128_GCM", 128, 16, "SHA256", true, true)]
    [InlineData(TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384, false, "ECDHE", "ECDSA", "AES_256_CBC", 256, 16, "SHA384",
        false, true)]
    [InlineData(TlsCipherSuite.TLS_DHE_DSS_WITH_AES_128_CBC_SHA, false, "DHE", "DSS", "AES_128_CBC", 128, 16, "SHA", false, true)]
    [InlineData(TlsCipherSuite.TLS_RSA_WITH_AES_256_GCM_SHA384, false, "RSA", "RSA", "AES_256_GCM", 256, 16, "SHA384", true, false)]
    [InlineData(TlsCipherSuite.TLS_RSA_WITH_3DES_EDE_CBC_SHA, false, "RSA", "RSA", "3DES_EDE_CBC", 168, 8, "SHA", false, false)]
    [InlineData(TlsCipherSuite.TLS_RSA_WITH_RC4_128_MD5, false, "RSA", "RSA", "RC4_128", 128, 0, "MD5", false, false)]
    [InlineData(TlsCipherSuite.TLS_ECDH_ECDSA_WITH_AES_128_GCM_SHA256, false, "ECDH", "ECDSA", "AES_128_GCM", 128, 16, "SHA256",
        true, false)]
    [InlineData(TlsCipherSuite.TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256, false, "ECDHE_PSK", "PSK", "AES_128_CBC", 128, 16, "SHA256",
        false, true)]
    [InlineData(TlsCipherSuite.TLS_RSA_WITH_AES_128_CCM_8, false, "RSA", "RSA", "AES_128_CCM_8", 128, 16, "SHA256", true, false)]
    [InlineData(TlsCipherSuite.TLS_RSA_WITH_NULL_SHA256, false, "RSA", "RSA", "NULL", 0, 0, "SHA256", false, false)]
    public void A_suite_name_describes_the_connection(TlsCipherSuite suite, bool tls13, string kx, string auth, string cipher, int strength,
        int block, string hash, bool aead, bool pfs)
    {
        var info = CipherSuiteInfo.From(suite);

        Assert.Equal((tls13, kx, auth, cipher, strength, block, hash, aead, pfs),
            (info.IsTls13, info.KeyExchange, info.Authentication, info.Cipher, info.CipherStrength, info.BlockSize, info.Hash,
                info.Aead, info.Pfs));
    }

    [Fact]
    public void Export_suites_are_marked()
    {
        Assert.True(CipherSuiteInfo.From(TlsCipherSuite.TLS_RSA_EXPORT_WITH_RC4_40_MD5).Exportable);
        Assert.Equal(40, CipherSuiteInfo.From(TlsCipherSuite.TLS_RSA_EXPORT_WITH_RC4_40_MD5).CipherStrength);
        Assert.False(CipherSuiteInfo.From(TlsCipherSuite.TLS_AES_128_GCM_SHA256).Exportable);
    }
}
