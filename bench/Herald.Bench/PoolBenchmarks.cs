using System.Text;
using BenchmarkDotNet.Attributes;
using Herald.Bench.Loopback;

namespace Herald.Bench;

/// <summary>
/// <see cref="SmtpPool"/> on one connection against <see cref="CannedSmtpStream"/>: 100 messages handed to the pool
/// at once and awaited, so the figures are per message and include the pool's own work (queueing, the pipelined
/// engine loop across messages, the per-recipient result, completing the caller's task). DATA, not BDAT: the canned
/// server speaks DATA only.
/// </summary>
/// <remarks>
/// <c>Raw</c> sends a prepared message (envelope + stream); <c>Email</c> an <see cref="EmailMessage"/>, so MIME is
/// written per message as an application's notification would be. <c>Suspending</c> completes every read later on the
/// thread pool, as socket reads usually do.
/// </remarks>
[MemoryDiagnoser]
public class PoolBenchmarks
{
    private const int Batch = 100;
    private static readonly string[] Recipients = ["bob@example.com"];

    private SmtpPool _pool = null!;
    private CannedTransportFactory _server = null!;
    private byte[] _raw = [];
    private string _body = "";

    /// <summary>Reads complete later on the thread pool (true) or at once (false).</summary>
    [Params(false, true)]
    public bool Suspending { get; set; }

    /// <summary>Makes the pool and sends one message through it, so the connection is open.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _server = new CannedTransportFactory(Suspending);
        _pool = new SmtpPool(new SmtpPoolOptions
        {
            Host = "bench.localhost",
            Tls = SmtpTlsMode.None,
            HeloName = "client.bench.example",
            MaxConnections = 1,
            MaxMessagesPerConnection = int.MaxValue,
            UseChunking = false,
            HealthCheckAfter = TimeSpan.FromHours(1),
            IdleTimeout = TimeSpan.FromHours(1),
            TransportFactory = _server,
        });
        var body = new StringBuilder();
        for (int i = 0; body.Length < 1000; i++)
        {
            body.Append("Line ").Append(i).Append(" of a small message that the benchmark sends again and again.\r\n");
        }
        _body = body.ToString();
        _raw = Encoding.ASCII.GetBytes("From: alice@example.com\r\nTo: bob@example.com\r\nSubject: Benchmark\r\n" +
            "Date: Sun, 22 Nov 2026 09:05:03 +0100\r\nMessage-ID: <bench@example.com>\r\n\r\n" + _body);
        Raw().GetAwaiter().GetResult();
        if (_server.Current is not { MessagesReceived: Batch })
        {
            throw new InvalidOperationException($"The canned server received {_server.Current?.MessagesReceived} messages, not {Batch}.");
        }
    }

    /// <summary>Closes the pool.</summary>
    [GlobalCleanup]
    public void Cleanup() => _pool.Dispose();

    /// <summary>A prepared message (envelope and stream), 100 at a time.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Batch)]
    public async Task Raw()
    {
        var sends = new Task<DeliveryResult>[Batch];
        for (int i = 0; i < Batch; i++)
        {
            sends[i] = _pool.SendAsync("alice@example.com", Recipients, new MemoryStream(_raw, writable: false));
        }
        foreach (var send in sends)
        {
            if ((await send.ConfigureAwait(false)).Status != DeliveryStatus.Delivered)
            {
                throw new InvalidOperationException("A message was not delivered.");
            }
        }
    }

    /// <summary>An <see cref="EmailMessage"/> (From, To, Subject, text), 100 at a time.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public async Task Email()
    {
        var sends = new Task<DeliveryResult>[Batch];
        var messages = new EmailMessage[Batch];
        for (int i = 0; i < Batch; i++)
        {
            messages[i] = new EmailMessage
            {
                From = "\"Alice Example\" <alice@example.com>",
                SendTo = "bob@example.com",
                Subject = "Benchmark",
                PlainText = _body,
            };
            sends[i] = _pool.SendAsync(messages[i]);
        }
        for (int i = 0; i < Batch; i++)
        {
            if ((await sends[i].ConfigureAwait(false)).Status != DeliveryStatus.Delivered)
            {
                throw new InvalidOperationException("A message was not delivered.");
            }
            messages[i].Dispose();
        }
    }
}
