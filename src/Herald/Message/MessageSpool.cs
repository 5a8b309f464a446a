using System.Buffers;
using Herald.Transport;

namespace Herald.Message;

/// <summary>
/// A temporary copy of a message that arrives through a stream that cannot seek, so that its exact length can be
/// declared (<c>SIZE=</c>, RFC 1870) and it can be read again: a file that only this user can read (the message may be
/// private) and that is deleted when it is closed.
/// </summary>
internal static class MessageSpool
{
    private const int BufferSize = 64 * 1024;

    /// <summary>Creates an empty spool file in <paramref name="directory"/>.</summary>
    /// <param name="directory">Where the file goes.</param>
    /// <param name="async">True when the file will be read and written asynchronously.</param>
    /// <exception cref="SmtpException">303 when the file cannot be created (the message names the directory).</exception>
    public static FileStream CreateFile(string directory, bool async = false)
    {
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.ReadWrite,
            Share = FileShare.None,
            BufferSize = BufferSize,
            Options = FileOptions.DeleteOnClose | FileOptions.SequentialScan | (async ? FileOptions.Asynchronous : FileOptions.None),
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
            throw new SmtpException(SmtpErrorCodes.CannotOpenFile,
                $"A temporary file for the message cannot be created in '{directory}': {e.Message}", e);
        }
    }

    /// <summary>Copies the rest of <paramref name="source"/> into a new spool file, positioned at its start.</summary>
    /// <param name="io">The sync or async adapter.</param>
    /// <param name="source">The message, read to its end (not closed).</param>
    /// <param name="directory">Where the file goes.</param>
    /// <param name="cancellationToken">Stops the copy.</param>
    /// <exception cref="SmtpException">303 when the file cannot be created or written.</exception>
    public static async ValueTask<FileStream> CopyAsync<TIO>(TIO io, Stream source, string directory, CancellationToken cancellationToken)
        where TIO : struct, ISmtpIO
    {
        var file = CreateFile(directory, io.IsAsync);
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            int n;
            while ((n = await io.ReadAsync(source, buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                try
                {
                    await io.WriteAsync(file, buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                }
                catch (IOException e)
                {
                    throw WriteFailed(directory, e);
                }
            }
            try
            {
                await io.FlushAsync(file, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException e)
            {
                throw WriteFailed(directory, e);
            }
            file.Position = 0;
            return file;
        }
        catch
        {
            file.Dispose(); // nothing is buffered that matters: the file is deleted as it closes
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    // A full disk is the spool's failure, not the message's: it is reported as the file it is. (A failing source keeps
    // its own exception.)
    private static SmtpException WriteFailed(string directory, IOException e) =>
        new(SmtpErrorCodes.CannotOpenFile, $"The message could not be copied to a temporary file in '{directory}': {e.Message}", e);
}
