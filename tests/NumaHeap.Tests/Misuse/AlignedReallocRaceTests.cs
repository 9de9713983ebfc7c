using Numa.Tests.Engine;
using Xunit;
using Xunit.Abstractions;

namespace Numa.Tests.Misuse;

/// <summary>
/// Free racing an AlignedRealloc of the same block, in place or moving: exactly one of them takes the
/// block, the other throws InvalidOperationException naming it, and the live bytes, page map and
/// bystanders stay intact. Small blocks only with checks: without them the race is undefined (README).
/// </summary>
public sealed unsafe class AlignedReallocRaceTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(512 * 1024, 1024 * 1024, 4096, false, 1)] // big, grows in place
    [InlineData(1024 * 1024, 512 * 1024, 4096, true, 4)] // big, shrinks in place
    [InlineData(512 * 1024, 600 * 1024, 1024 * 1024, false, 4)] // big, moves to a 1 MiB boundary
    [InlineData(512 * 1024, 600 * 1024, 1024 * 1024, true, 1)]
    [InlineData(64, 1, 16, true, 1)] // small, in its class
    [InlineData(64, 100, 64, true, 4)] // small, moves to a 64-byte aligned class
    public void FreeRacingAnAlignedRealloc_OneWins(int size, int newSize, int alignment, bool checks, int nodes)
    {
        using Heap heap = TestHeaps.Create(simulatedNodes: nodes, checks: checks);
        var bystanders = new Bystanders(heap);
        int rounds = FreeResizeRace.Run(
            heap,
            (nuint)size,
            (nuint)newSize,
            block => (nint)heap.AlignedRealloc((void*)block, (nuint)newSize, (nuint)alignment));
        output.WriteLine($"{rounds} rounds");
        heap.Trim();
        bystanders.AssertIntactAndHeapUsable();
        bystanders.FreeAll();
        Assert.Equal(0, heap.GetStatistics().LiveBytes);
    }
}
