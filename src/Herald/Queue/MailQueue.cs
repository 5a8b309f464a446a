namespace Herald.Queue;

/// <summary>Where a queued message stands, as its file's extension says.</summary>
public enum QueuedMessageState
{
    /// <summary><c>.queued</c>: waiting to be sent (now, or at <see cref="QueuedMessage.NextAttempt"/>).</summary>
    Queued,
    /// <summary><c>.sending</c>: claimed by a worker (or left by one that died; the next run takes it over).</summary>
    Sending,
    /// <summary><c>.sent</c>: delivered, and kept because config KeepQueue is True.</summary>
    Sent,
    /// <summary><c>.failed</c>: refused for good, or still failing when it reached the maximum age.</summary>
    Failed,
}

/// <summary>Where one recipient of a queued message stands.</summary>
public enum QueuedRecipientStatus
{
    /// <summary>Not delivered yet: the next attempt sends to it.</summary>
    Pending,
    /// <summary>The server accepted the message for it.</summary>
    Delivered,
    /// <summary>The server refused it for good.</summary>
    Rejected,
}

/// <summary>One recipient of a queued message.</summary>
/// <param name="Address">The address (as in RCPT TO).</param>
/// <param name="Type">To, Cc or Bcc.</param>
/// <param name="Status">Whether it is still to be delivered.</param>
/// <param name="LastReply">The server's last reply about it, or "".</param>
public sealed record QueuedRecipient(string Address, EmailRecipientTypes Type, QueuedRecipientStatus Status, string LastReply);

/// <summary>A queued message as its file describes it.</summary>
public sealed class QueuedMessage
{
    internal QueuedMessage(string id, string path, QueuedMessageState state)
    {
        Id = id;
        Path = path;
        State = state;
    }

    /// <summary>The id: the file name without its extension.</summary>
    public string Id { get; }

    /// <summary>The file's full path.</summary>
    public string Path { get; }

    /// <summary>The state its extension gives.</summary>
    public QueuedMessageState State { get; }

    /// <summary>
    /// True when a worker holds the file right now (it is being sent); the file cannot be read meanwhile, so only
    /// <see cref="Id"/>, <see cref="Path"/>, <see cref="State"/> and <see cref="Created"/> are filled in.
    /// </summary>
    public bool IsBeingSent { get; init; }

    /// <summary>The version of the file format (1 for files written before the journal existed).</summary>
    public int FormatVersion { get; init; }

    /// <summary>When it was queued.</summary>
    public DateTimeOffset? Created { get; init; }

    /// <summary>Delivery attempts so far.</summary>
    public int Attempts { get; init; }

    /// <summary>When the next attempt is due, for a message waiting after a failure; null when it is due now.</summary>
    public DateTimeOffset? NextAttempt { get; init; }

    /// <summary>Why the last attempt failed or why the message failed, or "".</summary>
    public string LastError { get; init; } = "";

    /// <summary>
    /// True when an attempt ended between sending the end of the message and reading the server's reply (a lost
    /// connection, or a worker that died there): the message was sent again and may have been delivered twice.
    /// </summary>
    public bool MayHaveBeenDeliveredTwice { get; init; }

    /// <summary>The envelope sender (MAIL FROM).</summary>
    public string From { get; init; } = "";

    /// <summary>The recipients with their progress.</summary>
    public IReadOnlyList<QueuedRecipient> Recipients { get; init; } = [];

    /// <summary>The message's size in bytes.</summary>
    public long Size { get; init; }

    /// <summary>The journal, one entry per event, oldest first ("2026-11-22T10:00:01.120Z ATTEMPT 1 host=... pid=...").</summary>
    public IReadOnlyList<string> History { get; init; } = [];
}

/// <summary>
/// A queue directory, as <see cref="Smtp.Queue"/> writes it and <see cref="Smtp.ProcessQueue"/> drains it: what it
/// holds, the message text of each entry, and putting failed messages back. Safe to use while other processes work
/// on the directory: a file a worker holds is reported as being sent and left alone.
/// </summary>
public sealed class MailQueue
{
    private static readonly (string Extension, QueuedMessageState State)[] States =
    [
        (QueueFile.Queued, QueuedMessageState.Queued),
        (QueueFile.Sending, QueuedMessageState.Sending),
        (QueueFile.Sent, QueuedMessageState.Sent),
        (QueueFile.Failed, QueuedMessageState.Failed),
    ];

