using System.ComponentModel;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Herald.Queue;

/// <summary>
/// The few file-system operations the queue needs beyond <see cref="File"/>: an exclusive lock that the kernel drops
/// when its holder dies, and making a rename durable by syncing the directory that holds it.
/// </summary>
/// <remarks>
/// On Unix the lock is <c>flock(2)</c>: it belongs to the open file (not to the process, unlike <c>fcntl</c> record
/// locks, which any close in the process would drop), so two workers of one process exclude each other as two
/// processes do, and the kernel releases it when the file is closed, whether the holder closed it or died. .NET
/// already takes such a lock for <see cref="FileShare.None"/>, unless DOTNET_SYSTEM_IO_DISABLEFILELOCKING turns that
/// off for the whole process; the lock is therefore taken here explicitly as well (on the same open file it changes
/// nothing). On Windows the file is opened sharing nothing but deletion (so its holder can still rename it), which keeps
/// every other open for reading or writing out until the handle is closed, by its holder or by Windows when the
/// process ends.
/// </remarks>
internal static partial class QueueFileSystem
{
    private const int LockExclusive = 2;
    private const int LockNonBlocking = 4;
    private const int EWouldBlockLinux = 11;
    private const int EWouldBlockBsd = 35;

    /// <summary>
    /// Opens <paramref name="path"/> for reading and writing and takes its exclusive lock without waiting.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="mode">Open (claiming an existing file) or CreateNew (writing a new one).</param>
    /// <returns>The locked handle, or null when another open file holds the lock.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist (it was claimed or finished meanwhile).</exception>
    /// <exception cref="IOException">Another failure.</exception>
    public static SafeFileHandle? TryOpenLocked(string path, FileMode mode)
    {
        SafeFileHandle handle;
        try
        {
            // FileShare.None: .NET's own flock on Unix, a sharing lock on Windows (where Delete still allows renames).
            handle = File.OpenHandle(path, mode, FileAccess.ReadWrite,
                OperatingSystem.IsWindows() ? FileShare.Delete : FileShare.None);
        }
        catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException && IsLockConflict(e))
        {
            return null;
        }
        try
        {
            if (!TryLock(handle))
            {
                handle.Dispose();
                return null;
            }
            return handle;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>True when <paramref name="path"/> exists and its lock is held by an open file (its owner is alive).</summary>
    /// <param name="path">The file.</param>
    public static bool IsLocked(string path)
    {
        try
        {
            using var handle = TryOpenLocked(path, FileMode.Open);
            return handle is null;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return false;
        }
    }

    /// <summary>
    /// Writes what the directory lists (a rename or a new name) to stable storage, so the name survives a power cut
    /// as the file's content already does after its own fsync. Windows journals directory changes itself.
    /// </summary>
    /// <param name="directory">The directory.</param>
    /// <exception cref="IOException">The directory cannot be opened or synced.</exception>
    public static void SyncDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }
        // .NET refuses to open a directory as a file, so this goes to the C library directly.
        int fd = Open(directory, 0 /* O_RDONLY */);
        if (fd < 0)
        {
            throw new IOException($"Cannot open the directory \"{directory}\" to sync it: {LastError()}.");
        }
        try
        {
            if (Fsync(fd) != 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                // EINVAL: a file system that cannot sync directories (some network and FUSE file systems) keeps no
                // more than it already has; there is nothing better to do than go on.
                if (errno != 22)
                {
                    throw new IOException($"Cannot sync the directory \"{directory}\": {new Win32Exception(errno).Message}.");
                }
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    private static bool TryLock(SafeFileHandle handle)
    {
        if (OperatingSystem.IsWindows())
        {
            // The share mode is the lock: another open for reading or writing fails while this handle is open.
            return true;
        }
        if (Flock(handle, LockExclusive | LockNonBlocking) == 0)
        {
            return true;
        }
        int errno = Marshal.GetLastPInvokeError();
        if (errno is EWouldBlockLinux or EWouldBlockBsd)
        {
            return false;
        }
        throw new IOException($"Cannot lock the queue file: {new Win32Exception(errno).Message}.");
    }

    /// <summary>True when <paramref name="e"/> says the file is locked by another open file.</summary>
    /// <param name="e">The failure of an open.</param>
    public static bool IsLockConflict(IOException e) =>
        // A lock held elsewhere: .NET reports flock's EWOULDBLOCK with the errno as the HResult on Unix, and a sharing
        // or lock violation with its HRESULT on Windows.
        e.HResult is EWouldBlockLinux or EWouldBlockBsd or unchecked((int)0x80070020) or unchecked((int)0x80070021);

    private static string LastError() => new Win32Exception(Marshal.GetLastPInvokeError()).Message;

    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    private static partial int Flock(SafeFileHandle fd, int operation);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
