using System.Collections.Concurrent;
using System.Net.Security;
using System.Runtime.InteropServices;

namespace Herald.Security.Tls;

/// <summary>Raised inside the handshake when the session's OpenSSL handle cannot be reached for key logging.</summary>
internal sealed class KeyLogUnavailableException(string message) : IOException(message);

/// <summary>
/// Key logging for one connection: appends the session's secrets in the NSS key log format (CLIENT_RANDOM for
/// TLS 1.2, CLIENT_HANDSHAKE_TRAFFIC_SECRET / SERVER_HANDSHAKE_TRAFFIC_SECRET / CLIENT_TRAFFIC_SECRET_0 /
/// SERVER_TRAFFIC_SECRET_0 / EXPORTER_SECRET for TLS 1.3) so that Wireshark can decrypt a capture.
/// </summary>
/// <remarks>
/// .NET only offers key logging for the whole process (the SSLKEYLOGFILE variable, honoured when an AppContext
/// switch is set at start-up). Per connection it needs OpenSSL itself: a key-log callback is installed on the
/// connection's SSL_CTX and a table maps each SSL* to the file it belongs to, so connections that did not ask for
/// logging (and may share the SSL_CTX) are not logged. A callback that was already installed (the runtime's own
/// logger) keeps receiving every line. The SSL* exists once the ClientHello has been produced, and no secret exists
/// before the ServerHello arrives, so attaching at the connection's first read or write (see
/// <see cref="KeyLogHookStream"/>) catches every secret.
/// </remarks>
internal sealed unsafe class KeyLogSession : IDisposable
{
    private static readonly ConcurrentDictionary<nint, KeyLogSession> s_sessions = new();
    private static readonly ConcurrentDictionary<nint, nint> s_previousCallbacks = new();
    private static readonly object s_installGate = new();

    private readonly FileStream _file;
    private readonly object _gate = new();
    private SafeHandle? _handle;
    private nint _ssl;
    private bool _disposed;

    private KeyLogSession(string path, FileStream file)
    {
        Path = path;
        _file = file;
    }

    /// <summary>The file the lines go to.</summary>
    public string Path { get; }

    /// <summary>How many lines were written.</summary>
    public int Lines { get; private set; }

    /// <summary>The first error writing the file, if any (it cannot be thrown from inside OpenSSL).</summary>
    public Exception? WriteError { get; private set; }

    /// <summary>Opens the key log file for appending.</summary>
    /// <param name="path">The file.</param>
    /// <param name="setting">The name of the setting that named the file, for error messages.</param>
    /// <exception cref="SmtpException">10045: key logging is impossible on this platform; 303: the file cannot be opened.</exception>
    public static KeyLogSession Open(string path, string setting)
    {
        if (PlatformTls.UnavailableReason is { } why)
        {
            throw new SmtpException(SmtpErrorCodes.NotSupported,
                $"{setting} cannot be honoured: {why}. Clear {setting}, or capture secrets process-wide with the " +
                "SSLKEYLOGFILE environment variable where the platform supports it.");
        }
        try
        {
            var file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
            return new KeyLogSession(path, file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new SmtpException(SmtpErrorCodes.CannotOpenFile,
                $"{setting} '{path}' cannot be opened for appending: {e.Message}", e);
        }
    }

    /// <summary>Starts logging the secrets of <paramref name="stream"/>'s session.</summary>
    /// <param name="stream">A stream whose handshake has produced its ClientHello.</param>
    /// <exception cref="KeyLogUnavailableException">The session handle cannot be reached.</exception>
    public void Attach(SslStream stream)
    {
        var api = PlatformTls.Native ?? throw new KeyLogUnavailableException("the OpenSSL functions are not available.");
        var handle = PlatformTls.GetSslHandle(stream);
        if (handle is null || handle.IsInvalid)
        {
            throw new KeyLogUnavailableException("the TLS session handle was not found when the handshake started.");
        }
        bool added = false;
        handle.DangerousAddRef(ref added);
        _handle = handle;
        _ssl = handle.DangerousGetHandle();
        s_sessions[_ssl] = this;
        nint ctx = api.GetCtx(_ssl);
        nint ours = (nint)(delegate* unmanaged<nint, byte*, void>)&OnLine;
        lock (s_installGate)
        {
            nint current = api.GetKeylogCallback(ctx);
            if (current != ours)
            {
                s_previousCallbacks[ctx] = current;
                api.SetKeylogCallback(ctx, ours);
            }
        }
    }

    /// <summary>Stops logging and closes the file.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
        }
        if (_ssl != 0)
        {
            s_sessions.TryRemove(new KeyValuePair<nint, KeyLogSession>(_ssl, this));
        }
        _handle?.DangerousRelease();
        _handle = null;
        try
        {
            _file.Dispose();
        }
        catch (IOException e)
        {
            WriteError ??= e;
        }
    }

    [UnmanagedCallersOnly]
    private static void OnLine(nint ssl, byte* line)
    {
        // Nothing may escape into OpenSSL: a managed exception crossing this frame would end the process.
        try
        {
            if (s_sessions.TryGetValue(ssl, out var session))
            {
                session.Write(MemoryMarshal.CreateReadOnlySpanFromNullTerminated(line));
            }
            var api = PlatformTls.Native;
            if (api is not null && s_previousCallbacks.TryGetValue(api.GetCtx(ssl), out nint previous) && previous != 0)
            {
                ((delegate* unmanaged<nint, byte*, void>)previous)(ssl, line);
            }
        }
        catch (Exception)
        {
        }
    }

    private void Write(ReadOnlySpan<byte> line)
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }
            try
            {
                _file.Write(line);
                _file.WriteByte((byte)'\n');
                _file.Flush();
                Lines++;
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                WriteError ??= e;
            }
        }
    }
}

/// <summary>
/// The transport stream as the TLS layer sees it while key logging: a pass-through that attaches the
/// <see cref="KeyLogSession"/> at the first read or write, when the session's SSL* exists but holds no secret yet.
/// </summary>
internal sealed class KeyLogHookStream(Stream inner, KeyLogSession session) : Stream
{
    private bool _attached;

    /// <summary>The TLS stream built over this one; set before the handshake starts.</summary>
    public SslStream? Owner { get; set; }

    public override bool CanRead => inner.CanRead;
    public override bool CanWrite => inner.CanWrite;
    public override bool CanSeek => false;
    public override bool CanTimeout => inner.CanTimeout;
    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int ReadTimeout
    {
        get => inner.ReadTimeout;
        set => inner.ReadTimeout = value;
    }

    public override int WriteTimeout
    {
        get => inner.WriteTimeout;
        set => inner.WriteTimeout = value;
    }

    public override void Flush() => inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        Attach();
        return inner.Read(buffer);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Attach();
        return inner.ReadAsync(buffer, cancellationToken);
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        Attach();
        inner.Write(buffer);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Attach();
        return inner.WriteAsync(buffer, cancellationToken);
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }
        base.Dispose(disposing);
    }

    private void Attach()
    {
        if (_attached)
        {
            return;
        }
        _attached = true;
        session.Attach(Owner ?? throw new KeyLogUnavailableException("the TLS stream was not set up."));
    }
}
