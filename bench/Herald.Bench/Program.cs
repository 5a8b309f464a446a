using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;

namespace Herald.Bench;

/// <summary>Runs the micro-benchmarks; arguments are BenchmarkDotNet's (for example <c>--filter '*Parser*'</c>).</summary>
public static class Program
{
    /// <summary>Entry point. With no arguments, every benchmark runs.</summary>
    /// <param name="args">BenchmarkDotNet command-line arguments.</param>
    public static void Main(string[] args)
    {
        // Reports go beside this project (bench/ ignores them), whatever the current directory is.
        var config = DefaultConfig.Instance;
        if (ProjectDirectory() is { } dir)
        {
            config = config.WithArtifactsPath(Path.Combine(dir, "BenchmarkDotNet.Artifacts"));
        }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args.Length == 0 ? ["--filter", "*"] : args, config);
    }

    private static string? ProjectDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Herald.Bench.csproj")))
            {
                return dir.FullName;
            }
        }
        return null;
    }
}
