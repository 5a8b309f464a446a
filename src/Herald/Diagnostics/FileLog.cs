using System.Globalization;
using System.Text;

namespace Herald.Diagnostics;

/// <summary>How serious a log entry is; a log keeps the entries at its level and above.</summary>
internal enum LogSeverity
{
    /// <summary>Nothing is logged.</summary>
    None = 0,
    /// <summary>Failures of a call.</summary>
    Error = 1,
    /// <summary>Problems the call went on after (a refused Bcc recipient, a cancelled transfer).</summary>
    Warning = 2,
    /// <summary>Connection and TLS progress.</summary>
    Info = 3,
    /// <summary>Every protocol line (secrets masked).</summary>
    Debug = 4,
}

/// <summary>Where a log goes.</summary>
internal enum LogDestination
{
    /// <summary>Nowhere.</summary>
    None = 0,
    /// <summary>A file (appended to).</summary>
    File = 1,
    /// <summary>The standard error stream.</summary>
    Console = 2,
}

/// <summary>When a log writes what it holds.</summary>
internal enum LogFlushMode
{
    /// <summary>Each entry at once.</summary>
    Immediate = 0,
    /// <summary>When a number of entries are waiting, and when the log is flushed (a call ends, the client is disposed).</summary>
    Buffered = 1,
}

/// <summary>Whether a log file changes with time.</summary>
internal enum LogRotation
{
    /// <summary>One file, appended to.</summary>
    None = 0,
    /// <summary>One file per day: the date goes before the extension (<c>smtp.2026-01-31.log</c>).</summary>
    Daily = 1,
}

/// <summary>The fields each log line carries besides the text.</summary>
[Flags]
internal enum LogDetails
{
    /// <summary>The text only.</summary>
    None = 0,
    /// <summary>The time (UTC, ISO 8601 with milliseconds).</summary>
    Time = 1,
    /// <summary>The severity.</summary>
    Level = 2,
    /// <summary>Where the entry comes from (Connection, Tls, Protocol, Transfer, Errors).</summary>
    Source = 4,
    /// <summary>The managed thread id.</summary>
    Thread = 8,
}

/// <summary>The settings of a <see cref="FileLog"/>.</summary>
internal sealed record FileLogSettings
{
    /// <summary>The sources an entry may come from.</summary>
    public static IReadOnlyList<string> Sources { get; } = ["Connection", "Tls", "Protocol", "Transfer", "Errors"];

    /// <summary>Where the log goes.</summary>
    public LogDestination Destination { get; init; } = LogDestination.File;

    /// <summary>The file, for <see cref="LogDestination.File"/>; nothing is written while it is empty.</summary>
    public string File { get; init; } = "";

    /// <summary>The lowest severity kept.</summary>
    public LogSeverity Level { get; init; }

    /// <summary>The fields of each line.</summary>
    public LogDetails Details { get; init; } = LogDetails.Time | LogDetails.Level | LogDetails.Source;

    /// <summary>The sources kept; empty for all.</summary>
    public IReadOnlyList<string> Filters { get; init; } = [];

    /// <summary>When entries are written.</summary>
    public LogFlushMode FlushMode { get; init; }

    /// <summary>How many entries wait, in <see cref="LogFlushMode.Buffered"/> mode, before they are written.</summary>
    public int MaxEventCount { get; init; } = 100;

    /// <summary>Whether the file changes daily.</summary>
    public LogRotation Rotation { get; init; }
}

/// <summary>
/// A small debug log to a file or standard error, with severities, source filters, buffering and daily files: what a
/// component's Log* settings describe. Writing never throws; a file that cannot be written is given up until the
/// settings change, and the reason is kept in <see cref="LastError"/>.
/// </summary>
internal sealed class FileLog : IDisposable
{
    private readonly object _gate = new();
    private readonly List<string> _pending = [];
    private FileLogSettings _settings = new();
    private string _openPath = "";
    private StreamWriter? _writer;

