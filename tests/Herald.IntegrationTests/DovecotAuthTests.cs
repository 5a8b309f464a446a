using System.Text;
using Herald.IntegrationTests.Support;
using Xunit;

namespace Herald.IntegrationTests;

/// <summary>
/// Authentication against Dovecot, both as Postfix's SASL back end (25587) and as Dovecot's own submission server
/// (25590, which relays to Postfix): every mechanism Dovecot offers logs in and the message reaches the catch-all
/// Maildir; wrong secrets fail with the server's 535; and no trace line ever shows a secret.
/// </summary>
public abstract class DovecotAuthTests
{
    /// <summary>The port under test.</summary>
    protected abstract int Port { get; }

    /// <summary>Every mechanism Dovecot offers, each through both APIs.</summary>
    public static TheoryData<string, Api> Mechanisms()
    {
        var data = new TheoryData<string, Api>();
        foreach (var c in new[]
                 {
                     AuthCase.UserPassword, AuthCase.SaslPlain, AuthCase.SaslPlainSelfAuthzid, AuthCase.Login, AuthCase.LoginChosen,
                     AuthCase.CramMd5, AuthCase.DigestMd5, AuthCase.ScramSha1, AuthCase.ScramSha256, AuthCase.XOAuth2, AuthCase.OAuthBearer,
                 })
        {
            data.Add(c.Name, Api.Sync);
            data.Add(c.Name, Api.Async);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Mechanisms))]
    public async Task LogsInAndSends(string mechanism, Api api)
    {
        var auth = AuthCase.Named(mechanism);
        using var smtp = Clients.For(Port, out var trace);
        auth.Apply(smtp);
        string recipient = $"auth-{Guid.NewGuid():N}@example.com";
        smtp.SendTo = recipient;
        smtp.Subject = "via " + auth.Name;
        smtp.MessageText = "authenticated with " + auth.Wire;
        string marker = Clients.Mark(smtp);

        await smtp.SendUsing(api);

        var stored = StoredMessage.Parse(await Peers.WaitForMaildirMessageAsync(marker));
        Assert.Equal(recipient, stored.Header("X-Original-To"));
        Assert.Equal("authenticated with " + auth.Wire + "\r\n", stored.Body);
        Assert.Contains(trace.Client, l => l == "AUTH " + auth.Wire || l.StartsWith("AUTH " + auth.Wire + " ", StringComparison.Ordinal));
        Assert.Contains(trace.Server, l => l.StartsWith("235 ", StringComparison.Ordinal));
        Assert.Contains($"Authenticated as \"{Peers.User}\" with {auth.Wire}.", trace.Lines.Select(l => l.Message));
        AssertNoSecrets(trace);
    }

    [Theory]
    [InlineData(Api.Sync)]
    [InlineData(Api.Async)]
    public async Task AWrongPasswordFailsWith535AndTheRightOneThenWorks(Api api)
    {
        using var smtp = Clients.For(Port, out var trace);
        Clients.UseFreshLoopbackAddress(smtp);
        AuthCase.UserPassword.Apply(smtp);
        smtp.Password = "not-the-password";
        smtp.SendTo = "after-retry@example.com";
        smtp.MessageText = "second attempt";
        string marker = Clients.Mark(smtp);

        var e = await Assert.ThrowsAsync<SmtpException>(() => smtp.SendUsing(api));

        Assert.Equal((161, 535, "5.7.8"), (e.Code, e.ReplyCode, e.EnhancedStatusCode));
        Assert.Contains($"Authentication (PLAIN) as \"{Peers.User}\" failed", e.Message);
        Assert.False(smtp.Connected);
        Assert.Empty(SecretScan.Find(trace, "not-the-password"));

        // The retry comes from another address only because Dovecot would hold a login from the failed one for its
        // penalty (seconds); the component, its session state and its settings are the same.
        Clients.UseFreshLoopbackAddress(smtp);
        smtp.Password = Peers.Password;
        await smtp.SendUsing(api);
        Assert.Equal("second attempt\r\n", StoredMessage.Parse(await Peers.WaitForMaildirMessageAsync(marker)).Body);
        AssertNoSecrets(trace);
    }

    // Dovecot's error challenge differs by mechanism: Google's XOAUTH2 form, and RFC 7628's status for OAUTHBEARER.
    private const string XOAuth2Error = "{\"status\":\"401\",\"schemes\":\"bearer\",\"scope\":\"mail\"}";
    private const string OAuthBearerError = "{\"status\":\"invalid_token\"}";

    [Theory]
    [InlineData("amXOAUTH2", Api.Sync, XOAuth2Error)]
    [InlineData("amXOAUTH2", Api.Async, XOAuth2Error)]
    [InlineData("amOAuthBearer", Api.Sync, OAuthBearerError)]
    [InlineData("amOAuthBearer", Api.Async, OAuthBearerError)]
    public async Task ABadOAuthTokenFailsWith535AndReportsTheServersJsonError(string mechanism, Api api, string json)
    {
        const string badToken = "expired-or-forged-token";
        using var smtp = Clients.For(Port, out var trace);
        Clients.UseFreshLoopbackAddress(smtp);
        AuthCase.Named(mechanism).Apply(smtp);
        smtp.Config("AuthorizationIdentity=" + badToken);
        smtp.SendTo = "never@example.com";
        smtp.MessageText = "must not arrive";

        var e = await Assert.ThrowsAsync<SmtpException>(() => smtp.SendUsing(api));

        Assert.Equal((161, 535, "5.7.8"), (e.Code, e.ReplyCode, e.EnhancedStatusCode));
        // Dovecot's 334 challenge is the JSON error of RFC 7628 §3.2.2; the exception carries it.
        Assert.EndsWith($" (the server's error details: {json})", e.Message);
        Assert.Empty(SecretScan.Find(trace, badToken));
    }

    [Fact]
    public async Task PlainWithAnotherUsersAuthorizationIdentityIsRefusedByDovecot()
    {
        // Dovecot lets a login act as another user only when it is a master user (none is configured here), so it
        // refuses the exchange. The bytes prove the refusal is the server's: the PLAIN message is well formed.
        using var smtp = Clients.For(Port, out var trace);
        Clients.UseFreshLoopbackAddress(smtp);
        AuthCase.SaslPlain.Apply(smtp);
        smtp.Config("AuthorizationIdentity=" + Peers.OtherUser);
        smtp.Config("MaskSensitiveData=False");

        var e = await Assert.ThrowsAsync<SmtpException>(() => smtp.ConnectUsing(Api.Sync));

        Assert.Equal((161, 535, "5.7.8"), (e.Code, e.ReplyCode, e.EnhancedStatusCode));
        string auth = trace.Client.Single(l => l.StartsWith("AUTH PLAIN ", StringComparison.Ordinal));
        Assert.Equal($"{Peers.OtherUser}\0{Peers.User}\0{Peers.Password}",
            Encoding.UTF8.GetString(Convert.FromBase64String(auth["AUTH PLAIN ".Length..])));
        // Dovecot's own account of why, for this connection (the log names the client's address, unique to this test).
        // Dovecot writes "plain(user,address,<session>)" for its own submission and "plain(user,address)" for Postfix.
        string client = $"plain({Peers.User},{smtp.LocalHost}";
        await PeerLogs.WaitForLineAsync("dovecot.log", "the refused master-user login from " + smtp.LocalHost,
            line => (line.Contains(client + ",", StringComparison.Ordinal) || line.Contains(client + ")", StringComparison.Ordinal))
                    && line.Contains("Master user login attempted without master passdbs", StringComparison.Ordinal));
    }

    [Fact]
    public async Task WithMaskingOffTheTraceShowsThePlainCredentials()
    {
        // The control for every secrecy check: the scan does find the credentials when the component is told to
        // show them, so an empty scan elsewhere means they were masked, not missed.
        using var smtp = Clients.For(Port, out var trace);
        AuthCase.SaslPlain.Apply(smtp);
        smtp.Config("MaskSensitiveData=False");

        await smtp.ConnectUsing(Api.Async);
        await smtp.DisconnectUsing(Api.Async);

        Assert.NotEmpty(SecretScan.Find(trace, Peers.Password));
        Assert.Contains(Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{Peers.User}\0{Peers.Password}")),
            trace.Client.Single(l => l.StartsWith("AUTH PLAIN ", StringComparison.Ordinal)));
    }

    /// <summary>Neither the password, nor the PLAIN message, nor an OAuth token shows anywhere in the trace.</summary>
    internal static void AssertNoSecrets(TraceLog trace)
    {
        string plain = Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{Peers.User}\0{Peers.Password}"));
        var leaks = SecretScan.Find(trace, Peers.Password, Peers.UserOAuthToken, plain);
        Assert.True(leaks.Count == 0, string.Join("\n", leaks) + "\n" + trace);
    }
}

