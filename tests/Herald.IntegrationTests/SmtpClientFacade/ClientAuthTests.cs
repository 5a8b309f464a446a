using Herald.IntegrationTests.Support;
using Xunit;

namespace Herald.IntegrationTests.SmtpClientFacade;

/// <summary>
/// SmtpClient logging in to Dovecot submission (25590, STARTTLS): config Authentications chooses the mechanism among
/// those the server offers (PLAIN, SCRAM-SHA-256, XOAUTH2 with the token in Password), only listed mechanisms are
/// tried, BeforeAuth can change the credentials and the list, and no secret reaches the trace.
/// </summary>
public sealed class ClientAuthTests
{
    [Theory]
    [InlineData("PLAIN,SCRAM-SHA-256", "PLAIN", Api.Sync)]
    [InlineData("PLAIN,SCRAM-SHA-256", "PLAIN", Api.Async)]
    [InlineData("SCRAM-SHA-256,PLAIN", "SCRAM-SHA-256", Api.Sync)]
    [InlineData("SCRAM-SHA-256,PLAIN", "SCRAM-SHA-256", Api.Async)]
    [InlineData("NTLM,SCRAM-SHA-256", "SCRAM-SHA-256", Api.Async)]
    public async Task AuthenticationsChoosesTheMechanism(string authentications, string expected, Api api)
    {
        using var client = ClientPeer.Create(out var trace);
        ClientPeer.TrustOnlyTestCa(client);
        client.Username = Peers.User;
        client.Password = Peers.Password;
        client.Config("Authentications=" + authentications);
        string marker = Peers.NewMarker();
        ClientPeer.SetMessage(client, marker, $"auth-{Guid.NewGuid():N}@example.com");

        await client.ConnectUsing(api, Peers.DovecotSubmission);
        await client.SendMessageUsing(api);
        await client.DisconnectUsing(api);

        Assert.Contains(trace, l => l == "C: AUTH " + expected || l.StartsWith($"C: AUTH {expected} ", StringComparison.Ordinal));
        Assert.Single(trace, l => l.StartsWith("C: AUTH ", StringComparison.Ordinal));
        Assert.Contains(trace, l => l.StartsWith("S: 235", StringComparison.Ordinal));
        Assert.Contains($"N: Info: Authenticated as \"{Peers.User}\" with {expected}.", trace);
        if (expected.StartsWith("SCRAM", StringComparison.Ordinal))
        {
            // The SCRAM exchange goes as command data, masked.
            // client-final (masked), then the empty answer to the server-final message (RFC 5802 §5).
            Assert.Equal(["D: ****", "D: "], trace.Where(l => l.StartsWith("D: ", StringComparison.Ordinal)));
        }
        Assert.DoesNotContain(trace, l => l.Contains(Peers.Password, StringComparison.Ordinal));
        Assert.Contains(marker, await Peers.WaitForMaildirMessageAsync(marker));
        Assert.True(client.ServerInfo.AuthPlainSupported);
        Assert.True(client.ServerInfo.SaslSupported);
        Assert.Contains("SCRAM-SHA-256", client.ServerInfo.SaslMechanisms);
    }

    [Theory]
    [InlineData(Api.Sync)]
    [InlineData(Api.Async)]
    public async Task OnlyTheListedMechanismsAreTried(Api api)
    {
        using var client = ClientPeer.Create(out var trace);
        ClientPeer.TrustOnlyTestCa(client);
        client.Username = Peers.User;
        client.Password = Peers.Password;
        client.Config("Authentications=NTLM");

        var e = await Assert.ThrowsAsync<SmtpException>(() => client.ConnectUsing(api, Peers.DovecotSubmission));

        Assert.Equal(SmtpErrorCodes.NotSupported, e.Code);
        Assert.Contains("does not offer AUTH NTLM", e.Message);
        Assert.Contains("config Authentications", e.Message);
        Assert.DoesNotContain(trace, l => l.StartsWith("C: AUTH", StringComparison.Ordinal));
        Assert.False(client.ConnInfo.ConnectionEstablished);
    }

    [Theory]
    [InlineData(Api.Sync)]
    [InlineData(Api.Async)]
    public async Task BeforeAuthCanChangeTheCredentialsAndTheMechanisms(Api api)
    {
        using var client = ClientPeer.Create(out var trace);
        ClientPeer.TrustOnlyTestCa(client);
        client.Username = "nobody@example.test";
        client.Password = "wrong";
        SmtpClientBeforeAuthEventArgs? seen = null;
        client.BeforeAuth += (_, e) =>
        {
            seen = e;
            Assert.Equal("nobody@example.test", e.Username);
            Assert.Equal("SCRAM-SHA-256,SCRAM-SHA-1,PLAIN,LOGIN", e.Authentications);
            e.Username = Peers.User;
            e.Password = Peers.Password;
            e.Authentications = "CRAM-MD5";
        };

        await client.ConnectUsing(api, Peers.DovecotSubmission);
        await client.DisconnectUsing(api);

        Assert.NotNull(seen);
        Assert.Contains("CRAM-MD5", seen.ServerMechanisms);
        Assert.Contains("C: AUTH CRAM-MD5", trace);
        Assert.Contains($"N: Info: Authenticated as \"{Peers.User}\" with CRAM-MD5.", trace);
    }

    [Theory]
    [InlineData(Api.Sync)]
    [InlineData(Api.Async)]
    public async Task Xoauth2TakesTheAccessTokenFromPassword(Api api)
    {
        using var client = ClientPeer.Create(out var trace);
        ClientPeer.TrustOnlyTestCa(client);
        client.Username = Peers.User;
        client.Password = Peers.UserOAuthToken;
        client.Config("Authentications=XOAUTH2");

        await client.ConnectUsing(api, Peers.DovecotSubmission);
        await client.DisconnectUsing(api);

        Assert.Contains("C: AUTH XOAUTH2 ****", trace);
        Assert.Contains(trace, l => l.StartsWith("S: 235", StringComparison.Ordinal));
        Assert.DoesNotContain(trace, l => l.Contains(Peers.UserOAuthToken, StringComparison.Ordinal));
    }
}