    private readonly QueueStore _store;

    /// <summary>Opens the queue in <paramref name="directory"/>.</summary>
    /// <param name="directory">The queue directory.</param>
    /// <exception cref="ArgumentException">The path is empty or invalid.</exception>
    public MailQueue(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        _store = new QueueStore(directory);
    }

    /// <summary>The directory, as a full path.</summary>
    public string Directory => _store.Directory;

    /// <summary>Every message in the directory, whatever its state, ordered by id (oldest first for ids Herald made).</summary>
    /// <exception cref="SmtpException">303 when the directory does not exist or cannot be read.</exception>
    public IReadOnlyList<QueuedMessage> List()
    {
        var messages = new List<QueuedMessage>();
        foreach (var (extension, state) in States)
        {
            foreach (var id in Ids(extension))
            {
                if (Read(id, extension, state) is { } message)
                {
                    messages.Add(message);
                }
            }
        }
        messages.Sort((a, b) => string.CompareOrdinal(a.Id, b.Id));
        return messages;
    }

    /// <summary>The message with id <paramref name="id"/> (a file name, with or without its extension, is accepted too).</summary>
    /// <param name="id">The id.</param>
    /// <returns>The message, or null when there is none.</returns>
    /// <exception cref="SmtpException">303 when the directory does not exist or the file cannot be read.</exception>
    public QueuedMessage? Find(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        id = StripExtension(id);
        EnsureExists();
        foreach (var (extension, state) in States)
        {
            if (File.Exists(_store.PathOf(id, extension)) && Read(id, extension, state) is { } message)
            {
                return message;
            }
        }
        return null;
    }

