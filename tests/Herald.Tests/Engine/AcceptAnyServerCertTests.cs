using Herald.Tests.Infrastructure;
using Xunit;

namespace Herald.Tests.Engine;

/// <summary>The documented AcceptAnyServerCert setting: off by default, and loud when it lets a bad certificate through.</summary>
public class AcceptAnyServerCertTests
{
    private static Smtp Client(FakeSmtpServer server) => new()
    {
        MailServer = "localhost",
        MailPort = server.Port,
        SSLStartMode = SmtpSSLStartModes.sslImplicit,
        Timeout = 10,
    };

    [Fact]
    public async Task AnUntrustedCertificateIsRefusedByDefault()
    {
        await using var server = new FakeSmtpServer { ImplicitTls = true };
        using var smtp = Client(server);
        Assert.Equal("False", smtp.Config("AcceptAnyServerCert"));
        var e = await Assert.ThrowsAsync<SmtpException>(() => smtp.ConnectAsync());
        Assert.Equal(SmtpErrorCodes.CertVerificationError, e.Code);
    }

    [Fact]
    public async Task WhenSetAnUntrustedCertificateIsAcceptedWithAWarning()
    {
        await using var server = new FakeSmtpServer { ImplicitTls = true };
        using var smtp = Client(server);
        smtp.Config("AcceptAnyServerCert=True");
        var status = new List<string>();
        smtp.OnSSLStatus += (_, e) => status.Add(e.Message);
        bool? handlerSaw = null;
        smtp.OnSSLServerAuthentication += (_, e) => handlerSaw = e.Accept;
        await smtp.ConnectAsync();
        Assert.True(smtp.Connected);
        Assert.True(handlerSaw); // the handler sees the overridden verdict and could still refuse
        Assert.Contains(status, m => m.StartsWith("WARNING: accepting a server certificate that failed validation", StringComparison.Ordinal));
        await smtp.DisconnectAsync();
    }
}
