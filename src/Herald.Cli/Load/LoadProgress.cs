using System.Diagnostics;
using System.Globalization;
using Spectre.Console;

namespace Herald.Cli.Load;

/// <summary>
/// Shows a load run while it goes: a live progress bar on standard error when it is a terminal, otherwise a plain line
/// a second there (a log or a CI job gets no escape codes). The summary itself goes to standard output afterwards.
/// </summary>
internal static class LoadProgress
{
    /// <summary>How often the plain display writes a line.</summary>
    public static readonly TimeSpan PlainInterval = TimeSpan.FromSeconds(1);

    /// <summary>Runs <paramref name="runner"/> while showing its progress.</summary>
    /// <param name="env">The process environment (stderr, and whether it is a terminal).</param>
    /// <param name="runner">The run.</param>
    /// <param name="run">Starts the run.</param>
    /// <returns>The run's report.</returns>
    public static Task<LoadReport> ShowAsync(CliEnvironment env, LoadRunner runner, Func<Task<LoadReport>> run) =>
        env.IsErrorTerminal ? LiveAsync(env, runner, run) : PlainAsync(env, runner, run);

    private static async Task<LoadReport> LiveAsync(CliEnvironment env, LoadRunner runner, Func<Task<LoadReport>> run)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(env.Error),
            // The caller checked that stderr is a terminal; the writer alone cannot tell.
            Ansi = AnsiSupport.Yes,
            Interactive = InteractionSupport.Yes,
        });
        LoadReport? report = null;
        await console.Progress()
            .AutoClear(true)
            // Narrow enough for an 80-column terminal: the counts, a short bar, the percentage and the time so far.
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn { Width = 16 }, new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask("Sending", maxValue: runner.Plan.Count);
                var clock = Stopwatch.StartNew();
                var running = run();
                while (!running.IsCompleted)
                {
                    await Task.WhenAny(running, Task.Delay(200)).ConfigureAwait(false);
                    task.Value = runner.Settled;
                    task.Description = ShortStatus(runner, clock.Elapsed);
                }
                report = await running.ConfigureAwait(false);
                task.Value = runner.Plan.Count;
            }).ConfigureAwait(false);
        return report!;
    }

    private static async Task<LoadReport> PlainAsync(CliEnvironment env, LoadRunner runner, Func<Task<LoadReport>> run)
    {
        var clock = Stopwatch.StartNew();
        var running = run();
        while (await Task.WhenAny(running, Task.Delay(PlainInterval)).ConfigureAwait(false) != running)
        {
            env.Error.WriteLine($"herald: load: {Status(runner, clock.Elapsed)}");
        }
        return await running.ConfigureAwait(false);
    }

    private static string ShortStatus(LoadRunner runner, TimeSpan elapsed)
    {
        int delivered = runner.Delivered;
        double rate = elapsed > TimeSpan.Zero ? delivered / elapsed.TotalSeconds : 0;
        return string.Create(CultureInfo.InvariantCulture,
            $"{delivered:N0} sent, {runner.Settled - delivered:N0} failed, {rate:N0} msg/s");
    }

    private static string Status(LoadRunner runner, TimeSpan elapsed)
    {
        int settled = runner.Settled;
        int delivered = runner.Delivered;
        double rate = elapsed > TimeSpan.Zero ? delivered / elapsed.TotalSeconds : 0;
        return string.Create(CultureInfo.InvariantCulture,
            $"{settled:N0}/{runner.Plan.Count:N0} settled, {delivered:N0} delivered, {settled - delivered:N0} not, {rate:N0} msg/s");
    }
}
