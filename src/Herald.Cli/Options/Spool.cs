namespace Herald.Cli.Options;

/// <summary>
/// Keeps input that arrives through a pipe (standard input) where it can be read again: in memory when it is small,
/// else in a temporary file that only this user can read and that is deleted when it is closed. A message is then read
/// whole before the server is contacted, so a slow producer cannot make the session time out, an interrupted input
/// sends nothing, and the message's size is known for <c>SIZE=</c>.
/// </summary>
internal static class Spool
{
    /// <summary>The most kept in memory.</summary>
    public const int InMemoryLimit = 1 << 20;

    private const int BufferSize = 64 * 1024;

    /// <summary>Reads <paramref name="input"/> to its end and returns the copy, positioned at its start.</summary>
    /// <param name="input">The input; it is read to its end but not closed.</param>
    /// <param name="source">What the input is ("standard input"), for messages.</param>
    /// <param name="cancellationToken">Stops the copy.</param>
    /// <exception cref="CliException">73 when the temporary file cannot be created or written.</exception>
    public static async Task<Stream> CopyAsync(Stream input, string source, CancellationToken cancellationToken)
    {
        var head = new byte[InMemoryLimit + 1];
        int filled = 0;
        int n;
        while (filled < head.Length && (n = await input.ReadAsync(head.AsMemory(filled), cancellationToken).ConfigureAwait(false)) > 0)
        {
            filled += n;
        }
        if (filled <= InMemoryLimit)
        {
            return new MemoryStream(head, 0, filled, writable: false);
        }
        var file = CreateFile();
        try
        {
            await file.WriteAsync(head.AsMemory(0, filled), cancellationToken).ConfigureAwait(false);
            await input.CopyToAsync(file, BufferSize, cancellationToken).ConfigureAwait(false);
            file.Position = 0;
            return file;
        }
        catch (IOException e)
        {
            await file.DisposeAsync().ConfigureAwait(false);
            throw new CliException(ExitCodes.CannotCreate,
                $"Cannot keep the message from {source} in a temporary file ({Path.GetTempPath()}): {e.Message}", e);
        }
        catch
        {
            await file.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>A temporary file only this user can read, deleted when closed (the message may be private).</summary>
    /// <exception cref="CliException">73 when it cannot be created.</exception>
    public static FileStream CreateFile()
    {
        string directory = Path.GetTempPath();
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.ReadWrite,
            Share = FileShare.None,
            BufferSize = 64 * 1024,
            Options = FileOptions.DeleteOnClose | FileOptions.SequentialScan,
        };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        try
        {
            return new FileStream(Path.Combine(directory, $"herald-{Guid.NewGuid():N}.tmp"), options);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new CliException(ExitCodes.CannotCreate,
                $"A temporary file for the message cannot be created in '{directory}': {e.Message}", e);
        }
    }
}
