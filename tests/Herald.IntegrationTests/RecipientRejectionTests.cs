using Herald.IntegrationTests.Support;
using Xunit;

namespace Herald.IntegrationTests;

/// <summary>
/// Postfix refuses recipients whose local part starts with <c>reject</c> (550 5.1.1) or <c>tempfail</c> (450 4.2.1),
/// and senders starting with <c>reject</c> (553 5.7.1). The component applies the StopOn*Errors rules to those real
/// replies: a refused To or Cc fails the whole send and nothing reaches anyone, a refused Bcc is reported through
/// OnError while the others get the message.
/// </summary>
public sealed class RecipientRejectionTests
{
    [Theory]
    [InlineData(Peers.PostfixOpen, Api.Sync)]
    [InlineData(Peers.PostfixOpen, Api.Async)]
    [InlineData(Peers.PostfixBare, Api.Sync)]
    [InlineData(Peers.PostfixBare, Api.Async)]
    public async Task ARejectedToFailsTheSendAndNobodyGetsTheMessage(int port, Api api)
    {
        using var smtp = Clients.For(port, out var trace);
        string rejected = $"{Peers.RejectPrefix}-{Guid.NewGuid():N}@example.com";
        smtp.SendTo = $"kept@example.com, {rejected}";
        smtp.Cc = "copy@example.com";
        smtp.BCc = "blind@example.com";
        smtp.MessageText = "must not arrive";
        string marker = Clients.Mark(smtp);

        var e = await Assert.ThrowsAsync<SmtpException>(() => smtp.SendUsing(api));

        Assert.Equal(SmtpErrorCodes.ProtocolError, e.Code);
        Assert.Contains(rejected, e.Message);
        Assert.False(smtp.Connected);
        Assert.Contains(trace.Server, line => line.StartsWith("550 5.1.1", StringComparison.Ordinal));
        string failedTrace = trace.ToString();
        await AssertNothingArrivedAsync(smtp, api, marker);
        // The exception carries the reply that caused it (checked last, so the delivery checks above always run).
        Assert.True((e.ReplyCode, e.EnhancedStatusCode) == (550, "5.1.1"),
            $"ReplyCode {e.ReplyCode}, EnhancedStatusCode \"{e.EnhancedStatusCode}\": {e}\n{failedTrace}");
    }

    [Theory]
    [InlineData(Peers.PostfixOpen, Api.Async)]
    [InlineData(Peers.PostfixBare, Api.Sync)]
    public async Task ARejectedCcFailsTheSendByDefault(int port, Api api)
    {
        using var smtp = Clients.For(port, out _);
        string rejected = $"{Peers.RejectPrefix}-cc-{Guid.NewGuid():N}@example.com";
        smtp.SendTo = "kept@example.com";
        smtp.Cc = rejected;
        smtp.MessageText = "must not arrive";
        string marker = Clients.Mark(smtp);

        var e = await Assert.ThrowsAsync<SmtpException>(() => smtp.SendUsing(api));

        Assert.Contains("Cc recipient <" + rejected + ">", e.Message);
        await AssertNothingArrivedAsync(smtp, api, marker);
        Assert.Equal((161, 550, "5.1.1"), (e.Code, e.ReplyCode, e.EnhancedStatusCode));
    }

    [Theory]
    [InlineData(Peers.PostfixOpen, Api.Sync)]
    [InlineData(Peers.PostfixOpen, Api.Async)]
    [InlineData(Peers.PostfixBare, Api.Sync)]
    [InlineData(Peers.PostfixBare, Api.Async)]
    public async Task ARejectedBccIsReportedAndTheOthersGetTheMessage(int port, Api api)
    {
        using var smtp = Clients.For(port, out _);
        var errors = new List<SmtpErrorEventArgs>();
        smtp.OnError += (_, e) => errors.Add(e);
        string rejected = $"{Peers.RejectPrefix}-bcc-{Guid.NewGuid():N}@example.com";
        smtp.SendTo = "to-person@example.com";
        smtp.Cc = "cc-person@example.com";
        smtp.BCc = $"{rejected}, bcc-person@example.com";
        smtp.MessageText = "delivered to three of four";
        string marker = Clients.Mark(smtp);

        await smtp.SendUsing(api);

        var error = Assert.Single(errors);
        Assert.Equal(SmtpErrorCodes.ProtocolError, error.ErrorCode);
        Assert.Contains(rejected, error.Description);
        Assert.Contains("550 5.1.1", error.Description);
        var copies = await Peers.WaitForCapturesAsync(Peers.CatchallMaildir, marker, 3);
        Assert.Equal(["bcc-person@example.com", "cc-person@example.com", "to-person@example.com"],
            copies.Select(c => StoredMessage.Parse(c).Header("X-Original-To")).Order());
    }

