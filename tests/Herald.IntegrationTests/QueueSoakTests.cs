using System.Diagnostics;
using System.Globalization;
using Herald.IntegrationTests.Support;
using Herald.Tests.Infrastructure;
using Herald.Tests.Queue;
using Xunit;
using Xunit.Abstractions;

namespace Herald.IntegrationTests;

/// <summary>
/// The queue under stress: thousands of queued messages drained by four <c>herald queue run --watch</c> processes
/// through a relay that cuts 1 % of the transactions (and of the connections) at a random step, while one worker is
/// killed with SIGKILL at random moments and started again. Deliveries are counted by Message-ID in an in-process
/// recording server (no peer is needed). Afterwards every message was delivered, nothing is left queued or being
/// sent, and every duplicate is one the protocol allows: a cut or a killed worker between the final dot reaching the
/// server and the reply being recorded, each logged by herald as "may have been delivered twice".
/// </summary>
/// <remarks>
/// HERALD_SOAK_MESSAGES sets the number of messages (default <see cref="DefaultMessages"/>); HERALD_SOAK_SEED makes the
/// relay's choices repeatable (the seed of each run is printed).
/// </remarks>
public sealed partial class QueueSoakTests(ITestOutputHelper output)
{
    /// <summary>The number of messages when HERALD_SOAK_MESSAGES is not set.</summary>
    public const int DefaultMessages = 10_000;

    private const int Workers = 4;
    private const int KillsAtLeast = 5;
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(8);

