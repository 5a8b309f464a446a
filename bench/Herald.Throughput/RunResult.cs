using System.Text.Json.Serialization;

namespace Herald.Throughput;

/// <summary>
/// What one worker measured; every worker (.NET, Python, Node.js) prints it as one JSON line after "RESULT ".
/// </summary>
internal sealed class RunResult
{
    /// <summary>The client that ran.</summary>
    [JsonPropertyName("client")]
    public string Client { get; set; } = "";

    /// <summary>"small" or "large".</summary>
    [JsonPropertyName("scenario")]
    public string Scenario { get; set; } = "";

    /// <summary>Messages sent in the timed part.</summary>
    [JsonPropertyName("messages")]
    public long Messages { get; set; }

    /// <summary>Body bytes sent in the timed part.</summary>
    [JsonPropertyName("bodyBytes")]
    public long BodyBytes { get; set; }

    /// <summary>Length of the timed part in seconds.</summary>
    [JsonPropertyName("seconds")]
    public double Seconds { get; set; }

    /// <summary>CPU time (user + system) the client process used during the timed part, in seconds.</summary>
    [JsonPropertyName("cpuSeconds")]
    public double CpuSeconds { get; set; }

    /// <summary>Resident set size just before the timed part, in KiB.</summary>
    [JsonPropertyName("rssStartKiB")]
    public long RssStartKiB { get; set; }

    /// <summary>The process's peak resident set size (Linux VmHWM) at the end, in KiB.</summary>
    [JsonPropertyName("peakRssKiB")]
    public long PeakRssKiB { get; set; }

    /// <summary>The client library's version.</summary>
    [JsonPropertyName("version")]
    public string Version { get; set; } = "";

    /// <summary>Connections the client used (small messages).</summary>
    [JsonPropertyName("connections")]
    public int Connections { get; set; } = 1;

    /// <summary>Latency scenario: round trips per message, worked out by the orchestrator (not sent by workers).</summary>
    [JsonIgnore]
    public double Turns { get; set; }

    /// <summary>Latency scenario: turns per message as the relay counted them.</summary>
    [JsonIgnore]
    public double CountedTurns { get; set; }

    /// <summary>Latency scenario: milliseconds per message without the added delay and with it.</summary>
    [JsonIgnore]
    public (double Direct, double Delayed) MsPerMessage { get; set; }

    /// <summary>Messages per second.</summary>
    [JsonIgnore]
    public double MessagesPerSecond => Seconds > 0 ? Messages / Seconds : 0;

    /// <summary>Body throughput in MiB per second.</summary>
    [JsonIgnore]
    public double MiBPerSecond => Seconds > 0 ? BodyBytes / Seconds / (1024 * 1024) : 0;
}
