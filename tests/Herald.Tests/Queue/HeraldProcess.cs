using System.Collections.Concurrent;
using System.Diagnostics;

namespace Herald.Tests.Queue;

/// <summary>
/// The herald command line as a real child process (the build of Herald.Cli next to the tests), for what only a
/// separate process can show: a worker killed with SIGKILL, a service stopped with SIGTERM.
/// </summary>
internal sealed class HeraldProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _error = new();
    private readonly ConcurrentQueue<string> _output = new();

    private HeraldProcess(Process process)
    {
        _process = process;
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                _error.Enqueue(e.Data);
            }
        };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                _output.Enqueue(e.Data);
            }
        };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>The lines written to stderr so far.</summary>
    public IEnumerable<string> ErrorLines => _error;

    /// <summary>Everything written to stderr so far.</summary>
    public string Error => string.Join("\n", _error);

    /// <summary>Everything written to stdout so far.</summary>
    public string Output => string.Join("\n", _output);

    /// <summary>Starts <c>herald</c> with <paramref name="args"/>, with no HERALD_* variable of this machine.</summary>
    public static HeraldProcess Start(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Herald.Cli.dll"));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        foreach (var name in info.Environment.Keys.Where(k => k.StartsWith("HERALD_", StringComparison.Ordinal)).ToList())
        {
            info.Environment.Remove(name);
        }
        var process = Process.Start(info) ?? throw new InvalidOperationException("dotnet could not be started.");
        process.StandardInput.Close();
        return new HeraldProcess(process);
    }

    /// <summary>Waits until a line of stderr contains <paramref name="text"/>.</summary>
    /// <exception cref="TimeoutException">It did not, within <paramref name="timeout"/>; the message holds stderr.</exception>
    public async Task WaitForErrorAsync(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!_error.Any(l => l.Contains(text, StringComparison.Ordinal)))
        {
            if (DateTime.UtcNow > deadline || (_process.HasExited && !_error.Any(l => l.Contains(text, StringComparison.Ordinal))))
            {
                await Task.Delay(100);
                throw new TimeoutException($"herald did not print \"{text}\" (exited: {_process.HasExited}). Its stderr:\n{Error}");
            }
            await Task.Delay(20);
        }
    }

    /// <summary>Kills the process with SIGKILL (nothing of it runs afterwards: no finally, no disposal).</summary>
    public void Kill()
    {
        _process.Kill();
        _process.WaitForExit();
    }

    /// <summary>Sends SIGTERM, as a service manager stopping it does.</summary>
    public void Terminate()
    {
        string pid = _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", pid]) { UseShellExecute = false })!;
        kill.WaitForExit();
    }

    /// <summary>Waits for the process to end and returns its exit code.</summary>
    /// <exception cref="TimeoutException">It did not end within <paramref name="timeout"/>.</exception>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var limit = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"herald did not exit within {timeout.TotalSeconds} s. Its stderr:\n{Error}");
        }
        _process.WaitForExit(); // lets the output readers finish
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }
        _process.Dispose();
    }
}