    [Theory]
    [InlineData(Api.Sync)]
    [InlineData(Api.Async)]
    public async Task WithStopOnToErrorsFalseTheOtherRecipientsGetTheMessage(Api api)
    {
        using var smtp = Clients.For(Peers.PostfixOpen, out _);
        smtp.Config("StopOnToErrors=False");
        var errors = new List<SmtpErrorEventArgs>();
        smtp.OnError += (_, e) => errors.Add(e);
        string rejected = $"{Peers.RejectPrefix}-to-{Guid.NewGuid():N}@example.com";
        smtp.SendTo = $"{rejected}, first@example.com";
        smtp.Cc = "second@example.com";
        smtp.MessageText = "delivered to the rest";
        string marker = Clients.Mark(smtp);

        await smtp.SendUsing(api);

        Assert.Contains(rejected, Assert.Single(errors).Description);
        var copies = await Peers.WaitForCapturesAsync(Peers.CatchallMaildir, marker, 2);
        Assert.Equal(["first@example.com", "second@example.com"],
            copies.Select(c => StoredMessage.Parse(c).Header("X-Original-To")).Order());
        // The refused address still appears in the To header: the header names the intended recipients.
        Assert.Contains(rejected, StoredMessage.Parse(copies[0]).Header("To"));
    }

    [Theory]
    [InlineData(Api.Sync)]
    [InlineData(Api.Async)]
    public async Task ATemporarilyRefusedToIsATransientError(Api api)
    {
        using var smtp = Clients.For(Peers.PostfixOpen, out _);
        smtp.SendTo = $"{Peers.TempFailPrefix}-{Guid.NewGuid():N}@example.com";
        smtp.MessageText = "try later";
        string marker = Clients.Mark(smtp);

        var e = await Assert.ThrowsAsync<SmtpException>(() => smtp.SendUsing(api));

        Assert.Equal((161, 450, "4.2.1"), (e.Code, e.ReplyCode, e.EnhancedStatusCode));
        Assert.True(e.IsTransient);
        await AssertNothingArrivedAsync(smtp, api, marker);
    }

    [Theory]
    [InlineData(Peers.PostfixOpen, Api.Sync)]
    [InlineData(Peers.PostfixOpen, Api.Async)]
    [InlineData(Peers.PostfixBare, Api.Sync)]
    [InlineData(Peers.PostfixBare, Api.Async)]
    public async Task ARejectedSenderFailsTheSend(int port, Api api)
    {
        using var smtp = Clients.For(port, out _);
        string sender = $"{Peers.RejectPrefix}-sender-{Guid.NewGuid():N}@example.org";
        smtp.From = sender;
        smtp.SendTo = "anyone@example.com";
        smtp.MessageText = "must not arrive";
        string marker = Clients.Mark(smtp);

        var e = await Assert.ThrowsAsync<SmtpException>(() => smtp.SendUsing(api));

        Assert.Equal((161, 553, "5.7.1"), (e.Code, e.ReplyCode, e.EnhancedStatusCode));
        Assert.Contains("<" + sender + ">", e.Message);
        smtp.From = Clients.Sender;
        await AssertNothingArrivedAsync(smtp, api, marker);
    }

    /// <summary>
    /// Sends a second message with the same component to accepted recipients, waits until it is delivered, and then
    /// checks that no copy of the refused message exists: Postfix delivers in order, so anything queued by the failed
    /// send would have arrived by then. It also shows the component works normally after the failure.
    /// </summary>
    private static async Task AssertNothingArrivedAsync(Smtp smtp, Api api, string refusedMarker)
    {
        smtp.MessageRecipients.Clear();
        smtp.SendTo = "after-failure@example.com";
        smtp.MessageText = "sent after a refused message";
        string marker = Clients.Mark(smtp);
        await smtp.SendUsing(api);
        await Peers.WaitForMaildirMessageAsync(marker);
        Assert.Equal(0, Captures.Count(Peers.CatchallMaildir, refusedMarker));
    }
}
