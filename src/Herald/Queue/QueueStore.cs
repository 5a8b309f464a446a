using System.Security.Cryptography;
using Herald.Engine;
using Herald.Transport;

namespace Herald.Queue;

/// <summary>
/// A queue directory: writes new messages durably, lists them, and claims, recovers and moves them under their locks.
/// It knows nothing about facades; every method works for any caller in any process on the same directory.
/// </summary>
/// <remarks>
/// <para>Writing: the file is written under a temporary name (<c>.tmp</c>, which nothing picks up), synced, renamed
/// to <c>.queued</c>, and the directory is synced: once <see cref="AddAsync"/> returns, a power cut loses nothing,
/// and a writer that dies half-way leaves only a <c>.tmp</c> file, removed later.</para>
/// <para>Claiming: the file is opened and locked first and renamed <c>.queued</c> → <c>.sending</c> second, so of
/// several claimers exactly one gets the lock and only the lock holder renames. A <c>.sending</c> file whose lock is
/// free belongs to a worker that died; <see cref="TryRecover"/> takes it over.</para>
/// </remarks>
internal sealed class QueueStore
{
    /// <summary>How old an unlocked <c>.tmp</c> file must be before it counts as left over by a dead writer.</summary>
    public static readonly TimeSpan TemporaryLifetime = TimeSpan.FromHours(1);

    private static long s_sequence; // orders the files this process writes within one millisecond

    /// <summary>Opens the store on <paramref name="directory"/> (which need not exist yet).</summary>
    /// <param name="directory">The queue directory.</param>
    public QueueStore(string directory)
    {
        Directory = System.IO.Path.GetFullPath(directory);
    }

    /// <summary>The directory, as a full path.</summary>
    public string Directory { get; }

    /// <summary>True when the directory exists.</summary>
    public bool Exists => System.IO.Directory.Exists(Directory);

    /// <summary>The path of message <paramref name="id"/> with <paramref name="extension"/>.</summary>
    public string PathOf(string id, string extension) => System.IO.Path.Combine(Directory, id + extension);

    /// <summary>
    /// A new id: the time, a per-process sequence number and random bytes, so ids sort in the order messages were
    /// queued (within a process) and never collide across processes.
    /// </summary>
    /// <param name="now">The time.</param>
    public static string NewId(DateTimeOffset now)
    {
        long sequence = Interlocked.Increment(ref s_sequence);
        string unique = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        return $"{now.UtcDateTime:yyyyMMddHHmmssfff}-{sequence:x12}-{unique}";
    }

