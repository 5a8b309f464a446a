using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using Herald.Diagnostics;
using Herald.Protocol;
using Herald.Transport;

namespace Herald.Engine;

internal sealed partial class SmtpEngine
{
    private const int StagingSize = 16 * 1024;

    /// <summary>
    /// Runs one mail transaction: [RSET], MAIL FROM, one RCPT TO per recipient, then the message: DATA and the
    /// dot-stuffed data, or (when the server offers CHUNKING, RFC 3030) BDAT chunks. With PIPELINING (RFC 2920) the
    /// commands up to DATA go out in one write and the replies are matched in order; without it, one command at a
    /// time. A message that fits one chunk goes with its envelope in that same write (<c>BDAT n LAST</c>) when no
    /// rejected recipient could stop the transaction, since data sent with the envelope cannot be withdrawn.
    /// </summary>
    /// <exception cref="SmtpException">The server refused the message (161), or the connection failed (162).</exception>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<TransactionResult> SendMailAsync<TIO>(TIO io, OperationGuard guard, Envelope envelope, MessageSource message)
        where TIO : struct, ISmtpIO
    {
        var connection = Connection;
        guard.SetAbortAction(connection.Abort);
        var caps = Capabilities;
        bool bdat = UsesChunking(message, caps);
        if (caps.Size || _events.WantsTransfer || (bdat && !message.IsPush))
        {
            // SIZE=, the percentage and the choice of one chunk need the exact length; a stream source may have to
            // count its line ends first.
            _step = "measuring the message";
            await message.MeasureAsync(io, guard.Token).ConfigureAwait(false);
        }
        var mail = SmtpCommands.Mail(envelope.Verb, envelope.ReversePath, MailParameters(envelope, message, caps, bdat));
        var rcpts = RcptCommands(envelope, caps);

        bool reset = Options.SendRset && (_transactions > 0 || _needsReset);
        bool pipelining = caps.Pipelining;
        var result = new TransactionResult();
        var outcome = new Outcome(envelope, Options.StopOnRejected, _events);
        byte[]? chunk = null;
        ChunkReader? reader = null;
        int prefilled = -1;
        bool dataWithEnvelope = false;
        _transactions++;
        _needsReset = true; // until the transaction completes either way
        _diag.MessageStarting(envelope, message);
        try
        {
            if (bdat)
            {
                chunk = ArrayPool<byte>.Shared.Rent(Options.ChunkSize);
                reader = new ChunkReader(this, message);
                if (pipelining && !CanStop(envelope) && !message.IsPush)
                {
                    // No rejected recipient can stop this transaction, so the data may travel with the envelope: when
                    // the whole message fits one chunk, MAIL, RCPT and BDAT n LAST go in one write.
                    StartTransfer(message, guard);
                    prefilled = await reader.FillAsync(io, guard, chunk.AsMemory(0, Options.ChunkSize)).ConfigureAwait(false);
                    dataWithEnvelope = reader.Exhausted;
                }
            }
            // Every command that precedes the data, in order. Pipelined: all in one write, then the replies in
            // order. Otherwise: one at a time, stopping at the first fatal reply.
            int count = (reset ? 1 : 0) + 1 + rcpts.Length + (bdat ? 0 : 1);
            if (pipelining)
            {
                for (int i = 0; i < count; i++)
                {
                    QueueCommand(CommandAt(i, reset, mail, rcpts));
                }
                if (dataWithEnvelope)
                {
                    _step = "sending the message (pipelined with its envelope)";
                    await QueueChunkAsync(io, guard, chunk.AsMemory(0, prefilled), last: true).ConfigureAwait(false);
                }
                else
                {
                    _step = "sending the envelope (pipelined)";
                }
                await connection.FlushAsync(io, guard).ConfigureAwait(false);
            }
            for (int i = 0; i < count; i++)
            {
                string command = CommandAt(i, reset, mail, rcpts);
                int kind = i - (reset ? 1 : 0); // -1 RSET, 0 MAIL, 1..n RCPT, n+1 DATA
                if (!pipelining && kind == rcpts.Length + 1 && result.Accepted.Count == 0)
                {
                    // One command at a time, the client already knows that no recipient was accepted: DATA could
                    // deliver nothing, so it is not sent (RFC 5321 §3.3 asks the server to refuse it anyway).
                    outcome.NoneAccepted(result, null);
                    break;
                }
                if (!pipelining)
                {
                    QueueCommand(command);
                    _step = "sending {0}";
                    _stepCommand = command;
                    await connection.FlushAsync(io, guard).ConfigureAwait(false);
                }
                _step = "waiting for the reply to {0}";
                _stepCommand = command;
                var reply = await ReadReplyAsync(io, guard).ConfigureAwait(false);
                if (reply.Code == 421)
                {
                    throw ReplyError(reply, $"The server ended the session in reply to {Verb(command)}");
                }
                bool echo = outcome.Failure is not null; // a refusal after the transaction failed only repeats it
                bool keepGoing = outcome.Record(kind, reply, result);
                if (kind > 0 && kind <= rcpts.Length && (reply.IsSuccess || !echo))
                {
                    _diag.RecipientReplied(envelope.Recipients[kind - 1], reply);
                }
                guard.ThrowIfStopped();
                if (!keepGoing && !pipelining)
                {
                    break;
                }
            }

            SmtpReply final;
            if (dataWithEnvelope)
            {
                // The message went with the envelope; its BDAT LAST reply is the final reply, whatever the envelope's.
                _step = "waiting for the server to accept the message";
                final = await ReadReplyAsync(io, guard).ConfigureAwait(false);
                EndTransfer(message, guard);
                if (outcome.Failure is null && result.Accepted.Count == 0)
                {
                    outcome.NoneAccepted(result, final);
                }
                if (outcome.Failure is { } envelopeFailure)
                {
                    throw envelopeFailure;
                }
            }
            else
            {
                if (bdat && outcome.Failure is null && result.Accepted.Count == 0)
                {
                    outcome.NoneAccepted(result, null);
                }
                if (outcome.Failure is { } failure)
                {
                    if (outcome.DataAccepted)
                    {
                        // DATA was already accepted (354) in the pipelined batch; there is no way to withdraw it without
                        // sending a message, so the connection is closed: an unterminated DATA is never delivered
                        // (RFC 5321 §4.1.1.4).
                        connection.Abort();
                        throw new SmtpException(failure.Code,
                            failure.Message + " Nothing was delivered; the connection was closed to abandon the message.",
                            outcome.FailureReply!, failure);
                    }
                    throw failure;
                }
                if (bdat)
                {
                    if (prefilled < 0)
                    {
                        StartTransfer(message, guard);
                    }
                    final = await SendChunksAsync(io, guard, reader!, chunk!, prefilled).ConfigureAwait(false);
                    EndTransfer(message, guard);
                }
                else
                {
                    await SendDataAsync(io, guard, message).ConfigureAwait(false);
                    _step = "waiting for the server to accept the message";
                    final = await ReadReplyAsync(io, guard).ConfigureAwait(false);
                }
            }
            result.FinalReply = final;
            if (!final.IsSuccess)
            {
                throw ReplyError(final, "The server did not accept the message");
            }
            _needsReset = false;
            _step = "";
            _diag.MessageAccepted(final, envelope.Recipients.Count, result.Accepted.Count);
            return result;
        }
        catch (Exception e)
        {
            _diag.MessageFailed(e, guard.Reason, envelope.Recipients.Count, result.Accepted.Count);
            throw;
        }
        finally
        {
            reader?.Dispose();
            if (chunk is not null)
            {
                ArrayPool<byte>.Shared.Return(chunk);
            }
            message.Complete();
        }
    }

