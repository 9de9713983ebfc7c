using System;
using System.Threading;
using Numa.Tests.Contract;
using Numa.Tests.Engine;
using Xunit;
using Xunit.Abstractions;

namespace Numa.Tests.Misuse;

/// <summary>
/// Misuse of a small block on two threads at once: a Free racing an in-place Realloc, a double free
/// or a usable-size query racing the release of the block's span. Each call either does its work or
/// throws InvalidOperationException naming the block; nothing else, and the heap stays intact.
/// </summary>
public sealed unsafe class SmallBlockRaceTests(ITestOutputHelper output)
{
    private const int Rounds = 20_000;

    // A class whose span holds a single block: its last free releases the span, and Trim its pages.
    private const int OneBlockSpanSize = 200_000;

    private static readonly TimeSpan s_timeLimit = TimeSpan.FromSeconds(2);

    // Each round the freeing thread first takes a block from its list, the block it freed the round
    // before (checks mode checks the link it pops). On four nodes it frees from another node, so
    // the block waits in a remote chain, which Validate checks.
    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void FreeRacingAnInPlaceRealloc_WithChecks_LeavesTheFreedBlockIntact(int nodes)
    {
        using Heap heap = TestHeaps.Create(simulatedNodes: nodes, checks: true, shardsPerNode: 1);
        var bystanders = new Bystanders(heap);
        long baseline = heap.GetStatistics().LiveBytes;
        void* block = null;
        void* resized = null;
        int rounds = RaceRounds.Run(
            Rounds,
            s_timeLimit,
            round =>
            {
                block = heap.Alloc(16);
                BytePattern.Fill(block, 16, round);
                resized = null;
            },
            _ =>
            {
                heap.BindCurrentThread(nodes - 1);
                heap.Free(heap.Alloc(16));
                heap.Free(block);
            },
            _ => MisuseAssert.SucceedsOrNames(() => resized = heap.Realloc(block, 1), block),
            round =>
            {
                Assert.True(resized == null || resized == block, $"Round {round}: an in-class Realloc moved the block.");
                long live = heap.GetStatistics().LiveBytes;
                Assert.True(live == baseline, $"Round {round}: {live} bytes live, {baseline} expected.");
                if (round % 8 == 0)
                {
                    heap.Validate();
                }
            });

        output.WriteLine($"{rounds} rounds");
        heap.Trim();
        bystanders.AssertIntactAndHeapUsable();
        bystanders.FreeAll();
    }

    // One thread frees the block and trims (its span goes back, its descriptor and live bits too),
    // the other frees it again and again: exactly one free succeeds.
    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void DoubleFreeRacingTheReleaseOfTheSpan_WithChecks_OneFreeSucceeds(int nodes)
    {
        using Heap heap = TestHeaps.Create(simulatedNodes: nodes, checks: true);
        var bystanders = new Bystanders(heap);
        void* block = null;
        int successes = 0;
        int rounds = RaceRounds.Run(
            Rounds,
            s_timeLimit,
            round =>
            {
                block = AllocFilled(heap, round);
                successes = 0;
            },
            _ => FreeAndTrim(heap, () => CountSuccess(() => heap.Free(block), block, ref successes)),
            _ =>
            {
                for (int i = 0; i < 4; i++)
                {
                    CountSuccess(() => heap.Free(block), block, ref successes);
                }
            },
            round => Assert.True(successes == 1, $"Round {round}: {successes} frees of the block succeeded."));

        output.WriteLine($"{rounds} rounds");
        bystanders.AssertIntactAndHeapUsable();
        bystanders.FreeAll();
        Assert.Equal(0, heap.GetStatistics().LiveBytes);
    }

    // Without checks a query of a freed block is not detected while its span lives, but once the
    // span is going or gone it must be an InvalidOperationException, never a crash.
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void UsableSizeRacingTheReleaseOfTheSpan_GivesTheSizeOrThrows(bool checks)
    {
        using Heap heap = TestHeaps.Create(checks: checks);
        var bystanders = new Bystanders(heap);
        void* block = null;
        void* probe = heap.Alloc(OneBlockSpanSize);
        nuint usable = heap.GetUsableSize(probe);
        heap.Free(probe);
        int rounds = RaceRounds.Run(
            Rounds,
            s_timeLimit,
            round =>
            {
                block = AllocFilled(heap, round);
                Assert.True(heap.GetUsableSize(block) == usable);
            },
            _ => FreeAndTrim(heap, () => heap.Free(block)),
            _ =>
            {
                for (int i = 0; i < 4; i++)
                {
                    nuint size = 0;
                    if (MisuseAssert.SucceedsOrNames(() => size = heap.GetUsableSize(block), block))
                    {
                        Assert.True(size == usable, $"GetUsableSize gave {size}, not {usable}.");
                    }
                }
            },
            _ => { });

        output.WriteLine($"{rounds} rounds");
        bystanders.AssertIntactAndHeapUsable();
        bystanders.FreeAll();
    }

    private static void* AllocFilled(Heap heap, int round)
    {
        void* block = heap.Alloc(OneBlockSpanSize);
        BytePattern.Fill(block, OneBlockSpanSize, round);
        return block;
    }

    // The free, then Trim: the thread's cache goes back, and with the block its span.
    private static void FreeAndTrim(Heap heap, Action free)
    {
        free();
        heap.Trim();
    }

    private static void CountSuccess(Action call, void* block, ref int successes)
    {
        if (MisuseAssert.SucceedsOrNames(call, block))
        {
            Interlocked.Increment(ref successes);
        }
    }
}
