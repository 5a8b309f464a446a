using Herald.IntegrationTests.Support;
using Xunit;

namespace Herald.IntegrationTests;

/// <summary>
/// VRFY and EXPN (RFC 5321 §3.5) against Postfix, which answers every VRFY with 252 (it will not say, but will try),
/// and against the scripted aiosmtpd peer, which knows real users and lists.
/// </summary>
public sealed class VerifyExpandTests
{
    [Theory]
    [InlineData(Api.Sync)]
    [InlineData(Api.Async)]
    public async Task PostfixAnswersVerifyWith252WhichIsNotAnError(Api api)
    {
        using var smtp = Clients.For(Peers.PostfixOpen, out var trace);

        await smtp.VerifyUsing(api, "someone@example.com");

        Assert.StartsWith("252 2.0.0 ", smtp.LastReply);
        Assert.Contains("VRFY someone@example.com", trace.Client);
        // Verify connected for itself, so it disconnected afterwards and LastReply still holds the VRFY answer.
        Assert.False(smtp.Connected);
        Assert.Equal("QUIT", trace.Client.Last());
    }

    [Theory]
    [InlineData(Api.Sync)]
    [InlineData(Api.Async)]
    public async Task AKnownUserIsVerifiedWithTheServersAnswer(Api api)
    {
        using var smtp = Clients.For(Peers.AiosmtpdExpn, out _);

        await smtp.VerifyUsing(api, "user");

        Assert.Equal("250 2.1.5 Test User <user@example.test>", smtp.LastReply);
    }

    [Theory]
    [InlineData(Api.Sync)]
    [InlineData(Api.Async)]
    public async Task AnAmbiguousNameFailsWithTheWholeMultiLineAnswer(Api api)
    {
        using var smtp = Clients.For(Peers.AiosmtpdExpn, out _);
        await smtp.ConnectUsing(api);

        var e = await Assert.ThrowsAsync<SmtpException>(() => smtp.VerifyUsing(api, "al"));

        Assert.Equal((161, 553, "5.1.4"), (e.Code, e.ReplyCode, e.EnhancedStatusCode));
        string[] expected =
        [
            "553-5.1.4 Ambiguous; possibilities are Alice Example <alice@example.test>",
            "553 5.1.4 Ambiguous; possibilities are Albert Example <albert@example.test>",
        ];
        Assert.Equal(expected, smtp.LastReply.Split("\r\n"));
        Assert.Contains("Albert Example", e.ServerReply);
        Assert.Contains("Alice Example", e.ServerReply);
        // A refusal is an answer, not a broken session: the connection stays usable.
        Assert.True(smtp.Connected);
        await smtp.VerifyUsing(api, "other");
        Assert.Equal("250 2.1.5 Other User <other@example.test>", smtp.LastReply);
        await smtp.DisconnectUsing(api);
    }

    [Theory]
    [InlineData(Api.Sync)]
    [InlineData(Api.Async)]
    public async Task AnUnknownUserFailsWith550(Api api)
    {
        using var smtp = Clients.For(Peers.AiosmtpdExpn, out _);

        var e = await Assert.ThrowsAsync<SmtpException>(() => smtp.VerifyUsing(api, "nobody-here"));

        Assert.Equal((161, 550, "5.1.1"), (e.Code, e.ReplyCode, e.EnhancedStatusCode));
        Assert.Contains("nobody-here... User unknown", e.Message);
    }

    [Theory]
    [InlineData(Api.Sync)]
    [InlineData(Api.Async)]
    public async Task ExpandingStaffReportsEachOfItsThreeMembers(Api api)
    {
        using var smtp = Clients.For(Peers.AiosmtpdExpn, out var trace);
        var members = new List<string>();
        smtp.OnExpand += (_, e) => members.Add(e.Address);

        await smtp.ExpandUsing(api, "staff");

        Assert.Equal(
            ["Test User <user@example.test>", "Other User <other@example.test>", "Site Admin <admin@example.test>"],
            members);
        Assert.Contains("EXPN staff", trace.Client);
    }

    [Theory]
    [InlineData(Api.Sync)]
    [InlineData(Api.Async)]
    public async Task ExpandingAllReportsFiveMembersInTheServersOrder(Api api)
    {
        using var smtp = Clients.For(Peers.AiosmtpdExpn, out _);
        var members = new List<string>();
        smtp.OnExpand += (_, e) => members.Add(e.Address);

        await smtp.ExpandUsing(api, "all");

        Assert.Equal(
            [
                "Test User <user@example.test>", "Other User <other@example.test>", "Site Admin <admin@example.test>",
                "Alice Example <alice@example.test>", "Albert Example <albert@example.test>",
            ],
            members);
    }

    [Theory]
    [InlineData(Api.Sync)]
    [InlineData(Api.Async)]
    public async Task ExpandingAnUnknownListFailsAndReportsNoMembers(Api api)
    {
        using var smtp = Clients.For(Peers.AiosmtpdExpn, out _);
        var members = new List<string>();
        smtp.OnExpand += (_, e) => members.Add(e.Address);

        var e = await Assert.ThrowsAsync<SmtpException>(() => smtp.ExpandUsing(api, "no-such-list"));

        Assert.Equal((161, 550, "5.1.1"), (e.Code, e.ReplyCode, e.EnhancedStatusCode));
        Assert.Contains("no-such-list... No such list", e.Message);
        Assert.Empty(members);
    }
}