    /// <summary>The StartTransfer callback, for a message with a body.</summary>
    private void StartTransfer(MessageSource message, OperationGuard guard)
    {
        if (message.HasBody)
        {
            _events.OnStartTransfer();
            guard.ThrowIfStopped();
        }
    }

    /// <summary>The EndTransfer callback, for a message with a body.</summary>
    private void EndTransfer(MessageSource message, OperationGuard guard)
    {
        if (message.HasBody)
        {
            _events.OnEndTransfer();
            guard.ThrowIfStopped();
        }
    }

    /// <summary>True when a rejected recipient of this envelope would stop the transaction.</summary>
    private bool CanStop(Envelope envelope)
    {
        var stopOn = Options.StopOnRejected;
        foreach (var r in envelope.Recipients)
        {
            if ((stopOn & KindsOf(r.Kind)) != 0)
            {
                return true;
            }
        }
        return false;
    }

    private static RecipientKinds KindsOf(RecipientKind kind) => kind switch
    {
        RecipientKind.Cc => RecipientKinds.Cc,
        RecipientKind.Bcc => RecipientKinds.Bcc,
        _ => RecipientKinds.To,
    };

    /// <summary>
    /// True when the message goes by BDAT: the server offers CHUNKING and the options allow it. A binary message
    /// (RFC 3030 BINARYMIME) has no other way.
    /// </summary>
    /// <exception cref="SmtpException">10045: the message is binary and the server cannot take it.</exception>
    private bool UsesChunking(MessageSource message, Capabilities caps)
    {
        bool bdat = caps.Chunking && Options.UseChunking;
        if (message.IsBinary && !(bdat && caps.BinaryMime))
        {
            throw new SmtpException(SmtpErrorCodes.NotSupported,
                "The message is binary MIME (RFC 3030), which only BDAT with BINARYMIME can carry unchanged, but the " +
                (caps.Chunking && caps.BinaryMime ? "use of CHUNKING is turned off" : "server does not offer CHUNKING and BINARYMIME") +
                "; nothing was sent. Encode its binary parts (base64) to send it to this server.");
        }
        return bdat;
    }

