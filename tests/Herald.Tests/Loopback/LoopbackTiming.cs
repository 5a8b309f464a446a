using Xunit;

namespace Herald.Tests.Loopback;

/// <summary>
/// Tests that measure time or memory run in this collection, one at a time and never beside other tests, so that
/// neither their numbers nor their peers' timeouts depend on what else runs.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LoopbackTiming
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Loopback timing";
}
