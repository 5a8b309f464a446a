using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Herald.Tests.Infrastructure;
using Herald.Tests.Loopback;
using Xunit;

namespace Herald.Tests.Diagnostics;

/// <summary>
/// The Herald meter, read with a <see cref="System.Diagnostics.Metrics.MeterListener"/>: what one send, one failed
/// send, one failed connection and a pool's messages record, with which tags.
/// </summary>
public class MetricsTests
{
    private const string Sent = "herald.smtp.messages.sent";
    private const string Accepted = "herald.smtp.recipients.accepted";
    private const string Rejected = "herald.smtp.recipients.rejected";
    private const string Bytes = "herald.smtp.bytes.sent";
    private const string Failures = "herald.smtp.failures";
    private const string SendDuration = "herald.smtp.send.duration";
    private const string ConnectDuration = "herald.smtp.connect.duration";

    [Fact]
    public void EveryInstrumentHasAUnitAndADescription()
    {
        // The instruments exist from the first use of the meter on; a listener hears of those made before it started.
        Assert.Equal("Herald", Herald.Diagnostics.Telemetry.Meter.Name);
        using var capture = new TelemetryCapture(0);
        var instruments = capture.Instruments.ToDictionary(i => i.Name);
        Assert.Equal(new[] { Accepted, Bytes, ConnectDuration, Failures, Rejected, Sent, SendDuration }.Order(), instruments.Keys.Order());
        Assert.Equal(("{message}", "{recipient}", "{recipient}", "By", "{failure}", "s", "s"),
            (instruments[Sent].Unit, instruments[Accepted].Unit, instruments[Rejected].Unit, instruments[Bytes].Unit,
             instruments[Failures].Unit, instruments[SendDuration].Unit, instruments[ConnectDuration].Unit));
        Assert.All(instruments.Values, i => Assert.False(string.IsNullOrWhiteSpace(i.Description)));
        Assert.All(instruments.Values, i => Assert.Equal("Herald", i.Meter.Name));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ASendRecordsTheMessageItsRecipientsItsBytesAndBothDurations(bool isAsync)
    {
        await using var server = new FakeSmtpServer();
        server.On("RCPT", c => c.Argument.Contains("nobody@", StringComparison.Ordinal) ? FakeAction.Reply("550 5.1.1 No such user") : null);
        using var capture = new TelemetryCapture(server.Port);
        using var smtp = LoopbackSmtp.Create(server);
        smtp.BCc = "nobody@example.com";
        var clock = Stopwatch.StartNew();

        await LoopbackSmtp.Send(smtp, isAsync);
        var elapsed = clock.Elapsed.TotalSeconds;

        Assert.Equal(1, capture.Sum(Sent));
        Assert.Equal(1, capture.Sum(Accepted));
        var rejected = Assert.Single(capture.Of(Rejected));
        Assert.Equal((1.0, "5xx"), (rejected.Value, rejected["smtp.reply_class"]));
        Assert.Empty(capture.Of(Failures));
        Assert.All(capture.Measurements, m => Assert.Equal(("127.0.0.1", server.Port), (m["server.address"], m["server.port"])));

        // Every byte the server read, commands and dot-stuffed data alike, and nothing more.
        var session = Assert.Single(server.Sessions);
        await session.WaitForLineAsync(l => l == "QUIT", LoopbackSmtp.SafetyLimit);
        long wire = session.Lines.Sum(l => Encoding.UTF8.GetByteCount(l) + 2L) + session.Messages.Sum(m => (long)m.RawData.Length);
        Assert.Equal(wire, capture.Sum(Bytes));

        var send = Assert.Single(capture.Of(SendDuration));
        Assert.Equal("2xx", send["smtp.reply_class"]);
        Assert.False(send.Tags.ContainsKey("error.type"));
        Assert.InRange(send.Value, double.Epsilon, elapsed);
        var connect = Assert.Single(capture.Of(ConnectDuration));
        Assert.False(connect.Tags.ContainsKey("error.type"));
        Assert.InRange(connect.Value, double.Epsilon, elapsed);
        Assert.True(send.Value + connect.Value <= elapsed, $"connect {connect.Value} s + send {send.Value} s > {elapsed} s");
    }

    [Theory]
    [InlineData("554 5.6.0 Content refused", "5xx", false)]
    [InlineData("451 4.3.0 Try again later", "4xx", true)]
    public async Task ARefusedMessageCountsAFailureWithItsReplyClassAndCode(string reply, string replyClass, bool isAsync)
    {
        await using var server = new FakeSmtpServer();
        server.On(".", _ => FakeAction.Reply(reply));
        using var capture = new TelemetryCapture(server.Port);
        using var smtp = LoopbackSmtp.Create(server);

        await LoopbackSmtp.SendFails(smtp, isAsync);

        string code = reply[..3];
        var failure = Assert.Single(capture.Of(Failures));
        Assert.Equal((1.0, "send", code, replyClass),
            (failure.Value, failure["smtp.operation"], failure["error.type"], failure["smtp.reply_class"]));
        var send = Assert.Single(capture.Of(SendDuration));
        Assert.Equal((code, replyClass), (send["error.type"], send["smtp.reply_class"]));
        Assert.Empty(capture.Of(Sent));
        Assert.Equal(1, capture.Sum(Accepted));
        Assert.Single(capture.Of(ConnectDuration)); // the session itself opened fine
    }

    [Fact]
    public async Task AServerThatGoesSilentCountsATimeout()
    {
        await using var server = new FakeSmtpServer();
        server.On(".", _ => FakeAction.Hang);
        using var capture = new TelemetryCapture(server.Port);
        using var smtp = LoopbackSmtp.Create(server);
        smtp.Timeout = 1;

        var e = await LoopbackSmtp.SendFails(smtp, isAsync: true);

        Assert.Equal(SmtpErrorCodes.Timeout, e.Code);
        var failure = Assert.Single(capture.Of(Failures));
        Assert.Equal(("send", "timeout"), (failure["smtp.operation"], failure["error.type"]));
        Assert.False(failure.Tags.ContainsKey("smtp.reply_class"));
    }

    [Fact]
    public async Task ARefusedGreetingCountsAConnectFailure()
    {
        await using var server = new FakeSmtpServer { Greeting = "554 5.3.2 Not accepting mail now" };
        using var capture = new TelemetryCapture(server.Port);
        using var smtp = LoopbackSmtp.Create(server);

        await LoopbackSmtp.ConnectFails(smtp, isAsync: true);

        var failure = Assert.Single(capture.Of(Failures));
        Assert.Equal(("connect", "554", "5xx"), (failure["smtp.operation"], failure["error.type"], failure["smtp.reply_class"]));
        Assert.Equal("554", Assert.Single(capture.Of(ConnectDuration))["error.type"]);
        Assert.Empty(capture.Of(SendDuration));
    }

    [Fact]
    public async Task AClosedPortCountsARefusedConnection()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        using var capture = new TelemetryCapture(port);
        using var smtp = new Smtp { MailServer = "127.0.0.1", MailPort = port, Timeout = 10 };

        var e = await Assert.ThrowsAsync<SmtpException>(() => smtp.ConnectAsync());

        Assert.Equal(SmtpErrorCodes.ConnectionRefused, e.Code);
        var failure = Assert.Single(capture.Of(Failures));
        Assert.Equal(("connect", "connection_refused"), (failure["smtp.operation"], failure["error.type"]));
        Assert.False(failure.Tags.ContainsKey("smtp.reply_class"));
        Assert.Empty(capture.Of(Bytes));
    }

