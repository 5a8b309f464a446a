namespace Herald.Cli.Options;

/// <summary>Where the queue is when <c>--queue-dir</c> is not given.</summary>
internal static class QueuePaths
{
    /// <summary><c>$HERALD_QUEUE_DIR</c>, else <c>$XDG_DATA_HOME/herald/queue</c> (see <see cref="CapturePaths.DataHome"/>).</summary>
    /// <param name="env">The process environment.</param>
    public static string Default(CliEnvironment env) =>
        env.Variable("HERALD_QUEUE_DIR") ?? Path.Combine(CapturePaths.DataHome(env), "herald", "queue");
}
