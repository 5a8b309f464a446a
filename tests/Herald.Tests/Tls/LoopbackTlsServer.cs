using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace Herald.Tests.Tls;

/// <summary>What the loopback server saw of one connection.</summary>
internal sealed record ServerResult(bool HandshakeSucceeded, string? ClientCertificateSubject, SslProtocols Protocol,
    TlsCipherSuite CipherSuite, Exception? Error);

/// <summary>
/// A TLS server on 127.0.0.1 (random port) for the client tests: it accepts connections, runs the server handshake
/// with the given certificate and options, writes one greeting line and waits for the client to close.
/// </summary>
internal sealed class LoopbackTlsServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly List<ServerResult> _results = [];
    private readonly SemaphoreSlim _resultReady = new(0);

    public LoopbackTlsServer(X509Certificate2 certificate, X509Certificate2Collection? chain = null, bool requireClientCertificate = false,
        SslProtocols protocols = SslProtocols.Tls12 | SslProtocols.Tls13, IEnumerable<TlsCipherSuite>? cipherSuites = null,
        bool plaintext = false, bool silent = false)
    {
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        var context = SslStreamCertificateContext.Create(certificate, chain ?? [], offline: true);
        var options = new SslServerAuthenticationOptions
        {
            ServerCertificateContext = context,
            ClientCertificateRequired = requireClientCertificate,
            EnabledSslProtocols = protocols,
            // The server only insists that a certificate is there when it asked for one; trust is not the point here.
            RemoteCertificateValidationCallback = (_, cert, _, _) => !requireClientCertificate || cert is not null,
        };
        if (cipherSuites is not null && !OperatingSystem.IsWindows())
        {
            options.CipherSuitesPolicy = new CipherSuitesPolicy(cipherSuites);
        }
        _loop = Task.Run(() => RunAsync(options, plaintext, silent));
    }

    public int Port { get; }

    /// <summary>Waits for the next connection's result.</summary>
    public async Task<ServerResult> NextResultAsync()
    {
        if (!await _resultReady.WaitAsync(TimeSpan.FromSeconds(30)))
        {
            throw new TimeoutException("The loopback TLS server saw no connection.");
        }
        lock (_results)
        {
            var result = _results[0];
            _results.RemoveAt(0);
            return result;
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        try
        {
            await _loop;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
        _stop.Dispose();
    }

    private async Task RunAsync(SslServerAuthenticationOptions options, bool plaintext, bool silent)
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            _ = Task.Run(() => ServeAsync(client, options, plaintext, silent));
        }
    }

    private async Task ServeAsync(TcpClient client, SslServerAuthenticationOptions options, bool plaintext, bool silent)
    {
        using var _ = client;
        var network = client.GetStream();
        if (silent)
        {
            // Accept and say nothing: the client's handshake waits until its timeout.
            try
            {
                await network.ReadAtLeastAsync(new byte[4096], 1, throwOnEndOfStream: false, _stop.Token);
                await Task.Delay(Timeout.Infinite, _stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException)
            {
            }
            Record(new ServerResult(false, null, SslProtocols.None, default, null));
            return;
        }
        if (plaintext)
        {
            await network.WriteAsync("220 plaintext server ready\r\n"u8.ToArray());
            await Drain(network);
            Record(new ServerResult(false, null, SslProtocols.None, default, null));
            return;
        }
        using var ssl = new SslStream(network);
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await ssl.AuthenticateAsServerAsync(options, timeout.Token);
            var result = new ServerResult(true, ssl.RemoteCertificate?.Subject, ssl.SslProtocol, ssl.NegotiatedCipherSuite, null);
            Record(result);
            await ssl.WriteAsync("220 tls server ready\r\n"u8.ToArray());
            await Drain(ssl);
        }
        catch (Exception e)
        {
            Record(new ServerResult(false, null, SslProtocols.None, default, e));
        }
    }

    private static async Task Drain(Stream stream)
    {
        var buffer = new byte[1024];
        try
        {
            while (await stream.ReadAsync(buffer) > 0)
            {
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or AuthenticationException)
        {
        }
    }

    private void Record(ServerResult result)
    {
        lock (_results)
        {
            _results.Add(result);
        }
        _resultReady.Release();
    }
}
