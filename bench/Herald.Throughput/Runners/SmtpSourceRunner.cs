using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Herald.Throughput.Runners;

/// <summary>
/// Postfix's <c>smtp-source</c>, the C test client, as the reference: <c>-s C</c> sessions side by side, each sending
/// message after message over its own connection (<c>-d</c>), in lock-step (it does not pipeline), with a payload of
/// the small body's size (<c>-l</c>). It sends a fixed count, so a short pilot run first measures its rate and timed
/// runs sized by the latest rate follow until the time budget is spent (each a new session: connect, greeting and HELO
/// are timed, as for the other clients). Its CPU time and peak memory are the child's, from getrusage(RUSAGE_CHILDREN).
/// </summary>
internal static partial class SmtpSourceRunner
{
    /// <summary>Where Debian's postfix package installs it.</summary>
    public const string Binary = "/usr/sbin/smtp-source";

    /// <summary>Runs the small-message scenario.</summary>
    public static RunResult Run(Workload w)
    {
        if (w.Scenario != "small")
        {
            throw new ArgumentException("smtp-source is the small-message reference; it has no streamed large message.");
        }
        int length = w.SmallBody().Length;
        var result = new RunResult
        {
            Client = w.Client,
            Scenario = w.Scenario,
            Connections = w.Connections,
            Version = "Postfix " + PostfixVersion(),
        };
        long count = 0;
        double seconds = 0;
        double cpu = 0;
        if (w.Seconds < 1e5)
        {
            // A pilot (also the warm-up: the server's caches, the kernel's socket buffers) gives a rate; then runs sized
            // by the latest rate follow until the time budget is spent, so a rate that changes with the machine's load
            // still fills the budget.
            long pilot = 500L * w.Connections;
            var (pilotSeconds, _) = Send(w, pilot, length);
            double rate = pilot / pilotSeconds;
            while (seconds < w.Seconds * 0.95 && count < w.Messages)
            {
                long batch = Math.Min(w.Messages - count, Math.Max(200L * w.Connections, (long)(rate * (w.Seconds - seconds))));
                var (s, c) = Send(w, batch, length);
                count += batch;
                seconds += s;
                cpu += c;
                rate = batch / s;
            }
        }
        else
        {
            (seconds, cpu) = Send(w, w.Messages, length);
            count = w.Messages;
        }
        result.RssStartKiB = 0;
        result.Messages = count;
        result.Seconds = seconds;
        result.CpuSeconds = cpu;
        result.BodyBytes = count * length;
        result.PeakRssKiB = ChildUsage().MaxRssKiB;
        return result;
    }

    // One smtp-source run; returns its wall time and the CPU time it used.
    private static (double Seconds, double Cpu) Send(Workload w, long messages, int length)
    {
        var start = new ProcessStartInfo(Binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in new[]
                 {
                     "-d", "-s", w.Connections.ToString(CultureInfo.InvariantCulture),
                     "-m", messages.ToString(CultureInfo.InvariantCulture), "-l", length.ToString(CultureInfo.InvariantCulture),
                     "-f", w.From, "-t", w.To, "-M", "client.bench.example", "-S", "Benchmark message",
                     $"{w.Host}:{w.Port.ToString(CultureInfo.InvariantCulture)}",
                 })
        {
            start.ArgumentList.Add(arg);
        }
        double cpu = ChildUsage().CpuSeconds;
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{Binary} did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        string errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        double seconds = clock.Elapsed.TotalSeconds;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"smtp-source exited with {process.ExitCode}: {errors}{output.Result}");
        }
        return (seconds, ChildUsage().CpuSeconds - cpu);
    }

    private static string PostfixVersion()
    {
        try
        {
            var info = new ProcessStartInfo("/usr/sbin/postconf", "-d -h mail_version") { RedirectStandardOutput = true, UseShellExecute = false };
            using var p = Process.Start(info)!;
            string v = p.StandardOutput.ReadToEnd().Trim();
            p.WaitForExit();
            return v;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "";
        }
    }

    /// <summary>CPU seconds (user + system) of the children that have ended, and the largest one's peak RSS.</summary>
    private static (double CpuSeconds, long MaxRssKiB) ChildUsage()
    {
        if (GetRUsage(RusageChildren, out var usage) != 0)
        {
            throw new InvalidOperationException($"getrusage failed ({Marshal.GetLastPInvokeError()}).");
        }
        return (usage.UserSeconds + usage.UserMicroseconds / 1e6 + usage.SystemSeconds + usage.SystemMicroseconds / 1e6, usage.MaxRss);
    }

    private const int RusageChildren = -1;

    // struct rusage on 64-bit Linux: two timevals, then fourteen longs (ru_maxrss first, in KiB).
    [StructLayout(LayoutKind.Sequential)]
    private struct RUsage
    {
        public long UserSeconds;
        public long UserMicroseconds;
        public long SystemSeconds;
        public long SystemMicroseconds;
        public long MaxRss;
        public long Ixrss, Idrss, Isrss, Minflt, Majflt, Nswap, Inblock, Oublock, Msgsnd, Msgrcv, Nsignals, Nvcsw, Nivcsw;
    }

    [LibraryImport("libc", EntryPoint = "getrusage", SetLastError = true)]
    private static partial int GetRUsage(int who, out RUsage usage);
}
