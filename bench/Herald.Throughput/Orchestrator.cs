using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Herald.Throughput;

/// <summary>
/// Runs every client and scenario in a child process of its own (a fresh runtime each time, and a peak working set
/// that belongs to that one run), collects the RESULT lines and prints the Markdown table. Progress goes to stderr,
/// the table to stdout.
/// </summary>
internal sealed class Orchestrator(Options options)
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Runs the whole benchmark.</summary>
    /// <returns>The process exit code.</returns>
    public async Task<int> RunAsync()
    {
        var w = options.Workload;
        if (await GreetingAsync(w.Host, w.Port).ConfigureAwait(false) is { } problem)
        {
            Console.Error.WriteLine($"No SMTP server answers on {w.Host}:{w.Port} ({problem}). Start the loopback peers " +
                "with `bash scripts/peers/up.sh` (smtp-sink listens on 25100), or pass --host/--port.");
            return 2;
        }
        string? clientsDir = options.ClientsDir ?? FindClientsDir();
        var cells = new Dictionary<(string Client, string Scenario), Cell>();
        bool failed = false;
        var total = Stopwatch.StartNew();
        foreach (var scenario in options.Scenarios)
        {
            foreach (var client in options.Clients)
            {
                if (WhyNot(client, clientsDir) is { } reason)
                {
                    Console.Error.WriteLine($"{scenario,-6} {client,-13} skipped: {reason}");
                    cells[(client, scenario)] = new Cell([], reason);
                    continue;
                }
                var runs = new List<RunResult>();
                string? error = null;
                for (int run = 1; run <= options.Runs && error is null; run++)
                {
                    var (result, message) = await RunWorkerAsync(client, scenario, clientsDir).ConfigureAwait(false);
                    if (result is null)
                    {
                        error = message;
                        failed = true;
                        Console.Error.WriteLine($"{scenario,-6} {client,-13} run {run}: FAILED: {message}");
                        break;
                    }
                    runs.Add(result);
                    Console.Error.WriteLine($"{scenario,-6} {client,-13} run {run}/{options.Runs}: " +
                        (scenario == "small" ? $"{result.Messages} messages in {result.Seconds:F2} s = {result.MessagesPerSecond:F0} msg/s"
                            : $"{result.BodyBytes / 1048576.0:F0} MiB in {result.Seconds:F2} s = {result.MiBPerSecond:F1} MiB/s") +
                        $", client CPU {result.CpuSeconds:F2} s, RSS {Mib(result.RssStartKiB)} -> peak {Mib(result.PeakRssKiB)} MiB");
                }
                cells[(client, scenario)] = new Cell(runs, error);
            }
        }
        string table = Table(cells, total.Elapsed);
        Console.WriteLine(table);
        if (options.OutputFile is { } file)
        {
            await File.WriteAllTextAsync(file, table).ConfigureAwait(false);
        }
        return failed ? 1 : 0;
    }

    private sealed record Cell(List<RunResult> Runs, string? Error)
    {
        // The median run by throughput; its peak working set is replaced by the highest of all runs.
        public RunResult? Median()
        {
            if (Runs.Count == 0)
            {
                return null;
            }
            var sorted = Runs.OrderBy(r => r.Seconds > 0 ? r.BodyBytes / r.Seconds : 0).ToList();
            var m = sorted[sorted.Count / 2];
            m.PeakRssKiB = Runs.Max(r => r.PeakRssKiB);
            return m;
        }
    }

    private string Table(Dictionary<(string Client, string Scenario), Cell> cells, TimeSpan elapsed)
    {
        var w = options.Workload;
        bool small = options.Scenarios.Contains("small");
        bool large = options.Scenarios.Contains("large");
        var sb = new StringBuilder();
        sb.Append("| client | version |");
        if (small)
        {
            sb.Append(" small: msg/s | small: client CPU per msg (µs) | small: peak RSS (MiB) |");
        }
        if (large)
        {
            sb.Append(" large: MiB/s | large: client CPU (s) | large: RSS before → peak (MiB) |");
        }
        sb.Append('\n').Append("|---|---|");
        if (small)
        {
            sb.Append("---:|---:|---:|");
        }
        if (large)
        {
            sb.Append("---:|---:|---:|");
        }
        sb.Append('\n');
        foreach (var client in options.Clients)
        {
            string version = options.Scenarios.Select(s => cells.GetValueOrDefault((client, s))?.Median()?.Version)
                .FirstOrDefault(v => !string.IsNullOrEmpty(v)) ?? "";
            sb.Append("| ").Append(client).Append(" | ").Append(version).Append(" |");
            if (small)
            {
                var c = cells.GetValueOrDefault((client, "small"));
                var m = c?.Median();
                double cpuPerMessage = m is null ? 0 : m.CpuSeconds * 1e6 / Math.Max(1, m.Messages);
                sb.Append(m is null ? $" {Short(c?.Error)} | | |"
                    : $" {m.MessagesPerSecond.ToString("N0", Inv)} | {cpuPerMessage.ToString("N0", Inv)} | {Mib(m.PeakRssKiB)} |");
            }
            if (large)
            {
                var c = cells.GetValueOrDefault((client, "large"));
                var m = c?.Median();
                sb.Append(m is null ? $" {Short(c?.Error)} | | |"
                    : $" {m.MiBPerSecond.ToString("F1", Inv)} | {m.CpuSeconds.ToString("F2", Inv)} |" +
                      $" {Mib(m.RssStartKiB)} → {Mib(m.PeakRssKiB)} |");
            }
            sb.Append('\n');
        }
        int smallBody = w.SmallBody().Length;
        double largeMiB = w.LargeLines * (Workload.Line.Length + 2) / 1048576.0;
        string cap = w.Messages < 1_000_000 ? string.Create(Inv, $"up to {w.Messages} messages or ") : "";
        sb.Append('\n')
            .Append(CultureInfo.InvariantCulture, $"Server {w.Host}:{w.Port}. ")
            .Append(small ? string.Create(Inv, $"Small: {smallBody}-byte bodies, one connection (connect, N × send, QUIT, all timed), " +
                $"{cap}{w.Seconds:0.#} s, after {w.WarmupSeconds:0.#} s of untimed warm-up messages. ") : "")
            .Append(large ? string.Create(Inv, $"Large: one message with a {largeMiB:0.#} MiB " +
                $"generated body (every 50th line starts with a dot). ") : "")
            .Append(CultureInfo.InvariantCulture, $"Median of {options.Runs} run(s); client CPU is user + system time of the " +
                $"client's process during the timed part; peak RSS is the process's VmHWM. ")
            .Append(CultureInfo.InvariantCulture, $"{DateTime.Now:yyyy-MM-dd}, {Environment.ProcessorCount} cores, ")
            .Append(CultureInfo.InvariantCulture, $"{RuntimeInformation.OSDescription}, .NET {Environment.Version}; ")
            .Append(CultureInfo.InvariantCulture, $"total {elapsed.TotalSeconds:F0} s.\n");
        return sb.ToString();
    }

    private static string Short(string? error) => error is null ? "—" : "n/a (" + error.Split('\n')[0].Trim() + ")";

    private static string Mib(long kib) => (kib / 1024.0).ToString("F0", Inv);

    private string? WhyNot(string client, string? clientsDir) => client switch
    {
        "python" when !File.Exists(options.Python) => $"no Python at {options.Python} (--python)",
        "python" or "nodemailer" when clientsDir is null => "the clients/ folder with the worker scripts was not found (--clients-dir)",
        "nodemailer" when !Directory.Exists(Path.Combine(clientsDir!, "node_modules", "nodemailer")) =>
            $"nodemailer is not installed: run `npm ci --prefix {clientsDir}`",
        _ => null,
    };

    private async Task<(RunResult? Result, string Error)> RunWorkerAsync(string client, string scenario, string? clientsDir)
    {
        var w = options.Workload;
        w.Client = client;
        w.Scenario = scenario;
        string json = JsonSerializer.Serialize(w);
        var psi = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        switch (client)
        {
            case "python":
                psi.FileName = options.Python;
                psi.ArgumentList.Add(Path.Combine(clientsDir!, "smtplib_client.py"));
                break;
            case "nodemailer":
                psi.FileName = options.Node;
                psi.WorkingDirectory = clientsDir!;
                psi.ArgumentList.Add(Path.Combine(clientsDir!, "nodemailer_client.js"));
                break;
            default:
                // This same program, as a worker: through the apphost, or through dotnet when started as a dll.
                psi.FileName = Environment.ProcessPath!;
                if (Path.GetFileNameWithoutExtension(psi.FileName) == "dotnet")
                {
                    psi.ArgumentList.Add(typeof(Program).Assembly.Location);
                }
                psi.ArgumentList.Add("--worker");
                break;
        }
        psi.ArgumentList.Add(json);
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"Could not start {psi.FileName}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(options.WorkerTimeoutSeconds));
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            return (null, $"no result within {options.WorkerTimeoutSeconds} s (--worker-timeout)");
        }
        string output = await stdout.ConfigureAwait(false);
        string errors = await stderr.ConfigureAwait(false);
        var line = output.Split('\n').FirstOrDefault(l => l.StartsWith("RESULT ", StringComparison.Ordinal));
        if (process.ExitCode != 0 || line is null)
        {
            string detail = (errors + output).Trim();
            return (null, $"exit code {process.ExitCode}: {(detail.Length > 600 ? detail[..600] + "..." : detail)}");
        }
        return (JsonSerializer.Deserialize<RunResult>(line["RESULT ".Length..]), "");
    }

    // Reads the server's greeting; returns null when it is a 220, otherwise what went wrong.
    private static async Task<string?> GreetingAsync(string host, int port)
    {
        try
        {
            using var tcp = new TcpClient();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await tcp.ConnectAsync(host, port, cts.Token).ConfigureAwait(false);
            var buffer = new byte[512];
            int n = await tcp.GetStream().ReadAsync(buffer, cts.Token).ConfigureAwait(false);
            string greeting = Encoding.ASCII.GetString(buffer, 0, n);
            await tcp.GetStream().WriteAsync("QUIT\r\n"u8.ToArray(), cts.Token).ConfigureAwait(false);
            return greeting.StartsWith("220", StringComparison.Ordinal) ? null : $"it greeted with \"{greeting.Trim()}\"";
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or IOException)
        {
            return e.Message;
        }
    }

    // The worker scripts live in the project's clients/ folder; walk up from the binary to find it.
    private static string? FindClientsDir()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "clients");
            if (File.Exists(Path.Combine(candidate, "smtplib_client.py")))
            {
                return candidate;
            }
        }
        return null;
    }
}
