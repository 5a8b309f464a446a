using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Reflection;

namespace Herald.Diagnostics;

/// <summary>
/// The meter, its instruments and the activity source, created once for the process. An instrument nobody listens
/// to reports <see cref="Instrument.Enabled"/> false and the source hands out no activity, so callers check those
/// first and build no tags otherwise.
/// </summary>
internal static class Telemetry
{
    // Bucket bounds in seconds for both durations: a loopback relay answers in a millisecond, a submission server
    // across the internet in tenths of a second, a slow content filter after the data in many seconds.
    private static readonly double[] s_durationBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

    private static readonly string? s_version =
        typeof(Telemetry).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;

    /// <summary>The activity source.</summary>
    public static readonly ActivitySource Source = new(HeraldTelemetry.ActivitySourceName, s_version);

    /// <summary>The meter.</summary>
    public static readonly Meter Meter = new(HeraldTelemetry.MeterName, s_version);

    /// <summary>Messages the server accepted.</summary>
    public static readonly Counter<long> MessagesSent = Meter.CreateCounter<long>("herald.smtp.messages.sent", "{message}",
        "Messages the SMTP server accepted (a 2xx reply to the end of their data).");

    /// <summary>RCPT TO commands accepted.</summary>
    public static readonly Counter<long> RecipientsAccepted = Meter.CreateCounter<long>("herald.smtp.recipients.accepted",
        "{recipient}", "Recipients the SMTP server accepted (RCPT TO answered 2xx).");

    /// <summary>RCPT TO commands refused.</summary>
    public static readonly Counter<long> RecipientsRejected = Meter.CreateCounter<long>("herald.smtp.recipients.rejected",
        "{recipient}", "Recipients the SMTP server refused (RCPT TO answered 4xx or 5xx).");

    /// <summary>Bytes written to the server.</summary>
    public static readonly Counter<long> BytesSent = Meter.CreateCounter<long>("herald.smtp.bytes.sent", "By",
        "Bytes written to SMTP servers: commands and dot-stuffed message data, before TLS.");

    /// <summary>Failed connections and transactions.</summary>
    public static readonly Counter<long> Failures = Meter.CreateCounter<long>("herald.smtp.failures", "{failure}",
        "SMTP sessions that could not be opened and mail transactions that failed, by operation, error type and reply class.");

    /// <summary>Duration of a mail transaction.</summary>
    public static readonly Histogram<double> SendDuration = Meter.CreateHistogram<double>("herald.smtp.send.duration", "s",
        "Duration of a mail transaction, from its first command to the server's final reply.", tags: null,
        new InstrumentAdvice<double> { HistogramBucketBoundaries = s_durationBuckets });

    /// <summary>Duration of opening a session.</summary>
    public static readonly Histogram<double> ConnectDuration = Meter.CreateHistogram<double>("herald.smtp.connect.duration", "s",
        "Duration of opening an SMTP session: connecting, TLS, greeting, EHLO and authentication.", tags: null,
        new InstrumentAdvice<double> { HistogramBucketBoundaries = s_durationBuckets });

    /// <summary>The name of the activity for opening a session.</summary>
    public const string ConnectActivity = "smtp connect";

    /// <summary>The name of the activity for a mail transaction.</summary>
    public const string SendActivity = "smtp send";

    // Attribute names: OpenTelemetry's where one exists, smtp.* for Herald's own.
    public const string ServerAddress = "server.address";
    public const string ServerPort = "server.port";
    public const string NetworkProtocolName = "network.protocol.name";
    public const string NetworkPeerAddress = "network.peer.address";
    public const string ErrorType = "error.type";
    public const string TlsEstablished = "tls.established";
    public const string TlsProtocolName = "tls.protocol.name";
    public const string TlsProtocolVersion = "tls.protocol.version";
    public const string TlsCipher = "tls.cipher";
    public const string TlsServerSubject = "tls.server.subject";
    public const string TlsServerIssuer = "tls.server.issuer";
    public const string TlsServerNotAfter = "tls.server.not_after";
    public const string Operation = "smtp.operation";
    public const string ReplyClass = "smtp.reply_class";
    public const string ReplyCode = "smtp.reply_code";
    public const string EnhancedStatusCode = "smtp.enhanced_status_code";
    public const string QueueId = "smtp.queue_id";
    public const string AuthMechanism = "smtp.auth.mechanism";
    public const string Recipients = "smtp.recipients";
    public const string RecipientsAcceptedCount = "smtp.recipients.accepted";
    public const string RecipientsRejectedCount = "smtp.recipients.rejected";
    public const string MessageSize = "smtp.message.size";
}
