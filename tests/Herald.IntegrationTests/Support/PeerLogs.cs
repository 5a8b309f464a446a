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
}
