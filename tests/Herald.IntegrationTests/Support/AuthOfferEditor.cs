using System.Text;
using Herald.Engine;
using Herald.Transport;

namespace Herald.IntegrationTests.Support;

/// <summary>
/// Connects to the real peer over TCP, as the component does, but edits the mechanism list of the server's EHLO
/// <c>AUTH</c> line on its way in. Everything else passes through untouched, so the authentication that follows is a
/// real exchange with the real server.
/// </summary>
/// <remarks>
/// Two tests need it. AuthMechanism amUserPassword picks PLAIN whenever the server offers it, and no public setting
/// selects LOGIN, so LOGIN can only be exercised against Dovecot or Cyrus (which offer both) by hiding PLAIN. And no
/// peer here offers GSSAPI (there is no KDC), so adding it to the list is the only way to reach the component's
/// Kerberos start-up against a real session.
/// </remarks>
internal sealed class AuthOfferEditor(Func<IReadOnlyList<string>, IEnumerable<string>> edit) : ITransportFactory
{
    /// <summary>Installs the editor as the component's transport.</summary>
    public static void Install(Smtp smtp, Func<IReadOnlyList<string>, IEnumerable<string>> edit) =>
        smtp.Settings.TransportFactory = new AuthOfferEditor(edit);

    /// <inheritdoc/>
    public async ValueTask<OpenedTransport> OpenAsync<TIO>(TIO io, ConnectRequest settings, OperationGuard guard, Action<string> info)
        where TIO : struct, ISmtpIO
    {
        var opened = await TcpConnector.Instance.OpenAsync(io, settings, guard, info);
        return opened with { Stream = new EditingStream(opened.Stream, EditLine) };
    }

    private string EditLine(string line)
    {
        // "250-AUTH PLAIN LOGIN ..." or, as the last line of the reply, "250 AUTH ...".
        if (line.Length < 9 || !line.StartsWith("250", StringComparison.Ordinal)
            || !line.AsSpan(4).StartsWith("AUTH ", StringComparison.OrdinalIgnoreCase))
        {
            return line;
        }
        var offered = line[9..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return line[..9] + string.Join(' ', edit(offered));
    }

    /// <summary>Passes writes through and hands out reads a whole line at a time, edited.</summary>
    private sealed class EditingStream(Stream inner, Func<string, string> editLine) : Stream
    {
        private readonly byte[] _readBuffer = new byte[16 * 1024];
        private readonly List<byte> _partial = [];
        private byte[] _ready = [];
        private int _readyOffset;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            while (_readyOffset == _ready.Length)
            {
                int n = inner.Read(_readBuffer);
                if (!Take(n))
                {
                    return 0;
                }
            }
            return Hand(buffer);
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            while (_readyOffset == _ready.Length)
            {
                int n = await inner.ReadAsync(_readBuffer, cancellationToken);
                if (!Take(n))
                {
                    return 0;
                }
            }
            return Hand(buffer.Span);
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

        public override void Write(ReadOnlySpan<byte> buffer) => inner.Write(buffer);

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
            inner.WriteAsync(buffer, cancellationToken);

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            inner.WriteAsync(buffer, offset, count, cancellationToken);

        public override void Flush() => inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

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

        // Moves the complete lines of what was just read into _ready, edited; false at the end of the stream.
        private bool Take(int n)
        {
            if (n <= 0)
            {
                if (_partial.Count == 0)
                {
                    return false;
                }
                _ready = [.. _partial];
                _readyOffset = 0;
                _partial.Clear();
                return true;
            }
            _partial.AddRange(_readBuffer.AsSpan(0, n));
            int end = _partial.LastIndexOf((byte)'\n');
            if (end < 0)
            {
                return true;
            }
            string lines = Encoding.Latin1.GetString([.. _partial.GetRange(0, end + 1)]);
            _partial.RemoveRange(0, end + 1);
            var edited = new StringBuilder(lines.Length);
            foreach (string line in lines.Split("\r\n")[..^1])
            {
                edited.Append(editLine(line)).Append("\r\n");
            }
            _ready = Encoding.Latin1.GetBytes(edited.ToString());
            _readyOffset = 0;
            return true;
        }

        private int Hand(Span<byte> buffer)
        {
            int n = Math.Min(buffer.Length, _ready.Length - _readyOffset);
            _ready.AsSpan(_readyOffset, n).CopyTo(buffer);
            _readyOffset += n;
            return n;
        }
    }
}