    /// <summary>Copies the message of entry <paramref name="id"/> (as it will be sent, before dot-stuffing) to
    /// <paramref name="destination"/>.</summary>
    /// <param name="id">The id.</param>
    /// <param name="destination">Where to write it.</param>
    /// <exception cref="SmtpException">303 when there is no such message, it is being sent right now, or its file
    /// cannot be read.</exception>
    public void CopyMessageTo(string id, Stream destination)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(destination);
        id = StripExtension(id);
        EnsureExists();
        foreach (var (extension, _) in States)
        {
            try
            {
                using var entry = _store.TryRead(id, extension)
                    ?? throw new SmtpException(SmtpErrorCodes.CannotOpenFile,
                        $"Message {id} is being sent right now; try again in a moment.");
                if (entry.Header is null)
                {
                    throw new SmtpException(SmtpErrorCodes.CannotOpenFile,
                        $"{entry.Path} is not a readable queue file: {entry.FormatError}.");
                }
                using var message = entry.OpenMessageStream();
                message.CopyTo(destination);
                return;
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
            }
            catch (IOException e)
            {
                throw new SmtpException(SmtpErrorCodes.CannotOpenFile, $"Cannot read message {id}: {e.Message}", e);
            }
        }
        throw new SmtpException(SmtpErrorCodes.CannotOpenFile, $"There is no message {id} in {Directory}.");
    }

    /// <summary>
    /// Puts failed message <paramref name="id"/> back in the queue, due now: its failure, its refused recipients and its
    /// age start over; recipients it was delivered to stay delivered.
    /// </summary>
    /// <param name="id">The id.</param>
    /// <returns>False when there is no failed message with this id.</returns>
    /// <exception cref="SmtpException">303 when the file cannot be changed.</exception>
    public bool Retry(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        id = StripExtension(id);
        EnsureExists();
        try
        {
            using var entry = _store.TryLock(id, QueueFile.Failed);
            if (entry is null)
            {
                return false;
            }
            if (entry.Header is { Version: >= QueueFile.CurrentVersion })
            {
                // Recorded first: were the rename lost in a crash, the failure would still be undone.
                entry.Append(durable: true, new QueueRecord(DateTimeOffset.UtcNow, QueueRecordKind.Reset, "put back in the queue by hand"));
            }
            return entry.MoveTo(QueueFile.Queued);
        }
        catch (IOException e)
        {
            throw new SmtpException(SmtpErrorCodes.CannotOpenFile, $"Cannot put message {id} back in the queue: {e.Message}", e);
        }
    }

    /// <summary>Puts every failed message back in the queue (see <see cref="Retry"/>).</summary>
    /// <returns>How many were put back.</returns>
    /// <exception cref="SmtpException">303 when the directory cannot be read or a file cannot be changed.</exception>
    public int RetryAllFailed() => Ids(QueueFile.Failed).Count(Retry);

    /// <summary>Deletes every message in state <paramref name="state"/>, which must be Sent or Failed.</summary>
    /// <param name="state">Sent or Failed.</param>
    /// <returns>How many were deleted.</returns>
    /// <exception cref="ArgumentException"><paramref name="state"/> is Queued or Sending.</exception>
    /// <exception cref="SmtpException">303 when the directory cannot be read or a file cannot be deleted.</exception>
    public int Purge(QueuedMessageState state)
    {
        string extension = state switch
        {
            QueuedMessageState.Sent => QueueFile.Sent,
            QueuedMessageState.Failed => QueueFile.Failed,
            _ => throw new ArgumentException(
                "Only sent or failed messages can be purged; queued ones are still to be delivered.", nameof(state)),
        };
        int deleted = 0;
        foreach (var id in Ids(extension))
        {
            try
            {
                using var entry = _store.TryLock(id, extension);
                if (entry is not null && File.Exists(entry.Path))
                {
                    entry.Delete();
                    deleted++;
                }
            }
            catch (IOException e)
            {
                throw new SmtpException(SmtpErrorCodes.CannotOpenFile, $"Cannot delete {id}{extension}: {e.Message}", e);
            }
        }
        return deleted;
    }

    private List<string> Ids(string extension)
    {
        EnsureExists();
        try
        {
            return _store.ListIds(extension);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SmtpException(SmtpErrorCodes.CannotOpenFile, $"Cannot read the queue directory \"{Directory}\": {e.Message}", e);
        }
    }

    private void EnsureExists()
    {
        if (!_store.Exists)
        {
            throw new SmtpException(SmtpErrorCodes.CannotOpenFile, $"The queue directory \"{Directory}\" does not exist.");
        }
    }

    private QueuedMessage? Read(string id, string extension, QueuedMessageState state)
    {
        string path = _store.PathOf(id, extension);
        QueueEntry? entry;
        try
        {
            entry = _store.TryRead(id, extension);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null; // moved on while the directory was read
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SmtpException(SmtpErrorCodes.CannotOpenFile, $"Cannot read {path}: {e.Message}", e);
        }
        if (entry is null)
        {
            return new QueuedMessage(id, path, state) { IsBeingSent = true, Created = QueueFile.TimeFromId(id) };
        }
        using (entry)
        {
            if (entry.Header is not { } header || entry.State is not { } progress)
            {
                return new QueuedMessage(id, path, state) { LastError = $"not a readable queue file: {entry.FormatError}" };
            }
            var recipients = new List<QueuedRecipient>(header.Envelope.Recipients.Count);
            for (int i = 0; i < header.Envelope.Recipients.Count; i++)
            {
                var r = header.Envelope.Recipients[i];
                recipients.Add(new QueuedRecipient(r.Address, (EmailRecipientTypes)r.Kind, (QueuedRecipientStatus)progress.Recipients[i],
                    progress.Replies[i]));
            }
            return new QueuedMessage(id, path, state)
            {
                FormatVersion = header.Version,
                Created = entry.Created,
                Attempts = progress.Attempts,
                NextAttempt = state == QueuedMessageState.Queued ? progress.NotBefore : null,
                LastError = progress.LastError,
                MayHaveBeenDeliveredTwice = entry.Records.Any(r => r.Kind == QueueRecordKind.InDoubt),
                From = header.Envelope.ReversePath,
                Recipients = recipients,
                Size = header.MessageSize >= 0 ? header.MessageSize : new FileInfo(path).Length - header.MessageOffset,
                History = [.. entry.Records.Select(r =>
                    $"{QueueFile.FormatTime(r.Time)} {r.Kind}{(r.Text.Length > 0 ? " " + r.Text : "")}")],
            };
        }
    }

    private static string StripExtension(string id)
    {
        id = System.IO.Path.GetFileName(id);
        foreach (var (extension, _) in States)
        {
            if (id.EndsWith(extension, StringComparison.Ordinal))
            {
                return id[..^extension.Length];
            }
        }
        return id;
    }
}