    /// <summary>One RCPT command per recipient; DSN options are left out when the server does not offer DSN.</summary>
    private string[] RcptCommands(Envelope envelope, Capabilities caps)
    {
        var rcpts = new string[envelope.Recipients.Count];
        for (int i = 0; i < rcpts.Length; i++)
        {
            var r = envelope.Recipients[i];
            string options = r.Options;
            if (options.Length > 0 && RecipientOptions.UsesDsn(options) && !caps.Dsn)
            {
                Info($"The server does not offer DSN; the options \"{options}\" for {r.Address} were not sent.");
                options = "";
            }
            rcpts[i] = SmtpCommands.Rcpt(r.Address, options);
        }
        return rcpts;
    }

    private static string CommandAt(int index, bool reset, string mail, string[] rcpts)
    {
        if (reset)
        {
            if (index == 0)
            {
                return "RSET";
            }
            index--;
        }
        return index == 0 ? mail : index <= rcpts.Length ? rcpts[index - 1] : "DATA";
    }

    private static string Verb(string command)
    {
        int colon = command.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 ? command[..(colon + 1)] + "..." : command;
    }

    /// <summary>
    /// MAIL FROM parameters: SIZE (RFC 1870), BODY=8BITMIME (RFC 6152) or BODY=BINARYMIME (RFC 3030), SMTPUTF8
    /// (RFC 6531), and extras.
    /// </summary>
    private List<string> MailParameters(Envelope envelope, MessageSource message, Capabilities caps, bool bdat)
    {
        var parameters = new List<string>(4);
        if (caps.Size && message.Length >= 0)
        {
            if (caps.MaxSize > 0 && message.Length > caps.MaxSize)
            {
                throw new SmtpException(SmtpErrorCodes.ProtocolError,
                    $"The message is {message.Length} bytes but the server accepts at most {caps.MaxSize} bytes (SIZE); nothing was sent.");
            }
            parameters.Add("SIZE=" + message.Length.ToString(CultureInfo.InvariantCulture));
        }
        if (message.IsBinary && bdat)
        {
            parameters.Add("BODY=BINARYMIME");
        }
        else if (message.Is8Bit && caps.EightBitMime)
        {
            parameters.Add("BODY=8BITMIME");
        }
        if (envelope.NeedsSmtpUtf8)
        {
            if (!caps.SmtpUtf8)
            {
                throw new SmtpException(SmtpErrorCodes.NotSupported,
                    "An address contains non-ASCII characters, but the server does not offer SMTPUTF8 (RFC 6531); " +
                    "such an address cannot be sent to this server.");
            }
            parameters.Add("SMTPUTF8");
        }
        parameters.AddRange(envelope.ExtraMailParameters);
        return parameters;
    }

