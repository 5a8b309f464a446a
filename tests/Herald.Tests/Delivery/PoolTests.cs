using System.Collections.Concurrent;
using System.Text;
using Herald.Delivery;
using Herald.Tests.Infrastructure;
using MimeKit;
using Xunit;

namespace Herald.Tests.Delivery;

/// <summary>The pool against the in-process fake server: volume, retries, refusals, cancellation and closing.</summary>
public class PoolTests
{
    private static SmtpPool Pool(FakeSmtpServer server, Action<SmtpPoolOptions>? configure = null)
    {
        var options = new SmtpPoolOptions
        {
            Host = server.Host,
            Port = server.Port,
            HeloName = "client.test",
            MaxConnections = 3,
            RetryBaseDelay = TimeSpan.FromMilliseconds(20),
            RetryMaxDelay = TimeSpan.FromMilliseconds(200),
            Timeout = TimeSpan.FromSeconds(20),
        };
        configure?.Invoke(options);
        return new SmtpPool(options);
    }

    private static Stream Raw(int n) => new MemoryStream(Encoding.ASCII.GetBytes($"Subject: {n}\r\nX-N: {n}\r\n\r\nmessage {n}\r\n"));

    [Fact]
    public async Task ManyMessagesFromManyThreadsArriveOnceEach()
    {
        await using var server = new FakeSmtpServer();
        await using var pool = Pool(server);

        var results = await Task.WhenAll(Enumerable.Range(0, 300).Select(n =>
            Task.Run(() => pool.SendAsync("alice@example.org", [$"r{n}@example.com"], Raw(n)))));

        Assert.All(results, r => Assert.Equal(DeliveryStatus.Delivered, r.Status));
        await pool.DisposeAsync();
        var seen = server.Sessions.SelectMany(s => s.Messages).Select(m => m.Text).ToList();
        Assert.Equal(300, seen.Count);
        Assert.Equal(300, seen.Distinct().Count());
        Assert.InRange(server.Sessions.Count, 1, 3);
    }

    [Fact]
    public async Task AnEmailMessageGoesAsMimeToItsRecipientsWithoutBccInTheHeaders()
    {
        await using var server = new FakeSmtpServer();
        await using var pool = Pool(server);
        using var message = new EmailMessage
        {
            From = "alice@example.org",
            SendTo = "bob@example.com",
            Cc = "carol@example.com",
            Bcc = "secret@example.com",
            Subject = "Grüße",
            PlainText = "plain",
            HtmlText = "<p>html</p>",
        };
        message.Attachments.Add("data.bin", new byte[] { 0, 1, 2, 255 });

        var result = await pool.SendAsync(message);

        Assert.Equal(DeliveryStatus.Delivered, result.Status);
        Assert.Equal(["bob@example.com", "carol@example.com", "secret@example.com"], result.Recipients.Select(r => r.Address));
        var received = Assert.Single(server.Sessions.SelectMany(s => s.Messages));
        Assert.Equal(["bob@example.com", "carol@example.com", "secret@example.com"], received.Recipients);
        var parsed = MimeMessage.Load(new MemoryStream(received.Content));
        Assert.Equal("Grüße", parsed.Subject);
        Assert.Null(parsed.Headers[HeaderId.Bcc]);
        Assert.Equal("plain", parsed.TextBody?.Trim());
        var attachment = Assert.IsType<MimePart>(Assert.Single(parsed.Attachments));
        using var bytes = new MemoryStream();
        attachment.Content!.DecodeTo(bytes);
        Assert.Equal(new byte[] { 0, 1, 2, 255 }, bytes.ToArray());
    }

    [Fact]
    public async Task ATransientRefusalIsRetriedWithGrowingDelaysAndAPermanentOneIsNot()
    {
        await using var server = new FakeSmtpServer();
        var mailTimes = new ConcurrentQueue<DateTime>();
        server.On("MAIL", cmd =>
        {
            if (cmd.Argument.Contains("<defer@", StringComparison.Ordinal))
            {
                mailTimes.Enqueue(DateTime.UtcNow);
                return mailTimes.Count < 4 ? FakeAction.Reply("451 4.3.0 Try again later") : null;
            }
            return cmd.Argument.Contains("<refuse@", StringComparison.Ordinal) ? FakeAction.Reply("553 5.7.1 Not you") : null;
        });
        await using var pool = Pool(server, o => o.MaxAttempts = 5);

        var deferred = pool.SendAsync("defer@example.org", ["bob@example.com"], Raw(1));
        var refused = await pool.SendAsync("refuse@example.org", ["bob@example.com"], Raw(2));

        Assert.Equal((DeliveryStatus.Refused, 1, 553), (refused.Status, refused.Attempts, refused.ReplyCode));
        var result = await deferred;
        Assert.Equal((DeliveryStatus.Delivered, 4), (result.Status, result.Attempts));
        var gaps = mailTimes.Zip(mailTimes.Skip(1), (a, b) => b - a).ToList();
        Assert.Equal(3, gaps.Count);
        // Backoff with jitter: each wait is at least half of base × 2^(n-1).
        Assert.All(gaps.Select((gap, i) => (gap, i)), g => Assert.True(g.gap >= TimeSpan.FromMilliseconds(10 * Math.Pow(2, g.i) - 5),
            $"retry {g.i + 1} came after {g.gap.TotalMilliseconds} ms"));
    }

    [Fact]
    public async Task RetriesEndAfterMaxAttemptsWithTheLastReply()
    {
        await using var server = new FakeSmtpServer();
        server.On("MAIL", _ => FakeAction.Reply("452 4.3.1 Insufficient system storage"));
        await using var pool = Pool(server, o => o.MaxAttempts = 3);

        var result = await pool.SendAsync("alice@example.org", ["bob@example.com"], Raw(1));

        Assert.Equal((DeliveryStatus.Failed, 3, 452, "4.3.1"), (result.Status, result.Attempts, result.ReplyCode, result.EnhancedStatusCode));
    }

