using System.Diagnostics;
using System.Globalization;
using System.Text;
using Herald.Cli;
using Xunit;
using Xunit.Abstractions;

namespace Herald.IntegrationTests;

/// <summary>
/// The CLI streams what it sends: a 500 MB <c>--body-file</c>, a 300 MB <c>--attach</c> and a 300 MB message on
/// <c>herald sendmail</c>'s standard input, sent to smtp-sink by the real <c>herald</c> process, raise its peak resident
/// memory (VmHWM) by less than 64 MB over the same send of a 2 MB one.
/// </summary>
public sealed class CliMemoryTests(ITestOutputHelper output) : IDisposable
{
    private const long LargeBody = 500L * 1024 * 1024;
    private const long SmallBody = 2L * 1024 * 1024;
    private const long AllowedGrowth = 64L * 1024 * 1024;
    private const long LargeAttachment = 300L * 1024 * 1024;

    private readonly string _folder = Directory.CreateTempSubdirectory("herald-rss-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task A500MegabyteBodyFileDoesNotGrowTheProcess()
    {
        Peers.RequirePeer(Peers.SmtpSink);
        string small = WriteBody("small.txt", SmallBody);
        string large = WriteBody("large.txt", LargeBody);

        long baseline = await PeakMemoryAsync(SendArgs("--body-file", small));
        long peak = await PeakMemoryAsync(SendArgs("--body-file", large));

        output.WriteLine($"peak RSS: {baseline / 1024 / 1024} MB with a 2 MB body, {peak / 1024 / 1024} MB with a 500 MB body");
        Assert.True(peak - baseline < AllowedGrowth,
            $"the 500 MB send peaked at {peak / 1024 / 1024} MB, {(peak - baseline) / 1024 / 1024} MB above the 2 MB send");
    }

    [Fact]
    public async Task A300MegabyteAttachmentDoesNotGrowTheProcess()
    {
        Peers.RequirePeer(Peers.SmtpSink);
        string small = WriteBinary("small.bin", SmallBody);
        string large = WriteBinary("large.bin", LargeAttachment);
        string html = WriteBody("page.html", 1000);

        long baseline = await PeakMemoryAsync([.. SendArgs("--attach", small), "--html", html]);
        long peak = await PeakMemoryAsync([.. SendArgs("--attach", large), "--html", html]);

        output.WriteLine($"peak RSS: {baseline / 1024 / 1024} MB attaching 2 MB, {peak / 1024 / 1024} MB attaching 300 MB");
        Assert.True(peak - baseline < AllowedGrowth,
            $"the 300 MB attachment peaked at {peak / 1024 / 1024} MB, {(peak - baseline) / 1024 / 1024} MB above the 2 MB one");
    }

    [Fact]
    public async Task A300MegabyteMessageOnSendmailsInputDoesNotGrowTheProcess()
    {
        Peers.RequirePeer(Peers.SmtpSink);
        string small = WriteMessage("small.eml", SmallBody);
        string large = WriteMessage("large.eml", LargeAttachment);
        var variables = new Dictionary<string, string>
        {
            ["HERALD_SERVER"] = $"{Peers.Host}:{Peers.SmtpSink}",
            ["HERALD_TLS"] = "none",
            ["HERALD_FROM"] = "sender@example.test",
        };

        long baseline = await PeakMemoryAsync(["sendmail", "-t", "-i", "--timeout", "120"], small, variables);
        long peak = await PeakMemoryAsync(["sendmail", "-t", "-i", "--timeout", "120"], large, variables);

        output.WriteLine($"peak RSS: {baseline / 1024 / 1024} MB for a 2 MB message, {peak / 1024 / 1024} MB for a 300 MB one " +
                         "(sendmail -t from stdin)");
        Assert.True(peak - baseline < AllowedGrowth,
            $"the 300 MB message peaked at {peak / 1024 / 1024} MB, {(peak - baseline) / 1024 / 1024} MB above the 2 MB one");
    }

    private static string[] SendArgs(string option, string file) =>
    [
        "send", "--server", $"{Peers.Host}:{Peers.SmtpSink}", "--tls", "none", "--from", "sender@example.test",
        "--to", "to@example.test", "--subject", "large", option, file, "--timeout", "120",
    ];

    /// <summary>Random bytes (a repeated random megabyte) up to <paramref name="size"/>.</summary>
    private string WriteBinary(string name, long size)
    {
        string path = Path.Combine(_folder, name);
        var block = new byte[1 << 20];
        new Random(5).NextBytes(block);
        using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
        for (long written = 0; written < size; written += block.Length)
        {
            file.Write(block, 0, (int)Math.Min(block.Length, size - written));
        }
        return path;
    }

    /// <summary>A ready message with a Bcc line, its body <paramref name="size"/> bytes of text lines.</summary>
    private string WriteMessage(string name, long size)
    {
        string body = WriteBody(name + ".body", size);
        string path = Path.Combine(_folder, name);
        using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write))
        {
            file.Write("From: sender@example.test\nTo: to@example.test\nBcc: hidden@example.test\nSubject: large\n\n"u8);
            using var source = File.OpenRead(body);
            source.CopyTo(file);
        }
        File.Delete(body);
        return path;
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

    /// <summary>GNU time (Debian package "time", installed with the peers).</summary>
    private const string GnuTime = "/usr/bin/time";

    /// <summary>Runs the real herald process and returns its peak resident set, as GNU time reports it when the process
    /// has ended (the kernel's count, so a short run cannot slip between two looks at /proc).</summary>
    /// <param name="args">The command line, without "herald".</param>
    /// <param name="stdinFile">A file to pour into its standard input, or null.</param>
    /// <param name="variables">Environment variables to set.</param>
    private async Task<long> PeakMemoryAsync(string[] args, string? stdinFile = null, Dictionary<string, string>? variables = null)
    {
        // The tool's own assembly, run with this test project's runtime and dependency files (they include the tool's).
        string cli = typeof(ExitCodes).Assembly.Location;
        string baseName = Path.Combine(AppContext.BaseDirectory,
            Path.GetFileNameWithoutExtension(typeof(CliMemoryTests).Assembly.Location));
        string report = Path.Combine(Path.GetTempPath(), $"herald-peak-{Guid.NewGuid():N}.txt");
        var start = new ProcessStartInfo(GnuTime)
        {
            ArgumentList =
            {
                "-f", "%M", "-o", report,
                "dotnet", "exec", "--runtimeconfig", baseName + ".runtimeconfig.json", "--depsfile", baseName + ".deps.json", cli,
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdinFile is not null,
            UseShellExecute = false,
        };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment.Remove("HERALD_SERVER");
        foreach (var (name, value) in variables ?? [])
        {
            start.Environment[name] = value;
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        var feed = Task.Run(async () =>
        {
            if (stdinFile is null)
            {
                return;
            }
            await using (var input = File.OpenRead(stdinFile))
            {
                await input.CopyToAsync(process.StandardInput.BaseStream);
            }
            process.StandardInput.Close();
        });
        await process.WaitForExitAsync();
        await feed;
        Assert.True(process.ExitCode == ExitCodes.Ok, $"herald exited {process.ExitCode}:\n{await stdout}\n{await stderr}");
        string kilobytes;
        try
        {
            kilobytes = (await File.ReadAllTextAsync(report)).Trim();
        }
        finally
        {
            File.Delete(report);
        }
        long peak = 1024 * long.Parse(kilobytes, CultureInfo.InvariantCulture); // %M: the maximum resident set in KB
        Assert.True(peak > 0, "GNU time reported no peak resident set");
        return peak;
    }
}
