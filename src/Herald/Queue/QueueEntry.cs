using System.Text;
using Herald.Engine;
using Microsoft.Win32.SafeHandles;

namespace Herald.Queue;

/// <summary>
/// A queue file opened under its lock: exclusive for a worker (which alone may rename it or append to its journal),
/// shared for a reader. Its header, its journal and what they add up to. Since only the exclusive holder renames, each
/// name a message goes by (<c>ID.queued</c>, <c>ID.sending</c>, ...) refers to one file for its whole life, and a
/// rename succeeds exactly when the file still has the name it was locked under. Disposing releases the lock; a dead
/// holder's lock is released by the kernel.
/// </summary>
internal sealed class QueueEntry : IDisposable
{
    private readonly SafeFileHandle _handle;
    private readonly List<QueueRecord> _records;
    private long _end;          // where the next journal line goes (the length of the file's valid part)
    private bool _needsLineEnd; // the message does not end with a line end and the journal is still empty

    private QueueEntry(QueueStore store, string id, string extension, SafeFileHandle handle, QueueHeader? header,
        List<QueueRecord> records, DateTimeOffset created, string formatError)
    {
        Store = store;
        Id = id;
        Extension = extension;
        _handle = handle;
        Header = header;
        _records = records;
        Created = created;
        FormatError = formatError;
        State = header is null ? null : QueueState.From(header, records, created);
    }

    /// <summary>The store the file is in.</summary>
    public QueueStore Store { get; }

    /// <summary>The message's id: the file name without its extension.</summary>
    public string Id { get; }

    /// <summary>The file's current extension.</summary>
    public string Extension { get; private set; }

    /// <summary>The file's current path.</summary>
    public string Path => Store.PathOf(Id, Extension);

    /// <summary>The header, or null when the file is not a readable queue file (see <see cref="FormatError"/>).</summary>
    public QueueHeader? Header { get; }

    /// <summary>Why the file cannot be read as a queue file, or "".</summary>
    public string FormatError { get; }

    /// <summary>When the message was queued.</summary>
    public DateTimeOffset Created { get; }

    /// <summary>The journal's events.</summary>
    public IReadOnlyList<QueueRecord> Records => _records;

    /// <summary>What the journal adds up to; null when <see cref="Header"/> is.</summary>
    public QueueState? State { get; private set; }