    [Fact]
    public async Task AServerThatCannotBeReachedFailsAfterItsAttempts()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop(); // nothing listens there now
        await using var pool = new SmtpPool(new SmtpPoolOptions
        {
            Host = "127.0.0.1", Port = port, MaxAttempts = 2, RetryBaseDelay = TimeSpan.FromMilliseconds(10),
        });

        var result = await pool.SendAsync("alice@example.org", ["bob@example.com"], Raw(1)).WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal((DeliveryStatus.Failed, 2), (result.Status, result.Attempts));
        Assert.Contains("127.0.0.1", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheRateLimitSpacesMessages()
    {
        await using var server = new FakeSmtpServer();
        await using var pool = Pool(server, o => o.MaxMessagesPerSecond = 20);
        var clock = System.Diagnostics.Stopwatch.StartNew();

        await Task.WhenAll(Enumerable.Range(0, 12).Select(n => pool.SendAsync("alice@example.org", ["bob@example.com"], Raw(n))));

        // A burst of two (a tenth of a second's worth), then one every 50 ms: ten more take at least 0.45 s.
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(450), $"12 messages at 20/s took {clock.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task ACancelledSendIsDroppedBeforeItStarts()
    {
        await using var server = new FakeSmtpServer();
        await using var pool = Pool(server);
        using var cts = new CancellationTokenSource();
        pool.Pause();
        var cancelled = pool.SendAsync("alice@example.org", ["bob@example.com"], Raw(1), cts.Token);
        var kept = pool.SendAsync("alice@example.org", ["bob@example.com"], Raw(2));
        await cts.CancelAsync();
        pool.Resume();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        Assert.Equal(DeliveryStatus.Delivered, (await kept).Status);
        Assert.Single(server.Sessions.SelectMany(s => s.Messages));
    }

    [Fact]
    public async Task ClosingSendsWhatIsQueuedAndThenRefusesMore()
    {
        await using var server = new FakeSmtpServer();
        var pool = Pool(server);
        var sends = Enumerable.Range(0, 20).Select(n => pool.SendAsync("alice@example.org", ["bob@example.com"], Raw(n))).ToList();

        await pool.DisposeAsync();

        Assert.All(await Task.WhenAll(sends), r => Assert.Equal(DeliveryStatus.Delivered, r.Status));
        Assert.Throws<ObjectDisposedException>(() => { _ = pool.SendAsync("alice@example.org", ["bob@example.com"], Raw(99)); });
        Assert.All(server.Sessions, s => Assert.Contains("QUIT", s.Lines));
    }

    [Fact]
    public void BadSettingsAreRefusedWhenThePoolIsMade()
    {
        Assert.Equal(SmtpErrorCodes.InvalidArgument, Assert.Throws<SmtpException>(() => new SmtpPool(new SmtpPoolOptions())).Code);
        Assert.Equal(SmtpErrorCodes.InvalidArgument,
            Assert.Throws<SmtpException>(() => new SmtpPool(new SmtpPoolOptions { Host = "h", Port = 0 })).Code);
        Assert.Equal(SmtpErrorCodes.InvalidArgument,
            Assert.Throws<SmtpException>(() => new SmtpPool(new SmtpPoolOptions { Host = "h", Proxy = "ftp://x" })).Code);
        Assert.Equal(SmtpErrorCodes.CannotOpenFile,
            Assert.Throws<SmtpException>(() => new SmtpPool(new SmtpPoolOptions { Host = "h", TrustedCaFile = "/nonexistent/ca.pem" })).Code);
    }

    [Fact]
    public void PoolConnectionsTurnNaglesAlgorithmOff()
    {
        // A pipelined message written while the previous one is unacknowledged must not wait for the server's delayed ACK.
        Assert.True(PoolSettings.ToEngineOptions(new SmtpPoolOptions { Host = "h" }).Connect.Socket.NoDelay);
        Assert.True(PoolSettings.ToEngineOptions(new SmtpPoolOptions { Host = "h", Proxy = "socks5://p:1080" }).Connect.Socket.NoDelay);
    }

    [Fact]
    public void TheRetryDelayDoublesWithJitterUpToTheMaximum()
    {
        var policy = new RetryPolicy(5, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10));
        for (int attempt = 1; attempt <= 6; attempt++)
        {
            double full = Math.Min(10, Math.Pow(2, attempt - 1));
            var delay = policy.DelayAfter(attempt).TotalSeconds;
            Assert.InRange(delay, full / 2, full);
        }
        Assert.True(policy.MayRetry(4));
        Assert.False(policy.MayRetry(5));
    }

    [Fact]
    public void TheRateLimiterGivesABurstThenOneTokenPerIntervalAsTimePasses()
    {
        var time = new ManualTime();
        var limiter = new RateLimiter(50, time);   // a burst of 5, then one every 20 ms
        Assert.Equal(5, Enumerable.Range(0, 20).Count(_ => limiter.TryTake()));
        Assert.Equal(TimeSpan.FromMilliseconds(20), limiter.Wait());
        time.Advance(TimeSpan.FromMilliseconds(10));
        Assert.False(limiter.TryTake());
        time.Advance(TimeSpan.FromMilliseconds(10));
        Assert.True(limiter.TryTake());
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(5, Enumerable.Range(0, 20).Count(_ => limiter.TryTake())); // the burst never grows beyond its size
        Assert.True(new RateLimiter(0, time).TryTake());
    }

    /// <summary>A clock that moves only when told to.</summary>
    private sealed class ManualTime : TimeProvider
    {
        private long _ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks;

        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }
}
