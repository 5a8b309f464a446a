using Herald.IntegrationTests.Support;
using Xunit;

namespace Herald.IntegrationTests;

/// <summary>
/// Authentication against Postfix with Cyrus SASL and its sasldb (25586), the peer that offers NTLM: NTLMv2 (the
/// default) and NTLMv1, and the challenge-response mechanisms Cyrus implements itself.
/// </summary>
public sealed class CyrusAuthTests
{
    /// <summary>Every mechanism Cyrus offers on 25586, each through both APIs.</summary>
    public static TheoryData<string, Api> Mechanisms()
    {
        var data = new TheoryData<string, Api>();
        foreach (var c in new[]
                 {
                     AuthCase.NtlmV2, AuthCase.NtlmV1, AuthCase.CramMd5, AuthCase.DigestMd5, AuthCase.ScramSha1, AuthCase.ScramSha256,
                     AuthCase.UserPassword, AuthCase.Login, AuthCase.LoginChosen,
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
        using var smtp = Clients.For(Peers.PostfixAuthCyrus, out var trace);
        auth.Apply(smtp);
        string recipient = $"cyrus-{Guid.NewGuid():N}@example.com";
        smtp.SendTo = recipient;
        smtp.MessageText = "authenticated with " + auth.Name;
        string marker = Clients.Mark(smtp);

        await smtp.SendUsing(api);

        var stored = StoredMessage.Parse(await Peers.WaitForMaildirMessageAsync(marker));
        Assert.Equal(recipient, stored.Header("X-Original-To"));
        Assert.Equal("authenticated with " + auth.Name + "\r\n", stored.Body);
        Assert.Contains(trace.Client, l => l == "AUTH " + auth.Wire || l.StartsWith("AUTH " + auth.Wire + " ", StringComparison.Ordinal));
        Assert.Contains(trace.Server, l => l.StartsWith("235 ", StringComparison.Ordinal));
        DovecotAuthTests.AssertNoSecrets(trace);
    }

    [Theory]
    [InlineData("amNTLM (NTLMv2)", Api.Sync)]
    [InlineData("amNTLM (NTLMv1)", Api.Async)]
    [InlineData("amSCRAMSHA256", Api.Sync)]
    public async Task AWrongPasswordFailsWith535(string mechanism, Api api)
    {
        using var smtp = Clients.For(Peers.PostfixAuthCyrus, out var trace);
        AuthCase.Named(mechanism).Apply(smtp);
        smtp.Password = "wrong-" + Peers.Password;

        var e = await Assert.ThrowsAsync<SmtpException>(() => smtp.ConnectUsing(api));

        Assert.Equal((161, 535, "5.7.8"), (e.Code, e.ReplyCode, e.EnhancedStatusCode));
        Assert.Contains($"as \"{Peers.User}\" failed", e.Message);
        Assert.False(smtp.Connected);
        Assert.Empty(SecretScan.Find(trace, smtp.Password, Peers.Password));
    }

    [Theory]
    [InlineData(true, Api.Sync)]
    [InlineData(false, Api.Async)]
    public async Task NtlmSendsTheResponseVersionConfigured(bool v2, Api api)
    {
        // With masking off, the AUTHENTICATE message (MS-NLMP §2.2.1.3) can be read from the trace: its NT response is
        // 24 bytes for NTLMv1 and longer (a proof plus the client's blob) for NTLMv2.
        using var smtp = Clients.For(Peers.PostfixAuthCyrus, out var trace);
        AuthCase.Named(v2 ? "amNTLM (NTLMv2)" : "amNTLM (NTLMv1)").Apply(smtp);
        smtp.Config("MaskSensitiveData=False");

        await smtp.ConnectUsing(api);
        await smtp.DisconnectUsing(api);

        var messages = trace.Client.SkipWhile(l => !l.StartsWith("AUTH NTLM", StringComparison.Ordinal)).Skip(1)
            .TakeWhile(l => l != "QUIT").Select(Convert.FromBase64String).ToList();
        byte[] authenticate = Assert.Single(messages);
        Assert.Equal("NTLMSSP\0"u8.ToArray(), authenticate[..8]);
        Assert.Equal(3, BitConverter.ToInt32(authenticate, 8));
        int ntLength = BitConverter.ToUInt16(authenticate, 20);
        if (v2)
        {
            Assert.True(ntLength > 24, $"NTLMv2 response of {ntLength} bytes");
        }
        else
        {
            Assert.Equal(24, ntLength);
        }
        Assert.Contains(trace.Server, l => l.StartsWith("235 ", StringComparison.Ordinal));
        Assert.Empty(SecretScan.Find(trace, Peers.Password));
    }
}
