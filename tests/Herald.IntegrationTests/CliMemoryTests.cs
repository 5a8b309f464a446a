using System.Diagnostics;
using System.Globalization;
using System.Text;
using Herald.Cli;
using Xunit;
using Xunit.Abstractions;

namespace Herald.IntegrationTests;

/// <summary>
/// <c>herald send --body-file</c> streams: a 500 MB body sent to smtp-sink by the real <c>herald</c> process raises
/// its peak resident memory (VmHWM) by less than 64 MB over the same send of a 2 MB body.
/// </summary>
public sealed class CliMemoryTests(ITestOutputHelper output) : IDisposable
{
    private const long LargeBody = 500L * 1024 * 1024;
    private const long SmallBody = 2L * 1024 * 1024;
    private const long AllowedGrowth = 64L * 1024 * 1024;

    private readonly string _folder = Directory.CreateTempSubdirectory("herald-rss-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task A500MegabyteBodyFileDoesNotGrowTheProcess()
    {
        Peers.RequirePeer(Peers.SmtpSink);
        string small = WriteBody("small.txt", SmallBody);
        string large = WriteBody("large.txt", LargeBody);

        long baseline = await PeakMemoryOfSendAsync(small);
        long peak = await PeakMemoryOfSendAsync(large);

        output.WriteLine($"VmHWM: {baseline / 1024 / 1024} MB with a 2 MB body, {peak / 1024 / 1024} MB with a 500 MB body");
        Assert.True(peak - baseline < AllowedGrowth,
            $"the 500 MB send peaked at {peak / 1024 / 1024} MB, {(peak - baseline) / 1024 / 1024} MB above the 2 MB send");
    }

    /// <summary>ASCII text lines (sent as they are, the fast path) up to <paramref name="size"/> bytes.</summary>
    private string WriteBody(string name, long size)
    {
        string path = Path.Combine(_folder, name);
        var line = Encoding.ASCII.GetBytes("The quick brown fox jumps over the lazy dog, again and again and again.\n");
        var block = new byte[1 << 20];
        for (int i = 0; i < block.Length; i++)
        {
            block[i] = line[i % line.Length];
        }
        using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
        for (long written = 0; written < size; written += block.Length)
        {
            file.Write(block, 0, (int)Math.Min(block.Length, size - written));
        }
        return path;
    }

    /// <summary>Runs the real herald process and returns its peak resident set (VmHWM) as last read before it ended.</summary>
    private async Task<long> PeakMemoryOfSendAsync(string bodyFile)
    {
        // The tool's own assembly, run with this test project's runtime and dependency files (they include the tool's).
        string cli = typeof(ExitCodes).Assembly.Location;
        string baseName = Path.Combine(AppContext.BaseDirectory,
            Path.GetFileNameWithoutExtension(typeof(CliMemoryTests).Assembly.Location));
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList =
            {
                "exec", "--runtimeconfig", baseName + ".runtimeconfig.json", "--depsfile", baseName + ".deps.json", cli,
                "send", "--server", $"{Peers.Host}:{Peers.SmtpSink}", "--tls", "none", "--from", "sender@example.test",
                "--to", "to@example.test", "--subject", "large", "--body-file", bodyFile, "--timeout", "120",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment.Remove("HERALD_SERVER");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        long peak = 0;
        string status = $"/proc/{process.Id}/status";
        while (!process.HasExited)
        {
            try
            {
                foreach (string line in await File.ReadAllLinesAsync(status))
                {
                    if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    {
                        peak = Math.Max(peak, 1024 * long.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture));
                    }
                }
            }
            catch (IOException)
            {
                break; // it ended between the check and the read
            }
            await Task.Delay(20);
        }
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == ExitCodes.Ok, $"herald exited {process.ExitCode}:\n{await stdout}\n{await stderr}");
        Assert.True(peak > 0, "no VmHWM was read");
        return peak;
    }
}
