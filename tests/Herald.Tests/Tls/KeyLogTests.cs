using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using Herald.Security.Tls;
using Xunit;

namespace Herald.Tests.Tls;

public sealed class KeyLogTests
{
    private static TestPki Pki => TestPki.Instance;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TLS13_secrets_are_logged_for_this_connection_under_its_ClientHello_random(bool useAsync)
    {
        using var dir = new TempDir();
        string path = dir.File("keys.log");
        await using var server = new LoopbackTlsServer(Pki.Server, [Pki.Intermediate], protocols: SslProtocols.Tls13);
        var settings = TlsTestClient.TrustingTestRoot();
        settings.KeyLogFile = path;
        RecordingStream? recorder = null;
        var callbacks = new RecordingTlsCallbacks();

        var session = await TlsTestClient.ConnectAsync(useAsync, server.Port, settings, callbacks,
            wrap: s => recorder = new RecordingStream(s));
        TlsTestClient.ReadGreeting(session);
        session.Stream.Dispose();

        string clientRandom = recorder!.ClientHelloRandom();
        var lines = File.ReadAllLines(path);
        var labels = lines.Select(l => l.Split(' ')).ToList();
        Assert.All(labels, parts =>
        {
            Assert.Equal(3, parts.Length);
            Assert.Equal(clientRandom, parts[1]);
            Assert.Matches("^[0-9a-f]{64,96}$", parts[2]);
        });
        Assert.Equal(
            ["CLIENT_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_TRAFFIC_SECRET_0", "EXPORTER_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET",
             "SERVER_TRAFFIC_SECRET_0"],
            labels.Select(p => p[0]).Order());
        Assert.Contains(callbacks.Statuses, s => s == $"Session secrets written to SSLKeyLogFile '{path}' (5 lines).");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TLS12_logs_the_master_secret_as_CLIENT_RANDOM_and_appends(bool useAsync)
    {
        using var dir = new TempDir();
        string path = dir.Write("keys.log", "# earlier content\n");
        await using var server = new LoopbackTlsServer(Pki.Server, [Pki.Intermediate], protocols: SslProtocols.Tls12);
        var settings = TlsTestClient.TrustingTestRoot();
        settings.KeyLogFile = path;
        RecordingStream? recorder = null;

        var session = await TlsTestClient.ConnectAsync(useAsync, server.Port, settings, new RecordingTlsCallbacks(),
            wrap: s => recorder = new RecordingStream(s));
        session.Stream.Dispose();

        var lines = File.ReadAllLines(path);
        Assert.Equal("# earlier content", lines[0]);
        var line = Assert.Single(lines[1..]);
        Assert.Matches($"^CLIENT_RANDOM {recorder!.ClientHelloRandom()} [0-9a-f]{{96}}$", line);
    }

    [Fact]
    public async Task Only_the_connections_that_ask_are_logged()
    {
        using var dir = new TempDir();
        string path = dir.File("keys.log");
        await using var server = new LoopbackTlsServer(Pki.Server, [Pki.Intermediate]);
        var logged = TlsTestClient.TrustingTestRoot();
        logged.KeyLogFile = path;
        var plain = TlsTestClient.TrustingTestRoot();
        RecordingStream? loggedRecorder = null;

        // Interleave: a connection without SSLKeyLogFile shares the process (and likely the SSL_CTX) with one that has it.
        var quiet1 = await TlsTestClient.ConnectAsync(true, server.Port, plain, new RecordingTlsCallbacks());
        var withLog = await TlsTestClient.ConnectAsync(true, server.Port, logged, new RecordingTlsCallbacks(),
            wrap: s => loggedRecorder = new RecordingStream(s));
        var quiet2 = await TlsTestClient.ConnectAsync(true, server.Port, plain, new RecordingTlsCallbacks());
        foreach (var s in new[] { quiet1, withLog, quiet2 })
        {
            s.Stream.Dispose();
        }

        var randoms = File.ReadAllLines(path).Select(l => l.Split(' ')[1]).Distinct();
        Assert.Equal([loggedRecorder!.ClientHelloRandom()], randoms);
    }

    [Fact]
    public async Task A_key_log_file_that_cannot_be_opened_fails_before_the_handshake()
    {
        await using var server = new LoopbackTlsServer(Pki.Server, [Pki.Intermediate]);
        var settings = TlsTestClient.TrustingTestRoot();
        settings.KeyLogFile = "/nonexistent-directory/keys.log";

        var error = await Assert.ThrowsAsync<SmtpException>(() =>
            TlsTestClient.ConnectAsync(true, server.Port, settings, new RecordingTlsCallbacks()));

        Assert.Equal(SmtpErrorCodes.CannotOpenFile, error.Code);
        Assert.Contains("SSLKeyLogFile '/nonexistent-directory/keys.log' cannot be opened", error.Message);
    }

    [Fact]
    public void Key_logging_is_available_exactly_where_NET_uses_OpenSSL()
    {
        if (OperatingSystem.IsLinux())
        {
            Assert.Null(PlatformTls.UnavailableReason);
            Assert.StartsWith("OpenSSL ", PlatformTls.Description);
        }
        else
        {
            Assert.Contains("OpenSSL", PlatformTls.UnavailableReason);
        }
    }

    /// <summary>Keeps the first bytes the client writes, which hold its ClientHello.</summary>
    private sealed class RecordingStream(Stream inner) : Stream
    {
        private readonly MemoryStream _written = new();

        public string ClientHelloRandom()
        {
            // TLSPlaintext header (5 bytes), Handshake header (4), client_version (2), then the 32-byte random (RFC 8446 §4.1.2).
            var bytes = _written.ToArray();
            Assert.Equal(0x16, bytes[0]);
            Assert.Equal(0x01, bytes[5]);
            return Convert.ToHexStringLower(bytes.AsSpan(11, 32));
        }

        public override bool CanRead => true;
        public override bool CanWrite => true;
        public override bool CanSeek => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            inner.ReadAsync(buffer, cancellationToken);
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            inner.ReadAsync(buffer, offset, count, cancellationToken);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count)
        {
            Keep(buffer.AsSpan(offset, count));
            inner.Write(buffer, offset, count);
        }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            Keep(buffer);
            inner.Write(buffer);
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Keep(buffer.Span);
            return inner.WriteAsync(buffer, cancellationToken);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }
            base.Dispose(disposing);
        }

        private void Keep(ReadOnlySpan<byte> data)
        {
            if (_written.Length < 512)
            {
                _written.Write(data);
            }
        }
    }
}
