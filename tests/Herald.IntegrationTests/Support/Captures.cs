namespace Herald.IntegrationTests.Support;

/// <summary>Looks for what did not arrive, which <see cref="Peers"/> (built to wait for arrivals) does not do.</summary>
internal static class Captures
{
    /// <summary>
    /// How many files in a capture folder (with its subfolders) written in the last ten minutes contain the marker.
    /// </summary>
    public static int Count(string directory, string marker)
    {
        if (!Directory.Exists(directory))
        {
            return 0;
        }
        var since = DateTime.UtcNow.AddMinutes(-10);
        int count = 0;
        foreach (var file in new DirectoryInfo(directory).EnumerateFiles("*", SearchOption.AllDirectories))
        {
            try
            {
                if (file.LastWriteTimeUtc >= since && File.ReadAllText(file.FullName).Contains(marker, StringComparison.Ordinal))
                {
                    count++;
                }
            }
            catch (FileNotFoundException)
            {
                // moved or removed between listing and reading
            }
        }
        return count;
    }
}
