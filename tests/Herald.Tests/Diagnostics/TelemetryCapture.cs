using System.Diagnostics;
using System.Diagnostics.Metrics;
using Herald.Diagnostics;

namespace Herald.Tests.Diagnostics;

/// <summary>One measurement of a Herald instrument.</summary>
/// <param name="Instrument">The instrument's name.</param>
/// <param name="Value">The value (counters as long, histograms as double, both here as double).</param>
/// <param name="Tags">Its tags.</param>
internal sealed record Measurement(string Instrument, double Value, IReadOnlyDictionary<string, object?> Tags)
{
    /// <summary>A tag's value, or null.</summary>
    public object? this[string tag] => Tags.GetValueOrDefault(tag);
}

/// <summary>
/// Listens to the Herald meter and activity source in this process, keeping only what concerns one server port: the
/// meter and source are shared by every test running at the same time, and each fake server has a port of its own.
/// </summary>
internal sealed class TelemetryCapture : IDisposable
{
    private readonly int _port;
    private readonly MeterListener _meters = new();
    private readonly ActivityListener _activities;
    private readonly List<Measurement> _measurements = [];
    private readonly List<Activity> _stopped = [];
    private readonly List<Instrument> _instruments = [];
    private readonly Lock _gate = new();

    /// <summary>Starts listening for what is tagged <c>server.port</c> = <paramref name="port"/>.</summary>
    public TelemetryCapture(int port)
    {
        _port = port;
        _meters.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == HeraldTelemetry.MeterName)
            {
                lock (_gate)
                {
                    _instruments.Add(instrument);
                }
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _meters.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _meters.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _meters.Start();
        _activities = new ActivityListener
        {
            ShouldListenTo = source => source.Name == HeraldTelemetry.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.GetTagItem("server.port") is int p && p == _port)
                {
                    lock (_gate)
                    {
                        _stopped.Add(activity);
                    }
                }
            },
        };
        ActivitySource.AddActivityListener(_activities);
    }

    /// <summary>Every instrument of the Herald meter.</summary>
    public IReadOnlyList<Instrument> Instruments
    {
        get
        {
            lock (_gate)
            {
                return [.. _instruments];
            }
        }
    }

    /// <summary>Every measurement for the port so far.</summary>
    public IReadOnlyList<Measurement> Measurements
    {
        get
        {
            lock (_gate)
            {
                return [.. _measurements];
            }
        }
    }

    /// <summary>Every activity for the port that has stopped, in the order they stopped.</summary>
    public IReadOnlyList<Activity> Activities
    {
        get
        {
            lock (_gate)
            {
                return [.. _stopped];
            }
        }
    }

    /// <summary>The measurements of one instrument.</summary>
    public IReadOnlyList<Measurement> Of(string instrument) => [.. Measurements.Where(m => m.Instrument == instrument)];

    /// <summary>The sum of one counter's measurements.</summary>
    public double Sum(string instrument) => Of(instrument).Sum(m => m.Value);

    /// <summary>The stopped activities with one name.</summary>
    public IReadOnlyList<Activity> Named(string name) => [.. Activities.Where(a => a.OperationName == name)];

    /// <summary>Waits until at least <paramref name="count"/> activities named <paramref name="name"/> have stopped.</summary>
    /// <exception cref="TimeoutException">They did not within ten seconds.</exception>
    public async Task<IReadOnlyList<Activity>> WaitForAsync(string name, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var found = Named(name);
            if (found.Count >= count)
            {
                return found;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{found.Count} of {count} \"{name}\" activities stopped.");
            }
            await Task.Delay(10);
        }
    }

    /// <summary>Stops listening.</summary>
    public void Dispose()
    {
        _meters.Dispose();
        _activities.Dispose();
    }

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var map = new Dictionary<string, object?>();
        foreach (var tag in tags)
        {
            map[tag.Key] = tag.Value;
        }
        if (map.GetValueOrDefault("server.port") is not int p || p != _port)
        {
            return;
        }
        lock (_gate)
        {
            _measurements.Add(new Measurement(instrument.Name, value, map));
        }
    }
}
