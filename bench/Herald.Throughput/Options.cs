using System.Globalization;

namespace Herald.Throughput;

/// <summary>The command line of the throughput benchmark.</summary>
internal sealed class Options
{
    /// <summary>Every client the benchmark knows, in table order.</summary>
    public static readonly string[] AllClients =
        ["herald-sync", "herald-async", "herald-pool", "smtp-source", "smtpclient", "python", "nodemailer"];

    /// <summary>Clients that can use several connections at once (the others run with one).</summary>
    public static readonly string[] MultiConnectionClients = ["herald-sync", "herald-async", "herald-pool", "smtp-source"];

    /// <summary>Clients the latency scenario measures.</summary>
    public static readonly string[] LatencyClients = ["herald-sync", "herald-async", "herald-pool", "smtp-source"];

    /// <summary>Every scenario, in run order.</summary>
    public static readonly string[] AllScenarios = ["small", "large", "latency"];

    /// <summary>The workload every worker receives (the client and scenario are filled in per run).</summary>
    public Workload Workload { get; } = new();

    /// <summary>Clients to run.</summary>
    public List<string> Clients { get; private set; } = [.. AllClients];

    /// <summary>Scenarios to run: small, large, latency.</summary>
    public List<string> Scenarios { get; private set; } = [.. AllScenarios];

    /// <summary>Small messages: the connection counts to run (each a row of the table).</summary>
    public List<int> Connections { get; private set; } = [1, 4];

    /// <summary>Latency: the added one-way delay in milliseconds.</summary>
    public double DelayMs { get; private set; } = 5;

    /// <summary>Latency: messages per run against smtp-sink.</summary>
    public int LatencyMessages { get; private set; } = 200;

    /// <summary>Latency: messages per run against Postfix, which really delivers each into its Maildir.</summary>
    public int LatencyPostfixMessages { get; private set; } = 100;

    /// <summary>Latency: Postfix's port (CHUNKING, so the pool sends BDAT).</summary>
    public int PostfixPort { get; private set; } = 25025;

    /// <summary>Runs per client and scenario; the table shows the median run (peak RSS: the highest).</summary>
    public int Runs { get; private set; } = 1;

    /// <summary>The Python interpreter for the smtplib worker.</summary>
    public string Python { get; private set; } = "/usr/bin/python3";

    /// <summary>The Node.js executable for the Nodemailer worker.</summary>
    public string Node { get; private set; } = "node";

    /// <summary>Folder holding smtplib_client.py, nodemailer_client.js and node_modules; found automatically when null.</summary>
    public string? ClientsDir { get; private set; }

    /// <summary>Also write the Markdown table to this file.</summary>
    public string? OutputFile { get; private set; }

    /// <summary>A worker that runs longer than this many seconds is stopped.</summary>
    public int WorkerTimeoutSeconds { get; private set; } = 300;

    /// <summary>Set when this process is a worker: the workload JSON it runs.</summary>
    public string? WorkerJson { get; private set; }

    /// <summary>True when --help was given.</summary>
    public bool Help { get; private set; }

    /// <summary>The usage text.</summary>
    public const string Usage = """
        Herald.Throughput: end-to-end SMTP throughput against a real server on loopback (default: Postfix smtp-sink,
        127.0.0.1:25100, started by scripts/peers/up.sh), and round trips per message through a delaying proxy (against
        smtp-sink and Postfix 25025). Each client runs in a child process of its own so that its peak resident memory
        can be read; the result is printed as Markdown tables. With --runs R the runs are interleaved: run 1 of every
        client, then run 2, and so on.

          --host H            server address (127.0.0.1)
          --port P            server port (25100)
          --clients LIST      comma-separated: herald-sync,herald-async,herald-pool,smtp-source,smtpclient,python,nodemailer (all)
          --scenarios LIST    small,large,latency (all)
          --connections LIST  small messages: connection counts, one table row each (1,4); smtpclient, python and
                              nodemailer run with 1 only
          --delay-ms D        latency: one-way delay the proxy adds (5)
          --latency-messages N          latency: messages per run against smtp-sink (200)
          --latency-postfix-messages N  latency: messages per run against Postfix, which delivers them (100)
          --postfix-port P    latency: Postfix with CHUNKING (25025)
          --messages N        most small messages in the timed run (1000000: the time budget decides)
          --seconds S         time budget of the timed small-message run; it stops after S seconds (3)
          --warmup S          seconds of untimed small messages first, on their own connection (3)
          --small-bytes B     body size of a small message (1024)
          --large-mb M        body size of the large message in MiB (200)
          --runs R            rounds of every client and scenario; the table shows the median (1)
          --python PATH       Python interpreter (/usr/bin/python3)
          --node PATH         Node.js executable (node)
          --clients-dir DIR   folder with the Python/Node.js workers (found beside the project)
          --out FILE          also write the table to FILE
          --worker-timeout S  stop a worker after S seconds (300)
        """;

    /// <summary>Parses the arguments.</summary>
    /// <exception cref="ArgumentException">An argument is unknown or its value is malformed.</exception>
    public static Options Parse(string[] args)
    {
        var o = new Options();
        var w = o.Workload;
        for (int i = 0; i < args.Length; i++)
        {
            string name = args[i];
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{name} needs a value.");
            int Int() => int.TryParse(Value(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v > 0
                ? v : throw new ArgumentException($"{name} needs a positive whole number.");
            double Double() => double.TryParse(Value(), NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && v > 0
                ? v : throw new ArgumentException($"{name} needs a positive number.");
            switch (name)
            {
                case "--host": w.Host = Value(); break;
                case "--port": w.Port = Int(); break;
                case "--clients": o.Clients = List(Value(), AllClients, name); break;
                case "--scenarios": o.Scenarios = List(Value(), AllScenarios, name); break;
                case "--connections":
                    o.Connections = [.. List(Value(), ["1", "2", "3", "4", "8", "16"], name).Select(c => int.Parse(c, CultureInfo.InvariantCulture))];
                    break;
                case "--delay-ms": o.DelayMs = Double(); break;
                case "--latency-messages": o.LatencyMessages = Int(); break;
                case "--latency-postfix-messages": o.LatencyPostfixMessages = Int(); break;
                case "--postfix-port": o.PostfixPort = Int(); break;
                case "--messages": w.Messages = Int(); break;
                case "--seconds": w.Seconds = Double(); break;
                case "--warmup": w.WarmupSeconds = Double(); break;
                case "--small-bytes": w.SmallBytes = Int(); break;
                case "--large-mb": w.LargeBytes = (long)(Double() * 1024 * 1024); break;
                case "--runs": o.Runs = Int(); break;
                case "--python": o.Python = Value(); break;
                case "--node": o.Node = Value(); break;
                case "--clients-dir": o.ClientsDir = Value(); break;
                case "--out": o.OutputFile = Value(); break;
                case "--worker-timeout": o.WorkerTimeoutSeconds = Int(); break;
                case "--worker": o.WorkerJson = Value(); break;
                case "-h" or "--help": o.Help = true; break;
                default: throw new ArgumentException($"Unknown argument \"{name}\"; see --help.");
            }
        }
        return o;
    }

    private static List<string> List(string value, string[] allowed, string name)
    {
        var items = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        foreach (var item in items)
        {
            if (!allowed.Contains(item))
            {
                throw new ArgumentException($"{name}: \"{item}\" is not one of {string.Join(", ", allowed)}.");
            }
        }
        return items.Count > 0 ? items : throw new ArgumentException($"{name} needs at least one value.");
    }
}
