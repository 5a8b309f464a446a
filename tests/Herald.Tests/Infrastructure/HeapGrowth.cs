namespace Herald.Tests.Infrastructure;

/// <summary>How far the managed heap rises while some work runs: sampled every 10 ms against its size after a full
/// collection just before, so that a send which held its message in memory shows up.</summary>
internal static class HeapGrowth
{
    /// <summary>Runs <paramref name="work"/> and returns the highest managed heap size seen during it, less the size
    /// before it started.</summary>
    public static async Task<long> DuringAsync(Func<Task> work)
    {
        long baseline = GC.GetTotalMemory(forceFullCollection: true);
        long peak = baseline;
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                Volatile.Write(ref peak, Math.Max(Volatile.Read(ref peak), GC.GetTotalMemory(false)));
                try
                {
                    await Task.Delay(10, stop.Token);
                }
                catch (OperationCanceledException)
                {
                }
            }
        });
        try
        {
            await work();
        }
        finally
        {
            await stop.CancelAsync();
            await sampler;
        }
        return Volatile.Read(ref peak) - baseline;
    }
}
