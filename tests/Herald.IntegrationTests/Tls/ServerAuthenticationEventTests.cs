using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Herald.IntegrationTests.Support;
using Xunit;

namespace Herald.IntegrationTests.Tls;

/// <summary>
/// The SSLServerAuthentication event against Postfix: once per connection, with the server certificate as PEM
/// (CertEncoded) and DER (CertEncodedB), and the whole chain in CertEncoded when SSLIncludeCertChain is on.
/// </summary>
public sealed class ServerAuthenticationEventTests
{
    [Theory]
    [InlineData(Peers.PostfixOpen, SmtpSSLStartModes.sslExplicit, Api.Sync)]
    [InlineData(Peers.PostfixImplicitTls, SmtpSSLStartModes.sslImplicit, Api.Async)]
    public async Task ItFiresOncePerConnectionWithTheServerCertificateAsPemAndDer(int port, SmtpSSLStartModes mode, Api api)
    {
        using var smtp = PeerSmtp.Create(port, mode);
        var log = new SessionLog(smtp);

        await smtp.ConnectUsing(api);
        Assert.Single(log.Authentications);
        await smtp.DisconnectUsing(api);
        await smtp.ConnectUsing(api);
        await smtp.DisconnectUsing(api);

        Assert.Equal(2, log.Authentications.Count);
        using var file = X509CertificateLoader.LoadCertificateFromFile(Peers.ServerCertificate);
        Assert.All(log.Authentications, seen =>
        {
            Assert.Equal(file.RawData, seen.CertEncodedB);
            Assert.Equal([file.RawData], PemCertificates(seen.CertEncoded));
            Assert.Equal(file.Subject, seen.CertSubject);
            Assert.Equal(file.Issuer, seen.CertIssuer);
            Assert.Equal("OK", seen.Status);
            Assert.True(seen.AcceptArrived);
        });
    }

    [Theory]
    [InlineData(Api.Sync)]
    [InlineData(Api.Async)]
    public async Task WithSSLIncludeCertChainCertEncodedCarriesTheChain(Api api)
    {
        using var smtp = PeerSmtp.Create(Peers.PostfixImplicitTls, SmtpSSLStartModes.sslImplicit);
        smtp.Config("SSLIncludeCertChain=True");
        var log = new SessionLog(smtp);

        await smtp.ConnectUsing(api);
        await smtp.DisconnectUsing(api);

        using var server = X509CertificateLoader.LoadCertificateFromFile(Peers.ServerCertificate);
        using var ca = X509CertificateLoader.LoadCertificateFromFile(Peers.CaPem);
        var seen = Assert.Single(log.Authentications);
        // Server certificate first, then its issuer (the test CA, the root of the chain).
        Assert.Equal([server.RawData, ca.RawData], PemCertificates(seen.CertEncoded));
        Assert.Equal(server.RawData, seen.CertEncodedB);
    }

    /// <summary>The DER of every certificate in a PEM text, in order; fails on anything else in it.</summary>
    private static List<byte[]> PemCertificates(string pem)
    {
        var result = new List<byte[]>();
        var rest = pem.AsSpan();
        while (PemEncoding.TryFind(rest, out var fields))
        {
            Assert.Equal("CERTIFICATE", rest[fields.Label].ToString());
            result.Add(Convert.FromBase64String(rest[fields.Base64Data].ToString()));
            rest = rest[fields.Location.End..];
        }
        Assert.True(rest.Trim().IsEmpty, "CertEncoded holds more than PEM certificates: " + rest.ToString());
        return result;
    }
}
