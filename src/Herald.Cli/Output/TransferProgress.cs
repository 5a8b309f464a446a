using Spectre.Console;

namespace Herald.Cli.Output;

/// <summary>
/// A progress bar on standard error while a large message is sent, drawn only when stderr is a terminal (a pipe, a
/// file or a CI log gets nothing, not even escape codes) and never together with <c>--trace</c>, whose lines would
/// tear it.
/// </summary>
internal static class TransferProgress
{
    /// <summary>The smallest body that gets a progress bar: below this a send is over before a bar means anything.</summary>
    public const long Threshold = 4L << 20;

    /// <summary>Whether to draw progress for a body of <paramref name="bodyLength"/> bytes.</summary>
    /// <param name="env">The process environment.</param>
    /// <param name="bodyLength">The body's size.</param>
    /// <param name="trace">True with --trace.</param>
    public static bool Wanted(CliEnvironment env, long bodyLength, bool trace) =>
        env.IsErrorTerminal && !trace && bodyLength >= Threshold;

    /// <summary>Runs <paramref name="send"/> under a progress bar that follows <paramref name="position"/>.</summary>
    /// <param name="env">Where the bar is drawn (stderr).</param>
    /// <param name="smtp">The component; its Transfer event moves the bar.</param>
    /// <param name="total">The body's size.</param>
    /// <param name="position">How much of the body has been read so far (the body file's position, which counts the
    /// text as given, whatever transfer encoding it goes out in).</param>
    /// <param name="send">The send.</param>
    public static async Task RunAsync(CliEnvironment env, Smtp smtp, long total, Func<long> position, Func<Task> send)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(env.Error),
            // The caller checked that stderr is a terminal; the writer alone cannot tell, and every terminal herald runs
            // on today draws ANSI (Windows since 10).
            Ansi = AnsiSupport.Yes,
            Interactive = InteractionSupport.Yes,
        });
        await console.Progress()
            .AutoClear(true)
            .HideCompleted(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new DownloadedColumn(),
                new TransferSpeedColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask("Sending", maxValue: total);
                context.Refresh(); // drawn at once, not only at the next tick: a fast send still shows what it is doing
                void Moved(object? sender, SmtpTransferEventArgs e) => task.Value = Math.Min(total, position());
                smtp.OnTransfer += Moved;
                try
                {
                    await send().ConfigureAwait(false);
                    task.Value = total;
                }
                finally
                {
                    smtp.OnTransfer -= Moved;
                }
            }).ConfigureAwait(false);
    }
}
