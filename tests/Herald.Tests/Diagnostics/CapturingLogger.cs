using System.Text;
using Microsoft.Extensions.Logging;

namespace Herald.Tests.Diagnostics;

/// <summary>
/// An <see cref="ILogger"/> that keeps every entry with its structured state, and counts calls to
/// <see cref="Log{TState}"/> for a level it said was off (which a caller that checks first never makes).
/// </summary>
internal sealed class CapturingLogger(LogLevel minimum = LogLevel.Trace) : ILogger
{
    private readonly List<LogEntry> _entries = [];
    private readonly Lock _gate = new();
    private int _disabledCalls;

    /// <summary>Every entry so far, in order.</summary>
    public IReadOnlyList<LogEntry> Entries
    {
        get
        {
            lock (_gate)
            {
                return [.. _entries];
            }
        }
    }

    /// <summary>Calls to <see cref="Log{TState}"/> for a level <see cref="IsEnabled"/> turned down.</summary>
    public int DisabledCalls => Volatile.Read(ref _disabledCalls);

    /// <summary>The entries with one event name.</summary>
    public IReadOnlyList<LogEntry> Named(string eventName) => [.. Entries.Where(e => e.Id.Name == eventName)];

    /// <summary>The trace lines ("C: ..." and "S: ..."), in order.</summary>
    public IReadOnlyList<string> TraceLines => [.. Entries.Where(e => e.Id.Id is 1 or 2).Select(e => e.Message)];

    /// <inheritdoc />
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    /// <inheritdoc />
    public bool IsEnabled(LogLevel logLevel)
    {
        return logLevel >= minimum && logLevel != LogLevel.None;
    }

    /// <inheritdoc />
    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception,
        Func<TState, Exception?, string> formatter)
    {
        if (logLevel < minimum)
        {
            Interlocked.Increment(ref _disabledCalls);
            return;
        }
        var fields = state is IReadOnlyList<KeyValuePair<string, object?>> list ? list.ToList() : [];
        var entry = new LogEntry(logLevel, eventId, formatter(state, exception), fields, exception);
        lock (_gate)
        {
            _entries.Add(entry);
        }
    }

    /// <summary>
    /// Where any entry shows one of <paramref name="secrets"/>: in its text, a field's value or its exception, in clear
    /// or inside any word that decodes from base64 (the PLAIN message, a LOGIN answer). Empty when none does.
    /// </summary>
    public List<string> FindSecrets(params string[] secrets)
    {
        var found = new List<string>();
        foreach (var entry in Entries)
        {
            var texts = new List<string> { entry.Message };
            texts.AddRange(entry.State.Select(kv => $"{kv.Key}={kv.Value}"));
            if (entry.Exception is not null)
            {
                texts.Add(entry.Exception.ToString());
            }
            foreach (string text in texts)
            {
                foreach (string secret in secrets)
                {
                    if (text.Contains(secret, StringComparison.Ordinal))
                    {
                        found.Add($"\"{secret}\" in clear in {entry.Id.Name}: {text}");
                    }
                }
                foreach (string word in text.Split([' ', '=', ':', '"'], StringSplitOptions.RemoveEmptyEntries))
                {
                    if (word.Length < 4 || word.Length % 4 != 0)
                    {
                        continue;
                    }
                    var bytes = new byte[word.Length];
                    if (!Convert.TryFromBase64String(word, bytes, out int n))
                    {
                        continue;
                    }
                    string decoded = Encoding.Latin1.GetString(bytes, 0, n);
                    found.AddRange(secrets.Where(s => decoded.Contains(s, StringComparison.Ordinal))
                        .Select(s => $"\"{s}\" in base64 in {entry.Id.Name}: {text}"));
                }
            }
        }
        return found;
    }
}

/// <summary>One log entry.</summary>
/// <param name="Level">Its level.</param>
/// <param name="Id">Its event id and name.</param>
/// <param name="Message">The formatted text.</param>
/// <param name="State">The structured fields (with <c>{OriginalFormat}</c>).</param>
/// <param name="Exception">The exception attached, if any.</param>
internal sealed record LogEntry(LogLevel Level, EventId Id, string Message, IReadOnlyList<KeyValuePair<string, object?>> State,
    Exception? Exception)
{
    /// <summary>A field's value, or null when the entry has no such field.</summary>
    public object? this[string name] => State.FirstOrDefault(kv => kv.Key == name).Value;

    /// <summary>True when the entry has the field.</summary>
    public bool Has(string name) => State.Any(kv => kv.Key == name);
}
