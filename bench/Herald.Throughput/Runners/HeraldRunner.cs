using System.Diagnostics;

namespace Herald.Throughput.Runners;

/// <summary>
/// Herald's <see cref="Smtp"/> component, synchronous or asynchronous: From/SendTo/Subject/MessageText for the small
/// messages (so headers, Date and Message-ID are built per message, as for the other clients), and the generated
/// body through <see cref="Smtp.SetMessageStream"/> for the large one. With more than one connection, that many
/// components send side by side (threads for Send, tasks for SendAsync), each over its own session.
/// </summary>
internal static class HeraldRunner
{
    /// <summary>Messages of 1000 lines sent before the large one (every worker sends the same).</summary>
    public const int LargeWarmups = 20;

    /// <summary>Runs the workload's scenario.</summary>
    public static async Task<RunResult> RunAsync(Workload w, bool useAsync)
    {
        var result = new RunResult
        {
            Client = w.Client,
            Scenario = w.Scenario,
            Connections = w.Connections,
            Version = typeof(Smtp).Assembly.GetName().Version?.ToString() ?? "",
        };
        if (w.Scenario == "small")
        {
            string body = w.SmallBody();
            if (w.WarmupSeconds > 0)
            {
                await SessionsAsync(w, useAsync, int.MaxValue, body, w.WarmupSeconds, timeSetup: true).ConfigureAwait(false);
            }
            result.RssStartKiB = ProcessMemory.CurrentKiB();
            var (messages, seconds, cpu) = await SessionsAsync(w, useAsync, w.Messages, body, w.Seconds, w.TimeSessionSetup)
                .ConfigureAwait(false);
            result.Messages = messages;
            result.Seconds = seconds;
            result.CpuSeconds = cpu;
            result.BodyBytes = result.Messages * body.Length;
        }
        else
        {
            using var smtp = new Smtp { MailServer = w.Host, MailPort = w.Port, From = w.From, SendTo = w.To };
            await Call(useAsync, smtp.Connect, smtp.ConnectAsync).ConfigureAwait(false);
            smtp.Subject = "Warm-up";
            for (int i = 0; i < LargeWarmups; i++)
            {
                smtp.SetMessageStream(new GeneratedBody(1000));
                await Call(useAsync, smtp.Send, smtp.SendAsync).ConfigureAwait(false);
            }
            var body = new GeneratedBody(w.LargeLines);
            smtp.Subject = "Large message";
            smtp.SetMessageStream(body);
            result.RssStartKiB = ProcessMemory.CurrentKiB();
            double cpu = ProcessMemory.CpuSeconds();
            var clock = Stopwatch.StartNew();
            await Call(useAsync, smtp.Send, smtp.SendAsync).ConfigureAwait(false);
            result.Seconds = clock.Elapsed.TotalSeconds;
            result.CpuSeconds = ProcessMemory.CpuSeconds() - cpu;
            result.Messages = 1;
            result.BodyBytes = body.Length;
            await Call(useAsync, smtp.Disconnect, smtp.DisconnectAsync).ConfigureAwait(false);
        }
        result.PeakRssKiB = ProcessMemory.PeakKiB();
        return result;
    }

    // w.Connections sessions side by side, up to `count` messages in all within `seconds`. Returns how many were sent,
    // the timed seconds and the CPU seconds used in that time; connecting and QUIT are timed when timeSetup is true.
    private static async Task<(long Messages, double Seconds, double Cpu)> SessionsAsync(Workload w, bool useAsync, int count,
        string body, double seconds, bool timeSetup)
    {
        var sessions = Enumerable.Range(0, w.Connections)
            .Select(_ => new Smtp { MailServer = w.Host, MailPort = w.Port, From = w.From, SendTo = w.To, MessageText = body })
            .ToList();
        try
        {
            if (!timeSetup)
            {
                await ForEachAsync(sessions, useAsync, smtp => Call(useAsync, smtp.Connect, smtp.ConnectAsync)).ConfigureAwait(false);
            }
            long sent = 0;
            double cpu = ProcessMemory.CpuSeconds();
            var clock = Stopwatch.StartNew();
            await ForEachAsync(sessions, useAsync, async smtp =>
            {
                if (timeSetup)
                {
                    await Call(useAsync, smtp.Connect, smtp.ConnectAsync).ConfigureAwait(false);
                }
                while (clock.Elapsed.TotalSeconds < seconds)
                {
                    long n = Interlocked.Increment(ref sent);
                    if (n > count)
                    {
                        Interlocked.Decrement(ref sent);
                        break;
                    }
                    smtp.Subject = Workload.Subject((int)n);
                    await Call(useAsync, smtp.Send, smtp.SendAsync).ConfigureAwait(false);
                }
                if (timeSetup)
                {
                    await Call(useAsync, smtp.Disconnect, smtp.DisconnectAsync).ConfigureAwait(false);
                }
            }).ConfigureAwait(false);
            double elapsed = clock.Elapsed.TotalSeconds;
            double used = ProcessMemory.CpuSeconds() - cpu;
            if (!timeSetup)
            {
                await ForEachAsync(sessions, useAsync, smtp => Call(useAsync, smtp.Disconnect, smtp.DisconnectAsync)).ConfigureAwait(false);
            }
            return (sent, elapsed, used);
        }
        finally
        {
            sessions.ForEach(s => s.Dispose());
        }
    }

    // One session alone runs on this thread; several run side by side: threads for the blocking calls (as a program
    // using Send would), tasks for the asynchronous ones.
    private static Task ForEachAsync(List<Smtp> sessions, bool useAsync, Func<Smtp, Task> work)
    {
        if (sessions.Count == 1)
        {
            return work(sessions[0]);
        }
        return Task.WhenAll(sessions.Select(s => useAsync
            ? Task.Run(() => work(s))
            : Task.Factory.StartNew(() => work(s).GetAwaiter().GetResult(), CancellationToken.None,
                TaskCreationOptions.LongRunning, TaskScheduler.Default)));
    }

    private static Task Call(bool useAsync, Action sync, Func<CancellationToken, Task> async)
    {
        if (useAsync)
        {
            return async(default);
        }
        sync();
        return Task.CompletedTask;
    }
}
