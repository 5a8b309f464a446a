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
        if (HeraldCommandLine.IsSendmailName(ProgramName()))
        {
            args = ["sendmail", .. args];
        }
        return await HeraldCommandLine.RunAsync(args, CliEnvironment.FromProcess(), cancel.Token).ConfigureAwait(false);
    }

    /// <summary>
    /// The name this process was started with (argv[0]). .NET reports the path of the managed assembly or of the
    /// resolved executable instead, so on Linux it is read from /proc, which keeps what the caller ran (a symbolic link's
    /// own name, such as /usr/sbin/sendmail).
    /// </summary>
    private static string? ProgramName()
    {
        try
        {
            if (OperatingSystem.IsLinux())
            {
                var cmdline = File.ReadAllBytes("/proc/self/cmdline");
                int end = Array.IndexOf(cmdline, (byte)0);
                return System.Text.Encoding.UTF8.GetString(cmdline, 0, end < 0 ? cmdline.Length : end);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        return Environment.GetCommandLineArgs().FirstOrDefault();
    }
}
