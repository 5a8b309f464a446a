using Herald.Cli.Options;
using Herald.Cli.Output;

namespace Herald.Cli.Commands;

/// <summary>Connect, do one thing, disconnect: the shape of send, verify, expand and probe, with the TLS warnings and
/// hints.</summary>
internal static class ServerSession
{
    /// <summary>Connects, runs <paramref name="work"/> and says goodbye (QUIT).</summary>
    /// <param name="smtp">The configured component.</param>
    /// <param name="plan">What the connection options decided.</param>
    /// <param name="env">Where warnings and hints go.</param>
    /// <param name="cancellationToken">Stops everything (Ctrl+C).</param>
    /// <param name="work">What to do while connected.</param>
    /// <param name="warnIfUnencrypted">False for a command that sends nothing over the session (probe), so a plaintext
    /// session with a remote host needs no warning.</param>
    /// <param name="report">The <c>--json</c> report, which gets the server, the TLS session and a failure.</param>
    /// <returns>The exit code.</returns>
    /// <exception cref="CliException">The TLS policy refused the server (see <see cref="ConnectionPlan.Explain"/>).</exception>
    public static async Task<int> RunAsync(Smtp smtp, ConnectionPlan plan, CliEnvironment env, CancellationToken cancellationToken,
        Func<Task> work, bool warnIfUnencrypted = true, JsonReport? report = null)
    {
        report?.SetServer(plan.Display);
        try
        {
            await smtp.ConnectAsync(cancellationToken).ConfigureAwait(false);
            report?.SetTls(smtp);
            if (warnIfUnencrypted)
            {
                await plan.WarnIfUnencryptedAsync(smtp, env, cancellationToken).ConfigureAwait(false);
            }
            await work().ConfigureAwait(false);
            await smtp.DisconnectAsync(cancellationToken).ConfigureAwait(false);
            return ExitCodes.Ok;
        }
        catch (SmtpException e) when (plan.Explain(e) is { } explained)
        {
            throw explained;
        }
        catch (SmtpException e) when (plan.HintFor(e) is { } hint)
        {
            CommandActions.Report(env, e);
            env.Error.WriteLine($"herald: hint: {hint}");
            report?.SetError(e);
            return ExitCodes.For(e);
        }
    }
}
