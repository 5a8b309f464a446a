using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Herald.Tests.Cli;

/// <summary>
/// A one-connection fake SMTP server for exit-code tests: it sends the greeting, then answers each line the client
/// sends with the next scripted reply (the client must not pipeline, so the script advertises no PIPELINING). A null
/// greeting means "say nothing" (for timeouts). It records every line it received.
/// </summary>
internal sealed class ScriptedServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Task _run;
    private readonly CancellationTokenSource _stop = new();

    public ScriptedServer(string? greeting, params string[] replies) : this(null, greeting, replies)
    {
    }

    /// <summary>A server that speaks TLS from the first byte (implicit TLS) with <paramref name="certificate"/>.</summary>
    public ScriptedServer(X509Certificate2? certificate, string? greeting, params string[] replies)
    {
        _listener.Start();
        _run = RunAsync(certificate, greeting, replies);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public List<string> Received { get; } = [];

    private async Task RunAsync(X509Certificate2? certificate, string? greeting, string[] replies)
    {
        try
        {
            using var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            Stream stream = client.GetStream();
            if (certificate is not null)
            {
                var tls = new SslStream(stream);
                await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = certificate }, _stop.Token);
                stream = tls;
            }
            using var reader = new StreamReader(stream, Encoding.UTF8);
            if (greeting is null)
            {
                await Task.Delay(Timeout.Infinite, _stop.Token);
                return;
            }
            await stream.WriteAsync(Encoding.UTF8.GetBytes(greeting + "\r\n"), _stop.Token);
            foreach (var reply in replies)
            {
                string? line = await reader.ReadLineAsync(_stop.Token);
                if (line is null)
                {
                    return;
                }
                lock (Received)
                {
                    Received.Add(line);
                }
                string wire = reply.Replace("\n", "\r\n", StringComparison.Ordinal) + "\r\n";
                await stream.WriteAsync(Encoding.UTF8.GetBytes(wire), _stop.Token);
            }
            // Past the script: say goodbye to QUIT and refuse anything else, until the client hangs up.
            while (await reader.ReadLineAsync(_stop.Token) is { } extra)
            {
                lock (Received)
                {
                    Received.Add(extra);
                }
                string answer = extra.Equals("QUIT", StringComparison.OrdinalIgnoreCase)
                    ? "221 2.0.0 Bye"
                    : "502 5.5.1 Not in the script";
                await stream.WriteAsync(Encoding.UTF8.GetBytes(answer + "\r\n"), _stop.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException
                                      or System.Security.Authentication.AuthenticationException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _run;
        _stop.Dispose();
    }
}