/// <summary>Postfix with Dovecot SASL (25587): AUTH required before MAIL.</summary>
public sealed class PostfixDovecotAuthTests : DovecotAuthTests
{
    /// <inheritdoc/>
    protected override int Port => Peers.PostfixAuth;

    [Theory]
    [InlineData(Api.Sync)]
    [InlineData(Api.Async)]
    public async Task WithoutAuthenticationMailIsRefusedWith530(Api api)
    {
        using var smtp = Clients.For(Port, out var trace);
        smtp.SendTo = "nobody-authenticated@example.com";
        smtp.MessageText = "must not arrive";

        var e = await Assert.ThrowsAsync<SmtpException>(() => smtp.SendUsing(api));

        Assert.Equal((161, 530, "5.7.0"), (e.Code, e.ReplyCode, e.EnhancedStatusCode));
        Assert.Contains("rejected the sender", e.Message);
        Assert.Contains("Authentication required", e.Message);
        Assert.DoesNotContain(trace.Client, l => l.StartsWith("AUTH", StringComparison.Ordinal));
    }
}

/// <summary>Dovecot's submission server (25590), which relays to Postfix.</summary>
public sealed class DovecotSubmissionAuthTests : DovecotAuthTests
{
    /// <inheritdoc/>
    protected override int Port => Peers.DovecotSubmission;
}