    /// <summary>Reads the header and journal of a file whose lock <paramref name="handle"/> holds; with
    /// <paramref name="repair"/> (exclusive lock only) cuts off a journal line that a crash left unfinished.</summary>
    /// <param name="store">The store.</param>
    /// <param name="id">The id.</param>
    /// <param name="extension">The file's extension.</param>
    /// <param name="handle">The locked handle (owned from now on).</param>
    /// <param name="repair">The lock is exclusive: the file may be changed.</param>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static QueueEntry Load(QueueStore store, string id, string extension, SafeFileHandle handle, bool repair = true)
    {
        try
        {
            long length = RandomAccess.GetLength(handle);
            QueueHeader header;
            try
            {
                using var stream = new BufferedStream(new HandleStream(handle, 0, length), 4096);
                header = QueueFile.ReadHeader(stream);
            }
            catch (FormatException e)
            {
                return new QueueEntry(store, id, extension, handle, null, [], DateTimeOffset.UnixEpoch, e.Message);
            }
            var created = header.Created ?? QueueFile.TimeFromId(id) ?? File.GetLastWriteTimeUtc(store.PathOf(id, extension));
            if (header.Version < 2)
            {
                return new QueueEntry(store, id, extension, handle, header, [], created, "") { _end = length };
            }
            long messageEnd = header.MessageOffset + header.MessageSize;
            if (messageEnd > length)
            {
                return new QueueEntry(store, id, extension, handle, null, [], created,
                    $"the file holds {length - header.MessageOffset} bytes of message where its header says {header.MessageSize}");
            }
            var journal = new byte[length - messageEnd];
            ReadExactly(handle, journal, messageEnd);
            var records = QueueFile.ReadJournal(journal, out int complete);
            var file = new QueueEntry(store, id, extension, handle, header, records, created, "") { _end = messageEnd + complete };
            if (complete < journal.Length && repair)
            {
                // The last line was cut short by a crash; the next line must not be glued to it.
                RandomAccess.SetLength(handle, file._end);
            }
            if (complete == 0 && header.MessageSize > 0)
            {
                var last = new byte[1];
                ReadExactly(handle, last, messageEnd - 1);
                file._needsLineEnd = last[0] != (byte)'\n';
            }
            return file;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Appends journal lines. <paramref name="durable"/> also forces them (and everything before) to stable storage;
    /// without it they survive the death of this process (the kernel has them) but not a power cut.
    /// </summary>
    /// <param name="durable">Sync to disk before returning.</param>
    /// <param name="records">The events.</param>
    /// <exception cref="IOException">The write failed.</exception>
    public void Append(bool durable, params ReadOnlySpan<QueueRecord> records)
    {
        if (Header is not { Version: >= 2 })
        {
            // A version 1 message runs to the end of the file: a journal line would become part of it.
            throw new InvalidOperationException("Only a current-format queue file has a journal.");
        }
        var buffer = new MemoryStream();
        if (_needsLineEnd)
        {
            buffer.Write("\r\n"u8);
        }
        foreach (var record in records)
        {
            buffer.Write(QueueFile.FormatRecord(record));
            _records.Add(record);
        }
        RandomAccess.Write(_handle, buffer.GetBuffer().AsSpan(0, (int)buffer.Length), _end);
        _end += buffer.Length;
        _needsLineEnd = false;
        if (durable)
        {
            RandomAccess.FlushToDisk(_handle);
        }
        State = QueueState.From(Header, _records, Created);
    }

    /// <summary>Renames the file to <c>ID</c> + <paramref name="extension"/>.</summary>
    /// <param name="extension">The new extension.</param>
    /// <returns>False when the file no longer has its name (it finished or moved on while this one waited for the
    /// lock); nothing was renamed.</returns>
    /// <exception cref="IOException">The rename failed for another reason.</exception>
    public bool MoveTo(string extension)
    {
        try
        {
            File.Move(Path, Store.PathOf(Id, extension), overwrite: true);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return false;
        }
        Extension = extension;
        return true;
    }

    /// <summary>Deletes the file (the lock stays held until disposal).</summary>
    public void Delete() => File.Delete(Path);

    /// <summary>
    /// The message as a source for the engine. <paramref name="dataEnding"/> runs when the engine has read the last
    /// byte, which is before the bytes that end the data (the final dot, or <c>BDAT ... LAST</c>) are written.
    /// </summary>
    /// <param name="dataEnding">Called once, at the end of the message.</param>
    public MessageSource OpenMessage(Action dataEnding)
    {
        var header = Header ?? throw new InvalidOperationException("The file has no readable header.");
        long size = header.MessageSize >= 0 ? header.MessageSize : RandomAccess.GetLength(_handle) - header.MessageOffset;
        return new QueueMessageSource(_handle, header.MessageOffset, size, header.Body, dataEnding);
    }

    /// <summary>The message bytes as a stream (for copying and display).</summary>
    public Stream OpenMessageStream()
    {
        var header = Header ?? throw new InvalidOperationException("The file has no readable header.");
        long size = header.MessageSize >= 0 ? header.MessageSize : RandomAccess.GetLength(_handle) - header.MessageOffset;
        return new HandleStream(_handle, header.MessageOffset, size);
    }

    /// <summary>Releases the lock.</summary>
    public void Dispose() => _handle.Dispose();

    /// <inheritdoc />
    public override string ToString() => System.IO.Path.GetFileName(Path);

    private static void ReadExactly(SafeFileHandle handle, Span<byte> buffer, long offset)
    {
        while (buffer.Length > 0)
        {
            int n = RandomAccess.Read(handle, buffer, offset);
            if (n <= 0)
            {
                throw new EndOfStreamException("The queue file ended early.");
            }
            buffer = buffer[n..];
            offset += n;
        }
    }

    /// <summary>A note for the trace: "ID (attempt n, k recipients)".</summary>
    public string Describe(int attempt, int recipients) =>
        new StringBuilder(Id).Append(" (attempt ").Append(attempt).Append(", ").Append(recipients)
            .Append(recipients == 1 ? " recipient)" : " recipients)").ToString();
}

/// <summary>A read-only view of a region of a file through its handle, which it does not own.</summary>
internal sealed class HandleStream(SafeFileHandle handle, long start, long length) : Stream
{
    private long _position;

    /// <inheritdoc />
    public override bool CanRead => true;

    /// <inheritdoc />
    public override bool CanSeek => true;

    /// <inheritdoc />
    public override bool CanWrite => false;

    /// <inheritdoc />
    public override long Length => length;

    /// <inheritdoc />
    public override long Position
    {
        get => _position;
        set => _position = Math.Clamp(value, 0, length);
    }

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <inheritdoc />
    public override int Read(Span<byte> buffer)
    {
        int n = (int)Math.Min(buffer.Length, length - _position);
        if (n <= 0)
        {
            return 0;
        }
        n = RandomAccess.Read(handle, buffer[..n], start + _position);
        _position += n;
        return n;
    }

    /// <inheritdoc />
    public override long Seek(long offset, SeekOrigin origin)
    {
        Position = origin switch
        {
            SeekOrigin.Current => _position + offset,
            SeekOrigin.End => length + offset,
            _ => offset,
        };
        return _position;
    }

    /// <inheritdoc />
    public override void Flush()
    {
    }

    /// <inheritdoc />
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc />
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
