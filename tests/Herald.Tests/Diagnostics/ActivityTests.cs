using System.Diagnostics;
using System.Globalization;
using System.Security.Authentication;
using System.Text;
using Herald.Tests.Infrastructure;
using Herald.Tests.Loopback;
using Xunit;

namespace Herald.Tests.Diagnostics;

/// <summary>
/// The Herald activity source, read with an <see cref="ActivityListener"/>: one activity per session opened and per
/// message, with their OpenTelemetry and smtp.* tags, their parents and their status.
/// </summary>
public class ActivityTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ASendOverStartTlsWithAuthGivesAConnectAndASendActivityUnderTheCallersActivity(bool isAsync)
    {
        await using var server = new FakeSmtpServer { StartTls = FakeStartTls.Offered };
        server.Users["alice"] = "s3cret-pw";
        server.On("RCPT", c => c.Argument.Contains("nobody@", StringComparison.Ordinal) ? FakeAction.Reply("550 5.1.1 No such user") : null);
        using var capture = new TelemetryCapture(server.Port);
        using var smtp = LoopbackSmtp.Create(server);
        smtp.SSLStartMode = SmtpSSLStartModes.sslExplicit;
        smtp.Config("SSLServerCACerts=" + server.CertificatePem);
        smtp.User = "alice";
        smtp.Password = "s3cret-pw";
        smtp.BCc = "nobody@example.com";
        using var caller = new Activity("caller").Start();
        var clock = Stopwatch.StartNew();

        await LoopbackSmtp.Send(smtp, isAsync);
        var elapsed = clock.Elapsed;
        Assert.Same(caller, Activity.Current); // neither Herald activity outlived its operation as the current one
        caller.Stop();

        var connect = Assert.Single(capture.Named("smtp connect"));
        var send = Assert.Single(capture.Named("smtp send"));
        var session = Assert.Single(server.Sessions);
        var message = Assert.Single(session.Messages);
        foreach (var activity in new[] { connect, send })
        {
            Assert.Equal(ActivityKind.Client, activity.Kind);
            Assert.Equal("Herald", activity.Source.Name);
            Assert.Equal(caller.SpanId, activity.ParentSpanId);
            Assert.Equal(caller.TraceId, activity.TraceId);
            Assert.Equal(ActivityStatusCode.Unset, activity.Status);
            Assert.Equal("127.0.0.1", activity.GetTagItem("server.address"));
            Assert.Equal(server.Port, activity.GetTagItem("server.port"));
            Assert.Equal("smtp", activity.GetTagItem("network.protocol.name"));
            Assert.InRange(activity.Duration, TimeSpan.FromTicks(1), elapsed);
        }
        Assert.True(connect.StartTimeUtc + connect.Duration <= send.StartTimeUtc, "the session opened before the message started");

        Assert.Equal("127.0.0.1", connect.GetTagItem("network.peer.address"));
        Assert.Equal(true, connect.GetTagItem("tls.established"));
        Assert.Equal("tls", connect.GetTagItem("tls.protocol.name"));
        Assert.Equal(session.TlsProtocol == SslProtocols.Tls13 ? "1.3" : "1.2", connect.GetTagItem("tls.protocol.version"));
        Assert.StartsWith("TLS_", (string)connect.GetTagItem("tls.cipher")!, StringComparison.Ordinal);
        Assert.Equal(server.Certificate.Subject, connect.GetTagItem("tls.server.subject"));
        Assert.Equal(server.Certificate.Issuer, connect.GetTagItem("tls.server.issuer"));
        Assert.Equal(server.Certificate.NotAfter.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            connect.GetTagItem("tls.server.not_after"));
        Assert.Equal("PLAIN", connect.GetTagItem("smtp.auth.mechanism"));

        Assert.Equal((2, 1, 1), (send.GetTagItem("smtp.recipients"), send.GetTagItem("smtp.recipients.accepted"),
            send.GetTagItem("smtp.recipients.rejected")));
        Assert.Equal((250, "2.0.0", "FAKE1"), (send.GetTagItem("smtp.reply_code"), send.GetTagItem("smtp.enhanced_status_code"),
            send.GetTagItem("smtp.queue_id")));
        Assert.Equal((long)message.Content.Length, send.GetTagItem("smtp.message.size"));
        Assert.Null(send.GetTagItem("error.type"));
    }

    [Fact]
    public async Task ARefusedMessageEndsItsActivityInErrorWithTheReplyCode()
    {
        await using var server = new FakeSmtpServer();
        server.On(".", _ => FakeAction.Reply("554 5.7.1 Spam detected"));
        using var capture = new TelemetryCapture(server.Port);
        using var smtp = LoopbackSmtp.Create(server);

        var e = await LoopbackSmtp.SendFails(smtp, isAsync: true);

        var send = Assert.Single(capture.Named("smtp send"));
        Assert.Equal(ActivityStatusCode.Error, send.Status);
        Assert.Equal(e.Message, send.StatusDescription);
        Assert.Equal(("554", 554, "5.7.1"), (send.GetTagItem("error.type"), send.GetTagItem("smtp.reply_code"),
            send.GetTagItem("smtp.enhanced_status_code")));
        Assert.Equal(1, send.GetTagItem("smtp.recipients.accepted"));
        Assert.Null(send.GetTagItem("smtp.queue_id"));
        Assert.Equal(ActivityStatusCode.Unset, Assert.Single(capture.Named("smtp connect")).Status);
    }

    [Fact]
    public async Task ARefusedLoginEndsTheConnectActivityInError()
    {
        await using var server = new FakeSmtpServer();
        server.Users["alice"] = "right";
        using var capture = new TelemetryCapture(server.Port);
        using var smtp = LoopbackSmtp.Create(server);
        smtp.User = "alice";
        smtp.Password = "wrong";

        await LoopbackSmtp.ConnectFails(smtp, isAsync: false);

        var connect = Assert.Single(capture.Named("smtp connect"));
        Assert.Equal(ActivityStatusCode.Error, connect.Status);
        Assert.Equal((535, "535"), (connect.GetTagItem("smtp.reply_code"), connect.GetTagItem("error.type")));
        Assert.Null(connect.GetTagItem("smtp.auth.mechanism"));
        Assert.Empty(capture.Named("smtp send"));
    }

    [Fact]
    public async Task APoolPutsEachMessageUnderItsOwnCallerAndTheConnectionUnderNone()
    {
        await using var server = new FakeSmtpServer();
        using var capture = new TelemetryCapture(server.Port);
        var callers = new List<Activity>();
        await using (var pool = new SmtpPool(new SmtpPoolOptions
        {
            Host = server.Host, Port = server.Port, Tls = SmtpTlsMode.None, MaxConnections = 1, HeloName = "client.test",
        }))
        {
            pool.Pause();
            var sends = new List<Task<DeliveryResult>>();
            for (int n = 0; n < 3; n++)
            {
                // Each message is handed over under an activity of its own, as three requests of a web app would be.
                var caller = new Activity($"request {n}").Start();
                callers.Add(caller);
                sends.Add(pool.SendAsync("alice@example.org", [$"bob{n}@example.com"],
                    new MemoryStream(Encoding.ASCII.GetBytes($"Subject: {n}\r\n\r\nbody {n}\r\n"))));
                caller.Stop();
            }
            // The connection starts under yet another activity, which must not become its parent either.
            using (new Activity("resumer").Start())
            {
                pool.Resume();
            }
            await Task.WhenAll(sends);
        }

        var sent = await capture.WaitForAsync("smtp send", 3);
        Assert.Equal(3, sent.Count);
        foreach (var caller in callers)
        {
            var mine = Assert.Single(sent, a => a.ParentSpanId == caller.SpanId);
            Assert.Equal(caller.TraceId, mine.TraceId);
            Assert.Equal((250, 1), (mine.GetTagItem("smtp.reply_code"), mine.GetTagItem("smtp.recipients.accepted")));
            Assert.StartsWith("FAKE", (string)mine.GetTagItem("smtp.queue_id")!, StringComparison.Ordinal);
        }
        // Pipelined messages overlap, yet none became the parent of another.
        Assert.DoesNotContain(sent, a => sent.Any(b => b.SpanId == a.ParentSpanId));
        var connect = Assert.Single(capture.Named("smtp connect"));
        Assert.Equal(default, connect.ParentSpanId);
        Assert.DoesNotContain(callers, c => c.TraceId == connect.TraceId);
    }

    [Fact]
    public async Task PipelinedMessagesHandedOverWithoutAnActivityAreEachARoot()
    {
        await using var server = new FakeSmtpServer();
        using var capture = new TelemetryCapture(server.Port);
        await using (var pool = new SmtpPool(new SmtpPoolOptions
        {
            Host = server.Host, Port = server.Port, Tls = SmtpTlsMode.None, MaxConnections = 1, HeloName = "client.test",
        }))
        {
            pool.Pause();
            var sends = Enumerable.Range(0, 4).Select(n => pool.SendAsync("alice@example.org", [$"bob{n}@example.com"],
                new MemoryStream(Encoding.ASCII.GetBytes($"Subject: {n}\r\n\r\nbody {n}\r\n")))).ToList();
            pool.Resume();
            await Task.WhenAll(sends);
        }

        var sent = await capture.WaitForAsync("smtp send", 4);
        Assert.Equal(4, sent.Count);
        Assert.All(sent, a => Assert.Equal(default, a.ParentSpanId));
        Assert.Equal(4, sent.Select(a => a.TraceId).Distinct().Count());
        // They did overlap: each message's envelope went out before the previous one's final reply was read.
        Assert.Contains(sent.Zip(sent.Skip(1)), pair => pair.Second.StartTimeUtc < pair.First.StartTimeUtc + pair.First.Duration);
    }
}
