using Herald.Engine;
using Herald.Transport;

namespace Herald.Tests.Transcripts;

/// <summary>
/// Wraps a transport factory (usually the replay's) and records every write the client makes, so a test can check that
/// pipelined commands left in one write (the replay itself checks only their order). <paramref name="beforeWrite"/>
/// sees each write before it goes to the connection, to check what must already be true when those bytes leave.
/// </summary>
internal sealed class RecordingTransportFactory(ITransportFactory inner, Action<byte[]>? beforeWrite = null) : ITransportFactory
{
    private readonly List<byte[]> _writes = [];

    /// <summary>Every write on every connection, in order, decoded as UTF-8.</summary>
    public IReadOnlyList<string> Writes
    {
        get
        {
            lock (_writes)
            {
                return [.. _writes.Select(w => System.Text.Encoding.UTF8.GetString(w))];
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask<OpenedTransport> OpenAsync<TIO>(TIO io, ConnectRequest settings, OperationGuard guard, Action<string> info)
        where TIO : struct, ISmtpIO
    {
        var opened = await inner.OpenAsync(io, settings, guard, info).ConfigureAwait(false);
        return opened with { Stream = new RecordingStream(opened.Stream, _writes, beforeWrite) };
    }

    /// <summary>Passes every call to the inner stream member for member (so the replay's sync/async checks still
    /// hold) and copies what is written.</summary>
    private sealed class RecordingStream(Stream inner, List<byte[]> writes, Action<byte[]>? beforeWrite) : Stream
    {
        public override bool CanRead => inner.CanRead;

        public override bool CanSeek => false;

        public override bool CanWrite => inner.CanWrite;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override int Read(Span<byte> buffer) => inner.Read(buffer);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            inner.ReadAsync(buffer, offset, count, cancellationToken);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            inner.ReadAsync(buffer, cancellationToken);

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            Record(buffer);
            inner.Write(buffer);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Record(buffer.Span);
            return inner.WriteAsync(buffer, cancellationToken);
        }

        public override void Flush() => inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override ValueTask DisposeAsync() => inner.DisposeAsync();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }
            base.Dispose(disposing);
        }

        private void Record(ReadOnlySpan<byte> buffer)
        {
            byte[] copy = buffer.ToArray();
            beforeWrite?.Invoke(copy);
            lock (writes)
            {
                writes.Add(copy);
            }
        }
    }
}
