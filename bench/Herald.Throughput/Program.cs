using System.Text.Json;
using Herald.Throughput.Runners;

namespace Herald.Throughput;

/// <summary>Entry point: the orchestrator by default, or one worker when started with --worker.</summary>
public static class Program
{
    /// <summary>Runs the benchmark (see <see cref="Options.Usage"/>).</summary>
    /// <param name="args">Command-line arguments.</param>
    /// <returns>0 on success, 1 when a run failed, 2 for a usage error or an unreachable server.</returns>
    public static async Task<int> Main(string[] args)
    {
        Options options;
        try
        {
            options = Options.Parse(args);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine(e.Message);
            return 2;
        }
        if (options.Help)
        {
            Console.WriteLine(Options.Usage);
            return 0;
        }
        if (options.WorkerJson is { } json)
        {
            var workload = JsonSerializer.Deserialize<Workload>(json) ?? throw new ArgumentException("Empty workload.");
            var result = workload.Client switch
            {
                "herald-sync" => await HeraldRunner.RunAsync(workload, useAsync: false).ConfigureAwait(false),
                "herald-async" => await HeraldRunner.RunAsync(workload, useAsync: true).ConfigureAwait(false),
                "herald-pool" => await HeraldPoolRunner.RunAsync(workload).ConfigureAwait(false),
                "smtp-source" => SmtpSourceRunner.Run(workload),
                "smtpclient" => SystemNetMailRunner.Run(workload),
                _ => throw new ArgumentException($"No .NET worker for client \"{workload.Client}\"."),
            };
            Console.WriteLine("RESULT " + JsonSerializer.Serialize(result));
            return 0;
        }
        return await new Orchestrator(options).RunAsync().ConfigureAwait(false);
    }
}
