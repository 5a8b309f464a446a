using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Herald.Tests.Cli;

/// <summary>A bare TCP client that writes exactly the bytes a test gives it and reads whole SMTP replies.</summary>
internal sealed class RawSmtpClient : IDisposable
{
    private readonly TcpClient _client = new();
    private Stream _stream = null!;
    private readonly byte[] _buffer = new byte[8192];
    private int _start, _end;

    public static async Task<RawSmtpClient> ConnectAsync(IPEndPoint endPoint)
    {
        var c = new RawSmtpClient();
        await c._client.ConnectAsync(endPoint);
        var network = c._client.GetStream();
        network.ReadTimeout = 10_000;
        c._stream = network;
        return c;
    }

    /// <summary>The TLS handshake as a client (after a 220 to STARTTLS, or at once on an implicit-TLS port), trusting
    /// only <paramref name="ca"/>; every later command goes over TLS.</summary>
    public async Task<SslStream> StartTlsAsync(X509Certificate2 ca, string host = "localhost")
    {
        if (_end > _start)
        {
            throw new InvalidDataException("The server sent more after its 220 to STARTTLS.");
        }
        var tls = new SslStream(_stream, leaveInnerStreamOpen: false);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = host,
            CertificateChainPolicy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                CustomTrustStore = { ca },
                RevocationMode = X509RevocationMode.NoCheck,
            },
        });
        _stream = tls;
        return tls;
    }

    public Task SendAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text));

    public async Task SendAsync(byte[] bytes) => await _stream.WriteAsync(bytes);

    /// <summary>Reads one reply: every line up to the one with a space after the code. Returns the lines joined by LF.</summary>
    public async Task<string> ReadReplyAsync()
    {
        var lines = new List<string>();
        while (true)
        {
            string? line = await ReadLineAsync();
            if (line is null)
            {
                throw new IOException($"The server closed the connection after: {string.Join(" | ", lines)}");
            }
            lines.Add(line);
            if (line.Length < 4 || line[3] == ' ')
            {
                return string.Join("\n", lines);
            }
        }
    }

    /// <summary>Reads one reply and returns its code.</summary>
    public async Task<int> ReadCodeAsync() => int.Parse((await ReadReplyAsync())[..3], System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Sends one command and returns the reply.</summary>
    public async Task<string> CommandAsync(string line)
    {
        await SendAsync(line + "\r\n");
        return await ReadReplyAsync();
    }

    /// <summary>True when the server has closed the connection (reads return nothing further).</summary>
    public async Task<bool> IsClosedAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        return await ReadLineAsync(cts.Token) is null;
    }

    private async Task<string?> ReadLineAsync(CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        while (true)
        {
            int lf = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (lf >= 0)
            {
                if (lf == _start || _buffer[lf - 1] != '\r')
                {
                    throw new InvalidDataException("The server ended a reply line without CRLF.");
                }
                string line = Encoding.UTF8.GetString(_buffer, _start, lf - 1 - _start);
                _start = lf + 1;
                return line;
            }
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
            int n;
            try
            {
                n = await _stream.ReadAsync(_buffer.AsMemory(_end), timeout.Token);
            }
            catch (IOException)
            {
                return null; // reset by the server counts as closed
            }
            if (n == 0)
            {
                return null;
            }
            _end += n;
        }
    }

    public void Dispose() => _client.Dispose();
}
