using System.Buffers;
using System.Diagnostics;
using Herald.Protocol;
using Herald.Transport;

namespace Herald.Engine;

internal sealed partial class SmtpEngine
{
    /// <summary>
    /// Reads a message into BDAT chunks (RFC 3030): line ends normalised to CRLF (the CRLF that ends an unterminated
    /// last line included), no dot-stuffing; a binary message is copied unchanged. Raises the transfer callbacks as
    /// the source is read, as DATA does.
    /// </summary>
    private sealed class ChunkReader(SmtpEngine engine, MessageSource message) : IDisposable
    {
        /// <summary>The message.</summary>
        public MessageSource Message => message;

        private readonly byte[] _staging = ArrayPool<byte>.Shared.Rent(StagingSize);
        private DotStuffer _stuffer = new(stuffDots: false);
        private DataLength _progress = new();
        private int _offset;           // next unused byte of _staging
        private int _count;            // bytes of _staging read from the source
        private bool _sourceEnded;
        private long _read;            // bytes read from the source

        /// <summary>True once every byte of the message is in a chunk.</summary>
        public bool Exhausted { get; private set; }

        /// <summary>Fills <paramref name="chunk"/> with the next part of the message (the last part may be short).</summary>
        /// <returns>The bytes written; 0 only when the message is exhausted.</returns>
        public async ValueTask<int> FillAsync<TIO>(TIO io, OperationGuard guard, Memory<byte> chunk) where TIO : struct, ISmtpIO
        {
            int filled = 0;
            while (!Exhausted && chunk.Length - filled >= 2)
            {
                if (_offset == _count)
                {
                    if (!_sourceEnded)
                    {
                        int n = await message.ReadAsync(io, _staging.AsMemory(0, StagingSize), guard.Token).ConfigureAwait(false);
                        if (n > 0)
                        {
                            _offset = 0;
                            _count = n;
                            _read += n;
                            Report(n);
                            guard.ThrowIfStopped();
                            continue;
                        }
                        _sourceEnded = true;
                    }
                    filled += message.IsBinary ? 0 : _stuffer.FinishLine(chunk.Span[filled..]);
                    Exhausted = true;
                    break;
                }
                var source = _staging.AsSpan(_offset, _count - _offset);
                if (message.IsBinary)
                {
                    int n = Math.Min(source.Length, chunk.Length - filled);
                    source[..n].CopyTo(chunk.Span[filled..]);
                    _offset += n;
                    filled += n;
                }
                else
                {
                    filled += _stuffer.Encode(source, chunk.Span[filled..], out int used);
                    _offset += used;
                }
            }
            return filled;
        }

        private void Report(int n)
        {
            if (!engine._events.WantsTransfer)
            {
                return;
            }
            long length = message.Length;
            _progress.Add(_staging.AsSpan(0, n));
            int percent = length > 0 ? (int)Math.Min(100, _progress.Total * 100 / length) : -1;
            engine._events.OnTransfer(_read, _progress.Total, length, percent, _staging.AsMemory(0, n));
        }

        public void Dispose() => ArrayPool<byte>.Shared.Return(_staging);
    }

    /// <summary>Queues <c>BDAT n [LAST]</c> and the chunk's bytes, flushing whenever the write buffer fills.</summary>
    private async ValueTask QueueChunkAsync<TIO>(TIO io, OperationGuard guard, ReadOnlyMemory<byte> chunk, bool last)
        where TIO : struct, ISmtpIO
    {
        var connection = Connection;
        QueueCommand(SmtpCommands.Bdat(chunk.Length, last));
        while (chunk.Length > 0)
        {
            var space = connection.FreeSpace;
            if (space.Length == 0)
            {
                await connection.FlushAsync(io, guard).ConfigureAwait(false);
                space = connection.FreeSpace;
            }
            int n = Math.Min(space.Length, chunk.Length);
            chunk.Span[..n].CopyTo(space);
            connection.Advance(n);
            chunk = chunk[n..];
        }
    }

    /// <summary>The state of one message's BDAT chunks: how many await a reply, and the rate limit's clock.</summary>
    private sealed class ChunkState(SmtpConnection connection)
    {
        /// <summary>Chunks sent whose replies are not read yet.</summary>
        public int Outstanding { get; set; }

        /// <summary>When the transfer started (for the rate limit).</summary>
        public long Start { get; } = Stopwatch.GetTimestamp();

        /// <summary>Bytes already counted when the transfer started.</summary>
        public long Base { get; } = connection.BytesSent + connection.PendingWrite;
    }

