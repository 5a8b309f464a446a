using System.Diagnostics;

namespace Herald.Cli.Profiles;

/// <summary>
/// Runs a <c>password_command</c> (msmtp's <c>passwordeval</c>): a shell command whose first output line is the
/// password, so the password can stay in a keyring or a password manager (<c>pass show mail/work</c>,
/// <c>secret-tool lookup ...</c>) instead of the config file.
/// </summary>
internal static class PasswordCommand
{
    /// <summary>Runs the command and returns the first line it prints.</summary>
    /// <param name="command">The command line, run by <c>/bin/sh -c</c> (<c>cmd /c</c> on Windows).</param>
    /// <param name="source">Where the command came from, for messages.</param>
    /// <exception cref="CliException">78 when the command cannot start, fails or prints nothing.</exception>
    public static string Run(string command, string source)
    {
        var start = OperatingSystem.IsWindows()
            ? new ProcessStartInfo("cmd.exe") { ArgumentList = { "/c", command } }
            : new ProcessStartInfo("/bin/sh") { ArgumentList = { "-c", command } };
        // Standard input and error stay the terminal's, so a password manager can ask for its passphrase.
        start.RedirectStandardOutput = true;
        start.UseShellExecute = false;
        string output;
        int exitCode;
        try
        {
            using var process = Process.Start(start)
                ?? throw new CliException(ExitCodes.Config, $"password_command ({source}) could not be started.");
            output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            exitCode = process.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new CliException(ExitCodes.Config, $"password_command ({source}) could not be started: {e.Message}", e);
        }
        if (exitCode != 0)
        {
            throw new CliException(ExitCodes.Config,
                $"password_command ({source}) failed with exit code {exitCode}; no password was sent.");
        }
        int end = output.AsSpan().IndexOfAny('\r', '\n');
        string password = end < 0 ? output : output[..end];
        if (password.Length == 0)
        {
            throw new CliException(ExitCodes.Config, $"password_command ({source}) printed no password on its first line.");
        }
        return password;
    }
}
