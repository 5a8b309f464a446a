using System.Diagnostics;

namespace Herald.Throughput.Runners;

/// <summary>
/// Herald's <see cref="Smtp"/> component, synchronous or asynchronous: From/SendTo/Subject/MessageText for the small
/// messages (so headers, Date and Message-ID are built per message, as for the other clients), and the generated
/// body through <see cref="Smtp.SetMessageStream"/> for the large one.
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
            Version = typeof(Smtp).Assembly.GetName().Version?.ToString() ?? "",
        };
        using var smtp = new Smtp { MailServer = w.Host, MailPort = w.Port, From = w.From, SendTo = w.To };
        if (w.Scenario == "small")
        {
            string body = w.SmallBody();
            await SessionAsync(smtp, useAsync, int.MaxValue, body, w.WarmupSeconds).ConfigureAwait(false);
            result.RssStartKiB = ProcessMemory.CurrentKiB();
            double cpu = ProcessMemory.CpuSeconds();
            var clock = Stopwatch.StartNew();
            result.Messages = await SessionAsync(smtp, useAsync, w.Messages, body, w.Seconds).ConfigureAwait(false);
            result.Seconds = clock.Elapsed.TotalSeconds;
            result.CpuSeconds = ProcessMemory.CpuSeconds() - cpu;
            result.BodyBytes = result.Messages * body.Length;
        }
        else
        {
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

    // Connect, up to `count` messages within `seconds`, Disconnect. Returns how many were sent.
    private static async Task<long> SessionAsync(Smtp smtp, bool useAsync, int count, string body, double seconds)
    {
        var clock = Stopwatch.StartNew();
        await Call(useAsync, smtp.Connect, smtp.ConnectAsync).ConfigureAwait(false);
        smtp.MessageText = body;
        int sent = 0;
        while (sent < count && clock.Elapsed.TotalSeconds < seconds)
        {
            smtp.Subject = Workload.Subject(sent);
            await Call(useAsync, smtp.Send, smtp.SendAsync).ConfigureAwait(false);
            sent++;
        }
        await Call(useAsync, smtp.Disconnect, smtp.DisconnectAsync).ConfigureAwait(false);
        return sent;
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
