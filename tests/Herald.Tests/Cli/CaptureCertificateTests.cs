using System.Net;
using System.Security.Cryptography.X509Certificates;
using Herald.Cli.Capture;
using Xunit;

namespace Herald.Tests.Cli;

/// <summary>The capture server's certificate: made once, kept in the capture folder, reused, renewed when needed.</summary>
public sealed class CaptureCertificateTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "herald-capture-cert-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    /// <summary>The CA of a capture certificate made in <paramref name="dir"/> (a CA the other tests' server does not use).</summary>
    internal static X509Certificate2 OtherAuthority(string dir)
    {
        using var other = CaptureCertificate.LoadOrCreate(dir, "localhost", DateTimeOffset.UtcNow);
        return X509CertificateLoader.LoadCertificate(other.Authority.RawData);
    }

    [Fact]
    public void TheFirstStartMakesACaAndAServerCertificateForLoopbackNames()
    {
        var now = DateTimeOffset.UtcNow;
        using var cert = CaptureCertificate.LoadOrCreate(_dir, "localhost", now);
        Assert.True(cert.Created);
        Assert.Equal(Path.Combine(_dir, "tls", "ca.pem"), cert.AuthorityPath);
        Assert.True(cert.Server.HasPrivateKey);
        Assert.Equal(cert.Authority.Subject, cert.Server.Issuer);

        var names = cert.Server.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.Equal(["localhost"], names.EnumerateDnsNames());
        Assert.Equal([IPAddress.Loopback, IPAddress.IPv6Loopback], names.EnumerateIPAddresses());
        Assert.False(cert.Server.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority);
        Assert.Contains(cert.Server.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>(),
            o => o.Value == "1.3.6.1.5.5.7.3.1");
        var caConstraints = cert.Authority.Extensions.OfType<X509BasicConstraintsExtension>().Single();
        Assert.True(caConstraints.CertificateAuthority && caConstraints.Critical);
        Assert.InRange(cert.Server.NotAfter.ToUniversalTime() - now.UtcDateTime, TimeSpan.FromDays(799), TimeSpan.FromDays(825));

        // A client that trusts only ca.pem accepts the server certificate for "localhost".
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(X509Certificate2.CreateFromPem(File.ReadAllText(cert.AuthorityPath)));
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        Assert.True(chain.Build(cert.Server), string.Join(", ", chain.ChainStatus.Select(s => s.StatusInformation)));
        Assert.True(cert.Server.MatchesHostname("localhost"));

        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_dir, "tls", "server.key")));
        }
        // The CA's private key is not kept: trusting ca.pem lets nobody sign anything else.
        Assert.Equal(["ca.pem", "server.key", "server.pem"],
            Directory.GetFiles(Path.Combine(_dir, "tls")).Select(Path.GetFileName).Where(n => !n!.StartsWith('.')).Order());
        Assert.DoesNotContain("PRIVATE KEY", File.ReadAllText(cert.AuthorityPath));
    }

    [Fact]
    public void LaterStartsReuseTheSavedCertificate()
    {
        var now = DateTimeOffset.UtcNow;
        string thumbprint;
        using (var first = CaptureCertificate.LoadOrCreate(_dir, "localhost", now))
        {
            thumbprint = first.Server.Thumbprint;
        }
        using var second = CaptureCertificate.LoadOrCreate(_dir, "localhost", now.AddDays(30));
        Assert.False(second.Created);
        Assert.Equal(thumbprint, second.Server.Thumbprint);
        Assert.True(second.Server.HasPrivateKey);
    }

    [Fact]
    public void AnExpiringCertificateIsRenewed()
    {
        var now = DateTimeOffset.UtcNow;
        string thumbprint;
        using (var first = CaptureCertificate.LoadOrCreate(_dir, "localhost", now))
        {
            thumbprint = first.Server.Thumbprint;
        }
        using var renewed = CaptureCertificate.LoadOrCreate(_dir, "localhost", now.AddDays(800));
        Assert.True(renewed.Created);
        Assert.NotEqual(thumbprint, renewed.Server.Thumbprint);
        Assert.True(renewed.Server.NotAfter.ToUniversalTime() > now.AddDays(1500).UtcDateTime);
    }

    [Theory]
    [InlineData("server.key")]
    [InlineData("server.pem")]
    [InlineData("ca.pem")]
    public void ADamagedOrMismatchedFileMeansNewCertificates(string file)
    {
        var now = DateTimeOffset.UtcNow;
        using (CaptureCertificate.LoadOrCreate(_dir, "localhost", now))
        {
        }
        string path = Path.Combine(_dir, "tls", file);
        if (file == "ca.pem")
        {
            // A CA that did not sign the server certificate.
            File.WriteAllText(path, OtherAuthority(Path.Combine(_dir, "other")).ExportCertificatePem());
        }
        else
        {
            File.WriteAllText(path, "-----BEGIN GARBAGE-----\nAAAA\n-----END GARBAGE-----\n");
        }
        using var again = CaptureCertificate.LoadOrCreate(_dir, "localhost", now);
        Assert.True(again.Created);
        Assert.True(again.Server.HasPrivateKey);
        Assert.Equal(again.Authority.Subject, again.Server.Issuer);
    }

    [Fact]
    public void AnotherHostNameIsAddedToTheNames()
    {
        using var cert = CaptureCertificate.LoadOrCreate(_dir, "mail.test", DateTimeOffset.UtcNow);
        var names = cert.Server.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.Equal(["localhost", "mail.test"], names.EnumerateDnsNames());
        Assert.Equal("CN=mail.test, O=Herald", cert.Server.Subject);
    }
}
