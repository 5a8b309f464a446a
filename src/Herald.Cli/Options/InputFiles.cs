namespace Herald.Cli.Options;

/// <summary>Reads files named by options, turning every way that can fail into exit code 66 with the option's name.</summary>
internal static class InputFiles
{
    private const int BufferSize = 64 * 1024;

    /// <summary>Reads a whole file.</summary>
    /// <param name="path">The path as given.</param>
    /// <param name="option">The option that named it, for messages.</param>
    /// <exception cref="CliException">66 when the file is missing or unreadable.</exception>
    public static byte[] Read(string path, string option) => Opening(path, option, () => File.ReadAllBytes(path));

    /// <summary>Opens a file to be read once from start to end (a 64 KiB buffer, sequential access).</summary>
    /// <param name="path">The path as given.</param>
    /// <param name="option">The option that named it, for messages.</param>
    /// <exception cref="CliException">66 when the file is missing or unreadable.</exception>
    public static FileStream OpenSequential(string path, string option) => Opening(path, option,
        () => new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, FileOptions.SequentialScan));

    private static T Opening<T>(string path, string option, Func<T> open)
    {
        try
        {
            return open();
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new CliException(ExitCodes.NoInput, $"{option} {path}: no such file.", e);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new CliException(ExitCodes.NoInput, $"{option} {path}: cannot be read ({e.Message}).", e);
        }
    }
}
