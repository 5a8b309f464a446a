using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Herald.Tests.Infrastructure;
using Xunit;

namespace Herald.Tests.InfrastructureTests;

/// <summary>
/// A bare client for testing <see cref="FakeSmtpServer"/> with nothing of Herald's in between: a TcpClient, an
/// SslStream when asked, and a line buffer. Every read gives up after ten seconds so a broken server fails the test
/// instead of hanging it.
/// </summary>
internal sealed class RawSmtpClient : IAsyncDisposable
{
    private static readonly TimeSpan ReadLimit = TimeSpan.FromSeconds(10);
    private readonly TcpClient _tcp;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    private RawSmtpClient(TcpClient tcp)
    {
        _tcp = tcp;
        Stream = tcp.GetStream();
    }

    /// <summary>The stream in use (an SslStream after TLS starts).</summary>
    public Stream Stream { get; private set; }

    /// <summary>Connects; with <paramref name="trust"/> it starts TLS at once (implicit TLS).</summary>
    public static async Task<RawSmtpClient> ConnectAsync(FakeSmtpServer server, X509Certificate2? trust = null,
        X509Certificate2? clientCertificate = null)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(server.Host, server.Port);
        var client = new RawSmtpClient(tcp);
        if (trust is not null)
        {
            await client.StartTlsAsync(trust, clientCertificate: clientCertificate);
        }
        return client;
    }

    /// <summary>
    /// Runs the client side of a TLS handshake for <paramref name="targetHost"/>, trusting only
    /// <paramref name="trust"/> as a root; the server's certificate must pass that check and match the name.
    /// </summary>
    public async Task StartTlsAsync(X509Certificate2 trust, string targetHost = "localhost", X509Certificate2? clientCertificate = null)
    {
        Assert.Equal(0, _end - _start); // nothing may be left over from the plaintext part
        var errors = await HandshakeAsync(trust, targetHost, clientCertificate);
        Assert.Equal(SslPolicyErrors.None, errors);
    }

    /// <summary>Handshakes accepting any certificate, and returns what a strict check would have found wrong.</summary>
    public async Task<SslPolicyErrors> HandshakeAsync(X509Certificate2 trust, string targetHost = "localhost",
        X509Certificate2? clientCertificate = null)
    {
        var found = SslPolicyErrors.None;
        var ssl = new SslStream(Stream, leaveInnerStreamOpen: false);
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = targetHost,
            ClientCertificates = clientCertificate is null ? null : [clientCertificate],
            LocalCertificateSelectionCallback = clientCertificate is null ? null : (_, _, _, _, _) => clientCertificate,
            RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
            {
                found = errors & SslPolicyErrors.RemoteCertificateNameMismatch;
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(trust);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                if (certificate is null || !chain.Build((X509Certificate2)certificate))
                {
                    found |= SslPolicyErrors.RemoteCertificateChainErrors;
                }
                ChainStatus = chain.ChainStatus.Select(s => s.Status).ToArray();
                return true;
            },
        }).WaitAsync(ReadLimit);
        Stream = ssl;
        return found;
    }

    /// <summary>What chain building reported in the last handshake.</summary>
    public X509ChainStatusFlags[] ChainStatus { get; private set; } = [];

    /// <summary>Sends <paramref name="line"/> + CRLF.</summary>
    public Task SendAsync(string line) => SendRawAsync(line + "\r\n");

    /// <summary>Sends the text exactly as given, in one write.</summary>
    public async Task SendRawAsync(string text)
    {
        await Stream.WriteAsync(Encoding.UTF8.GetBytes(text));
        await Stream.FlushAsync();
    }

    /// <summary>Reads one line without its CRLF; null when the server closed the connection.</summary>
    public async Task<string?> ReadLineAsync()
    {
        while (true)
        {
            int lf = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (lf >= 0)
            {
                string line = Encoding.UTF8.GetString(_buffer, _start, lf - _start).TrimEnd('\r');
                _start = lf + 1;
                return line;
            }
            if (await FillAsync() == 0)
            {
                return null;
            }
        }
    }

    /// <summary>Reads a whole reply (every line up to the one with a space after the code).</summary>
    public async Task<List<string>> ReadReplyAsync()
    {
        var lines = new List<string>();
        while (true)
        {
            var line = await ReadLineAsync() ?? throw new IOException("The server closed the connection mid-reply: " +
                string.Join(" | ", lines));
            lines.Add(line);
            if (line.Length < 4 || line[3] != '-')
            {
                return lines;
            }
        }
    }

    /// <summary>Reads a reply and returns its code.</summary>
    public async Task<int> ReadCodeAsync() => int.Parse((await ReadReplyAsync())[^1][..3]);

    /// <summary>Sends a command and returns the code of its reply.</summary>
    public async Task<int> CommandAsync(string line)
    {
        await SendAsync(line);
        return await ReadCodeAsync();
    }

    /// <summary>One raw read of whatever arrives next (after anything already buffered).</summary>
    public async Task<string> ReadChunkAsync()
    {
        if (_end == _start && await FillAsync() == 0)
        {
            return "";
        }
        string text = Encoding.UTF8.GetString(_buffer, _start, _end - _start);
        _start = _end;
        return text;
    }

    /// <summary>True when the next read shows the connection closed (end of stream or reset).</summary>
    public async Task<bool> IsClosedAsync()
    {
        try
        {
            return _end == _start && await FillAsync() == 0;
        }
        catch (IOException)
        {
            return true;
        }
    }

    /// <summary>Starts a read without waiting for it, to check that nothing arrives.</summary>
    public Task<int> PendingReadAsync() => Stream.ReadAsync(_buffer.AsMemory(_end)).AsTask();

    public ValueTask DisposeAsync()
    {
        Stream.Dispose();
        _tcp.Dispose();
        return default;
    }

    private async Task<int> FillAsync()
    {
        if (_start == _end)
        {
            _start = _end = 0;
        }
        int n = await Stream.ReadAsync(_buffer.AsMemory(_end)).AsTask().WaitAsync(ReadLimit);
        _end += n;
        return n;
    }
}
