using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Herald.Cli.Load;

/// <summary>The result of a load run, written as text for people or as JSON for scripts.</summary>
internal sealed class LoadReport
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>The server, as shown to the user.</summary>
    public required string Server { get; init; }

    /// <summary>What was asked for.</summary>
    public required LoadPlan Plan { get; init; }

    /// <summary>From the first send to the last result.</summary>
    public required TimeSpan Elapsed { get; init; }

    /// <summary>Messages per <see cref="LoadStatus"/>, indexed by its value.</summary>
    public required int[] Statuses { get; init; }

    /// <summary>Bytes (headers and body) of the messages the server accepted.</summary>
    public required long DeliveredBytes { get; init; }

    /// <summary>Each message's time from the call to its result, in milliseconds, sorted.</summary>
    public required double[] LatenciesMs { get; init; }

    /// <summary>The messages not delivered to every recipient, grouped, the largest group first.</summary>
    public required IReadOnlyList<LoadErrorGroup> Errors { get; init; }

    /// <summary>True when the run was stopped (Ctrl+C) before every message was handed out.</summary>
    public bool Interrupted { get; init; }

    /// <summary>Messages in one outcome.</summary>
    public int this[LoadStatus status] => Statuses[(int)status];

    /// <summary>Messages accepted for at least one recipient.</summary>
    public int Accepted => this[LoadStatus.Delivered] + this[LoadStatus.PartiallyDelivered];

    /// <summary>Accepted messages per second.</summary>
    public double MessagesPerSecond => Elapsed > TimeSpan.Zero ? Accepted / Elapsed.TotalSeconds : 0;

    /// <summary>Accepted MiB per second.</summary>
    public double MiBPerSecond => Elapsed > TimeSpan.Zero ? DeliveredBytes / 1048576.0 / Elapsed.TotalSeconds : 0;

    /// <summary>The latency below which <paramref name="percent"/> % of the messages settled (nearest rank), or 0.</summary>
    public double Percentile(double percent)
    {
        if (LatenciesMs.Length == 0)
        {
            return 0;
        }
        int rank = (int)Math.Ceiling(percent / 100 * LatenciesMs.Length);
        return LatenciesMs[Math.Clamp(rank - 1, 0, LatenciesMs.Length - 1)];
    }

    /// <summary>
    /// The exit code: 0 when every message reached every recipient; 69 when the server refused some for good (5xx);
    /// 75 when the others failed only for now (4xx, a connection that failed, a reply that never came, Ctrl+C).
    /// </summary>
    public int ExitCode =>
        this[LoadStatus.Delivered] == Plan.Count ? ExitCodes.Ok
        : this[LoadStatus.Refused] + this[LoadStatus.PartiallyDelivered] > 0 ? ExitCodes.Unavailable
        : ExitCodes.TempFail;

    /// <summary>The summary for people.</summary>
    public string ToText()
    {
        var o = new StringBuilder();
        string recipients = Plan.Recipients.Count == 1 ? "1 recipient" : $"{Plan.Recipients.Count} recipients";
        o.Append(Inv, $"{(Interrupted ? "Interrupted: " : "")}{Settled:N0} of {Plan.Count:N0} messages to {Server} over ")
            .Append(Plan.Connections == 1 ? "1 connection" : $"{Plan.Connections} connections")
            .Append(Inv, $" in {Elapsed.TotalSeconds:F2} s ({Plan.BodyBytes:N0}-byte bodies, {recipients} each)\n");
        Line(o, "delivered", this[LoadStatus.Delivered], always: true);
        Line(o, "partly delivered", this[LoadStatus.PartiallyDelivered]);
        Line(o, "refused", this[LoadStatus.Refused]);
        Line(o, "failed", this[LoadStatus.Failed]);
        Line(o, "may have been delivered", this[LoadStatus.MayHaveBeenDelivered]);
        Line(o, "not sent", this[LoadStatus.NotSent]);
        o.Append(Inv, $"  {"throughput",-24}{MessagesPerSecond:N0} msg/s, {MiBPerSecond:F2} MiB/s\n");
        o.Append(Inv, $"  {"latency",-24}p50 {Percentile(50):F2} ms, p95 {Percentile(95):F2} ms, p99 {Percentile(99):F2} ms, ")
            .Append(Inv, $"max {(LatenciesMs.Length > 0 ? LatenciesMs[^1] : 0):F2} ms\n");
        if (Errors.Count == 0)
        {
            o.Append(Inv, $"  {"errors",-24}none\n");
            return o.ToString();
        }
        o.Append("  errors\n");
        foreach (var group in Errors)
        {
            string code = group.Key.ReplyCode > 0
                ? $"{group.Key.ReplyCode} {group.Key.EnhancedStatusCode}".TrimEnd()
                : "no reply";
            o.Append(Inv, $"    {code,-12}{group.Count,8:N0}  {Describe(group.Key.Status)}: {group.Example}\n");
        }
        return o.ToString();
    }

    /// <summary>The summary for scripts: one JSON object (the shape is documented in the README and kept stable).</summary>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("server", Server);
            w.WriteNumber("count", Plan.Count);
            w.WriteNumber("connections", Plan.Connections);
            w.WriteNumber("bodyBytes", Plan.BodyBytes);
            w.WriteNumber("recipients", Plan.Recipients.Count);
            w.WriteNumber("rate", Plan.Rate);
            w.WriteBoolean("interrupted", Interrupted);
            w.WriteNumber("delivered", this[LoadStatus.Delivered]);
            w.WriteNumber("partiallyDelivered", this[LoadStatus.PartiallyDelivered]);
            w.WriteNumber("refused", this[LoadStatus.Refused]);
            w.WriteNumber("failed", this[LoadStatus.Failed]);
            w.WriteNumber("mayHaveBeenDelivered", this[LoadStatus.MayHaveBeenDelivered]);
            w.WriteNumber("notSent", this[LoadStatus.NotSent]);
            w.WriteNumber("seconds", Math.Round(Elapsed.TotalSeconds, 3));
            w.WriteNumber("messagesPerSecond", Math.Round(MessagesPerSecond, 1));
            w.WriteNumber("bytes", DeliveredBytes);
            w.WriteNumber("mibPerSecond", Math.Round(MiBPerSecond, 3));
            w.WriteStartObject("latencyMs");
            w.WriteNumber("p50", Math.Round(Percentile(50), 3));
            w.WriteNumber("p95", Math.Round(Percentile(95), 3));
            w.WriteNumber("p99", Math.Round(Percentile(99), 3));
            w.WriteNumber("max", Math.Round(LatenciesMs.Length > 0 ? LatenciesMs[^1] : 0, 3));
            w.WriteEndObject();
            w.WriteStartArray("errors");
            foreach (var group in Errors)
            {
                w.WriteStartObject();
                w.WriteNumber("replyCode", group.Key.ReplyCode);
                w.WriteString("enhancedStatusCode", group.Key.EnhancedStatusCode);
                w.WriteString("status", JsonNamingPolicy.CamelCase.ConvertName(group.Key.Status.ToString()));
                w.WriteNumber("count", group.Count);
                w.WriteString("example", group.Example);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private int Settled => Plan.Count - this[LoadStatus.NotSent];

    private static void Line(StringBuilder o, string label, int count, bool always = false)
    {
        if (always || count > 0)
        {
            o.Append(Inv, $"  {label,-24}{count:N0}\n");
        }
    }

    private static string Describe(LoadStatus status) => status switch
    {
        LoadStatus.PartiallyDelivered => "partly delivered",
        LoadStatus.Refused => "refused",
        LoadStatus.Failed => "failed",
        LoadStatus.MayHaveBeenDelivered => "may have been delivered",
        LoadStatus.NotSent => "not sent",
        _ => "delivered",
    };
}
