namespace Herald.Cli.Options;

/// <summary>Where captured messages go when <c>--capture-dir</c> is not given.</summary>
internal static class CapturePaths
{
    /// <summary>
    /// <c>$HERALD_CAPTURE_DIR</c>, else <c>$XDG_DATA_HOME/herald/capture</c> with XDG_DATA_HOME defaulting to
    /// <c>~/.local/share</c> as the XDG Base Directory specification says (a relative XDG_DATA_HOME is ignored, as it
    /// also says). On Windows without XDG_DATA_HOME the local application data folder takes its place.
    /// </summary>
    /// <param name="env">The process environment.</param>
    public static string Default(CliEnvironment env) =>
        env.Variable("HERALD_CAPTURE_DIR") ?? Path.Combine(DataHome(env), "herald", "capture");

    /// <summary>
    /// <c>$XDG_DATA_HOME</c>, defaulting to <c>~/.local/share</c> (a relative XDG_DATA_HOME is ignored); on Windows
    /// without XDG_DATA_HOME, the local application data folder.
    /// </summary>
    /// <param name="env">The process environment.</param>
    public static string DataHome(CliEnvironment env)
    {
        string? data = env.Variable("XDG_DATA_HOME") is { } xdg && Path.IsPathFullyQualified(xdg) ? xdg : null;
        if (data is null && OperatingSystem.IsWindows())
        {
            data = env.Variable("LOCALAPPDATA") ?? Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData);
        }
        if (data is null)
        {
            string home = env.Variable("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            data = Path.Combine(home, ".local", "share");
        }
        return data;
    }
}
