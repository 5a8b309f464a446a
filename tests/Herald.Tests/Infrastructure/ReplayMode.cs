using Xunit;

namespace Herald.Tests.Infrastructure;

/// <summary>How a <see cref="ReplayStream"/> hands the server's bytes to the client.</summary>
public enum ReplayChunking
{
    /// <summary>Every consecutive server line up to the client's next turn arrives in one read.</summary>
    Whole,
    /// <summary>One line per read: a reply split across reads, as a slow network delivers it.</summary>
    Line,
    /// <summary>One byte per read: the parser must resume anywhere, even between CR and LF.</summary>
    Byte,
}

/// <summary>
/// One of the six ways every transcript runs: the sync or async path, times the three chunkings. An enum so that
/// xunit can list each mode of a <c>[Theory]</c> as its own test case.
/// </summary>
public enum ReplayMode
{
    /// <summary>Blocking I/O, all pending server lines per read.</summary>
    SyncWhole,
    /// <summary>Blocking I/O, one server line per read.</summary>
    SyncLine,
    /// <summary>Blocking I/O, one byte per read.</summary>
    SyncByte,
    /// <summary>Asynchronous I/O, all pending server lines per read.</summary>
    AsyncWhole,
    /// <summary>Asynchronous I/O, one server line per read.</summary>
    AsyncLine,
    /// <summary>Asynchronous I/O, one byte per read.</summary>
    AsyncByte,
}

/// <summary>Reads the two halves of a <see cref="ReplayMode"/> and supplies the modes as xunit member data.</summary>
public static class ReplayModes
{
    /// <summary>All six modes, for <c>[MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]</c>.</summary>
    public static TheoryData<ReplayMode> All => [.. Enum.GetValues<ReplayMode>()];

    /// <summary>
    /// Sync and async with whole reads only: for transcripts whose point needs two replies to arrive in one read
    /// (the STARTTLS injection), which line and byte chunking cannot express.
    /// </summary>
    public static TheoryData<ReplayMode> Whole => [ReplayMode.SyncWhole, ReplayMode.AsyncWhole];

    /// <summary>The three asynchronous modes, for clients that have no synchronous API (the pool).</summary>
    public static TheoryData<ReplayMode> Async => [ReplayMode.AsyncWhole, ReplayMode.AsyncLine, ReplayMode.AsyncByte];

    /// <summary>True for the three asynchronous modes.</summary>
    public static bool IsAsync(this ReplayMode mode) => mode >= ReplayMode.AsyncWhole;

    /// <summary>The chunking half of the mode.</summary>
    public static ReplayChunking Chunking(this ReplayMode mode) => (ReplayChunking)((int)mode % 3);

    /// <summary>Builds a mode from its halves.</summary>
    public static ReplayMode Of(bool isAsync, ReplayChunking chunking) => (ReplayMode)((isAsync ? 3 : 0) + (int)chunking);
}
