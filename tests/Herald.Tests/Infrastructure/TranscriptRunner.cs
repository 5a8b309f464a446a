using System.Runtime.ExceptionServices;
using Herald.Engine;
using Herald.Transport;

namespace Herald.Tests.Infrastructure;

/// <summary>
/// Runs a test action against a transcript. One mode per call suits an xunit theory:
/// <code>
/// [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
/// public Task SendsOneMessage(ReplayMode mode) =&gt; TranscriptRunner.RunAsync("Transcripts/send-basic.smtp", mode,
///     create: factory =&gt; { var smtp = new Smtp(); smtp.Settings.TransportFactory = factory; return smtp; },
///     act: async (smtp, isAsync) =&gt; { if (isAsync) await smtp.SendAsync(); else smtp.Send(); });
/// </code>
/// <c>create</c> builds the client around the <see cref="ReplayTransportFactory"/>; <c>act</c> drives it with the
/// sync methods when its second argument is false and the async ones when true. After the action the runner reports,
/// in this order: a transcript failure (even one the client caught), the action's own exception, and any part of the
/// transcript left unplayed. In the sync modes the action must also finish before it returns (no real async work).
/// </summary>
internal static class TranscriptRunner
{
    /// <summary>How long one action may run before the runner fails it rather than wait on.</summary>
    public static TimeSpan ActionLimit { get; } = TimeSpan.FromSeconds(60);

    /// <summary>Runs <paramref name="act"/> against the transcript file at <paramref name="path"/> in one mode.</summary>
    /// <exception cref="TranscriptException">The client broke the transcript or did not finish it.</exception>
    internal static Task RunAsync<TClient>(string path, ReplayMode mode, Func<ReplayTransportFactory, TClient> create,
        Func<TClient, bool, Task> act) =>
        RunAsync(Transcript.Load(path), mode, create, act);

    /// <summary>Runs <paramref name="act"/> against <paramref name="transcript"/> in one mode.</summary>
    /// <exception cref="TranscriptException">The client broke the transcript or did not finish it.</exception>
    internal static async Task RunAsync<TClient>(Transcript transcript, ReplayMode mode,
        Func<ReplayTransportFactory, TClient> create, Func<TClient, bool, Task> act)
    {
        var factory = new ReplayTransportFactory(transcript, mode);
        var client = create(factory);
        ExceptionDispatchInfo? failure = null;
        try
        {
            var task = act(client, mode.IsAsync());
            if (!mode.IsAsync() && !task.IsCompleted)
            {
                // Let it end (bounded) so it does not run on into the next test, then report it.
                await WithinLimit(task).ConfigureAwait(false);
                throw new TranscriptException($"{transcript.Name} [{mode}]: the action returned before it finished, so the " +
                    "sync path did asynchronous work; in the sync modes everything must complete before the call returns.");
            }
            if (!await WithinLimit(task).ConfigureAwait(false))
            {
                throw new TranscriptException($"{transcript.Name} [{mode}]: the action did not finish within " +
                    $"{ActionLimit.TotalSeconds:0} s.");
            }
            await task.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            failure = ExceptionDispatchInfo.Capture(e);
        }
        // A transcript failure comes first: the action's exception is most likely its consequence.
        factory.ThrowIfFailed();
        failure?.Throw();
        factory.AssertComplete();
    }

    /// <summary>
    /// Runs an engine-level test: the runner makes an <see cref="EngineOptions"/> wired to the replay (host
    /// <c>localhost</c>), lets <paramref name="configure"/> adjust it, and passes it to <paramref name="act"/>.
    /// </summary>
    /// <exception cref="TranscriptException">The client broke the transcript or did not finish it.</exception>
    internal static Task RunEngineAsync(string path, ReplayMode mode, Func<EngineOptions, bool, Task> act,
        Func<EngineOptions, EngineOptions>? configure = null) =>
        RunEngineAsync(Transcript.Load(path), mode, act, configure);

    /// <inheritdoc cref="RunEngineAsync(string, ReplayMode, Func{EngineOptions, bool, Task}, Func{EngineOptions, EngineOptions})"/>
    internal static Task RunEngineAsync(Transcript transcript, ReplayMode mode, Func<EngineOptions, bool, Task> act,
        Func<EngineOptions, EngineOptions>? configure = null) =>
        RunAsync(transcript, mode, factory => CreateSettings(factory, configure), act);

    /// <summary>Runs the transcript file in all six modes, one after another, and reports every mode that failed.</summary>
    /// <exception cref="TranscriptException">At least one mode failed; the message lists each.</exception>
    internal static Task RunAllModesAsync<TClient>(string path, Func<ReplayTransportFactory, TClient> create,
        Func<TClient, bool, Task> act) =>
        RunAllModesAsync(Transcript.Load(path), create, act);

    /// <summary>Runs <paramref name="transcript"/> in all six modes and reports every mode that failed.</summary>
    /// <exception cref="TranscriptException">At least one mode failed; the message lists each.</exception>
    internal static async Task RunAllModesAsync<TClient>(Transcript transcript, Func<ReplayTransportFactory, TClient> create,
        Func<TClient, bool, Task> act)
    {
        var failures = new List<(ReplayMode Mode, Exception Error)>();
        foreach (var mode in Enum.GetValues<ReplayMode>())
        {
            try
            {
                await RunAsync(transcript, mode, create, act).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                failures.Add((mode, e));
            }
        }
        if (failures.Count > 0)
        {
            var report = string.Join(Environment.NewLine + Environment.NewLine,
                failures.Select(f => $"{f.Mode}: {f.Error.GetType().Name}: {f.Error.Message}"));
            throw new TranscriptException($"{transcript.Name} failed in {failures.Count} of 6 modes:" + Environment.NewLine +
                report, failures[0].Error);
        }
    }

    /// <summary>Runs an engine-level test (settings made as <c>RunEngineAsync</c> makes them) in all six modes.</summary>
    /// <exception cref="TranscriptException">At least one mode failed; the message lists each.</exception>
    internal static Task RunEngineAllModesAsync(string path, Func<EngineOptions, bool, Task> act,
        Func<EngineOptions, EngineOptions>? configure = null) =>
        RunAllModesAsync(Transcript.Load(path), factory => CreateSettings(factory, configure), act);

    private static async Task<bool> WithinLimit(Task task)
    {
        using var cts = new CancellationTokenSource();
        var finished = await Task.WhenAny(task, Task.Delay(ActionLimit, cts.Token)).ConfigureAwait(false);
        await cts.CancelAsync().ConfigureAwait(false);
        return finished == task;
    }

    private static EngineOptions CreateSettings(ReplayTransportFactory factory, Func<EngineOptions, EngineOptions>? configure)
    {
        var settings = new EngineOptions { Connect = new ConnectRequest { Host = "localhost", Port = 25 }, TransportFactory = factory };
        return configure is null ? settings : configure(settings);
    }
}
