using System.Buffers;
using System.Diagnostics;
using Herald.Protocol;
using Herald.Transport;

namespace Herald.Engine;

/// <summary>A message that writes itself (<see cref="MessageContent"/>) rather than being read.</summary>
internal sealed class PushMessageSource(MessageContent content) : MessageSource
{
    private long _length = content.Length;

    /// <inheritdoc />
    public override long Length => _length;

    /// <inheritdoc />
    public override bool HasBody => true;

    /// <inheritdoc />
    public override bool Is8Bit => content.Is8Bit;

    /// <inheritdoc />
    public override bool IsPush => true;

    /// <inheritdoc />
    public override ValueTask<long> MeasureAsync<TIO>(TIO io, CancellationToken cancellationToken)
    {
        if (_length < 0)
        {
            _length = content.Measure(cancellationToken);
        }
        return new(_length);
    }

    /// <inheritdoc />
    public override ValueTask<int> ReadAsync<TIO>(TIO io, Memory<byte> buffer, CancellationToken cancellationToken) =>
        throw new NotSupportedException("A message that writes itself is not read.");

    /// <inheritdoc />
    public override async ValueTask WriteToAsync<TIO>(TIO io, Stream sink, CancellationToken cancellationToken)
    {
        if (io.IsAsync)
        {
            await content.WriteToAsync(sink, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            content.WriteTo(sink, cancellationToken);
        }
    }
}

internal sealed partial class SmtpEngine
{
    /// <summary>
    /// The write-only stream a message that writes itself writes into: for DATA its bytes are dot-stuffed into the
    /// connection's write buffer, for BDAT they fill a chunk that goes out whenever it is full. Line ends become CRLF
    /// either way. Writes complete with the I/O the call uses; a synchronous <see cref="Write(byte[], int, int)"/>
    /// during an asynchronous send uses blocking I/O on the same stream.
    /// </summary>
    private sealed class PushSink<TIO> : Stream where TIO : struct, ISmtpIO
    {
        private readonly SmtpEngine _engine;
        private readonly TIO _io;
        private readonly OperationGuard _guard;
        private readonly Memory<byte> _chunk;        // BDAT: the chunk buffer; empty for DATA
        private readonly ChunkState? _state;         // BDAT: the chunks' state; null for DATA
        private readonly MessageSource _message;
        private DotStuffer _stuffer;
        private DataLength _progress = new();
        private int _fill;                           // BDAT: bytes in the chunk
        private long _written;                       // bytes the message has written

        /// <summary>A sink for DATA.</summary>
        public PushSink(SmtpEngine engine, TIO io, OperationGuard guard, MessageSource message)
        {
            (_engine, _io, _guard, _message) = (engine, io, guard, message);
            _stuffer = new DotStuffer(stuffDots: true);
        }

        /// <summary>A sink for BDAT.</summary>
        public PushSink(SmtpEngine engine, TIO io, OperationGuard guard, Memory<byte> chunk, ChunkState state, MessageSource message)
        {
            (_engine, _io, _guard, _chunk, _state, _message) = (engine, io, guard, chunk, state, message);
            _stuffer = new DotStuffer(stuffDots: false);
        }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => _written;
            set => throw new NotSupportedException();
        }

        public override void Write(byte[] buffer, int offset, int count)
        {
            var task = WriteCoreAsync(new SyncIO(), buffer.AsMemory(offset, count));
            Debug.Assert(task.IsCompleted, "Blocking I/O completes before it returns.");
            task.GetAwaiter().GetResult();
        }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            var copy = ArrayPool<byte>.Shared.Rent(buffer.Length);
            try
            {
                buffer.CopyTo(copy);
                Write(copy, 0, buffer.Length);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(copy);
            }
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_io.IsAsync)
            {
                return WriteCoreAsync(_io, buffer);
            }
            Write(buffer.ToArray(), 0, buffer.Length);
            return default;
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
            // Data goes out as buffers fill and when the message ends; a writer's flush asks for nothing more.
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        private async ValueTask WriteCoreAsync<TIO2>(TIO2 io, ReadOnlyMemory<byte> data) where TIO2 : struct, ISmtpIO
        {
            _guard.ThrowIfStopped();
            Report(data);
            var connection = _engine.Connection;
            while (!data.IsEmpty)
            {
                int used;
                if (_state is null)
                {
                    if (connection.FreeSpace.Length < 2)
                    {
                        await connection.FlushAsync(io, _guard).ConfigureAwait(false);
                    }
                    connection.Advance(_stuffer.Encode(data.Span, connection.FreeSpace, out used));
                }
                else
                {
                    if (_chunk.Length - _fill < 2)
                    {
                        await _engine.SendChunkAsync(io, _guard, _state, _chunk[.._fill], last: false).ConfigureAwait(false);
                        _fill = 0;
                    }
                    _fill += _stuffer.Encode(data.Span, _chunk.Span[_fill..], out used);
                }
                data = data[used..];
            }
        }

        /// <summary>Ends the data: the DATA terminator (queued, not flushed), or the last chunk (sent).</summary>
        public async ValueTask FinishAsync()
        {
            var connection = _engine.Connection;
            if (_state is null)
            {
                if (connection.FreeSpace.Length < 5)
                {
                    await connection.FlushAsync(_io, _guard).ConfigureAwait(false);
                }
                connection.Advance(_stuffer.Finish(connection.FreeSpace));
                return;
            }
            if (_chunk.Length - _fill < 2)
            {
                await _engine.SendChunkAsync(_io, _guard, _state, _chunk[.._fill], last: false).ConfigureAwait(false);
                _fill = 0;
            }
            _fill += _stuffer.FinishLine(_chunk.Span[_fill..]);
            await _engine.SendChunkAsync(_io, _guard, _state, _chunk[.._fill], last: true).ConfigureAwait(false);
        }

        private void Report(ReadOnlyMemory<byte> data)
        {
            _written += data.Length;
            if (!_engine._events.WantsTransfer)
            {
                return;
            }
            long length = _message.Length;
            _progress.Add(data.Span);
            int percent = length > 0 ? (int)Math.Min(100, _progress.Total * 100 / length) : -1;
            _engine._events.OnTransfer(_written, _progress.Total, length, percent, data);
        }
    }
}
