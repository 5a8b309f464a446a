using System.Diagnostics;

namespace Herald.Throughput.Runners;

/// <summary>
/// Herald's <see cref="SmtpPool"/>, as an application with many messages uses it: an <see cref="EmailMessage"/>
/// (From, To, Subject, text) per message, and 32 sends per connection outstanding at any time, each followed by the
/// next as soon as it has its result. The pool pipelines across messages, so its connections are never idle waiting
/// for the application.
/// </summary>
internal static class HeraldPoolRunner
{
    /// <summary>Sends outstanding per connection.</summary>
    public const int WindowPerConnection = 32;

    /// <summary>Runs the small-message scenario (the pool has no large-message mode of its own: see HeraldRunner).</summary>
    public static async Task<RunResult> RunAsync(Workload w)
    {
        if (w.Scenario != "small")
        {
            throw new ArgumentException("herald-pool runs small messages only; the large message is the same engine as herald-async.");
        }
        var result = new RunResult
        {
            Client = w.Client,
            Scenario = w.Scenario,
            Connections = w.Connections,
            Version = typeof(SmtpPool).Assembly.GetName().Version?.ToString() ?? "",
        };
        string body = w.SmallBody();
        if (w.WarmupSeconds > 0)
        {
            await RunPoolAsync(w, int.MaxValue, body, w.WarmupSeconds, timeSetup: true).ConfigureAwait(false);
        }
        result.RssStartKiB = ProcessMemory.CurrentKiB();
        var (messages, seconds, cpu) = await RunPoolAsync(w, w.Messages, body, w.Seconds, w.TimeSessionSetup).ConfigureAwait(false);
        result.Messages = messages;
        result.Seconds = seconds;
        result.CpuSeconds = cpu;
        result.BodyBytes = messages * body.Length;
        result.PeakRssKiB = ProcessMemory.PeakKiB();
        return result;
    }

    // A pool of w.Connections connections, up to `count` messages within `seconds`. With timeSetup the pool's creation,
    // its connections and their QUIT are timed; without, the connections are opened by untimed messages first and
    // closed after the clock stops.
    private static async Task<(long Messages, double Seconds, double Cpu)> RunPoolAsync(Workload w, int count, string body,
        double seconds, bool timeSetup)
    {
        var options = new SmtpPoolOptions
        {
            Host = w.Host,
            Port = w.Port,
            Tls = SmtpTlsMode.None,
            MaxConnections = w.Connections,
            MaxMessagesPerConnection = int.MaxValue,
            HeloName = "client.bench.example",
        };
        var pool = new SmtpPool(options);
        try
        {
            if (!timeSetup)
            {
                // One message per connection, all at once, so that every connection is open before the clock starts.
                await Task.WhenAll(Enumerable.Range(0, w.Connections).Select(i => SendOneAsync(pool, w, body, -1 - i))).ConfigureAwait(false);
            }
            long sent = 0;
            double cpu = ProcessMemory.CpuSeconds();
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, WindowPerConnection * w.Connections).Select(_ => Task.Run(async () =>
            {
                while (clock.Elapsed.TotalSeconds < seconds)
                {
                    long n = Interlocked.Increment(ref sent);
                    if (n > count)
                    {
                        Interlocked.Decrement(ref sent);
                        return;
                    }
                    await SendOneAsync(pool, w, body, n).ConfigureAwait(false);
                }
            }))).ConfigureAwait(false);
            if (timeSetup)
            {
                await pool.DisposeAsync().ConfigureAwait(false);
            }
            double elapsed = clock.Elapsed.TotalSeconds;
            double used = ProcessMemory.CpuSeconds() - cpu;
            return (sent, elapsed, used);
        }
        finally
        {
            await pool.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static async Task SendOneAsync(SmtpPool pool, Workload w, string body, long n)
    {
        using var message = new EmailMessage
        {
            From = w.From,
            SendTo = w.To,
            Subject = Workload.Subject((int)n),
            PlainText = body,
        };
        var result = await pool.SendAsync(message).ConfigureAwait(false);
        if (result.Status != DeliveryStatus.Delivered)
        {
            throw new InvalidOperationException($"Message {n} was not delivered: {result}");
        }
    }
}
