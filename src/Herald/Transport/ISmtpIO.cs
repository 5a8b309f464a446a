using System.Net;
using System.Net.Security;
using System.Net.Sockets;

namespace Herald.Transport;

/// <summary>
/// The I/O seam that lets every network operation be written once as an <c>async ValueTask</c> method generic over
/// <c>TIO</c>. <see cref="SyncIO"/> performs each call with the blocking API and returns a completed task;
/// <see cref="AsyncIO"/> uses the asynchronous API. The JIT specialises the generic code per struct, so sync
/// callers never touch the thread pool.
/// </summary>
internal interface ISmtpIO
{
    /// <summary>True for the asynchronous adapter.</summary>
    bool IsAsync { get; }

    /// <summary>Reads from <paramref name="stream"/>.</summary>
    ValueTask<int> ReadAsync(Stream stream, Memory<byte> buffer, CancellationToken cancellationToken);

    /// <summary>Writes all of <paramref name="buffer"/> to <paramref name="stream"/>.</summary>
    ValueTask WriteAsync(Stream stream, ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken);

    /// <summary>Flushes <paramref name="stream"/>.</summary>
    ValueTask FlushAsync(Stream stream, CancellationToken cancellationToken);

    /// <summary>Resolves a host name.</summary>
    ValueTask<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken);

    /// <summary>Connects <paramref name="socket"/>.</summary>
    ValueTask ConnectAsync(Socket socket, EndPoint endPoint, CancellationToken cancellationToken);

    /// <summary>Runs the client side of a TLS handshake.</summary>
    ValueTask AuthenticateAsClientAsync(SslStream stream, SslClientAuthenticationOptions options, CancellationToken cancellationToken);

    /// <summary>Waits (used to throttle to MaxTransferRate).</summary>
    ValueTask DelayAsync(TimeSpan delay, CancellationToken cancellationToken);
}

/// <summary>Blocking I/O: every member completes before it returns.</summary>
internal readonly struct SyncIO : ISmtpIO
{
    public bool IsAsync => false;

    public ValueTask<int> ReadAsync(Stream stream, Memory<byte> buffer, CancellationToken cancellationToken) =>
        new(stream.Read(buffer.Span));

    public ValueTask WriteAsync(Stream stream, ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken)
    {
        stream.Write(buffer.Span);
        return default;
    }

    public ValueTask FlushAsync(Stream stream, CancellationToken cancellationToken)
    {
        stream.Flush();
        return default;
    }

    public ValueTask<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken) =>
        new(Dns.GetHostAddresses(host));

    public ValueTask ConnectAsync(Socket socket, EndPoint endPoint, CancellationToken cancellationToken)
    {
        socket.Connect(endPoint);
        return default;
    }

    public ValueTask AuthenticateAsClientAsync(SslStream stream, SslClientAuthenticationOptions options, CancellationToken cancellationToken)
    {
        stream.AuthenticateAsClient(options);
        return default;
    }

    public ValueTask DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        // The wait handle wakes early when the operation is interrupted or times out.
        cancellationToken.WaitHandle.WaitOne(delay);
        cancellationToken.ThrowIfCancellationRequested();
        return default;
    }
}

/// <summary>Asynchronous I/O.</summary>
internal readonly struct AsyncIO : ISmtpIO
{
    public bool IsAsync => true;

    public ValueTask<int> ReadAsync(Stream stream, Memory<byte> buffer, CancellationToken cancellationToken) =>
        stream.ReadAsync(buffer, cancellationToken);

    public ValueTask WriteAsync(Stream stream, ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken) =>
        stream.WriteAsync(buffer, cancellationToken);

    public ValueTask FlushAsync(Stream stream, CancellationToken cancellationToken) =>
        new(stream.FlushAsync(cancellationToken));

    public async ValueTask<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken) =>
        await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);

    public ValueTask ConnectAsync(Socket socket, EndPoint endPoint, CancellationToken cancellationToken) =>
        socket.ConnectAsync(endPoint, cancellationToken);

    public ValueTask AuthenticateAsClientAsync(SslStream stream, SslClientAuthenticationOptions options, CancellationToken cancellationToken) =>
        new(stream.AuthenticateAsClientAsync(options, cancellationToken));

    public ValueTask DelayAsync(TimeSpan delay, CancellationToken cancellationToken) =>
        new(Task.Delay(delay, cancellationToken));
}