    /// <summary>
    /// Sends one BDAT chunk. With PIPELINING the next chunk goes out before the previous one is answered (at most one
    /// reply outstanding behind the chunk in flight); without it, each chunk waits for its reply. A refused chunk
    /// ends the transaction (see <see cref="CheckChunkReplyAsync"/>).
    /// </summary>
    private async ValueTask SendChunkAsync<TIO>(TIO io, OperationGuard guard, ChunkState state, ReadOnlyMemory<byte> data, bool last)
        where TIO : struct, ISmtpIO
    {
        var connection = Connection;
        _step = "sending the message (BDAT)";
        await QueueChunkAsync(io, guard, data, last).ConfigureAwait(false);
        _endOfDataSent |= last;
        await connection.FlushAsync(io, guard).ConfigureAwait(false);
        state.Outstanding++;
        await ThrottleAsync(io, guard, Options.MaxTransferRate, state.Start, connection.BytesSent - state.Base).ConfigureAwait(false);
        if (!last && (!Capabilities.Pipelining || state.Outstanding > 1))
        {
            _step = "waiting for the reply to a chunk (BDAT)";
            var reply = await ReadReplyAsync(io, guard).ConfigureAwait(false);
            state.Outstanding--;
            await CheckChunkReplyAsync(io, guard, reply, state.Outstanding).ConfigureAwait(false);
        }
    }

    /// <summary>Reads the replies still due after the last chunk and returns the last one, the final reply.</summary>
    private async ValueTask<SmtpReply> FinishChunksAsync<TIO>(TIO io, OperationGuard guard, ChunkState state)
        where TIO : struct, ISmtpIO
    {
        _step = "waiting for the server to accept the message";
        while (state.Outstanding > 1)
        {
            var reply = await ReadReplyAsync(io, guard).ConfigureAwait(false);
            state.Outstanding--;
            await CheckChunkReplyAsync(io, guard, reply, state.Outstanding).ConfigureAwait(false);
        }
        return await ReadReplyAsync(io, guard).ConfigureAwait(false);
    }

    /// <summary>
    /// Sends the message as BDAT chunks of at most the chunk size and returns the reply to the last one; a message
    /// source that writes rather than reads (<see cref="MessageSource.IsPush"/>) writes its chunks through a
    /// <see cref="PushSink{TIO}"/>. A refused chunk ends the transaction: no further chunk is sent, the outstanding
    /// replies are read, and RSET clears the server's state (RFC 3030 §2) before the refusal is reported.
    /// </summary>
    /// <param name="io">The adapter.</param>
    /// <param name="guard">The call's guard.</param>
    /// <param name="reader">The message's chunk reader.</param>
    /// <param name="buffer">The chunk buffer.</param>
    /// <param name="prefilled">Bytes of the first chunk already in <paramref name="buffer"/>, or -1 when none.</param>
    private async ValueTask<SmtpReply> SendChunksAsync<TIO>(TIO io, OperationGuard guard, ChunkReader reader, byte[] buffer,
        int prefilled) where TIO : struct, ISmtpIO
    {
        var state = new ChunkState(Connection);
        var chunkSize = buffer.AsMemory(0, Math.Min(buffer.Length, Options.ChunkSize));
        if (reader.Message.IsPush)
        {
            var sink = new PushSink<TIO>(this, io, guard, chunkSize, state, reader.Message);
            await reader.Message.WriteToAsync(io, sink, guard.Token).ConfigureAwait(false);
            await sink.FinishAsync().ConfigureAwait(false);
            return await FinishChunksAsync(io, guard, state).ConfigureAwait(false);
        }
        int n = prefilled >= 0 ? prefilled : await reader.FillAsync(io, guard, chunkSize).ConfigureAwait(false);
        while (true)
        {
            bool last = reader.Exhausted;
            await SendChunkAsync(io, guard, state, buffer.AsMemory(0, n), last).ConfigureAwait(false);
            if (last)
            {
                break;
            }
            n = await reader.FillAsync(io, guard, chunkSize).ConfigureAwait(false);
        }
        return await FinishChunksAsync(io, guard, state).ConfigureAwait(false);
    }

    /// <summary>
    /// Judges the reply to a chunk that was not the last. A refusal ends the transaction: the replies still due are
    /// read, RSET clears the server's state (unless the server is closing the session), and the refusal is thrown.
    /// </summary>
    private async ValueTask CheckChunkReplyAsync<TIO>(TIO io, OperationGuard guard, SmtpReply reply, int outstanding)
        where TIO : struct, ISmtpIO
    {
        const string What = "The server refused a chunk of the message (BDAT), so the transaction was abandoned";
        if (reply.IsSuccess)
        {
            return;
        }
        if (reply.Code != 421)
        {
            _step = "reading the replies to the chunks already sent (BDAT)";
            for (; outstanding > 0; outstanding--)
            {
                if ((await ReadReplyAsync(io, guard).ConfigureAwait(false)).Code == 421)
                {
                    throw ReplyError(LastReply!, What);
                }
            }
            _step = "resetting the transaction (RSET)";
            var rset = await CommandAsync(io, guard, "RSET").ConfigureAwait(false);
            _needsReset = !rset.IsSuccess;
            LastReply = reply;
        }
        throw ReplyError(reply, What);
    }
}
