using Herald.IntegrationTests.Support;
using Xunit;

namespace Herald.IntegrationTests.Delivery;

/// <summary>The pool against real servers: many threads, exactly one copy each; TLS and AUTH through Dovecot.</summary>
public class PoolPeerTests
{
    private static Stream Message(string marker, int n) => new MemoryStream(System.Text.Encoding.ASCII.GetBytes(
        $"From: {Clients.Sender}\r\nTo: pool@example.com\r\nSubject: pool {n}\r\nX-Herald-Test-Id: {marker}\r\nX-N: {n}\r\n\r\nmessage {n}\r\n"));

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task SixteenThreadsDeliverEveryMessageExactlyOnce(bool chunking)
    {
        Peers.RequirePeer(Peers.PostfixOpen);
        await using var pool = new SmtpPool(new SmtpPoolOptions
        {
            Host = Peers.Host, Port = Peers.PostfixOpen, Tls = SmtpTlsMode.None, MaxConnections = 4, UseChunking = chunking,
        });
        string marker = Peers.NewMarker();
        const int PerThread = 25;

        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(t => Task.Run(async () =>
        {
            var mine = new List<DeliveryResult>();
            for (int i = 0; i < PerThread; i++)
            {
                mine.Add(await pool.SendAsync(Clients.Sender, ["pool@example.com"], Message(marker, t * PerThread + i)));
            }
            return mine;
        })));

        var all = results.SelectMany(r => r).ToList();
        Assert.All(all, r => Assert.Equal(DeliveryStatus.Delivered, r.Status));
        Assert.All(all, r => Assert.Matches("^[0-9A-F]+$", r.QueueId));
        Assert.Equal(all.Count, all.Select(r => r.QueueId).Distinct().Count());
        var copies = await Peers.WaitForCapturesAsync(Peers.CatchallMaildir, marker, 16 * PerThread, TimeSpan.FromSeconds(60));
        await Task.Delay(500);
        copies = await Peers.WaitForCapturesAsync(Peers.CatchallMaildir, marker, 16 * PerThread);
        Assert.Equal(16 * PerThread, copies.Count);
        var numbers = copies.Select(c => System.Text.RegularExpressions.Regex.Match(c, @"X-N: (\d+)").Groups[1].Value).ToList();
        Assert.Equal(16 * PerThread, numbers.Distinct().Count());
    }

    [Fact]
    public async Task AnEmailMessageGoesThroughDovecotWithStartTlsAndScram()
    {
        Peers.RequirePeer(Peers.DovecotSubmission);
        await using var pool = new SmtpPool(new SmtpPoolOptions
        {
            Host = Peers.Host, Port = Peers.DovecotSubmission, Tls = SmtpTlsMode.StartTls, TrustedCaFile = Peers.CaPem,
            UserName = "user@example.test", Password = "s3cret!", AuthMechanisms = "SCRAM-SHA-256",
        });
        string marker = Peers.NewMarker();
        using var message = new EmailMessage
        {
            From = "user@example.test", SendTo = "pooled@example.com", Subject = "pool through Dovecot",
            PlainText = "hello " + marker, HtmlText = "<p>hello</p>",
        };
        message.Headers.Add("X-Herald-Test-Id", marker);

        var result = await pool.SendAsync(message);

        Assert.Equal(DeliveryStatus.Delivered, result.Status);
        var copy = await Peers.WaitForMaildirMessageAsync(marker);
        Assert.Contains("multipart/alternative", copy, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUntrustedCertificateIsNotAcceptedAndNothingIsSent()
    {
        Peers.RequirePeer(Peers.DovecotSubmission);
        await using var pool = new SmtpPool(new SmtpPoolOptions
        {
            Host = Peers.Host, Port = Peers.DovecotSubmission, Tls = SmtpTlsMode.StartTls, MaxAttempts = 1,
            UserName = "user@example.test", Password = "s3cret!",
        });

        var result = await pool.SendAsync(Clients.Sender, ["x@example.com"], Message(Peers.NewMarker(), 0));

        Assert.Equal(DeliveryStatus.Failed, result.Status);
        Assert.Contains("certificate", result.Error, StringComparison.OrdinalIgnoreCase);
    }
}
