using System.Diagnostics;

namespace Herald.Throughput.Runners;

/// <summary>This process's CPU time and resident memory, as the Python and Node.js workers read theirs.</summary>
internal static class ProcessMemory
{
    /// <summary>Current resident set size in KiB (Linux VmRSS).</summary>
    public static long CurrentKiB()
    {
        using var p = Process.GetCurrentProcess();
        return p.WorkingSet64 / 1024;
    }

    /// <summary>CPU time (user + system) this process has used so far, in seconds.</summary>
    public static double CpuSeconds()
    {
        using var p = Process.GetCurrentProcess();
        return p.TotalProcessorTime.TotalSeconds;
    }

    /// <summary>Peak resident set size so far in KiB (Linux VmHWM).</summary>
    public static long PeakKiB()
    {
        using var p = Process.GetCurrentProcess();
        return p.PeakWorkingSet64 / 1024;
    }
}
