using Herald.Cli.Options;

namespace Herald.Cli.Commands;

/// <summary>Connect, do one thing, disconnect: the shape of verify, expand and probe, with the TLS hint on failure.</summary>
internal static class ServerSession
{
    /// <summary>Connects, runs <paramref name="work"/> and says goodbye (QUIT).</summary>
    /// <param name="smtp">The configured component.</param>
    /// <param name="plan">What the connection options decided.</param>
    /// <param name="env">Where hints go.</param>
    /// <param name="cancellationToken">Stops everything (Ctrl+C).</param>
    /// <param name="work">What to do while connected.</param>
    /// <returns>The exit code.</returns>
    public static async Task<int> RunAsync(Smtp smtp, ConnectionPlan plan, CliEnvironment env, CancellationToken cancellationToken,
        Func<Task> work)
    {
        try
        {
            await smtp.ConnectAsync(cancellationToken).ConfigureAwait(false);
            await work().ConfigureAwait(false);
            await smtp.DisconnectAsync(cancellationToken).ConfigureAwait(false);
            return ExitCodes.Ok;
        }
        catch (SmtpException e) when (plan.HintFor(e) is { } hint)
        {
            CommandActions.Report(env, e);
            env.Error.WriteLine($"herald: hint: {hint}");
            return ExitCodes.For(e);
        }
    }
}
