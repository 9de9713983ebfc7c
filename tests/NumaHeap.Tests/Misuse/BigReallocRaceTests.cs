using System;
using Numa.Tests.Contract;
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
    private const int Rounds = 20_000;
    private static readonly TimeSpan s_timeLimit = TimeSpan.FromSeconds(2);

    [Theory]
    [InlineData(1024 * 1024, 512 * 1024, false, 1)]
    [InlineData(512 * 1024, 1024 * 1024, false, 1)]
    [InlineData(1024 * 1024, 512 * 1024, true, 4)]
    [InlineData(512 * 1024, 1024 * 1024, true, 4)]
    public void FreeRacingAnInPlaceRealloc_OneWins(int size, int newSize, bool checks, int nodes)
    {
        using Heap heap = TestHeaps.Create(simulatedNodes: nodes, checks: checks);
        var bystanders = new Bystanders(heap);
        long baseline = heap.GetStatistics().LiveBytes;
        void* block = null;
        void* resized = null;
        bool freed = false;
        int rounds = RaceRounds.Run(
            Rounds,
            s_timeLimit,
            round =>
            {
                block = heap.Alloc((nuint)size);
                BytePattern.Fill(block, 4096, round);
                resized = null;
                freed = false;
            },
            _ => freed = MisuseAssert.SucceedsOrNames(() => heap.Free(block), block),
            _ => MisuseAssert.SucceedsOrNames(() => resized = heap.Realloc(block, (nuint)newSize), block),
            round =>
            {
                // A Realloc that won moved the block, or resized it in place before the Free took it.
                Assert.True(resized != null || freed, $"Round {round}: both the Free and the Realloc failed.");
                if (resized != null && resized != block)
                {
                    Assert.False(freed, $"Round {round}: the Free and the moving Realloc both took the block.");
                    Assert.True(BytePattern.Holds(resized, 4096, round), $"Round {round}: the moved block lost its contents.");
                    heap.Free(resized);
                }

                long live = heap.GetStatistics().LiveBytes;
                Assert.True(live == baseline, $"Round {round}: {live} bytes live, {baseline} expected.");
                if (round % 64 == 0)
                {
                    heap.Validate();
                }
            });

        output.WriteLine($"{rounds} rounds");
        bystanders.AssertIntactAndHeapUsable();
        bystanders.FreeAll();
        Assert.Equal(0, heap.GetStatistics().LiveBytes);
    }
}
