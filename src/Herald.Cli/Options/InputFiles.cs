namespace Herald.Cli.Options;

/// <summary>Reads files named by options, turning every way that can fail into exit code 66 with the option's name.</summary>
internal static class InputFiles
{
    /// <summary>Reads a whole file.</summary>
    /// <param name="path">The path as given.</param>
    /// <param name="option">The option that named it, for messages.</param>
    /// <exception cref="CliException">66 when the file is missing or unreadable.</exception>
    public static byte[] Read(string path, string option)
    {
        try
        {
            return File.ReadAllBytes(path);
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