    [Fact]
    public async Task APoolRecordsEachMessageItPipelines()
    {
        await using var server = new FakeSmtpServer();
        using var capture = new TelemetryCapture(server.Port);
        await using (var pool = new SmtpPool(new SmtpPoolOptions
        {
            Host = server.Host, Port = server.Port, Tls = SmtpTlsMode.None, MaxConnections = 1, HeloName = "client.test",
        }))
        {
            pool.Pause();
            var sends = Enumerable.Range(0, 3).Select(n => pool.SendAsync("alice@example.org", ["bob@example.com", "carol@example.com"],
                new MemoryStream(Encoding.ASCII.GetBytes($"Subject: {n}\r\n\r\nbody {n}\r\n")))).ToList();
            pool.Resume();
            Assert.All(await Task.WhenAll(sends), r => Assert.Equal(DeliveryStatus.Delivered, r.Status));
        }

        Assert.Equal(3, capture.Sum(Sent));
        Assert.Equal(6, capture.Sum(Accepted));
        Assert.Equal(3, capture.Of(SendDuration).Count);
        Assert.All(capture.Of(SendDuration), m => Assert.Equal("2xx", m["smtp.reply_class"]));
        Assert.Single(capture.Of(ConnectDuration));
        var session = Assert.Single(server.Sessions);
        long wire = session.Lines.Sum(l => Encoding.UTF8.GetByteCount(l) + 2L) + session.Messages.Sum(m => (long)m.RawData.Length);
        Assert.Equal(wire, capture.Sum(Bytes));
    }
}
