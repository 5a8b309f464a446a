using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text;
using BenchmarkDotNet.Attributes;
using Herald.Bench.Loopback;
using Herald.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Herald.Bench;

/// <summary>
/// What observing a send costs: <c>Send()</c> of a prepared message on an open session (as
/// <see cref="TransactionBenchmarks"/>' Raw <c>SendSync</c>) with nothing attached, with a
/// <see cref="MeterListener"/> and an <see cref="ActivityListener"/> taking every Herald measurement and activity, and
/// with a logger that takes Information entries (one per message) and throws them away after formatting.
/// </summary>
/// <remarks>
/// BenchmarkDotNet runs each benchmark in a process of its own, so the listeners a setup attaches touch only its
/// benchmark.
/// </remarks>
[MemoryDiagnoser]
public class TelemetryBenchmarks
{
    private Smtp _smtp = null!;
    private MeterListener? _meters;
    private ActivityListener? _activities;

    /// <summary>Nothing attached.</summary>
    [GlobalSetup(Target = nameof(Unobserved))]
    public void SetupUnobserved() => _smtp = Create(null);

    /// <summary>A meter listener and an activity listener.</summary>
    [GlobalSetup(Target = nameof(MetricsAndActivities))]
    public void SetupListeners()
    {
        _meters = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == HeraldTelemetry.MeterName)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        _meters.SetMeasurementEventCallback<long>(static (_, _, _, _) => { });
        _meters.SetMeasurementEventCallback<double>(static (_, _, _, _) => { });
        _meters.Start();
        _activities = new ActivityListener
        {
            ShouldListenTo = source => source.Name == HeraldTelemetry.ActivitySourceName,
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(_activities);
        _smtp = Create(null);
    }

    /// <summary>A logger at Information.</summary>
    [GlobalSetup(Target = nameof(LoggerAtInformation))]
    public void SetupLogger() => _smtp = Create(new FormattingLogger(LogLevel.Information));

    /// <summary>Closes the session and detaches the listeners.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _smtp.Dispose();
        _meters?.Dispose();
        _activities?.Dispose();
    }

    /// <summary>Send() with nothing attached.</summary>
    [Benchmark(Baseline = true)]
    public void Unobserved() => _smtp.Send();

    /// <summary>Send() with a meter listener and an activity listener attached.</summary>
    [Benchmark]
    public void MetricsAndActivities() => _smtp.Send();

    /// <summary>Send() with a logger that takes Information entries.</summary>
    [Benchmark]
    public void LoggerAtInformation() => _smtp.Send();

    private static Smtp Create(ILogger? logger)
    {
        var server = new CannedTransportFactory(yieldOnRead: false);
        var smtp = new Smtp { MailServer = "bench.localhost", Logger = logger };
        smtp.Settings.TransportFactory = server;
        smtp.Config("Hello=client.bench.example");
        smtp.Config("UseChunking=False");
        var body = new StringBuilder();
        for (int i = 0; body.Length < 1000; i++)
        {
            body.Append("Line ").Append(i).Append(" of a small message that the benchmark sends again and again.\r\n");
        }
        smtp.From = "alice@example.com";
        smtp.SendTo = "bob@example.com";
        smtp.MessageB = Encoding.ASCII.GetBytes(
            "From: alice@example.com\r\nTo: bob@example.com\r\nSubject: Benchmark\r\n" +
            "Date: Sun, 22 Nov 2026 09:05:03 +0100\r\nMessage-ID: <bench@example.com>\r\n\r\n" + body);
        smtp.Connect();
        smtp.Send();
        if (server.Current is not { MessagesReceived: 1 })
        {
            throw new InvalidOperationException("The canned server did not receive exactly one message.");
        }
        return smtp;
    }

    /// <summary>A logger that formats what it is given, as a real sink would, and keeps nothing.</summary>
    private sealed class FormattingLogger(LogLevel minimum) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception,
            Func<TState, Exception?, string> formatter) => _ = formatter(state, exception);
    }
}