    [Fact]
    public async Task FourWorkerProcessesDrainTheQueueThroughKillsAndCutConnectionsAndLoseNothing()
    {
        int count = int.TryParse(Environment.GetEnvironmentVariable("HERALD_SOAK_MESSAGES"), CultureInfo.InvariantCulture,
            out int n) && n > 0 ? n : DefaultMessages;
        int seed = int.TryParse(Environment.GetEnvironmentVariable("HERALD_SOAK_SEED"), CultureInfo.InvariantCulture, out int s)
            ? s : Random.Shared.Next();
        var random = new Random(seed);
        string dir = Directory.CreateTempSubdirectory("herald-soak-").FullName;
        var workers = new List<HeraldProcess>();
        var retired = new List<HeraldProcess>();
        try
        {
            await using var server = new FakeSmtpServer();
            await using var proxy = new FaultProxy(server.Port, 0.01, seed);

            // ---- queue ----
            var clock = Stopwatch.StartNew();
            string tag = Convert.ToHexStringLower(BitConverter.GetBytes(seed));
            var messageIds = new string[count];
            var byFile = new System.Collections.Concurrent.ConcurrentDictionary<string, string>();
            await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (i, token) =>
            {
                using var smtp = new Smtp
                {
                    From = "soak@example.org",
                    SendTo = $"rcpt{i % 50}@example.com",
                    Subject = $"Soak {i}",
                    MessageId = $"<soak-{i}-{tag}@herald.test>",
                    MessageText = $"Message {i} of the queue soak test.\r\n",
                };
                string path = await smtp.QueueAsync(dir, token);
                messageIds[i] = smtp.MessageId;
                byFile[Path.GetFileNameWithoutExtension(path)] = smtp.MessageId;
            });
            var queued = clock.Elapsed;

            // ---- drain, killing worker 0 now and then ----
            clock.Restart();
            string[] args = ["queue", "run", "--watch", "--poll", "0.5", "--retry-delay", "1", "--max-retry-delay", "2",
                "--server", $"127.0.0.1:{proxy.Port}", "--tls", "none", "--queue-dir", dir];
            for (int i = 0; i < Workers; i++)
            {
                workers.Add(HeraldProcess.Start(args));
            }
            int kills = 0;
            bool Left() => Directory.EnumerateFiles(dir).Any(f => f.EndsWith(".queued", StringComparison.Ordinal)
                                                                    || f.EndsWith(".sending", StringComparison.Ordinal));
            while (Left() || kills < KillsAtLeast)
            {
                Assert.True(clock.Elapsed < Limit, $"the queue was not drained within {Limit.TotalMinutes} minutes");
                var victim = workers[0];
                // Once it is at work (or the queue is empty), at a random moment of it.
                var started = Stopwatch.StartNew();
                while (!victim.ErrorLines.Any(l => l.Contains(" sent: ", StringComparison.Ordinal)) && Left()
                       && started.Elapsed < TimeSpan.FromSeconds(30))
                {
                    await Task.Delay(20);
                }
                await Task.Delay(random.Next(50, 1500));
                victim.Kill();
                kills++;
                retired.Add(victim);
                workers[0] = HeraldProcess.Start(args);
            }
            var drained = clock.Elapsed;

            // ---- stop the service cleanly ----
            foreach (var worker in workers)
            {
                // A process that has not reached its SIGTERM handler yet would just die of the signal.
                await worker.WaitForErrorAsync("herald: queue: watching", TimeSpan.FromSeconds(60));
                worker.Terminate();
            }
            foreach (var worker in workers)
            {
                Assert.Equal(0, await worker.WaitForExitAsync(TimeSpan.FromSeconds(60)));
                Assert.Contains("herald: queue: stopped.", worker.Error, StringComparison.Ordinal);
            }

            // ---- count ----
            var deliveries = Deliveries(server);
            var logs = workers.Concat(retired).SelectMany(w => w.ErrorLines).ToList();
            var inDoubt = logs.Where(l => l.Contains(" may have been delivered twice", StringComparison.Ordinal))
                .Select(l => byFile[l["herald: queue: ".Length..].Split(' ')[0]])
                .ToList();
            var duplicates = deliveries.Where(d => d.Value > 1).SelectMany(d => Enumerable.Repeat(d.Key, d.Value - 1)).ToList();
            var cutInWindow = proxy.CutsInWindow.Select(c => c.MessageId!).ToList();
            // A worker killed after the reply reached its socket may or may not have recorded it: the worker that recovers
            // the file says which. (Not any "may have been delivered twice" line: an earlier attempt of the same message,
            // cut after its end was written but before the server read it, says that too.)
            var recoveredInDoubt = logs
                .Where(l => l.Contains(" may have been delivered twice: the worker sending it stopped", StringComparison.Ordinal))
                .Select(l => byFile[l["herald: queue: ".Length..].Split(' ')[0]])
                .ToHashSet();
            var lateKills = proxy.ClientGoneAfterReply.Where(recoveredInDoubt.Contains).ToList();
            var predicted = cutInWindow.Concat(proxy.ClientGoneInWindow).Concat(lateKills).ToList();

            output.WriteLine($"seed {seed}; {count} messages queued in {queued.TotalSeconds:0.0} s " +
                             $"({count / queued.TotalSeconds:0} per second, each synced to disk)");
            output.WriteLine($"drained by {Workers} worker processes in {drained.TotalSeconds:0.0} s " +
                             $"({count / drained.TotalSeconds:0} per second)");
            output.WriteLine($"relay: {proxy.Connections} connections, {proxy.Transactions} transactions, {proxy.Cuts.Count} cut: " +
                             string.Join(", ", proxy.Cuts.GroupBy(c => c.Step).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}")));
            output.WriteLine($"worker 0 killed {kills} times; a kill fell between the final dot and its reply " +
                             $"{proxy.ClientGoneInWindow.Count} times, just after the reply {proxy.ClientGoneAfterReply.Count} times " +
                             $"({lateKills.Count} of those before herald recorded it)");
            output.WriteLine($"delivered: {deliveries.Count} distinct messages, {deliveries.Count(d => d.Value == 1)} once, " +
                             $"{deliveries.Count(d => d.Value > 1)} more than once ({duplicates.Count} extra copies)");
            output.WriteLine($"drops between the final dot and its reply: {cutInWindow.Count} cut by the relay + " +
                             $"{proxy.ClientGoneInWindow.Count + lateKills.Count} killed workers = {predicted.Count}");
            output.WriteLine($"herald logged \"may have been delivered twice\" {inDoubt.Count} times");

            string? keep = Environment.GetEnvironmentVariable("HERALD_SOAK_LOGS");
            if (keep is not null)
            {
                // Every worker's stderr and the relay's findings, for a run that needs explaining.
                Directory.CreateDirectory(keep);
                int w = 0;
                foreach (var worker in retired.Concat(workers))
                {
                    await File.WriteAllLinesAsync(Path.Combine(keep, $"worker-{w++}.log"), worker.ErrorLines);
                }
                await File.WriteAllLinesAsync(Path.Combine(keep, "ids.txt"), byFile.Select(p => $"{p.Key} {p.Value}"));
                await File.WriteAllLinesAsync(Path.Combine(keep, "relay.txt"),
                    proxy.Cuts.Select(c => $"cut {c.Step} {c.MessageId}")
                        .Concat(proxy.ClientGoneInWindow.Select(i => $"gone-in-window {i}"))
                        .Concat(proxy.ClientGoneAfterReply.Select(i => $"gone-after-reply {i}"))
                        .Concat(duplicates.Select(i => $"duplicate {i}")));
            }

            Assert.Equal(messageIds.Order(StringComparer.Ordinal), deliveries.Keys.Order(StringComparer.Ordinal));
            Assert.Empty(Directory.GetFiles(dir)); // nothing queued, being sent, failed or half-written
            Assert.True(kills >= KillsAtLeast);
            Assert.Equal(predicted.Order(StringComparer.Ordinal), duplicates.Order(StringComparer.Ordinal));
            Assert.All(predicted, id => Assert.Contains(id, inDoubt));
        }
        finally
        {
            foreach (var worker in workers.Concat(retired))
            {
                worker.Dispose();
            }
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>
    /// How many times the server took each Message-ID: every transaction whose final dot it received and did not
    /// refuse, including those whose reply the relay cut off (a real server would have queued them too).
    /// </summary>
    private static Dictionary<string, int> Deliveries(FakeSmtpServer server) =>
        server.Sessions.SelectMany(s => s.Messages).Where(m => m.FinalReplyCode is null or (>= 200 and < 300))
            .GroupBy(m => MessageIdPattern().Match(m.Text).Groups[1].Value).ToDictionary(g => g.Key, g => g.Count());

    [System.Text.RegularExpressions.GeneratedRegex(@"Message-ID: (<[^>]+>)", System.Text.RegularExpressions.RegexOptions.IgnoreCase)]
    private static partial System.Text.RegularExpressions.Regex MessageIdPattern();
}