    /// <summary>The settings; changing them flushes what is waiting and closes the file.</summary>
    public FileLogSettings Settings
    {
        get => _settings;
        set
        {
            lock (_gate)
            {
                FlushLocked();
                CloseLocked();
                _settings = value;
                LastError = null;
            }
        }
    }

    /// <summary>True when entries of some severity would be written.</summary>
    public bool Enabled => _settings.Level != LogSeverity.None && _settings.Destination switch
    {
        LogDestination.File => _settings.File.Length > 0,
        LogDestination.Console => true,
        _ => false,
    };

    /// <summary>Why the file could not be written, or null.</summary>
    public string? LastError { get; private set; }

    /// <summary>Told once why the file could not be written (the log then stays silent until its settings change).</summary>
    public Action<string>? Failed { get; set; }

    /// <summary>Writes one entry when its severity and source are kept.</summary>
    /// <param name="severity">The severity.</param>
    /// <param name="source">One of <see cref="FileLogSettings.Sources"/>.</param>
    /// <param name="text">The text (already masked where it holds a secret).</param>
    public void Write(LogSeverity severity, string source, string text)
    {
        var s = _settings;
        if (!Enabled || severity > s.Level || (s.Filters.Count > 0 && !s.Filters.Contains(source, StringComparer.OrdinalIgnoreCase)))
        {
            return;
        }
        var line = new StringBuilder();
        if ((s.Details & LogDetails.Time) != 0)
        {
            line.Append(DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)).Append(' ');
        }
        if ((s.Details & LogDetails.Level) != 0)
        {
            line.Append('[').Append(severity.ToString().ToUpperInvariant()).Append("] ");
        }
        if ((s.Details & LogDetails.Source) != 0)
        {
            line.Append(source).Append(": ");
        }
        if ((s.Details & LogDetails.Thread) != 0)
        {
            line.Append("(thread ").Append(Environment.CurrentManagedThreadId.ToString(CultureInfo.InvariantCulture)).Append(") ");
        }
        line.Append(text.ReplaceLineEndings(" "));
        lock (_gate)
        {
            _pending.Add(line.ToString());
            if (s.FlushMode == LogFlushMode.Immediate || _pending.Count >= s.MaxEventCount)
            {
                FlushLocked();
            }
        }
    }

    /// <summary>Writes every waiting entry.</summary>
    public void Flush()
    {
        lock (_gate)
        {
            FlushLocked();
        }
    }

    /// <summary>Writes what is waiting and closes the file.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            FlushLocked();
            CloseLocked();
        }
    }

    /// <summary>The file an entry written now goes to.</summary>
    internal string CurrentPath()
    {
        string path = _settings.File;
        if (_settings.Rotation != LogRotation.Daily || path.Length == 0)
        {
            return path;
        }
        string date = DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        string extension = Path.GetExtension(path);
        return Path.Combine(Path.GetDirectoryName(path) ?? "", Path.GetFileNameWithoutExtension(path) + "." + date + extension);
    }

    private void FlushLocked()
    {
        if (_pending.Count == 0)
        {
            return;
        }
        try
        {
            if (_settings.Destination == LogDestination.Console)
            {
                foreach (var line in _pending)
                {
                    Console.Error.WriteLine(line);
                }
            }
            else if (LastError is null)
            {
                string path = CurrentPath();
                if (_writer is null || path != _openPath)
                {
                    CloseLocked();
                    var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
                    _writer = new StreamWriter(stream, new UTF8Encoding(false)) { NewLine = "\n" };
                    _openPath = path;
                }
                foreach (var line in _pending)
                {
                    _writer.WriteLine(line);
                }
                _writer.Flush();
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            LastError = $"The log file '{_settings.File}' cannot be written: {e.Message}";
            CloseLocked();
            Failed?.Invoke(LastError);
        }
        finally
        {
            _pending.Clear();
        }
    }

    private void CloseLocked()
    {
        _writer?.Dispose();
        _writer = null;
        _openPath = "";
    }
}
