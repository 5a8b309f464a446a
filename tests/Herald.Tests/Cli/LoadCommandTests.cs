using System.Text;
using System.Text.Json;
using Herald.Cli;
using Herald.Cli.Commands;
using Herald.Tests.Infrastructure;
using Xunit;

namespace Herald.Tests.Cli;

/// <summary><c>herald load</c> against the fake server: counts, recipients, sizes, errors by reply code, the JSON shape,
/// the connection options it shares with the other commands, and what it refuses.</summary>
public sealed class LoadCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "herald-load-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    private static string[] Load(FakeSmtpServer server, params string[] more) =>
        ["load", "--server", $"{server.Host}:{server.Port}", "--tls", "none", .. more];

    private static int Int(JsonElement e, string name) => e.GetProperty(name).GetInt32();

    [Fact]
    public async Task EveryMessageArrivesOnceWithItsRecipientsAndSizeAndTheJsonSaysSo()
    {
        await using var server = new FakeSmtpServer();

        var r = await CliRunner.RunAsync(Load(server, "--count", "60", "--conns", "3", "--recipients", "2", "--size", "300",
            "--from", "Load <loader@example.org>", "--to", "sink@example.net", "--json"));

        Assert.True(r.ExitCode == ExitCodes.Ok, r.Error);
        using var json = JsonDocument.Parse(r.Out);
        var root = json.RootElement;
        Assert.Equal((60, 3, 300, 2), (Int(root, "count"), Int(root, "connections"), Int(root, "bodyBytes"), Int(root, "recipients")));
        Assert.Equal((60, 0, 0, 0, 0, 0), (Int(root, "delivered"), Int(root, "partiallyDelivered"), Int(root, "refused"),
            Int(root, "failed"), Int(root, "mayHaveBeenDelivered"), Int(root, "notSent")));
        Assert.Equal(0, root.GetProperty("errors").GetArrayLength());
        Assert.True(root.GetProperty("messagesPerSecond").GetDouble() > 0);
        var latency = root.GetProperty("latencyMs");
        Assert.True(latency.GetProperty("p50").GetDouble() <= latency.GetProperty("p95").GetDouble());
        Assert.True(latency.GetProperty("p95").GetDouble() <= latency.GetProperty("p99").GetDouble());
        Assert.True(latency.GetProperty("p99").GetDouble() <= latency.GetProperty("max").GetDouble());

        // The first session only checks the server (connect, EHLO, QUIT); the pool opens at most --conns more.
        Assert.InRange(server.Sessions.Count, 2, 4);
        Assert.Empty(server.Sessions[0].Messages);
        var messages = server.Sessions.SelectMany(s => s.Messages).ToList();
        Assert.Equal(60, messages.Count);
        Assert.All(messages, m => Assert.Equal("loader@example.org", m.From));
        Assert.All(messages, m => Assert.Equal(["sink+1@example.net", "sink+2@example.net"], m.Recipients));
        var texts = messages.Select(m => Encoding.ASCII.GetString(m.Content)).ToList();
        var subjects = texts.Select(t => t.Split("\r\n").Single(l => l.StartsWith("Subject: ", StringComparison.Ordinal))).ToHashSet();
        Assert.Equal(Enumerable.Range(1, 60).Select(n => $"Subject: herald load {n}").ToHashSet(), subjects);
        Assert.All(texts, t => Assert.Equal(300, t.Length - t.IndexOf("\r\n\r\n", StringComparison.Ordinal) - 4));
        Assert.Equal(messages.Sum(m => (long)m.Content.Length), root.GetProperty("bytes").GetInt64());
    }

    [Fact]
    public async Task TheTextSummaryGroupsErrorsByReplyCodeAndTheExitCodeSaysSomeWereRefused()
    {
        await using var server = new FakeSmtpServer();
        int mails = 0;
        int ends = 0;
        server.On("MAIL", _ => Interlocked.Increment(ref mails) % 5 == 0 ? FakeAction.Reply("451 4.3.0 Try again later") : null);
        server.On(".", cmd => Interlocked.Increment(ref ends) % 8 == 0 ? FakeAction.Reply("554 5.6.0 Content refused") : null);

        var r = await CliRunner.RunAsync(Load(server, "--count", "40", "--conns", "1"));

        // Of 40, every 5th MAIL is deferred (8, not tried again); of the 32 sent, every 8th end of data is refused (4).
        Assert.Equal(ExitCodes.Unavailable, r.ExitCode);
        Assert.Contains("40 of 40 messages to", r.Out);
        Assert.Matches(@"delivered\s+28\n", r.Out);
        Assert.Matches(@"refused\s+4\n", r.Out);
        Assert.Matches(@"failed\s+8\n", r.Out);
        Assert.Matches(@"451 4\.3\.0\s+8  failed: 451 4\.3\.0 Try again later", r.Out);
        Assert.Matches(@"554 5\.6\.0\s+4  refused: 554 5\.6\.0 Content refused", r.Out);
        Assert.Matches(@"throughput\s+[\d,]+ msg/s, [\d.]+ MiB/s", r.Out);
        Assert.Matches(@"latency\s+p50 [\d.]+ ms, p95 [\d.]+ ms, p99 [\d.]+ ms, max [\d.]+ ms", r.Out);
    }

    [Fact]
    public async Task RefusedRecipientsAreGroupedByTheirReplyAndOnlyTransientFailuresGiveTempFail()
    {
        await using var server = new FakeSmtpServer();
        server.On("RCPT", cmd => cmd.Argument.Contains("+2@", StringComparison.Ordinal) ? FakeAction.Reply("550 5.1.1 No such user") : null);

        var r = await CliRunner.RunAsync(Load(server, "--count", "5", "--recipients", "2", "--json"));

        using var json = JsonDocument.Parse(r.Out);
        var error = Assert.Single(json.RootElement.GetProperty("errors").EnumerateArray().ToList());
        Assert.Equal((550, "5.1.1", "partiallyDelivered", 5), (Int(error, "replyCode"), error.GetProperty("enhancedStatusCode").GetString(),
            error.GetProperty("status").GetString(), Int(error, "count")));
        Assert.Equal(5, Int(json.RootElement, "partiallyDelivered"));
        Assert.Equal(ExitCodes.Unavailable, r.ExitCode);

        await using var deferring = new FakeSmtpServer();
        deferring.On("RCPT", _ => FakeAction.Reply("452 4.5.3 Too many recipients"));
        var temp = await CliRunner.RunAsync(Load(deferring, "--count", "3"));
        Assert.True(temp.ExitCode == ExitCodes.TempFail, temp.Out);
        Assert.True(System.Text.RegularExpressions.Regex.IsMatch(temp.Out, @"452 4\.5\.3\s+3  failed: 452 4\.5\.3 Too many recipients"), temp.Out);
    }

    [Fact]
    public async Task TlsCaAndLoginOptionsReachEverySessionOfThePool()
    {
        await using var server = new FakeSmtpServer { StartTls = FakeStartTls.Offered };
        server.Users["loader"] = "s3cret";
        Directory.CreateDirectory(_dir);
        string ca = Path.Combine(_dir, "ca.pem");
        await File.WriteAllTextAsync(ca, server.CertificatePem);

        var r = await CliRunner.RunAsync(["load", "--server", $"{server.Host}:{server.Port}", "--tls", "starttls", "--ca", ca,
            "--user", "loader", "--password-env", "LOAD_PASSWORD", "--auth", "plain", "--count", "12", "--conns", "2"],
            new Dictionary<string, string> { ["LOAD_PASSWORD"] = "s3cret" });

        Assert.True(r.ExitCode == ExitCodes.Ok, r.Out + r.Error);
        Assert.Equal(12, server.Sessions.Sum(s => s.Messages.Count));
        Assert.All(server.Sessions, s => Assert.True(s.IsTls));
        Assert.All(server.Sessions, s => Assert.Equal("loader", s.AuthenticatedUser));
    }

    [Fact]
    public async Task AnUnverifiableCertificateUnderAutoWithoutLoginIsAcceptedWithOneWarningAsForSend()
    {
        await using var server = new FakeSmtpServer { StartTls = FakeStartTls.Offered };

        var r = await CliRunner.RunAsync(["load", "--server", $"{server.Host}:{server.Port}", "--count", "4"]);

        Assert.True(r.ExitCode == ExitCodes.Ok, r.Out + r.Error);
        Assert.Single(r.Error.Split('\n'), l => l.Contains("could not be verified", StringComparison.Ordinal));
        Assert.All(server.Sessions, s => Assert.True(s.IsTls));
        Assert.Equal(4, server.Sessions.Sum(s => s.Messages.Count));
    }

    [Fact]
    public async Task AServerThatCannotBeReachedIsReportedOnceAndNothingIsSummarised()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var r = await CliRunner.RunAsync(["load", "--server", $"127.0.0.1:{port}", "--count", "1000"]);

        Assert.Equal(ExitCodes.Unavailable, r.ExitCode);
        Assert.Single(r.Error.Split('\n'), l => l.StartsWith("herald: error: ", StringComparison.Ordinal));
        Assert.Equal("", r.Out);
    }

    [Theory]
    [InlineData("--client-cert", "c.pem")]
    [InlineData("--oauth-token-env", "TOKEN")]
    [InlineData("--trace", null)]
    [InlineData("--allow-plaintext-auth", null)]
    public async Task OptionsThePoolHasNoSettingForAreRefused(string option, string? value)
    {
        string[] extra = value is null ? [option] : [option, value];
        var r = await CliRunner.RunAsync(["load", "--server", "127.0.0.1:1", "--user", "u", "--password", "p", .. extra]);

        Assert.Equal(ExitCodes.Usage, r.ExitCode);
        Assert.Contains($"herald load cannot use {option}", r.Error);
    }

    [Theory]
    [InlineData("--count", "0")]
    [InlineData("--conns", "0")]
    [InlineData("--size", "-1")]
    [InlineData("--recipients", "x")]
    [InlineData("--rate", "-2")]
    [InlineData("--window", "0")]
    public async Task NumbersOutOfRangeAreUsageErrors(string option, string value)
    {
        var r = await CliRunner.RunAsync(["load", "--server", "127.0.0.1:1", option, value]);

        Assert.Equal(ExitCodes.Usage, r.ExitCode);
        Assert.Contains(option, r.Error);
    }

    [Fact]
    public async Task WithoutATerminalProgressIsAPlainLineASecondOnStderr()
    {
        await using var server = new FakeSmtpServer();
        server.On(".", cmd => FakeAction.Delay(TimeSpan.FromMilliseconds(300), cmd.BuiltIn()));

        var r = await CliRunner.RunAsync(Load(server, "--count", "6"));

        Assert.Equal(ExitCodes.Ok, r.ExitCode);
        // Six replies 300 ms apart take about 1.8 s: at least one progress line, and no escape codes anywhere.
        Assert.Contains(r.Error.Split('\n'), l => System.Text.RegularExpressions.Regex.IsMatch(l,
            @"^herald: load: \d+/6 settled, \d+ delivered, \d+ not, [\d,]+ msg/s$"));
        Assert.DoesNotContain('\u001b', r.Error + r.Out);
        Assert.StartsWith("6 of 6 messages to", r.Out);
    }

    [Fact]
    public void RecipientsAreNumberedAndTheProxyBecomesAUrlThePoolReads()
    {
        Assert.Equal(["a@example.com"], LoadCommand.Recipients("a@example.com", 1));
        Assert.Equal(["a+1@example.com", "a+2@example.com", "a+3@example.com"], LoadCommand.Recipients("a@example.com", 3));

        var firewall = new Firewall { FirewallType = FirewallTypes.fwSOCKS5, Host = "proxy.example", Port = 1080, User = "u@x", Password = "p:ss" };
        string url = LoadCommand.ProxyUrl(firewall, proxyResolves: true);
        Assert.Equal("socks5h://u%40x:p%3Ass@proxy.example:1080", url);
        Assert.True(Herald.Transport.Proxies.ProxyUrl.TryParse(url, out var parsed, out _));
        Assert.Equal(("u@x", "p:ss", false), (parsed!.User, parsed.Password, parsed.ResolveLocally));
        Assert.Equal("http://[::1]:3128", LoadCommand.ProxyUrl(new Firewall { FirewallType = FirewallTypes.fwTunnel, Host = "::1", Port = 3128 }, false));
        Assert.Equal("", LoadCommand.ProxyUrl(new Firewall(), false));
    }
}
