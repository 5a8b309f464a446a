using System.Text;
using System.Text.Json.Serialization;

namespace Herald.Throughput;

/// <summary>
/// What every client sends, passed to each worker as one JSON argument so the .NET, Python and Node.js workers
/// build exactly the same messages. The message text is defined by <see cref="Line"/>; the scripts in
/// <c>clients/</c> repeat that definition.
/// </summary>
internal sealed class Workload
{
    /// <summary>The 76-character text line every body is made of (plus CRLF).</summary>
    public static readonly string Line = string.Concat(Enumerable.Repeat("The quick brown fox jumps over the lazy dog. ", 2))[..76];

    /// <summary>Which client runs (see <see cref="Options.AllClients"/>).</summary>
    [JsonPropertyName("client")]
    public string Client { get; set; } = "";

    /// <summary>"small" (many messages), "large" (one big message) or "latency" (small messages through the delaying
    /// proxy; the worker runs them as "small").</summary>
    [JsonPropertyName("scenario")]
    public string Scenario { get; set; } = "";

    /// <summary>The server's address.</summary>
    [JsonPropertyName("host")]
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>The server's port.</summary>
    [JsonPropertyName("port")]
    public int Port { get; set; } = 25100;

    /// <summary>Most small messages to send in the timed run.</summary>
    [JsonPropertyName("messages")]
    public int Messages { get; set; } = 1_000_000;

    /// <summary>Time budget of the timed small-message run in seconds: it stops after this even below Messages.</summary>
    [JsonPropertyName("seconds")]
    public double Seconds { get; set; } = 3;

    /// <summary>
    /// Seconds of untimed small messages, on a connection of their own, before the timed run, so that every runtime has
    /// compiled its hot code. .NET's tiered JIT needs more than a second on two busy cores: with one second, a profile
    /// of the pool's timed run still spent about a sixth of its samples in the JIT.
    /// </summary>
    [JsonPropertyName("warmupSeconds")]
    public double WarmupSeconds { get; set; } = 3;

    /// <summary>
    /// Small messages: connections used at once. The Smtp clients run that many sessions side by side, the pool gets
    /// it as MaxConnections, smtp-source as -s. The other clients use one.
    /// </summary>
    [JsonPropertyName("connections")]
    public int Connections { get; set; } = 1;

    /// <summary>
    /// Small messages: whether connecting and QUIT are in the timed part (true for throughput). The latency scenario
    /// leaves them out where the client allows it, so that only the messages' own round trips are counted.
    /// </summary>
    [JsonPropertyName("timeSessionSetup")]
    public bool TimeSessionSetup { get; set; } = true;

    /// <summary>Body size of a small message in bytes (rounded up to whole lines).</summary>
    [JsonPropertyName("smallBytes")]
    public int SmallBytes { get; set; } = 1024;

    /// <summary>Body size of the large message in bytes (rounded down to whole lines).</summary>
    [JsonPropertyName("largeBytes")]
    public long LargeBytes { get; set; } = 200L * 1024 * 1024;

    /// <summary>The envelope sender and From address.</summary>
    [JsonPropertyName("from")]
    public string From { get; set; } = "bench@example.com";

    /// <summary>The envelope recipient and To address.</summary>
    [JsonPropertyName("to")]
    public string To { get; set; } = "sink@example.com";

    /// <summary>The body of a small message: whole lines, at least SmallBytes long.</summary>
    public string SmallBody()
    {
        int lines = (SmallBytes + Line.Length + 1) / (Line.Length + 2);
        var sb = new StringBuilder(lines * (Line.Length + 2));
        for (int i = 0; i < lines; i++)
        {
            sb.Append(Line).Append("\r\n");
        }
        return sb.ToString();
    }

    /// <summary>Number of lines in the large body.</summary>
    public long LargeLines => LargeBytes / (Line.Length + 2);

    /// <summary>The subject of small message <paramref name="index"/>.</summary>
    public static string Subject(int index) => "Benchmark message " + index.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
