using Xunit;

namespace Herald.IntegrationTests.Support;

/// <summary>Reads the peers' own logs (<see cref="Peers.LogDir"/>), for the server's side of a refusal.</summary>
internal static class PeerLogs
{
    /// <summary>
    /// Waits until a log holds a line that <paramref name="matches"/> accepts and returns it. Servers write their log a
    /// moment after they answer, so this polls for up to five seconds.
    /// </summary>
    /// <exception cref="TimeoutException">No such line appeared.</exception>
    public static async Task<string> WaitForLineAsync(string logName, string what, Func<string, bool> matches)
    {
        string path = Path.Combine(Peers.LogDir, logName);
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (true)
        {
            if (File.Exists(path))
            {
                using var reader = new StreamReader(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
                string? line;
                while ((line = await reader.ReadLineAsync()) is not null)
                {
                    if (matches(line))
                    {
                        return line;
                    }
                }
            }
            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException($"No line in {path} shows {what}.");
            }
            await Task.Delay(100);
        }
    }

    /// <summary>How many lines of the log at <paramref name="path"/> contain <paramref name="text"/>.</summary>
    public static int CountLines(string path, string text)
    {
        using var reader = new StreamReader(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
        int count = 0;
        while (reader.ReadLine() is { } line)
        {
            count += line.Contains(text, StringComparison.Ordinal) ? 1 : 0;
        }
        return count;
    }

    /// <summary>
    /// Waits up to five seconds for the log at <paramref name="path"/> to hold more lines with <paramref name="text"/>
    /// than the <paramref name="before"/> counted earlier: the log keeps earlier runs' lines, so only a new one counts.
    /// </summary>
    public static async Task WaitForMoreLinesAsync(string path, string text, int before)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (CountLines(path, text) <= before && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
        Assert.True(CountLines(path, text) > before, $"{path} shows no new line with {text}");
    }
}
