using System.Net;
using System.Net.Sockets;
using System.Text;
using Xunit;

namespace Herald.IntegrationTests;

/// <summary>
/// Proves with plain sockets, independently of Herald's engine, that the key peers started by scripts/peers/up.sh
/// answer as the integration tests expect, and that <see cref="Peers"/> reports a missing peer and finds captured mail.
/// </summary>
public sealed class PeersSmokeTests
{
    [Fact]
    public async Task PostfixGreetsWith220AndOffersPipelining()
    {
        Peers.RequirePeer(Peers.PostfixOpen);
        await using var smtp = await LineClient.ConnectAsync(Peers.PostfixOpen);

        var greeting = await smtp.ReadReplyAsync();
        Assert.StartsWith("220 ", greeting[^1]);

        var ehlo = await smtp.CommandAsync("EHLO smoke.localhost");
        Assert.All(ehlo, line => Assert.StartsWith("250", line));
        Assert.Contains("PIPELINING", ehlo.Select(line => line[4..]));
        Assert.Contains("SIZE 10485760", ehlo.Select(line => line[4..]));
    }

    [Fact]
    public async Task PostfixOnIPv6GreetsWith220()
    {
        Peers.RequirePeer(Peers.PostfixOpen, Peers.HostIPv6);
        await using var smtp = await LineClient.ConnectAsync(Peers.PostfixOpen, Peers.HostIPv6);

        var greeting = await smtp.ReadReplyAsync();
        Assert.StartsWith("220 ", greeting[^1]);
    }

    [Fact]
    public async Task DovecotSubmissionGreetsAndRequiresAuth()
    {
        Peers.RequirePeer(Peers.DovecotSubmission);
        await using var smtp = await LineClient.ConnectAsync(Peers.DovecotSubmission);

        var greeting = await smtp.ReadReplyAsync();
        Assert.StartsWith("220 ", greeting[^1]);

        var ehlo = await smtp.CommandAsync("EHLO smoke.localhost");
        Assert.Contains(ehlo, line => line[4..].StartsWith("AUTH ", StringComparison.Ordinal));
        var mail = await smtp.CommandAsync("MAIL FROM:<" + Peers.User + ">");
        Assert.StartsWith("530", mail[^1]);
    }

    [Fact]
    public async Task AiosmtpdAnswersVrfyForAKnownUser()
    {
        Peers.RequirePeer(Peers.AiosmtpdExpn);
        await using var smtp = await LineClient.ConnectAsync(Peers.AiosmtpdExpn);
        await smtp.ReadReplyAsync();
        await smtp.CommandAsync("EHLO smoke.localhost");

        var vrfy = await smtp.CommandAsync("VRFY user");

        Assert.Equal(["250 2.1.5 Test User <user@example.test>"], vrfy);
    }

    [Fact]
    public async Task PostfixDeliversAcceptedMailToTheCatchAllMaildir()
    {
        Peers.RequirePeer(Peers.PostfixOpen);
        string marker = Peers.NewMarker();
        await using (var smtp = await LineClient.ConnectAsync(Peers.PostfixOpen))
        {
            await smtp.ReadReplyAsync();
            await smtp.CommandAsync("EHLO smoke.localhost");
            Assert.StartsWith("250", (await smtp.CommandAsync("MAIL FROM:<smoke@example.org>"))[^1]);
            Assert.StartsWith("250", (await smtp.CommandAsync("RCPT TO:<someone@example.com>"))[^1]);
            Assert.StartsWith("354", (await smtp.CommandAsync("DATA"))[^1]);
            var queued = await smtp.CommandAsync(
                $"Subject: smoke\r\nX-Test-Id: {marker}\r\n\r\nThe peers smoke test.\r\n.");
            Assert.StartsWith("250", queued[^1]);
            await smtp.CommandAsync("QUIT");
        }

        string message = await Peers.WaitForMaildirMessageAsync(marker);

        Assert.Contains("X-Original-To: someone@example.com", message);
        Assert.Contains("The peers smoke test.", message);
    }

    [Fact]
    public void RequirePeerFailsWithTheCommandToRunWhenNothingListens()
    {
        // A port that was free a moment ago: bound by the OS, then released.
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var e = Assert.Throws<InvalidOperationException>(() => Peers.RequirePeer(port));

        Assert.Contains($"127.0.0.1:{port} is not running", e.Message);
        Assert.Contains("run scripts/peers/up.sh", e.Message);
    }

    /// <summary>A bare SMTP line client: writes CRLF-terminated lines, reads whole (multi-line) replies.</summary>
    private sealed class LineClient : IAsyncDisposable
    {
        private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(15);
        private readonly TcpClient _client;
        private readonly StreamReader _reader;
        private readonly Stream _stream;

        private LineClient(TcpClient client)
        {
            _client = client;
            _stream = client.GetStream();
            _reader = new StreamReader(_stream, Encoding.Latin1);
        }

        public static async Task<LineClient> ConnectAsync(int port, string host = Peers.Host)
        {
            var client = new TcpClient(IPAddress.Parse(host).AddressFamily);
            using var timeout = new CancellationTokenSource(s_timeout);
            await client.ConnectAsync(IPAddress.Parse(host), port, timeout.Token);
            return new LineClient(client);
        }

        public async Task<List<string>> CommandAsync(string line)
        {
            byte[] bytes = Encoding.Latin1.GetBytes(line + "\r\n");
            await _stream.WriteAsync(bytes);
            return await ReadReplyAsync();
        }

        // A reply ends with the line whose fourth character is a space (or that is a bare code), RFC 5321 §4.2.
        public async Task<List<string>> ReadReplyAsync()
        {
            using var timeout = new CancellationTokenSource(s_timeout);
            var lines = new List<string>();
            while (true)
            {
                string line = await _reader.ReadLineAsync(timeout.Token)
                    ?? throw new IOException("The server closed the connection after: " + string.Join(" | ", lines));
                lines.Add(line);
                if (line.Length < 4 || line[3] == ' ')
                {
                    return lines;
                }
            }
        }

        public ValueTask DisposeAsync()
        {
            _reader.Dispose();
            _client.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
