namespace Herald.Cli.Capture;

/// <summary>A message being received: content goes to <see cref="Stream"/>, then <see cref="CommitAsync"/> or
/// <see cref="DisposeAsync"/> (which deletes the unfinished file).</summary>
internal sealed class PendingMessage : IAsyncDisposable
{
    private readonly CaptureStore _store;
    private readonly string _temp;
    private bool _done;

    internal PendingMessage(CaptureStore store, FileStream stream, string temp)
    {
        _store = store;
        Stream = stream;
        _temp = temp;
    }

    /// <summary>Where the message content is written.</summary>
    public FileStream Stream { get; }

    /// <summary>Flushes and closes the file and gives it its final name.</summary>
    /// <param name="cancellationToken">Stops the flush.</param>
    /// <returns>The full path of the saved message.</returns>
    public async Task<string> CommitAsync(CancellationToken cancellationToken)
    {
        await Stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        await Stream.DisposeAsync().ConfigureAwait(false);
        string path = _store.Commit(_temp, DateTime.UtcNow);
        _done = true;
        return path;
    }

    /// <summary>Closes the file and, unless it was committed, deletes it.</summary>
    public async ValueTask DisposeAsync()
    {
        await Stream.DisposeAsync().ConfigureAwait(false);
        if (!_done)
        {
            _done = true;
            try
            {
                File.Delete(_temp);
            }
            catch (IOException)
            {
                // Nothing more can be done; a stray hidden .part file is harmless.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }
}
