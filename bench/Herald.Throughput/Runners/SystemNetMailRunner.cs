using System.Diagnostics;
using System.Net.Mail;
using System.Net.Mime;

namespace Herald.Throughput.Runners;

// Inside namespace Herald.*, Herald.SmtpClient would be found before the using directives above; this alias wins.
using SmtpClient = System.Net.Mail.SmtpClient;

/// <summary>
/// .NET's built-in <see cref="SmtpClient"/> with the same messages: a new <see cref="MailMessage"/> per small message
/// on one client instance (disposing the client sends QUIT), and the generated body as a 7bit text/plain
/// <see cref="AlternateView"/> for the large one.
/// </summary>
internal static class SystemNetMailRunner
{
    /// <summary>Runs the workload's scenario.</summary>
    public static RunResult Run(Workload w)
    {
        var result = new RunResult
        {
            Client = w.Client,
            Scenario = w.Scenario,
            Version = "System.Net.Mail " + Environment.Version,
        };
        if (w.Scenario == "small")
        {
            string body = w.SmallBody();
            Session(w, int.MaxValue, body, w.WarmupSeconds);
            result.RssStartKiB = ProcessMemory.CurrentKiB();
            double cpu = ProcessMemory.CpuSeconds();
            var clock = Stopwatch.StartNew();
            result.Messages = Session(w, w.Messages, body, w.Seconds);
            result.Seconds = clock.Elapsed.TotalSeconds;
            result.CpuSeconds = ProcessMemory.CpuSeconds() - cpu;
            result.BodyBytes = result.Messages * body.Length;
        }
        else
        {
            using var client = new SmtpClient(w.Host, w.Port);
            for (int i = 0; i < HeraldRunner.LargeWarmups; i++)
            {
                SendLarge(client, w, 1000);
            }
            result.RssStartKiB = ProcessMemory.CurrentKiB();
            double cpu = ProcessMemory.CpuSeconds();
            var clock = Stopwatch.StartNew();
            result.BodyBytes = SendLarge(client, w, w.LargeLines);
            result.Seconds = clock.Elapsed.TotalSeconds;
            result.CpuSeconds = ProcessMemory.CpuSeconds() - cpu;
            result.Messages = 1;
        }
        result.PeakRssKiB = ProcessMemory.PeakKiB();
        return result;
    }

    private static long Session(Workload w, int count, string body, double seconds)
    {
        var clock = Stopwatch.StartNew();
        using var client = new SmtpClient(w.Host, w.Port);
        int sent = 0;
        while (sent < count && clock.Elapsed.TotalSeconds < seconds)
        {
            using var message = new MailMessage(w.From, w.To, Workload.Subject(sent), body);
            client.Send(message);
            sent++;
        }
        return sent;
    }

    private static long SendLarge(SmtpClient client, Workload w, long lines)
    {
        var body = new GeneratedBody(lines);
        using var message = new MailMessage(w.From, w.To) { Subject = "Large message" };
        var view = new AlternateView(body, new ContentType("text/plain; charset=us-ascii"))
        {
            TransferEncoding = TransferEncoding.SevenBit,
        };
        message.AlternateViews.Add(view);
        client.Send(message);
        return body.Length;
    }
}
