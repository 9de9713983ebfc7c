using Numa.Tests.Engine;
using Xunit;
using Xunit.Abstractions;

namespace Numa.Tests.Misuse;

/// <summary>
/// Free of a big block racing an in-place Realloc of the same block: exactly one of them takes the
/// block, the other throws InvalidOperationException naming it, and the heap's counters, page map and
/// bystanders stay intact.
/// </summary>
public sealed unsafe class BigReallocRaceTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(1024 * 1024, 512 * 1024, false, 1)]
    [InlineData(512 * 1024, 1024 * 1024, false, 1)]
    [InlineData(1024 * 1024, 512 * 1024, true, 4)]
    [InlineData(512 * 1024, 1024 * 1024, true, 4)]
    public void FreeRacingAnInPlaceRealloc_OneWins(int size, int newSize, bool checks, int nodes)
    {
        using Heap heap = TestHeaps.Create(simulatedNodes: nodes, checks: checks);
        var bystanders = new Bystanders(heap);
        int rounds = FreeResizeRace.Run(heap, (nuint)size, (nuint)newSize, block => (nint)heap.Realloc((void*)block, (nuint)newSize));
        output.WriteLine($"{rounds} rounds");
        bystanders.AssertIntactAndHeapUsable();
        bystanders.FreeAll();
        Assert.Equal(0, heap.GetStatistics().LiveBytes);
    }
}
