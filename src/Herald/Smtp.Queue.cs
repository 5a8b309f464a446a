using System.Security.Cryptography;
using System.Text;
using Herald.Engine;
using Herald.Queue;
using Herald.Transport;

namespace Herald;

public partial class Smtp
{
    private static long s_queueSequence; // orders the queue files this process writes within one millisecond

    /// <summary>
    /// Writes the current message (envelope and content) to a new, uniquely named <c>.queued</c> file in
    /// <paramref name="queueDir"/> for a later <see cref="ProcessQueue"/>, and returns the file's full path. With
    /// <paramref name="queueDir"/> "*" nothing is written and the queued content is returned instead. Non-ASCII text
    /// is queued as quoted-printable, since the server that will receive it is not known yet.
    /// </summary>
    /// <param name="queueDir">An existing directory, or "*".</param>
    /// <returns>The path of the new file, or the content for "*".</returns>
    /// <exception cref="SmtpException">164/165 when From or recipients are missing; 303 when the directory does not
    /// exist or cannot be written.</exception>
    public string Queue(string queueDir)
    {
        using var scope = Begin(default);
        return Finish(QueueCoreAsync(new SyncIO(), scope.Guard, queueDir));
    }

    /// <summary>Asynchronous <see cref="Queue"/>.</summary>
    /// <param name="queueDir">An existing directory, or "*".</param>
    /// <param name="cancellationToken">Cancels the write (no partial file is left).</param>
    /// <returns>The path of the new file, or the content for "*".</returns>
    /// <exception cref="SmtpException">As <see cref="Queue"/>.</exception>
    public async Task<string> QueueAsync(string queueDir, CancellationToken cancellationToken = default)
    {
        using var scope = Begin(cancellationToken);
        return await QueueCoreAsync(new AsyncIO(), scope.Guard, queueDir).ConfigureAwait(false);
    }

    /// <summary>
    /// Sends every <c>.queued</c> file in <paramref name="queueDir"/>, oldest first, over one connection: each file is
    /// renamed <c>.sending</c> while in flight, then deleted (or renamed <c>.sent</c> when config KeepQueue is True).
    /// On the first failure the file is renamed <c>.failed</c> and processing stops with the error, so no message is
    /// lost: failed files stay in the directory to be inspected or renamed back to <c>.queued</c>.
    /// </summary>
    /// <param name="queueDir">The queue directory.</param>
    /// <exception cref="SmtpException">303 when the directory does not exist; otherwise the error of the failed send.</exception>
    public void ProcessQueue(string queueDir)
    {
        using var scope = Begin(default);
        Finish(ProcessQueueCoreAsync(new SyncIO(), scope, queueDir));
    }

    /// <summary>Asynchronous <see cref="ProcessQueue"/>.</summary>
    /// <param name="queueDir">The queue directory.</param>
    /// <param name="cancellationToken">Cancels processing (the file in flight is renamed <c>.failed</c>).</param>
    /// <exception cref="SmtpException">As <see cref="ProcessQueue"/>.</exception>
    public async Task ProcessQueueAsync(string queueDir, CancellationToken cancellationToken = default)
    {
        using var scope = Begin(cancellationToken);
        await ProcessQueueCoreAsync(new AsyncIO(), scope, queueDir).ConfigureAwait(false);
    }