    /// <summary>
    /// Streams the message: dot-stuffing and line-end normalisation happen on the way into the write buffer, so memory
    /// use does not depend on the message size.
    /// </summary>
    private async ValueTask SendDataAsync<TIO>(TIO io, OperationGuard guard, MessageSource message, bool flush = true)
        where TIO : struct, ISmtpIO
    {
        var connection = Connection;
        _step = "sending the message data";
        StartTransfer(message, guard);
        if (message.IsPush)
        {
            var sink = new PushSink<TIO>(this, io, guard, message);
            await message.WriteToAsync(io, sink, guard.Token).ConfigureAwait(false);
            await sink.FinishAsync().ConfigureAwait(false);
            if (flush)
            {
                _endOfDataSent = true;
                await connection.FlushAsync(io, guard).ConfigureAwait(false);
            }
            EndTransfer(message, guard);
            return;
        }
        var staging = ArrayPool<byte>.Shared.Rent(StagingSize);
        try
        {
            var stuffer = new DotStuffer();
            long sent = 0;
            var progress = new DataLength(); // what the server has received so far, in the units of Length
            long length = message.Length;
            int rate = Options.MaxTransferRate;
            // When throttled, flush in pieces of about a tenth of a second's worth so the rate is smooth.
            int flushAt = rate > 0 ? Math.Clamp(rate / 10, 512, connection.WriteCapacity) : connection.WriteCapacity;
            long start = Stopwatch.GetTimestamp();
            long throttled = connection.BytesSent + connection.PendingWrite;
            while (true)
            {
                int n = await message.ReadAsync(io, staging.AsMemory(0, StagingSize), guard.Token).ConfigureAwait(false);
                if (n <= 0)
                {
                    break;
                }
                int offset = 0;
                while (offset < n)
                {
                    if (connection.FreeSpace.Length < 2 || connection.PendingWrite >= flushAt)
                    {
                        await connection.FlushAsync(io, guard).ConfigureAwait(false);
                        await ThrottleAsync(io, guard, rate, start, connection.BytesSent - throttled).ConfigureAwait(false);
                    }
                    var space = connection.FreeSpace;
                    int room = flushAt - connection.PendingWrite;
                    if (room >= 2 && room < space.Length)
                    {
                        space = space[..room];
                    }
                    int written = stuffer.Encode(staging.AsSpan(offset, n - offset), space, out int used);
                    connection.Advance(written);
                    offset += used;
                }
                sent += n;
                if (_events.WantsTransfer)
                {
                    progress.Add(staging.AsSpan(0, n));
                    int percent = length > 0 ? (int)Math.Min(100, progress.Total * 100 / length) : -1;
                    _events.OnTransfer(sent, progress.Total, length, percent, staging.AsMemory(0, n));
                }
                guard.ThrowIfStopped();
            }
            if (connection.FreeSpace.Length < 5)
            {
                await connection.FlushAsync(io, guard).ConfigureAwait(false);
            }
            connection.Advance(stuffer.Finish(connection.FreeSpace));
            if (flush)
            {
                _endOfDataSent = true;
                await connection.FlushAsync(io, guard).ConfigureAwait(false);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(staging);
        }
        EndTransfer(message, guard);
    }

    /// <summary>Waits until the bytes sent so far fit MaxTransferRate.</summary>
    private static ValueTask ThrottleAsync<TIO>(TIO io, OperationGuard guard, int rate, long start, long bytes)
        where TIO : struct, ISmtpIO
    {
        if (rate <= 0)
        {
            return default;
        }
        var due = TimeSpan.FromSeconds((double)bytes / rate);
        var elapsed = Stopwatch.GetElapsedTime(start);
        return due > elapsed ? io.DelayAsync(due - elapsed, guard.Token) : default;
    }

    /// <summary>
    /// Judges the replies of one transaction in order and applies the recipient-failure policy: a rejected recipient
    /// of a kind in <paramref name="stopOn"/> stops the send; any other is reported through the error callback.
    /// </summary>
    private sealed class Outcome(Envelope envelope, RecipientKinds stopOn, IEngineEvents events)
    {
        public SmtpException? Failure { get; private set; }

        /// <summary>The reply that caused <see cref="Failure"/>, so a rethrow can carry its codes.</summary>
        public SmtpReply? FailureReply { get; private set; }

        public bool DataAccepted { get; private set; }

        /// <summary>Records one reply; returns false when the transaction cannot go on.</summary>
        /// <param name="kind">-1 RSET, 0 MAIL, 1..n RCPT n, n+1 DATA.</param>
        /// <param name="reply">The server's reply to that command.</param>
        /// <param name="result">Collects accepted and rejected recipients.</param>
        public bool Record(int kind, SmtpReply reply, TransactionResult result)
        {
            int n = envelope.Recipients.Count;
            if (kind == -1)
            {
                return Check(reply.IsSuccess, reply, "The server rejected RSET");
            }
            if (kind == 0)
            {
                return Check(reply.IsSuccess, reply, $"The server rejected the sender <{envelope.ReversePath}> ({envelope.Verb} FROM)");
            }
            if (kind <= n)
            {
                var recipient = envelope.Recipients[kind - 1];
                if (reply.IsSuccess)
                {
                    result.Accepted.Add(recipient);
                    return true;
                }
                if (Failure is not null)
                {
                    return false; // already failed: this reply is an echo of that (e.g. 503 after a rejected MAIL)
                }
                var kinds = recipient.Kind switch
                {
                    RecipientKind.Cc => RecipientKinds.Cc,
                    RecipientKind.Bcc => RecipientKinds.Bcc,
                    _ => RecipientKinds.To,
                };
                bool stop = (stopOn & kinds) != 0;
                string label = recipient.Kind.ToString();
                string message = $"The server rejected the {label} recipient <{recipient.Address}>: {reply}";
                if (stop)
                {
                    Fail(message, reply);
                    return false;
                }
                result.Rejected.Add((recipient, reply));
                events.OnError(SmtpErrorCodes.ProtocolError, message);
                return true;
            }
            // DATA
            DataAccepted = reply.Code == 354;
            if (Failure is not null)
            {
                return false;
            }
            if (result.Accepted.Count == 0)
            {
                NoneAccepted(result, reply);
                return false;
            }
            return Check(DataAccepted, reply, "The server rejected DATA");
        }

        private bool Check(bool ok, SmtpReply reply, string what)
        {
            if (!ok && Failure is null)
            {
                Fail($"{what}: {reply}", reply);
            }
            return ok && Failure is null;
        }

        /// <summary>Records that no recipient was accepted; the error carries the last refusal (or the DATA reply).</summary>
        public void NoneAccepted(TransactionResult result, SmtpReply? dataReply)
        {
            var last = result.Rejected.Count > 0 ? result.Rejected[^1].Reply : dataReply;
            Fail("The server accepted none of the recipients; nothing was sent." +
                (result.Rejected.Count > 0 ? $" Last rejection: {result.Rejected[^1].Reply}" : ""), last!);
        }

        private void Fail(string message, SmtpReply reply)
        {
            Failure = new SmtpException(SmtpErrorCodes.ProtocolError, message, reply);
            FailureReply = reply;
        }
    }
}
