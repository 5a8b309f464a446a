using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace Herald.IntegrationTests.Support;

/// <summary>
/// A private Postfix <c>smtp-sink</c> with its running counters on (<c>-c</c>), on a free loopback port, for a test
/// that must know exactly how many messages the server received. The shared sink on 25100 keeps no count, and other
/// tests send to it at the same time.
/// </summary>
internal sealed partial class CountingSink : IAsyncDisposable
{
    private const string Binary = "/usr/sbin/smtp-sink";

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly Task _reader;

    private CountingSink(Process process, int port)
    {
        _process = process;
        Port = port;
        _reader = Task.Run(ReadAsync);
    }

    /// <summary>The port it listens on (127.0.0.1).</summary>
    public int Port { get; }

    /// <summary>
    /// Starts the sink as the shared one on 25100 is started (host name, 1000 sessions, backlog 1000), plus <c>-c</c>,
    /// and waits until it accepts connections.
    /// </summary>
    /// <exception cref="InvalidOperationException">smtp-sink is not installed (scripts/peers/install.sh installs it)
    /// or does not start.</exception>
    public static async Task<CountingSink> StartAsync()
    {
        if (!File.Exists(Binary))
        {
            throw new InvalidOperationException($"{Binary} is missing: run scripts/peers/install.sh (Postfix's smtp-sink).");
        }
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        var start = new ProcessStartInfo(Binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in new[] { "-c", "-u", "nobody", "-h", "sink.localhost", "-m", "1000", $"127.0.0.1:{port}", "1000" })
        {
            start.ArgumentList.Add(arg);
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException($"{Binary} did not start.");
        var sink = new CountingSink(process, port);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return sink;
            }
            catch (SocketException) when (clock.Elapsed < TimeSpan.FromSeconds(10) && !process.HasExited)
            {
                await Task.Delay(50);
            }
            catch (SocketException e)
            {
                await sink.DisposeAsync();
                throw new InvalidOperationException($"smtp-sink did not listen on 127.0.0.1:{port}: {sink.Output}", e);
            }
        }
    }

    /// <summary>Everything it printed.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>
    /// The last counters it printed: sessions ended, QUITs, and messages (a message counts when its final "." is
    /// received), or zeros before the first.
    /// </summary>
    public (int Sessions, int Quits, int Messages) Counters
    {
        get
        {
            var last = CounterLine().Matches(Output).LastOrDefault();
            return last is null ? (0, 0, 0)
                : (int.Parse(last.Groups[1].Value), int.Parse(last.Groups[2].Value), int.Parse(last.Groups[3].Value));
        }
    }

    /// <summary>Waits until the message counter reaches <paramref name="expected"/> (or the time is up) and a moment
    /// more, so that a count that would overshoot has the chance to, and returns the counters.</summary>
    public async Task<(int Sessions, int Quits, int Messages)> SettleAsync(int expected, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (Counters.Messages < expected && clock.Elapsed < timeout)
        {
            await Task.Delay(50);
        }
        await Task.Delay(300);
        return Counters;
    }

    private async Task ReadAsync()
    {
        var buffer = new char[4096];
        int n;
        while ((n = await _process.StandardOutput.ReadAsync(buffer)) > 0)
        {
            lock (_output)
            {
                _output.Append(buffer, 0, n);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }
        await _process.WaitForExitAsync();
        await _reader;
        _process.Dispose();
    }

    // smtp-sink -c writes "sess=N quit=N mesg=N" and a carriage return after each change.
    [GeneratedRegex(@"sess=(\d+) quit=(\d+) mesg=(\d+)")]
    private static partial Regex CounterLine();
}
