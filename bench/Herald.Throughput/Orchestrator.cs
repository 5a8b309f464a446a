using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Herald.Throughput.Runners;

namespace Herald.Throughput;

/// <summary>
/// Runs every client and scenario in a child process of its own (a fresh runtime each time, and a peak working set
/// that belongs to that one run), collects the RESULT lines and prints the Markdown tables. With several runs the
/// rounds are interleaved (every client once, then every client again), so that a change in the machine's load
/// spreads over all clients instead of falling on one. Progress goes to stderr, the tables to stdout.
/// </summary>
internal sealed class Orchestrator(Options options)
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>One table cell: a client, a scenario and its variant ("×4" connections, or the latency server).</summary>
    private sealed record Key(string Client, string Scenario, string Variant)
    {
        public override string ToString() => $"{Scenario,-7} {Client,-12} {Variant,-8}";
    }

    private sealed record Cell(List<RunResult> Runs)
    {
        public string? Error { get; set; }

        // The median run (by throughput, or by turns for latency); its peak working set is the highest of all runs.
        public RunResult? Median()
        {
            if (Runs.Count == 0)
            {
                return null;
            }
            var sorted = Runs.OrderBy(r => r.Scenario == "latency" ? r.Turns : r.Seconds > 0 ? r.BodyBytes / r.Seconds : 0).ToList();
            var m = sorted[sorted.Count / 2];
            m.PeakRssKiB = Runs.Max(r => r.PeakRssKiB);
            return m;
        }
    }

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
        string? postfixProblem = options.Scenarios.Contains("latency")
            ? await GreetingAsync(w.Host, options.PostfixPort).ConfigureAwait(false)
            : null;
        string? clientsDir = options.ClientsDir ?? FindClientsDir();
        string loadBefore = LoadAverage();
        var cells = new Dictionary<Key, Cell>();
        var plan = Plan(clientsDir, postfixProblem, cells);
        bool failed = false;
        var total = Stopwatch.StartNew();
        for (int run = 1; run <= options.Runs; run++)
        {
            foreach (var (key, work) in plan)
            {
                var cell = cells[key];
                if (cell.Error is not null)
                {
                    continue;
                }
                var (result, message) = await work().ConfigureAwait(false);
                if (result is null)
                {
                    cell.Error = message;
                    failed = true;
                    Console.Error.WriteLine($"{key} run {run}: FAILED: {message}");
                    continue;
                }
                cell.Runs.Add(result);
                Console.Error.WriteLine($"{key} run {run}/{options.Runs}: {Describe(result)}");
            }
        }
        string tables = Tables(cells, total.Elapsed, loadBefore, LoadAverage());
        Console.WriteLine(tables);
        if (options.OutputFile is { } file)
        {
            await File.WriteAllTextAsync(file, tables).ConfigureAwait(false);
        }
        return failed ? 1 : 0;
    }

    // Every measurement of one round, in order; a cell that cannot run gets its reason and no work.
    private List<(Key Key, Func<Task<(RunResult? Result, string Error)>> Work)> Plan(string? clientsDir, string? postfixProblem,
        Dictionary<Key, Cell> cells)
    {
        var plan = new List<(Key, Func<Task<(RunResult?, string)>>)>();
        void Add(Key key, string? whyNot, Func<Task<(RunResult?, string)>> work)
        {
            cells[key] = new Cell([]) { Error = whyNot };
            if (whyNot is null)
            {
                plan.Add((key, work));
            }
            else
            {
                Console.Error.WriteLine($"{key} skipped: {whyNot}");
            }
        }
        var w = options.Workload;
        foreach (var scenario in options.Scenarios)
        {
            foreach (var client in options.Clients)
            {
                string? why = WhyNot(client, clientsDir);
                switch (scenario)
                {
                    case "small":
                        foreach (int connections in options.Connections)
                        {
                            if (connections > 1 && !Options.MultiConnectionClients.Contains(client))
                            {
                                continue; // one connection only: no row
                            }
                            var workload = Copy(w, client, "small", connections);
                            Add(new Key(client, "small", $"×{connections}"), why, () => RunWorkerAsync(workload, clientsDir));
                        }
                        break;
                    case "large":
                        if (client is "herald-pool" or "smtp-source")
                        {
                            continue; // the pool's large message is herald-async's; smtp-source has no streamed message
                        }
                        var large = Copy(w, client, "large", 1);
                        Add(new Key(client, "large", "×1"), why, () => RunWorkerAsync(large, clientsDir));
                        break;
                    case "latency":
                        if (!Options.LatencyClients.Contains(client))
                        {
                            continue;
                        }
                        Add(new Key(client, "latency", "sink"), why,
                            () => LatencyAsync(client, w.Port, options.LatencyMessages, clientsDir));
                        Add(new Key(client, "latency", "postfix"), why ?? (postfixProblem is null ? null : $"Postfix {postfixProblem}"),
                            () => LatencyAsync(client, options.PostfixPort, options.LatencyPostfixMessages, clientsDir));
                        break;
                }
            }
        }
        return plan;
    }

    /// <summary>
    /// Round trips per message: the client sends <paramref name="messages"/> messages over one connection through the
    /// delaying proxy, once with no delay and once with the delay; the extra time per message, divided by the extra
    /// time of one command's round trip (measured with NOOPs through the same proxy), is the number of times per
    /// message the client waited for the server. The client's own CPU time and the server's work cancel out.
    /// </summary>
    private async Task<(RunResult?, string)> LatencyAsync(string client, int port, int messages, string? clientsDir)
    {
        var w = options.Workload;
        using var proxy = new DelayProxy(w.Host, port);
        var workload = Copy(w, client, "small", 1);
        workload.Port = proxy.Port;
        workload.Messages = messages;
        workload.Seconds = 1e6;           // the count decides
        workload.TimeSessionSetup = false;
        workload.WarmupSeconds = 0;       // no warm-up messages: every message through the relay is a counted one
        var times = new RunResult?[2];
        var turns = new double[2];
        long counted = 0;
        for (int i = 0; i < 2; i++)
        {
            proxy.Delay = TimeSpan.FromMilliseconds(i == 0 ? 0 : options.DelayMs);
            turns[i] = proxy.MeasureTurn().TotalMilliseconds;
            long before = proxy.Turns;
            var (result, error) = await RunWorkerAsync(workload, clientsDir).ConfigureAwait(false);
            if (result is null)
            {
                return (null, error);
            }
            times[i] = result;
            counted = proxy.Turns - before;
        }
        double perMessage0 = times[0]!.Seconds * 1000 / times[0]!.Messages;
        double perMessage1 = times[1]!.Seconds * 1000 / times[1]!.Messages;
        var delayed = times[1]!;
        delayed.Scenario = "latency";
        delayed.Turns = (perMessage1 - perMessage0) / (turns[1] - turns[0]);
        delayed.CountedTurns = (double)counted / messages;
        delayed.MsPerMessage = (perMessage0, perMessage1);
        return (delayed, "");
    }

    private static Workload Copy(Workload w, string client, string scenario, int connections)
    {
        var copy = JsonSerializer.Deserialize<Workload>(JsonSerializer.Serialize(w))!;
        copy.Client = client;
        copy.Scenario = scenario;
        copy.Connections = connections;
        return copy;
    }

    private static string Describe(RunResult r) => r.Scenario switch
    {
        "small" => string.Create(Inv, $"{r.Messages} messages in {r.Seconds:F2} s = {r.MessagesPerSecond:F0} msg/s, ") +
                   string.Create(Inv, $"client CPU {r.CpuSeconds:F2} s, peak RSS {Mib(r.PeakRssKiB)} MiB"),
        "large" => string.Create(Inv, $"{r.BodyBytes / 1048576.0:F0} MiB in {r.Seconds:F2} s = {r.MiBPerSecond:F1} MiB/s, ") +
                   string.Create(Inv, $"client CPU {r.CpuSeconds:F2} s, RSS {Mib(r.RssStartKiB)} -> peak {Mib(r.PeakRssKiB)} MiB"),
        _ => string.Create(Inv, $"{r.CountedTurns:F2} turns per message counted, {r.Turns:F2} timed ({r.MsPerMessage.Direct:F2} ms ") +
             string.Create(Inv, $"per message without the delay, {r.MsPerMessage.Delayed:F2} ms with it)"),
    };

    private string Tables(Dictionary<Key, Cell> cells, TimeSpan elapsed, string loadBefore, string loadAfter)
    {
        var w = options.Workload;
        var sb = new StringBuilder();
        bool small = options.Scenarios.Contains("small");
        bool large = options.Scenarios.Contains("large");
        if (small || large)
        {
            sb.Append("| client | conns | version |");
            if (small)
            {
                sb.Append(" small: msg/s | small: client CPU per msg (µs) | small: peak RSS (MiB) |");
            }
            if (large)
            {
                sb.Append(" large: MiB/s | large: client CPU (s) | large: RSS before → peak (MiB) |");
            }
            sb.Append("\n|---|---:|---|").Append(small ? "---:|---:|---:|" : "").Append(large ? "---:|---:|---:|" : "").Append('\n');
            foreach (var client in options.Clients)
            {
                foreach (int connections in options.Connections)
                {
                    var smallCell = cells.GetValueOrDefault(new Key(client, "small", $"×{connections}"));
                    var largeCell = connections == 1 ? cells.GetValueOrDefault(new Key(client, "large", "×1")) : null;
                    if (smallCell is null && largeCell is null)
                    {
                        continue;
                    }
                    string version = new[] { smallCell, largeCell }.Select(c => c?.Median()?.Version)
                        .FirstOrDefault(v => !string.IsNullOrEmpty(v)) ?? "";
                    sb.Append(Inv, $"| {client} | {connections} | {version} |");
                    if (small)
                    {
                        var m = smallCell?.Median();
                        sb.Append(m is null ? $" {Short(smallCell)} | | |"
                            : $" {m.MessagesPerSecond.ToString("N0", Inv)} | {CpuPerMessage(m).ToString("N0", Inv)} | {Mib(m.PeakRssKiB)} |");
                    }
                    if (large)
                    {
                        var m = largeCell?.Median();
                        sb.Append(m is null ? $" {Short(largeCell)} | | |"
                            : $" {m.MiBPerSecond.ToString("F1", Inv)} | {m.CpuSeconds.ToString("F2", Inv)} |" +
                              $" {Mib(m.RssStartKiB)} → {Mib(m.PeakRssKiB)} |");
                    }
                    sb.Append('\n');
                }
            }
            int smallBody = w.SmallBody().Length;
            double largeMiB = w.LargeLines * (Workload.Line.Length + 2) / 1048576.0;
            string cap = w.Messages < 1_000_000 ? string.Create(Inv, $"up to {w.Messages} messages or ") : "";
            sb.Append('\n')
                .Append(Inv, $"Server {w.Host}:{w.Port}. ")
                .Append(small ? string.Create(Inv, $"Small: {smallBody}-byte bodies over `conns` connections at once (connect, " +
                    $"N × send, QUIT, all timed), {cap}{w.Seconds:0.#} s, after {w.WarmupSeconds:0.#} s of untimed warm-up messages. ") : "")
                .Append(large ? string.Create(Inv, $"Large: one message with a {largeMiB:0.#} MiB " +
                    $"generated body (every 50th line starts with a dot). ") : "")
                .Append("Client CPU is user + system time of the client's process during the timed part; peak RSS is the " +
                    "process's VmHWM.\n\n");
        }
        if (options.Scenarios.Contains("latency"))
        {
            sb.Append(Inv, $"| client | smtp-sink ({w.Port}): turns per message, counted | timed | ms per message +0 → +{options.DelayMs:0.#} ms |")
                .Append(Inv, $" Postfix ({options.PostfixPort}): turns per message, counted | timed | ms per message +0 → +{options.DelayMs:0.#} ms |\n")
                .Append("|---|---:|---:|---:|---:|---:|---:|\n");
            foreach (var client in options.Clients.Where(Options.LatencyClients.Contains))
            {
                sb.Append("| ").Append(client).Append(" |");
                foreach (var server in new[] { "sink", "postfix" })
                {
                    var cell = cells.GetValueOrDefault(new Key(client, "latency", server));
                    var m = cell?.Median();
                    sb.Append(m is null ? $" {Short(cell)} | | |"
                        : string.Create(Inv, $" {m.CountedTurns:F2} | {m.Turns:F2} | {m.MsPerMessage.Direct:F2} → {m.MsPerMessage.Delayed:F2} |"));
                }
                sb.Append('\n');
            }
            sb.Append('\n').Append(Inv, $"Latency: {options.LatencyMessages} messages (Postfix: {options.LatencyPostfixMessages}) over " +
                $"one connection through a relay that adds {options.DelayMs:0.#} ms each way, run once without and once with the " +
                $"delay. Counted: the times the client sent after the server had spoken, ÷ N (the session's greeting, EHLO and QUIT " +
                $"included: about 3 ÷ N). Timed: the extra time per message ÷ the extra time of one NOOP round trip (connecting and " +
                $"QUIT not timed, except for smtp-source).\n\n");
        }
        AppendTargets(sb, cells);
        sb.Append(Inv, $"Median of {options.Runs} interleaved run(s). {DateTime.Now:yyyy-MM-dd}, {Environment.ProcessorCount} cores, ")
            .Append(Inv, $"{RuntimeInformation.OSDescription}, .NET {Environment.Version}; load average {loadBefore} before, ")
            .Append(Inv, $"{loadAfter} after; total {elapsed.TotalSeconds:F0} s.\n");
        return sb.ToString();
    }

    // The issue's targets, where this run measured what they compare.
    private void AppendTargets(StringBuilder sb, Dictionary<Key, Cell> cells)
    {
        var lines = new List<string>();
        RunResult? Get(string client, string scenario, string variant) => cells.GetValueOrDefault(new Key(client, scenario, variant))?.Median();
        void Ratio(string what, RunResult? a, RunResult? b, Func<RunResult, double> value, double target, bool atLeast)
        {
            if (a is null || b is null || value(b) == 0)
            {
                return;
            }
            double ratio = value(a) / value(b);
            bool met = atLeast ? ratio >= target : ratio <= target;
            lines.Add(string.Create(Inv, $"- {what}: {ratio:F2}× (target {(atLeast ? "≥" : "≤")} {target:0.0#}×): {(met ? "met" : "MISSED")}"));
        }
        Ratio("herald-pool ×1 msg/s ÷ smtp-source ×1", Get("herald-pool", "small", "×1"), Get("smtp-source", "small", "×1"),
            r => r.MessagesPerSecond, 1.5, atLeast: true);
        Ratio("herald-pool ×4 msg/s ÷ smtp-source ×4", Get("herald-pool", "small", "×4"), Get("smtp-source", "small", "×4"),
            r => r.MessagesPerSecond, 1.0, atLeast: true);
        Ratio("herald-async CPU per message ÷ herald-sync (×1)", Get("herald-async", "small", "×1"), Get("herald-sync", "small", "×1"),
            CpuPerMessage, 1.3, atLeast: false);
        foreach (var server in new[] { "sink", "postfix" })
        {
            if (Get("herald-pool", "latency", server) is { } m)
            {
                lines.Add(string.Create(Inv, $"- herald-pool turns per message, {(server == "sink" ? "smtp-sink" : "Postfix")}: " +
                    $"{m.CountedTurns:F2} counted, {m.Turns:F2} timed (target ≤ 1.05): " +
                    $"{(m.CountedTurns <= 1.05 && m.Turns <= 1.05 ? "met" : "MISSED")}"));
            }
        }
        if (lines.Count > 0)
        {
            sb.Append("Targets:\n\n").AppendJoin('\n', lines).Append("\n\n");
        }
    }

    private static double CpuPerMessage(RunResult m) => m.CpuSeconds * 1e6 / Math.Max(1, m.Messages);

    private static string Short(Cell? cell) => cell?.Error is { } error ? "n/a (" + error.Split('\n')[0].Trim() + ")" : "—";

    private static string Mib(long kib) => (kib / 1024.0).ToString("F0", Inv);

    private static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "?";
        }
    }

    private string? WhyNot(string client, string? clientsDir) => client switch
    {
        "python" when !File.Exists(options.Python) => $"no Python at {options.Python} (--python)",
        "python" or "nodemailer" when clientsDir is null => "the clients/ folder with the worker scripts was not found (--clients-dir)",
        "nodemailer" when !Directory.Exists(Path.Combine(clientsDir!, "node_modules", "nodemailer")) =>
            $"nodemailer is not installed: run `npm ci --prefix {clientsDir}`",
        "smtp-source" when !File.Exists(SmtpSourceRunner.Binary) =>
            $"{SmtpSourceRunner.Binary} is missing (Debian's postfix package; scripts/peers/install.sh installs it)",
        _ => null,
    };

    private async Task<(RunResult? Result, string Error)> RunWorkerAsync(Workload w, string? clientsDir)
    {
        string json = JsonSerializer.Serialize(w);
        var psi = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        switch (w.Client)
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
        var result = JsonSerializer.Deserialize<RunResult>(line["RESULT ".Length..])!;
        result.Connections = w.Connections;
        return (result, "");
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
