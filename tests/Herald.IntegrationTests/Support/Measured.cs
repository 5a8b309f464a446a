using Xunit;

namespace Herald.IntegrationTests.Support;

/// <summary>
/// Tests that measure the process's managed heap run in this collection, alone: the heap is shared with every test
/// running beside them, so their numbers would include their neighbours' allocations.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class Measured
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Measured";
}
