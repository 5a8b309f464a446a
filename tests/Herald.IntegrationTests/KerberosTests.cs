using Herald.IntegrationTests.Support;
using Xunit;

namespace Herald.IntegrationTests;

/// <summary>
/// AUTH GSSAPI (amKerberos) where Kerberos cannot work: no peer offers GSSAPI and the machine has no KDC and no
/// krb5.conf. The component must say so plainly instead of failing somewhere inside the exchange.
/// </summary>
public sealed class KerberosTests
{
    [Theory]
    [InlineData(Api.Sync)]
    [InlineData(Api.Async)]
    public async Task AServerThatDoesNotOfferGssapiIsReportedWithWhatItOffers(Api api)
    {
        using var smtp = Clients.For(Peers.PostfixAuth, out var trace);
        smtp.User = Peers.User;
        smtp.Password = Peers.Password;
        smtp.AuthMechanism = SmtpAuthMechanisms.amKerberos;

        var e = await Assert.ThrowsAsync<SmtpException>(() => smtp.ConnectUsing(api));

        Assert.Equal(SmtpErrorCodes.NotSupported, e.Code);
        Assert.Contains("does not offer AUTH GSSAPI", e.Message);
        Assert.Contains("PLAIN LOGIN CRAM-MD5", e.Message);
        Assert.DoesNotContain(trace.Client, l => l.StartsWith("AUTH", StringComparison.Ordinal));
        Assert.False(smtp.Connected);
    }

    [Theory]
    [InlineData(Api.Sync, Peers.Password)]
    [InlineData(Api.Async, Peers.Password)]
    [InlineData(Api.Sync, "")]
    public async Task WithoutAKdcGssapiCannotStartAndSaysWhatIsMissing(Api api, string password)
    {
        // Dovecot behind Postfix does not offer GSSAPI; the offer is edited to include it so that the component gets
        // as far as asking the system's GSS-API library for a Kerberos ticket.
        using var smtp = Clients.For(Peers.PostfixAuth, out var trace);
        smtp.User = Peers.User;
        smtp.Password = Peers.Password;
        smtp.AuthMechanism = SmtpAuthMechanisms.amKerberos;
        smtp.Password = password; // empty: use the ticket cache (kinit), of which there is none
        AuthOfferEditor.Install(smtp, offered => offered.Append("GSSAPI"));

        var e = await Assert.ThrowsAsync<SmtpException>(() => smtp.ConnectUsing(api));

        Assert.Equal(SmtpErrorCodes.NotSupported, e.Code);
        Assert.StartsWith("AUTH GSSAPI (Kerberos) cannot start: ", e.Message);
        // Without /etc/krb5.conf the library cannot find a KDC for the user's realm, so no ticket can be had.
        Assert.Contains("no usable Kerberos credentials for " + (password.Length > 0
            ? $"\"{Peers.User}\"" : "the ticket cache's default principal"), e.Message);
        Assert.Contains("no KDC can be reached", e.Message);
        Assert.Contains("krb5.conf", e.Message);
        // It failed before anything went to the server: no AUTH line, and no password anywhere in the trace.
        Assert.DoesNotContain(trace.Client, l => l.StartsWith("AUTH", StringComparison.Ordinal));
        Assert.Empty(SecretScan.Find(trace, Peers.Password));
        Assert.False(smtp.Connected);
    }
}