    /// <summary>Writes a new <c>.queued</c> file and returns its path; see the remarks on durability.</summary>
    /// <param name="io">The I/O adapter.</param>
    /// <param name="envelope">The envelope.</param>
    /// <param name="source">The message.</param>
    /// <param name="now">The time of queueing.</param>
    /// <param name="cancellationToken">Stops the write (the temporary file is removed).</param>
    /// <exception cref="IOException">The file could not be written.</exception>
    /// <exception cref="UnauthorizedAccessException">The directory cannot be written.</exception>
    public async ValueTask<string> AddAsync<TIO>(TIO io, Envelope envelope, MessageSource source, DateTimeOffset now,
        CancellationToken cancellationToken) where TIO : struct, ISmtpIO
    {
        string id = NewId(now);
        string temp = PathOf(id, QueueFile.Temporary);
        string final = PathOf(id, QueueFile.Queued);
        var header = new QueueHeader(envelope) { Created = now, Body = BodyOf(source) };
        try
        {
            // FileShare.None: the lock tells the clean-up of dead writers' files that this writer is alive.
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1, io.IsAsync))
            {
                var head = QueueFile.FormatHeader(header, null, out int sizeOffset);
                await io.WriteAsync(file, head, cancellationToken).ConfigureAwait(false);
                long size = await CopyAsync(io, source, file, cancellationToken).ConfigureAwait(false);
                file.Position = sizeOffset;
                await io.WriteAsync(file, QueueFile.FormatSize(size), cancellationToken).ConfigureAwait(false);
                file.Flush(flushToDisk: true);
            }
            File.Move(temp, final);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
        try
        {
            QueueFileSystem.SyncDirectory(Directory);
        }
        catch
        {
            // Not durable, so not queued: the caller is told it failed and must not find the message sent anyway.
            File.Delete(final);
            throw;
        }
        return final;
    }

    /// <summary>The bytes <see cref="AddAsync"/> would write (for a caller that wants the text instead of a file).</summary>
    /// <param name="io">The I/O adapter.</param>
    /// <param name="envelope">The envelope.</param>
    /// <param name="source">The message.</param>
    /// <param name="now">The time of queueing.</param>
    /// <param name="cancellationToken">Stops the copy.</param>
    public static async ValueTask<byte[]> FormatAsync<TIO>(TIO io, Envelope envelope, MessageSource source, DateTimeOffset now,
        CancellationToken cancellationToken) where TIO : struct, ISmtpIO
    {
        using var body = new MemoryStream();
        long size = await CopyAsync(io, source, body, cancellationToken).ConfigureAwait(false);
        var head = QueueFile.FormatHeader(new QueueHeader(envelope) { Created = now, Body = BodyOf(source) }, size, out _);
        var all = new byte[head.Length + body.Length];
        head.CopyTo(all, 0);
        body.GetBuffer().AsSpan(0, (int)body.Length).CopyTo(all.AsSpan(head.Length));
        return all;
    }

    /// <summary>The ids of the files with <paramref name="extension"/>, in order (oldest first for ids the store made).</summary>
    /// <param name="extension">The extension.</param>
    /// <exception cref="DirectoryNotFoundException">The directory does not exist.</exception>
    public List<string> ListIds(string extension)
    {
        var ids = new List<string>();
        foreach (var path in System.IO.Directory.EnumerateFiles(Directory, "*" + extension))
        {
            // EnumerateFiles("*.queued") also matches "x.queued~" on some platforms: check the real extension.
            if (path.EndsWith(extension, StringComparison.Ordinal))
            {
                ids.Add(System.IO.Path.GetFileName(path)[..^extension.Length]);
            }
        }
        ids.Sort(StringComparer.Ordinal);
        return ids;
    }

    /// <summary>
    /// Claims message <paramref name="id"/>: locks its <c>.queued</c> file and renames it <c>.sending</c>.
    /// </summary>
    /// <param name="id">The id.</param>
    /// <returns>The claim, or null when another worker has it or it is gone.</returns>
    /// <exception cref="IOException">The file cannot be read or renamed.</exception>
    public QueueEntry? TryClaim(string id)
    {
        var handle = TryLock(PathOf(id, QueueFile.Queued));
        if (handle is null)
        {
            return null;
        }
        try
        {
            File.Move(PathOf(id, QueueFile.Queued), PathOf(id, QueueFile.Sending), overwrite: true);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            // Locked after its holder had finished with it: it has another name now (or none).
            handle.Dispose();
            return null;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
        return QueueEntry.Load(this, id, QueueFile.Sending, handle);
    }

    /// <summary>
    /// Locks the file <paramref name="id"/> + <paramref name="extension"/> without renaming it (recovery, retry by
    /// hand, inspection). Whoever renames it afterwards must check that <see cref="QueueEntry.MoveTo"/> succeeded:
    /// the file may have moved on between opening and locking.
    /// </summary>
    /// <param name="id">The id.</param>
    /// <param name="extension">Its extension.</param>
    /// <returns>The locked file, or null when its lock is held or it is gone.</returns>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public QueueEntry? TryLock(string id, string extension)
    {
        var handle = TryLock(PathOf(id, extension));
        return handle is null ? null : QueueEntry.Load(this, id, extension, handle);
    }

    /// <summary>
    /// Replaces a version 1 file (whose message runs to the end of the file, leaving no room for a journal) by a
    /// current one under the id <c>ID-v2</c>, claimed, and deletes the old one. The new file is durable before the old
    /// one goes, and a claim of an old file whose new one exists only deletes it, so a crash at any point neither loses
    /// the message nor leaves two copies to send.
    /// </summary>
    /// <param name="old">The claimed version 1 file (disposed by this method).</param>
    /// <returns>The claimed new file, or null when it already existed (the old one was a leftover).</returns>
    /// <exception cref="IOException">The new file could not be written.</exception>
    public QueueEntry? Upgrade(QueueEntry old)
    {
        using (old)
        {
            string id = old.Id + "-v2";
            string temp = PathOf(id, QueueFile.Temporary);
            // Only the holder of the old file's lock writes the new one, so a .tmp here is a dead holder's.
            File.Delete(temp);
            if (new[] { QueueFile.Queued, QueueFile.Sending, QueueFile.Sent, QueueFile.Failed }.Any(e => File.Exists(PathOf(id, e))))
            {
                old.Delete();
                return null;
            }
            var handle = QueueFileSystem.TryOpenLocked(temp, FileMode.CreateNew)
                         ?? throw new IOException($"Cannot lock the new queue file \"{temp}\".");
            try
            {
                using var message = old.OpenMessageStream();
                // Version 1 declared nothing about the body; a message with 8-bit bytes is declared as such now.
                string body = old.Header!.Body.Length > 0 ? old.Header.Body : Has8Bit(message) ? "8BITMIME" : "";
                var header = new QueueHeader(old.Header.Envelope) { Created = old.Created, Body = body };
                var head = QueueFile.FormatHeader(header, message.Length, out _);
                RandomAccess.Write(handle, head, 0);
                long at = head.Length;
                var buffer = new byte[64 * 1024];
                message.Position = 0;
                int n;
                while ((n = message.Read(buffer)) > 0)
                {
                    RandomAccess.Write(handle, buffer.AsSpan(0, n), at);
                    at += n;
                }
                RandomAccess.FlushToDisk(handle);
                File.Move(temp, PathOf(id, QueueFile.Sending));
                QueueFileSystem.SyncDirectory(Directory);
                old.Delete();
                return QueueEntry.Load(this, id, QueueFile.Sending, handle);
            }
            catch
            {
                handle.Dispose();
                File.Delete(temp);
                throw;
            }
        }
    }

    private static bool Has8Bit(Stream message)
    {
        var buffer = new byte[64 * 1024];
        int n;
        while ((n = message.Read(buffer)) > 0)
        {
            if (buffer.AsSpan(0, n).IndexOfAnyInRange((byte)0x80, (byte)0xff) >= 0)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// Opens a file to read it, under a shared lock (which makes a claim attempted at that moment pass over the file
    /// until a later pass). Nothing is changed.
    /// </summary>
    /// <param name="id">The id.</param>
    /// <param name="extension">Its extension.</param>
    /// <returns>The file, or null when a worker holds it.</returns>
    /// <exception cref="FileNotFoundException">It is gone.</exception>
    /// <exception cref="IOException">It cannot be read.</exception>
    public QueueEntry? TryRead(string id, string extension)
    {
        Microsoft.Win32.SafeHandles.SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(PathOf(id, extension), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (IOException e) when (e is not FileNotFoundException && QueueFileSystem.IsLockConflict(e))
        {
            return null;
        }
        return QueueEntry.Load(this, id, extension, handle, repair: false);
    }

    /// <summary>
    /// Takes over <c>ID.sending</c> when its lock is free (its worker died), for the caller to decide where it goes.
    /// </summary>
    /// <param name="id">The id.</param>
    /// <returns>The locked file, or null when its worker is alive or it is gone.</returns>
    public QueueEntry? TryRecover(string id) => TryLock(id, QueueFile.Sending);

    /// <summary>Deletes <c>.tmp</c> files that dead writers left behind (unlocked and older than an hour).</summary>
    public void DeleteAbandonedTemporaries()
    {
        // File times are the machine's, whatever clock the queue's own records follow.
        var now = DateTime.UtcNow;
        foreach (var id in ListIds(QueueFile.Temporary))
        {
            string path = PathOf(id, QueueFile.Temporary);
            try
            {
                if (now - File.GetLastWriteTimeUtc(path) < TemporaryLifetime)
                {
                    continue;
                }
                using var handle = TryLock(path);
                if (handle is not null)
                {
                    File.Delete(path);
                }
            }
            catch (IOException)
            {
                // Gone meanwhile, or unreadable: left for the next pass.
            }
        }
    }

    private static Microsoft.Win32.SafeHandles.SafeFileHandle? TryLock(string path)
    {
        try
        {
            return QueueFileSystem.TryOpenLocked(path, FileMode.Open);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    private static string BodyOf(MessageSource source) => source.IsBinary ? "BINARYMIME" : source.Is8Bit ? "8BITMIME" : "";

    private static async ValueTask<long> CopyAsync<TIO>(TIO io, MessageSource source, Stream target, CancellationToken cancellationToken)
        where TIO : struct, ISmtpIO
    {
        if (source.IsPush)
        {
            // A message that writes itself (MessageContent) writes into the file as it would onto the connection. Its
            // bytes are kept as written: line ends become CRLF when the file is sent, as for any other message.
            var counted = new CountingStream(target);
            await source.WriteToAsync(io, counted, cancellationToken).ConfigureAwait(false);
            return counted.Written;
        }
        var buffer = new byte[16 * 1024];
        long total = 0;
        int n;
        while ((n = await source.ReadAsync(io, buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            await io.WriteAsync(target, buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
            total += n;
            cancellationToken.ThrowIfCancellationRequested();
        }
        return total;
    }

    /// <summary>A write-only pass-through that counts the bytes a message that writes itself puts in the file.</summary>
    private sealed class CountingStream(Stream target) : Stream
    {
        /// <summary>The bytes written so far.</summary>
        public long Written { get; private set; }

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            target.Write(buffer);
            Written += buffer.Length;
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await target.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
            Written += buffer.Length;
        }

        public override void Flush()
        {
            // The file is flushed and synced by its writer once the message is complete.
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
