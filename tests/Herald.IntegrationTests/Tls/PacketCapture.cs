using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using Xunit;

namespace Herald.IntegrationTests.Tls;

/// <summary>
/// A <c>tshark</c> capture on the loopback interface (needs root), and reading it back with an SSLKEYLOGFILE so that
/// Wireshark's own TLS code decrypts the session: independent proof that a key log belongs to the captured session.
/// </summary>
internal sealed class PacketCapture : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _errors = new();
    private readonly TaskCompletionSource _capturing = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _stderrPump;
    private readonly Task _stdoutPump;
    private int _packets;

    private PacketCapture(Process process, string file)
    {
        _process = process;
        File = file;
        _stderrPump = Task.Run(PumpStderrAsync);
        _stdoutPump = Task.Run(PumpStdoutAsync);
    }

    /// <summary>The tshark executable, or null when it is not installed.</summary>
    public static string? Tshark { get; } = FindOnPath("tshark");

    /// <summary>The pcapng file being written.</summary>
    public string File { get; }

    /// <summary>
    /// Starts capturing TCP traffic to or from <paramref name="port"/> on lo into <paramref name="file"/>, and returns
    /// once a probe connection to the port shows up in the capture (tshark announces itself a little before it
    /// really captures).
    /// </summary>
    /// <exception cref="InvalidOperationException">tshark did not start capturing within 15 seconds.</exception>
    public static async Task<PacketCapture> StartAsync(int port, string file)
    {
        // -P -l: also print a line per packet, flushed at once, which tells when the capture is live.
        var info = new ProcessStartInfo(Tshark ?? "tshark", ["-i", "lo", "-f", $"tcp port {port}", "-w", file, "-P", "-l"])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        var capture = new PacketCapture(Process.Start(info)!, file);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        await Task.WhenAny(capture._capturing.Task, Task.Delay(TimeSpan.FromSeconds(15)));
        while (capture._capturing.Task.IsCompleted && Volatile.Read(ref capture._packets) == 0 && DateTime.UtcNow < deadline)
        {
            using (var probe = new System.Net.Sockets.TcpClient())
            {
                try
                {
                    await probe.ConnectAsync(System.Net.IPAddress.Loopback, port);
                }
                catch (System.Net.Sockets.SocketException)
                {
                    // Nothing listens: the SYN is still a packet on the port.
                }
            }
            await Task.Delay(100);
        }
        if (Volatile.Read(ref capture._packets) == 0)
        {
            string errors = capture.Errors;
            await capture.DisposeAsync();
            throw new InvalidOperationException("tshark did not start capturing on lo (the tests must run as root): " + errors);
        }
        return capture;
    }

    /// <summary>What tshark wrote to standard error.</summary>
    public string Errors
    {
        get
        {
            lock (_errors)
            {
                return _errors.ToString();
            }
        }
    }

    /// <summary>Stops the capture the way Ctrl-C does, so that tshark finishes the file, and waits for it.</summary>
    public async Task StopAsync()
    {
        if (!_process.HasExited)
        {
            // Give the last packets a moment to reach the capture before it stops.
            await Task.Delay(300);
            _ = Kill(_process.Id, SigInt);
        }
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await _process.WaitForExitAsync(cts.Token);
        await Task.WhenAll(_stderrPump, _stdoutPump);
    }

    /// <summary>
    /// Reads the capture back: the SMTP commands (command and parameter) a client on <paramref name="clientPort"/>
    /// sent to <paramref name="serverPort"/>, as Wireshark dissects them; with <paramref name="keyLogFile"/> the
    /// commands inside TLS are decrypted and included.
    /// </summary>
    public static IReadOnlyList<string> SmtpCommands(string file, int serverPort, int clientPort, string? keyLogFile)
    {
        var arguments = new List<string> { "-r", file, "-d", $"tcp.port=={serverPort},smtp" };
        if (keyLogFile is not null)
        {
            arguments.AddRange(["-o", "tls.keylog_file:" + keyLogFile]);
        }
        arguments.AddRange(["-Y", $"tcp.srcport=={clientPort} && smtp.req", "-T", "fields", "-e", "smtp.req.command",
            "-e", "smtp.req.parameter"]);
        var info = new ProcessStartInfo(Tshark ?? "tshark", arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"tshark -r failed ({process.ExitCode}): {stderr.Result}");
        // One line per packet; pipelined commands share a packet and come comma-separated in each field.
        var commands = new List<string>();
        foreach (string line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] fields = line.Split('\t');
            string[] verbs = fields[0].Split(',');
            string[] parameters = fields.Length > 1 ? fields[1].Split(',') : [];
            for (int i = 0; i < verbs.Length; i++)
            {
                commands.Add((verbs[i] + " " + (i < parameters.Length ? parameters[i] : "")).Trim());
            }
        }
        return commands;
    }

    /// <summary>Stops tshark if it still runs.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
            }
            await _process.WaitForExitAsync();
            await Task.WhenAll(_stderrPump, _stdoutPump);
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
    }

    private async Task PumpStderrAsync()
    {
        while (await _process.StandardError.ReadLineAsync() is { } line)
        {
            lock (_errors)
            {
                _errors.AppendLine(line);
            }
            if (line.StartsWith("Capturing on", StringComparison.Ordinal))
            {
                _capturing.TrySetResult();
            }
        }
    }

    private async Task PumpStdoutAsync()
    {
        while (await _process.StandardOutput.ReadLineAsync() is not null)
        {
            Interlocked.Increment(ref _packets);
        }
    }

    private static string? FindOnPath(string name)
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, name);
            if (System.IO.File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }

    private const int SigInt = 2;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}

/// <summary>
/// A theory that runs only where tshark is installed (<c>scripts/peers/install.sh</c> installs it). Only the capture
/// part of the key-log tests depends on it; the key-log file itself is tested without it.
/// </summary>
public sealed class TsharkTheoryAttribute : TheoryAttribute
{
    public TsharkTheoryAttribute()
    {
        if (PacketCapture.Tshark is null)
        {
            Skip = "tshark is not installed, so a capture cannot be decrypted with the key log; "
                + "scripts/peers/install.sh installs it (apt package tshark).";
        }
    }
}
