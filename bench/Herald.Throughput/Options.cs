using System.Globalization;

namespace Herald.Throughput;

/// <summary>The command line of the throughput benchmark.</summary>
internal sealed class Options
{
    /// <summary>Every client the benchmark knows, in table order.</summary>
    public static readonly string[] AllClients = ["herald-sync", "herald-async", "smtpclient", "python", "nodemailer"];

    /// <summary>The workload every worker receives (the client and scenario are filled in per run).</summary>
    public Workload Workload { get; } = new();

    /// <summary>Clients to run.</summary>
    public List<string> Clients { get; private set; } = [.. AllClients];

    /// <summary>Scenarios to run: small, large.</summary>
    public List<string> Scenarios { get; private set; } = ["small", "large"];

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
        127.0.0.1:25100, started by scripts/peers/up.sh). Each client runs in a child process of its own so that its
        peak resident memory can be read; the result is printed as a Markdown table.

          --host H            server address (127.0.0.1)
          --port P            server port (25100)
          --clients LIST      comma-separated: herald-sync,herald-async,smtpclient,python,nodemailer (all)
          --scenarios LIST    small,large (both)
          --messages N        most small messages in the timed run (1000000: the time budget decides)
          --seconds S         time budget of the timed small-message run; it stops after S seconds (3)
          --warmup S          seconds of untimed small messages first, on their own connection (1)
          --small-bytes B     body size of a small message (1024)
          --large-mb M        body size of the large message in MiB (200)
          --runs R            runs per client and scenario; the table shows the median (1)
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
                case "--scenarios": o.Scenarios = List(Value(), ["small", "large"], name); break;
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
