using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Herald.Tests.Infrastructure;
using Xunit;

namespace Herald.Tests.InfrastructureTests;

public class FakeSmtpServerTlsTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private static X509Certificate2 Trust(FakeSmtpServer server) => X509Certificate2.CreateFromPem(server.CertificatePem);

    [Fact]
    public async Task ImplicitTlsGreetsOverTlsWithACertificateTheTestCanTrust()
    {
        await using var server = new FakeSmtpServer { ImplicitTls = true };

        await using var client = await RawSmtpClient.ConnectAsync(server, Trust(server));

        Assert.Equal(220, await client.ReadCodeAsync());
        Assert.Equal(221, await client.CommandAsync("QUIT"));
        var session = server.Sessions[0];
        Assert.True(session.IsTls);
        Assert.True(session.TlsProtocol is SslProtocols.Tls12 or SslProtocols.Tls13);
        Assert.Null(session.ClientCertificate);
    }

    [Fact]
    public async Task StartTlsUpgradesAndForgetsTheSessionState()
    {
        await using var server = new FakeSmtpServer { StartTls = FakeStartTls.Offered };
        await using var client = await RawSmtpClient.ConnectAsync(server);
        await client.ReadReplyAsync();
        await client.SendAsync("EHLO before.test");
        Assert.Contains("250 STARTTLS", await client.ReadReplyAsync());

        Assert.Equal(220, await client.CommandAsync("STARTTLS"));
        await client.StartTlsAsync(Trust(server));

        // RFC 3207 §4.2: the server forgets what it knew, so MAIL before a new EHLO is out of order.
        Assert.Equal(503, await client.CommandAsync("MAIL FROM:<a@b.test>"));
        await client.SendAsync("EHLO after.test");
        Assert.DoesNotContain(await client.ReadReplyAsync(), l => l.Contains("STARTTLS"));
        Assert.Equal(503, await client.CommandAsync("STARTTLS"));
        Assert.Equal(250, await client.CommandAsync("MAIL FROM:<a@b.test>"));
        var session = server.Sessions[0];
        Assert.True(session.IsTls);
        Assert.Equal("after.test", session.Hello);
        Assert.Empty(session.DiscardedBeforeTls);
    }

    [Fact]
    public async Task PlaintextPipelinedAfterStartTlsIsDiscarded()
    {
        await using var server = new FakeSmtpServer { StartTls = FakeStartTls.Offered };
        await using var client = await RawSmtpClient.ConnectAsync(server);
        await client.ReadReplyAsync();
        await client.CommandAsync("EHLO c");

        await client.SendRawAsync("STARTTLS\r\nMAIL FROM:<smuggled@evil.test>\r\n");
        Assert.Equal(220, await client.ReadCodeAsync());
        await client.StartTlsAsync(Trust(server));
        Assert.Equal(250, await client.CommandAsync("NOOP"));

        var session = server.Sessions[0];
        Assert.Equal("MAIL FROM:<smuggled@evil.test>\r\n", Encoding.UTF8.GetString(session.DiscardedBeforeTls));
        Assert.DoesNotContain(session.Lines, l => l.Contains("smuggled"));
    }

    [Fact]
    public async Task StartTlsCanBeLeftOut()
    {
        await using var server = new FakeSmtpServer { StartTls = FakeStartTls.NotOffered };
        await using var client = await RawSmtpClient.ConnectAsync(server);
        await client.ReadReplyAsync();

        await client.SendAsync("EHLO c");
        Assert.DoesNotContain(await client.ReadReplyAsync(), l => l.Contains("STARTTLS"));
        Assert.Equal(502, await client.CommandAsync("STARTTLS"));
        Assert.Equal(250, await client.CommandAsync("NOOP"));
    }

    [Fact]
    public async Task StartTlsCanBeRefusedWith454()
    {
        await using var server = new FakeSmtpServer { StartTls = FakeStartTls.Answer454 };
        await using var client = await RawSmtpClient.ConnectAsync(server);
        await client.ReadReplyAsync();

        await client.SendAsync("EHLO c");
        Assert.Contains("250 STARTTLS", await client.ReadReplyAsync());
        await client.SendAsync("STARTTLS");
        Assert.Equal(["454 4.7.0 TLS not available due to local problem"], await client.ReadReplyAsync());
        Assert.False(server.Sessions[0].IsTls);
        Assert.Equal(250, await client.CommandAsync("NOOP"));
    }

    [Fact]
    public async Task InjectAfterReadySendsAForgedReplyInTheSamePacket()
    {
        await using var server = new FakeSmtpServer { StartTls = FakeStartTls.InjectAfterReady };
        await using var client = await RawSmtpClient.ConnectAsync(server);
        await client.ReadReplyAsync();
        await client.CommandAsync("EHLO c");

        await client.SendAsync("STARTTLS");

        Assert.Equal("220 2.0.0 Ready to start TLS\r\n250 2.0.0 injected\r\n", await client.ReadChunkAsync());
        // A client that sees this aborts; the server is left waiting for a handshake that never comes.
        await client.DisposeAsync();
        var session = server.Sessions[0];
        await session.Ended.WaitAsync(Wait);
        Assert.False(session.IsTls);
    }

    [Fact]
    public async Task ARequestedClientCertificateIsRecorded()
    {
        await using var server = new FakeSmtpServer { ImplicitTls = true, RequestClientCertificate = true };
        var mine = TestCertificates.Create("client.test");

        await using var client = await RawSmtpClient.ConnectAsync(server, Trust(server), clientCertificate: mine);
        Assert.Equal(220, await client.ReadCodeAsync());

        Assert.Equal(mine.Thumbprint, Assert.IsType<X509Certificate2>(server.Sessions[0].ClientCertificate).Thumbprint);
    }

    [Fact]
    public async Task TheTlsVersionCanBePinned()
    {
        await using var server = new FakeSmtpServer { ImplicitTls = true, TlsProtocols = SslProtocols.Tls12 };

        await using var client = await RawSmtpClient.ConnectAsync(server, Trust(server));
        Assert.Equal(220, await client.ReadCodeAsync());

        Assert.Equal(SslProtocols.Tls12, server.Sessions[0].TlsProtocol);
    }

    [Fact]
    public async Task CertificatesForOtherNamesOrPastTheirDateFailTheChecks()
    {
        var wrongName = TestCertificates.Create("elsewhere.test");
        await using (var server = new FakeSmtpServer { ImplicitTls = true, Certificate = wrongName })
        await using (var client = await RawSmtpClient.ConnectAsync(server))
        {
            var errors = await client.HandshakeAsync(Trust(server));
            Assert.Equal(SslPolicyErrors.RemoteCertificateNameMismatch, errors);
        }

        var expired = TestCertificates.Create("localhost", notBefore: DateTimeOffset.UtcNow.AddDays(-30),
            notAfter: DateTimeOffset.UtcNow.AddDays(-1));
        await using (var server = new FakeSmtpServer { ImplicitTls = true, Certificate = expired })
        await using (var client = await RawSmtpClient.ConnectAsync(server))
        {
            var errors = await client.HandshakeAsync(Trust(server));
            Assert.Equal(SslPolicyErrors.RemoteCertificateChainErrors, errors);
            Assert.Contains(X509ChainStatusFlags.NotTimeValid, client.ChainStatus);
        }

        await using (var server = new FakeSmtpServer { ImplicitTls = true })
        await using (var client = await RawSmtpClient.ConnectAsync(server))
        {
            var stranger = TestCertificates.Create("localhost");
            Assert.Equal(SslPolicyErrors.RemoteCertificateChainErrors, await client.HandshakeAsync(stranger));
        }
    }

    [Fact]
    public async Task ACertificateSignedByATestAuthorityIsTrustedThroughTheAuthority()
    {
        var authority = TestCertificates.CreateAuthority("Herald Test CA");
        var leaf = TestCertificates.Create("localhost", issuer: authority);
        await using var server = new FakeSmtpServer { ImplicitTls = true, Certificate = leaf };

        await using var client = await RawSmtpClient.ConnectAsync(server,
            X509Certificate2.CreateFromPem(authority.ExportCertificatePem()));

        Assert.Equal(220, await client.ReadCodeAsync());
        Assert.Equal(authority.Subject, leaf.Issuer);
    }
}