    private async ValueTask<string> QueueCoreAsync<TIO>(TIO io, OperationGuard guard, string queueDir) where TIO : struct, ISmtpIO
    {
        ArgumentNullException.ThrowIfNull(queueDir);
        ValidateForSend(requireServer: false);
        var envelope = BuildEnvelope("MAIL");
        var source = BuildSource(Protocol.Capabilities.None);
        try
        {
            if (queueDir == "*")
            {
                using var memory = new MemoryStream();
                memory.Write(QueueFile.FormatEnvelope(envelope));
                await CopySourceAsync(io, guard, source, memory).ConfigureAwait(false);
                return Encoding.UTF8.GetString(memory.GetBuffer(), 0, (int)memory.Length);
            }
            if (!Directory.Exists(queueDir))
            {
                throw new SmtpException(SmtpErrorCodes.CannotOpenFile, $"The queue directory \"{queueDir}\" does not exist; create it first.");
            }
            // ProcessQueue sends oldest first by name: the time, then a sequence number that orders files queued in
            // the same millisecond by this process, then random bytes so that other processes never collide.
            long sequence = Interlocked.Increment(ref s_queueSequence);
            string unique = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
            string name = $"{DateTime.UtcNow:yyyyMMddHHmmssfff}-{sequence:x12}-{unique}";
            string temp = Path.Combine(queueDir, name + ".tmp");
            string final = Path.Combine(Path.GetFullPath(queueDir), name + QueueFile.Queued);
            try
            {
                // Written under a temporary name and renamed when complete, so ProcessQueue never sees half a message.
                await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, io.IsAsync))
                {
                    await io.WriteAsync(file, QueueFile.FormatEnvelope(envelope), guard.Token).ConfigureAwait(false);
                    await CopySourceAsync(io, guard, source, file).ConfigureAwait(false);
                    await io.FlushAsync(file, guard.Token).ConfigureAwait(false);
                }
                File.Move(temp, final);
                return final;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                File.Delete(temp);
                throw new SmtpException(SmtpErrorCodes.CannotOpenFile, $"Could not write the queue file in \"{queueDir}\": {e.Message}", e);
            }
            catch
            {
                File.Delete(temp);
                throw;
            }
        }
        finally
        {
            source.Complete();
        }
    }

    private static async ValueTask CopySourceAsync<TIO>(TIO io, OperationGuard guard, MessageSource source, Stream target)
        where TIO : struct, ISmtpIO
    {
        var buffer = new byte[16 * 1024];
        int n;
        while ((n = await source.ReadAsync(io, buffer, guard.Token).ConfigureAwait(false)) > 0)
        {
            await io.WriteAsync(target, buffer.AsMemory(0, n), guard.Token).ConfigureAwait(false);
            guard.ThrowIfStopped();
        }
    }

    private async ValueTask ProcessQueueCoreAsync<TIO>(TIO io, EngineCall.Scope scope, string queueDir) where TIO : struct, ISmtpIO
    {
        var guard = scope.Guard;
        ArgumentNullException.ThrowIfNull(queueDir);
        if (!Directory.Exists(queueDir))
        {
            throw new SmtpException(SmtpErrorCodes.CannotOpenFile, $"The queue directory \"{queueDir}\" does not exist.");
        }
        var files = Directory.GetFiles(queueDir, "*" + QueueFile.Queued);
        Array.Sort(files, StringComparer.Ordinal);
        bool opened = false;
        try
        {
            foreach (var queued in files)
            {
                string sending = Path.ChangeExtension(queued, QueueFile.Sending);
                try
                {
                    File.Move(queued, sending);
                }
                catch (FileNotFoundException)
                {
                    continue; // another process took it
                }
                ((IEngineEvents)this).OnTrace(TraceDirection.Info, $"Sending queued message {Path.GetFileName(queued)}");
                try
                {
                    if (!Engine.IsConnected)
                    {
                        await ConnectCoreAsync(io, scope).ConfigureAwait(false);
                        opened = true;
                    }
                    // Closed here whatever happens (before the file is renamed): the message source leaves a stream
                    // it never read open.
                    using (var file = new FileStream(sending, FileMode.Open, FileAccess.Read, FileShare.Read, 16 * 1024, io.IsAsync))
                    {
                        Envelope envelope;
                        try
                        {
                            envelope = QueueFile.ReadEnvelope(file);
                        }
                        catch (FormatException e)
                        {
                            throw new SmtpException(SmtpErrorCodes.CannotOpenFile,
                                $"The queue file \"{queued}\" cannot be sent: {e.Message}.", e);
                        }
                        try
                        {
                            var source = new StreamMessageSource([], file, closeAfter: true);
                            await Engine.SendMailAsync(io, guard, envelope, source).ConfigureAwait(false);
                        }
                        catch (Exception e)
                        {
                            throw Engine.Translate(e, guard);
                        }
                    }
                }
                catch
                {
                    File.Move(sending, Path.ChangeExtension(queued, QueueFile.Failed), overwrite: true);
                    throw;
                }
                if (_keepQueue)
                {
                    File.Move(sending, Path.ChangeExtension(queued, QueueFile.Sent), overwrite: true);
                }
                else
                {
                    File.Delete(sending);
                }
            }
        }
        finally
        {
            if (opened)
            {
                await Engine.DisconnectAsync(io, guard, keepLastReply: true).ConfigureAwait(false);
            }
        }
    }
}
