using System.Net.Sockets;
using Xunit.Sdk;

namespace Herald.Tests.Proxies;

/// <summary>
/// A <see cref="NetworkStream"/> over a real socket that fails the test when the sync path calls an asynchronous
/// member or the async path a blocking one. It stays a NetworkStream, so the handshake's check for bytes waiting after
/// the proxy's reply sees the socket as in production.
/// </summary>
internal sealed class CheckedNetworkStream(Socket socket, bool isAsync) : NetworkStream(socket, ownsSocket: true)
{
    /// <summary>True for a stream that only the async path may use.</summary>
    public bool IsAsync { get; } = isAsync;

    public override int Read(byte[] buffer, int offset, int count)
    {
        RequireSync(nameof(Read));
        return base.Read(buffer, offset, count);
    }

    public override int Read(Span<byte> buffer)
    {
        RequireSync(nameof(Read));
        return base.Read(buffer);
    }

    public override int ReadByte()
    {
        RequireSync(nameof(ReadByte));
        return base.ReadByte();
    }

    public override void Write(byte[] buffer, int offset, int count)
    {
        RequireSync(nameof(Write));
        base.Write(buffer, offset, count);
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        RequireSync(nameof(Write));
        base.Write(buffer);
    }

    public override void WriteByte(byte value)
    {
        RequireSync(nameof(WriteByte));
        base.WriteByte(value);
    }

    public override void Flush()
    {
        RequireSync(nameof(Flush));
        base.Flush();
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        RequireAsync(nameof(ReadAsync));
        return base.ReadAsync(buffer, offset, count, cancellationToken);
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        RequireAsync(nameof(ReadAsync));
        return base.ReadAsync(buffer, cancellationToken);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        RequireAsync(nameof(WriteAsync));
        return base.WriteAsync(buffer, offset, count, cancellationToken);
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        RequireAsync(nameof(WriteAsync));
        return base.WriteAsync(buffer, cancellationToken);
    }

    public override Task FlushAsync(CancellationToken cancellationToken)
    {
        RequireAsync(nameof(FlushAsync));
        return base.FlushAsync(cancellationToken);
    }

    public override IAsyncResult BeginRead(byte[] buffer, int offset, int count, AsyncCallback? callback, object? state) =>
        throw new XunitException("BeginRead is never used");

    public override IAsyncResult BeginWrite(byte[] buffer, int offset, int count, AsyncCallback? callback, object? state) =>
        throw new XunitException("BeginWrite is never used");

    private void RequireSync(string member)
    {
        if (IsAsync)
        {
            throw new XunitException($"The async path called the blocking {member}.");
        }
    }

    private void RequireAsync(string member)
    {
        if (!IsAsync)
        {
            throw new XunitException($"The sync path called the asynchronous {member}.");
        }
    }
}
