using System.Text.RegularExpressions;
using Herald.IntegrationTests.Support;
using Xunit;

namespace Herald.IntegrationTests.Tls;

/// <summary>
/// SSLKeyLogFile against Postfix: the NSS key-log lines of each session (TLS 1.3 traffic secrets, the TLS 1.2
/// CLIENT_RANDOM line), and, where tshark is installed, Wireshark decrypting a capture of the session with them.
/// </summary>
public sealed partial class KeyLogTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("herald-keylog-").FullName;

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Theory]
    [InlineData(Api.Sync)]
    [InlineData(Api.Async)]
    public async Task ATls13SessionLogsItsFiveSecretsUnderOneClientRandomAndTheNextSessionAppends(Api api)
    {
        string keyLog = Path.Combine(_directory, "keys.log");
        using var smtp = PeerSmtp.Create(Peers.PostfixImplicitTls, SmtpSSLStartModes.sslImplicit);
        smtp.Config("SSLKeyLogFile=" + keyLog);

        await smtp.ConnectUsing(api);
        Assert.Equal("TLS1.3", smtp.Config("SSLNegotiatedVersion"));
        await smtp.DisconnectUsing(api);
        var first = ReadKeyLog(keyLog);
        await smtp.ConnectUsing(api);
        await smtp.DisconnectUsing(api);
        var both = ReadKeyLog(keyLog);

        string[] tls13Labels =
        [
            "CLIENT_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_TRAFFIC_SECRET_0", "EXPORTER_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET",
            "SERVER_TRAFFIC_SECRET_0",
        ];
        Assert.Equal(tls13Labels, first.Select(l => l.Label).Order());
        Assert.Single(first.Select(l => l.ClientRandom).Distinct());
        Assert.All(first, l => Assert.Matches("^[0-9a-f]{64}$|^[0-9a-f]{96}$", l.Secret));
        // The second session appended its own five lines under a new client random.
        Assert.Equal(10, both.Count);
        Assert.Equal(first, both.Take(5));
        var second = both.Skip(5).ToList();
        Assert.Equal(tls13Labels, second.Select(l => l.Label).Order());
        Assert.Single(second.Select(l => l.ClientRandom).Distinct());
        Assert.NotEqual(first[0].ClientRandom, second[0].ClientRandom);
    }

    [Theory]
    [InlineData(Api.Sync)]
    [InlineData(Api.Async)]
    public async Task ATls12SessionLogsOneClientRandomLine(Api api)
    {
        string keyLog = Path.Combine(_directory, "keys.log");
        using var smtp = PeerSmtp.Create(Peers.PostfixOpen, SmtpSSLStartModes.sslExplicit);
        smtp.Config("SSLEnabledProtocols=0xC00");
        smtp.Config("SSLKeyLogFile=" + keyLog);
        var log = new SessionLog(smtp);

        await smtp.ConnectUsing(api);
        Assert.Equal("TLS1.2", smtp.Config("SSLNegotiatedVersion"));
        await smtp.DisconnectUsing(api);

        var line = Assert.Single(ReadKeyLog(keyLog));
        Assert.Equal("CLIENT_RANDOM", line.Label);
        Assert.Matches("^[0-9a-f]{96}$", line.Secret); // the 48-byte master secret
        Assert.Contains($"Session secrets written to SSLKeyLogFile '{keyLog}' (1 lines).", log.SslStatus);
    }

    [TsharkTheory]
    [InlineData("0x3000", "TLS1.3")]
    [InlineData("0xC00", "TLS1.2")]
    public async Task WiresharkDecryptsACaptureOfTheSessionWithTheKeyLog(string protocols, string version)
    {
        string keyLog = Path.Combine(_directory, "keys.log");
        string pcap = Path.Combine(_directory, "session.pcapng");
        using var smtp = PeerSmtp.Create(Peers.PostfixOpen, SmtpSSLStartModes.sslExplicit);
        smtp.Config("SSLEnabledProtocols=" + protocols);
        smtp.Config("SSLKeyLogFile=" + keyLog);
        string marker = Peers.NewMarker();
        PeerSmtp.SetMessage(smtp, marker);
        smtp.From = marker + "@example.org";

        int clientPort;
        await using (var capture = await PacketCapture.StartAsync(Peers.PostfixOpen, pcap))
        {
            await smtp.ConnectUsing(Api.Async);
            Assert.Equal(version, smtp.Config("SSLNegotiatedVersion"));
            clientPort = int.Parse(smtp.Config("LocalPort"), System.Globalization.CultureInfo.InvariantCulture);
            await smtp.SendUsing(Api.Async);
            await smtp.DisconnectUsing(Api.Async);
            await capture.StopAsync();
        }

        // Without the key log Wireshark sees only the plaintext part: EHLO and STARTTLS (which it splits as "STAR TLS").
        var opaque = PacketCapture.SmtpCommands(pcap, Peers.PostfixOpen, clientPort, keyLogFile: null);
        Assert.True(opaque.Count == 2, "without the key log: " + string.Join(" | ", opaque));
        Assert.StartsWith("EHLO", opaque[0]);
        Assert.StartsWith("STAR", opaque[1]);
        // With it, the commands inside TLS too, among them this test's unique sender.
        var decrypted = PacketCapture.SmtpCommands(pcap, Peers.PostfixOpen, clientPort, keyLog);
        Assert.Equal(2, decrypted.Count(c => c.StartsWith("EHLO", StringComparison.Ordinal)));
        Assert.Contains(decrypted, c => c.StartsWith($"MAIL FROM:<{marker}@example.org>", StringComparison.Ordinal));
        Assert.Contains("QUIT", decrypted);
    }

    private static List<KeyLogLine> ReadKeyLog(string path)
    {
        var lines = new List<KeyLogLine>();
        foreach (string line in File.ReadAllLines(path))
        {
            var match = KeyLogLinePattern().Match(line);
            Assert.True(match.Success, $"not an NSS key-log line: '{line}'");
            lines.Add(new KeyLogLine(match.Groups[1].Value, match.Groups[2].Value, match.Groups[3].Value));
        }
        return lines;
    }

    private sealed record KeyLogLine(string Label, string ClientRandom, string Secret);

    // <label> <64 hex digits of the ClientHello random> <secret in hex>
    [GeneratedRegex("^([A-Z_0-9]+) ([0-9a-f]{64}) ([0-9a-f]+)$")]
    private static partial Regex KeyLogLinePattern();
}
