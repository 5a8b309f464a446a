namespace Herald.IntegrationTests.Support;

/// <summary>
/// Records a component's whole protocol trace (<see cref="Smtp.OnPITrail"/>), so a test can search every line the
/// component would have logged, and print it when an assertion fails.
/// </summary>
internal sealed class TraceLog
{
    private readonly List<(int Direction, string Message)> _lines = [];
    private readonly Lock _gate = new();

    /// <summary>Starts recording the trace of <paramref name="smtp"/>.</summary>
    public TraceLog(Smtp smtp) => smtp.OnPITrail += (_, e) =>
    {
        lock (_gate)
        {
            _lines.Add((e.Direction, e.Message));
        }
    };

    /// <summary>Every line so far as (direction, text): 0 client, 1 server, 2 the component's own notes.</summary>
    public IReadOnlyList<(int Direction, string Message)> Lines
    {
        get
        {
            lock (_gate)
            {
                return [.. _lines];
            }
        }
    }

    /// <summary>The lines the client sent.</summary>
    public IEnumerable<string> Client => Lines.Where(l => l.Direction == 0).Select(l => l.Message);

    /// <summary>The lines the server sent.</summary>
    public IEnumerable<string> Server => Lines.Where(l => l.Direction == 1).Select(l => l.Message);

    /// <summary>The whole trace in the "C: "/"S: "/"* " form, one line each.</summary>
    public override string ToString() =>
        string.Join("\n", Lines.Select(l => (l.Direction switch { 0 => "C: ", 1 => "S: ", _ => "* " }) + l.Message));
}
