namespace Herald.Cli.Options;

/// <summary>
/// How a stream of the command line's reads its source: a struct per mode, so that one <c>async ValueTask</c> body
/// serves both <see cref="Stream.Read(byte[], int, int)"/> and <see cref="Stream.ReadAsync(Memory{byte}, CancellationToken)"/>
/// and the synchronous one never blocks on a real task.
/// </summary>
internal interface IStreamReading
{
    /// <summary>Reads from <paramref name="source"/> into <paramref name="buffer"/>.</summary>
    /// <param name="source">The stream read.</param>
    /// <param name="buffer">Where the bytes go.</param>
    /// <param name="cancellationToken">Stops an asynchronous read.</param>
    /// <returns>The number of bytes read; 0 at the end of the source.</returns>
    ValueTask<int> ReadAsync(Stream source, Memory<byte> buffer, CancellationToken cancellationToken);
}

/// <summary>Reads with <see cref="Stream.Read(Span{byte})"/>: the task it returns has always completed.</summary>
internal readonly struct SyncReading : IStreamReading
{
    /// <inheritdoc />
    public ValueTask<int> ReadAsync(Stream source, Memory<byte> buffer, CancellationToken cancellationToken) =>
        new(source.Read(buffer.Span));
}

/// <summary>Reads with <see cref="Stream.ReadAsync(Memory{byte}, CancellationToken)"/>.</summary>
internal readonly struct AsyncReading : IStreamReading
{
    /// <inheritdoc />
    public ValueTask<int> ReadAsync(Stream source, Memory<byte> buffer, CancellationToken cancellationToken) =>
        source.ReadAsync(buffer, cancellationToken);
}
