using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Herald.IntegrationTests.Tls;

/// <summary>
/// <c>openssl s_server</c> started by a test on a free loopback port: an independent TLS peer for what the Postfix
/// peers cannot show (an expired certificate, a certificate for another name, a server that insists on a client
/// certificate at the handshake). It does not speak SMTP; a small responder plays the server's part through its
/// standard input and output: it queues a <c>220</c> greeting (s_server sends it once a client has connected and the
/// handshake is done), answers <c>EHLO</c>/<c>HELO</c> and <c>NOOP</c> with <c>250</c> and <c>QUIT</c> with
/// <c>221</c>, so a component can connect, see the session, and disconnect. <c>-crlf</c> turns the responder's LF into
/// CRLF.
/// </summary>
/// <remarks>
/// It serves one connection (<c>-naccept 1</c>) and is stopped (killed by its process id) when disposed. What the
/// client sent arrives on s_server's standard output and is kept in <see cref="Received"/>.
/// </remarks>
internal sealed class OpenSslServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _received = [];
    private readonly StringBuilder _errors = new();
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _stdoutPump;
    private readonly Task _stderrPump;

    private OpenSslServer(Process process, int port)
    {
        _process = process;
        Port = port;
        _stdoutPump = Task.Run(PumpStdoutAsync);
        _stderrPump = Task.Run(PumpStderrAsync);
    }

    /// <summary>The port s_server listens on (127.0.0.1).</summary>
    public int Port { get; }

    /// <summary>The lines s_server printed: what the client sent after the handshake, and s_server's own notes.</summary>
    public IReadOnlyList<string> Received
    {
        get
        {
            lock (_received)
            {
                return _received.ToList();
            }
        }
    }

    /// <summary>What s_server wrote to standard error (handshake errors, verification results).</summary>
    public string Errors
    {
        get
        {
            lock (_errors)
            {
                return _errors.ToString();
            }
        }
    }

    /// <summary>
    /// Starts s_server with a certificate and key (PEM files) and waits until it listens.
    /// </summary>
    /// <param name="certificateFile">The server certificate (PEM); may hold the chain after it.</param>
    /// <param name="keyFile">Its private key (PEM).</param>
    /// <param name="extraArguments">More s_server options, e.g. <c>-Verify 1 -verify_return_error -CAfile ca.pem</c>.</param>
    /// <exception cref="InvalidOperationException">s_server did not start listening within 10 seconds.</exception>
    public static async Task<OpenSslServer> StartAsync(string certificateFile, string keyFile, params string[] extraArguments)
    {
        Exception? last = null;
        for (int attempt = 0; attempt < 3; attempt++)
        {
            // A port that was free a moment ago can be taken in between; try another one then.
            int port = FreePort();
            var info = new ProcessStartInfo("openssl")
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (string argument in (string[])["s_server", "-accept", $"127.0.0.1:{port}", "-cert", certificateFile,
                         "-key", keyFile, "-naccept", "1", "-crlf", .. extraArguments])
            {
                info.ArgumentList.Add(argument);
            }
            var process = Process.Start(info) ?? throw new InvalidOperationException("openssl could not be started.");
            var server = new OpenSslServer(process, port);
            // Queued now, sent by s_server once a client is connected and the handshake is done.
            await server.SendLineAsync("220 openssl-s_server ready");
            var started = await Task.WhenAny(server._listening.Task, Task.Delay(TimeSpan.FromSeconds(10)));
            if (started == server._listening.Task)
            {
                return server;
            }
            last = new InvalidOperationException(
                $"openssl s_server did not listen on 127.0.0.1:{port} within 10 s: {server.Errors.Trim()}");
            await server.DisposeAsync();
        }
        throw last!;
    }

    /// <summary>
    /// Asks s_server to renegotiate (its <c>r</c> command: a TLS 1.2 HelloRequest). The client takes it up at its next
    /// read, so the test sends a command next; the NOOP reply is held back a moment so that it does not arrive in the
    /// middle of that handshake.
    /// </summary>
    public Task RequestRenegotiationAsync() => SendLineAsync("r");

    /// <summary>Waits until s_server has printed a line that satisfies <paramref name="predicate"/>.</summary>
    /// <param name="predicate">What to look for.</param>
    /// <param name="timeout">How long to wait.</param>
    /// <returns>True when such a line arrived in time.</returns>
    public async Task<bool> WaitForLineAsync(Func<string, bool> predicate, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (Received.Any(predicate))
            {
                return true;
            }
            await Task.Delay(20);
        }
        return Received.Any(predicate);
    }

    /// <summary>Waits for s_server to end (it does after its one connection), up to <paramref name="timeout"/>.</summary>
    /// <returns>True when it ended.</returns>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            await Task.WhenAll(_stdoutPump, _stderrPump);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Stops s_server (by its process id) and waits for it.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
            }
            await _process.WaitForExitAsync();
            await Task.WhenAll(_stdoutPump, _stderrPump);
        }
        catch (InvalidOperationException)
        {
            // Never started or already reaped.
        }
        _process.Dispose();
    }

    private async Task SendLineAsync(string line)
    {
        try
        {
            await _process.StandardInput.WriteAsync(line + "\n");
            await _process.StandardInput.FlushAsync();
        }
        catch (IOException)
        {
            // s_server has ended (a failed handshake ends its only connection); nobody is listening any more.
        }
    }

    private async Task PumpStdoutAsync()
    {
        while (await _process.StandardOutput.ReadLineAsync() is { } line)
        {
            lock (_received)
            {
                _received.Add(line);
            }
            if (line == "ACCEPT")
            {
                _listening.TrySetResult();
            }
            else if (line.StartsWith("EHLO ", StringComparison.OrdinalIgnoreCase)
                     || line.StartsWith("HELO ", StringComparison.OrdinalIgnoreCase))
            {
                await SendLineAsync("250 openssl-s_server");
            }
            else if (line.Equals("NOOP", StringComparison.OrdinalIgnoreCase))
            {
                await Task.Delay(300);
                await SendLineAsync("250 2.0.0 ok");
            }
            else if (line.Equals("QUIT", StringComparison.OrdinalIgnoreCase))
            {
                await SendLineAsync("221 bye");
            }
        }
    }

    private async Task PumpStderrAsync()
    {
        while (await _process.StandardError.ReadLineAsync() is { } line)
        {
            lock (_errors)
            {
                _errors.AppendLine(line);
            }
        }
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
