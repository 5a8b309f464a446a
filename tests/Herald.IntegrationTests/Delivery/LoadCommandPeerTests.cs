using System.Text.RegularExpressions;
using Herald.IntegrationTests.Support;
using Xunit;

namespace Herald.IntegrationTests.Delivery;

/// <summary><c>herald load</c> against Postfix's smtp-sink: the count it reports is the count the server received.</summary>
public class LoadCommandPeerTests
{
    [Fact]
    public async Task TwentyThousandMessagesOverFourConnectionsAreTheTwentyThousandSmtpSinkCounts()
    {
        Peers.RequirePeer(Peers.SmtpSink); // the peers are installed; this test runs a sink of its own with counters
        await using var sink = await CountingSink.StartAsync();

        var run = await HeraldCli.RunAsync(["load", "--server", $"127.0.0.1:{sink.Port}", "--tls", "none", "--count", "20000",
            "--conns", "4"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Matches($@"^20,000 of 20,000 messages to 127\.0\.0\.1:{sink.Port} over 4 connections in [\d.]+ s", run.Out);
        Assert.Matches(@"\n  delivered\s+20,000\n", run.Out);
        Assert.Matches(@"\n  throughput\s+[\d,]+ msg/s, [\d.]+ MiB/s\n", run.Out);
        Assert.Matches(@"\n  latency\s+p50 [\d.]+ ms, p95 [\d.]+ ms, p99 [\d.]+ ms, max [\d.]+ ms\n", run.Out);
        Assert.Matches(@"\n  errors\s+none\n", run.Out);
        var (sessions, quits, messages) = await sink.SettleAsync(20000, TimeSpan.FromSeconds(30));
        Assert.True(messages == 20000, $"smtp-sink counted {messages} messages:\n{run}");
        // The check session and at most four pool connections, every one ended with QUIT; one more session without QUIT is
        // the sink's own readiness probe.
        Assert.InRange(quits, 2, 5);
        Assert.Equal(quits + 1, sessions);
    }

    [Fact]
    public async Task EachMessageArrivesOnceWithEveryRecipientAtTheDumpingSink()
    {
        Peers.RequirePeer(Peers.SmtpSinkDump);
        string marker = Peers.NewMarker();
        string sender = marker + "@example.com";

        var run = await HeraldCli.RunAsync(["load", "--server", $"127.0.0.1:{Peers.SmtpSinkDump}", "--tls", "none", "--count", "40",
            "--conns", "2", "--recipients", "3", "--size", "2000", "--from", sender, "--json"]);

        try
        {
            Assert.True(run.ExitCode == 0, run.ToString());
            Assert.Contains("\"delivered\": 40,", run.Out);
            var dumps = await Peers.WaitForCapturesAsync(Peers.SinkDumpDir, "X-Mail-Args: <" + sender + ">", 40, TimeSpan.FromSeconds(30));
            await Task.Delay(300);
            dumps = await Peers.WaitForCapturesAsync(Peers.SinkDumpDir, "X-Mail-Args: <" + sender + ">", 40);
            Assert.Equal(40, dumps.Count);
            Assert.All(dumps, d => Assert.Equal(3, Regex.Matches(d, @"^X-Rcpt-Args: <sink\+[123]@example\.com>", RegexOptions.Multiline).Count));
            var subjects = dumps.Select(d => Regex.Match(d, @"^Subject: herald load (\d+)\r?$", RegexOptions.Multiline).Groups[1].Value);
            Assert.Equal(Enumerable.Range(1, 40).Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture)).Order(),
                subjects.Order());
        }
        finally
        {
            foreach (var file in Directory.EnumerateFiles(Peers.SinkDumpDir, "*", SearchOption.AllDirectories))
            {
                if (File.ReadAllText(file).Contains(sender, StringComparison.Ordinal))
                {
                    File.Delete(file);
                }
            }
        }
    }
}
