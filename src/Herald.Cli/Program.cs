namespace Herald.Cli;

/// <summary>The <c>herald</c> executable.</summary>
internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            // The first Ctrl+C asks the running command to stop cleanly (QUIT, 421 to capture clients); a second one
            // is left to the default handler and ends the process.
            if (!cancel.IsCancellationRequested)
            {
                e.Cancel = true;
                cancel.Cancel();
            }
        };
        // SIGTERM (a service manager, docker stop) gets the same clean stop as Ctrl+C.
        using var term = System.Runtime.InteropServices.PosixSignalRegistration.Create(
            System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
            {
                context.Cancel = true;
                cancel.Cancel();
            });
        return await HeraldCommandLine.RunAsync(args, CliEnvironment.FromProcess(), cancel.Token).ConfigureAwait(false);
    }
}
