using System;
using System.Collections.Generic;
using Numa.Tests.Contract;
using Numa.Tests.Engine;
using Xunit;
using Xunit.Abstractions;

namespace Numa.Tests.Misuse;

/// <summary>
/// Trim and GetStatistics racing a worker that allocates, frees and reallocates blocks next to live
/// ones (in the same span, in the free run between two big blocks, a span released and taken again):
/// the live neighbours keep their contents, the worker's blocks theirs, statistics taken meanwhile
/// stay within what the worker can hold, and afterwards the live bytes are exact and the heap validates.
/// </summary>
public sealed unsafe class TrimStatisticsRaceTests(ITestOutputHelper output)
{
    private const int Rounds = 20_000;
    private const int Big = 1024 * 1024;

    // A class whose span holds a single block: its free releases the span, and Trim its pages.
    private const int OneBlockSpanSize = 200_000;

    private static readonly TimeSpan s_timeLimit = TimeSpan.FromSeconds(1.5);

    [Theory]
    [InlineData(1, false)]
    [InlineData(1, true)]
    [InlineData(4, false)]
    [InlineData(4, true)]
    public void TrimAndStatisticsRacingWorkOnNeighbouringBlocks_LeaveEveryBlockIntact(int nodes, bool checks)
    {
        using Heap heap = TestHeaps.Create(simulatedNodes: nodes, checks: checks);
        var bystanders = new Bystanders(heap);

        // Live neighbours: every other 64-byte block of a span, and two big blocks around a free run.
        var neighbours = new List<(nint Block, nuint Size)>();
        var gaps = new List<nint>();
        for (int i = 0; i < 16; i++)
        {
            gaps.Add((nint)heap.Alloc(64));
            neighbours.Add(((nint)heap.Alloc(64), 64));
        }

        neighbours.Add(((nint)heap.Alloc(Big), Big));
        gaps.Add((nint)heap.Alloc(Big));
        neighbours.Add(((nint)heap.Alloc(Big), Big));
        foreach ((nint block, nuint size) in neighbours)
        {
            BytePattern.Fill((void*)block, Math.Min(size, 4096), Seed(block));
        }

        foreach (nint gap in gaps)
        {
            heap.Free((void*)gap);
        }

        long baseline = heap.GetStatistics().LiveBytes;
        int rounds = RaceRounds.Run(
            Rounds,
            s_timeLimit,
            _ => { },
            round => Work(heap, round),
            round =>
            {
                if (round % 2 == 0)
                {
                    heap.Trim();
                    return;
                }

                // Taken while the worker holds at most a big block, a one-block span and two small blocks.
                long live = heap.GetStatistics().LiveBytes;
                Assert.True(live >= baseline - Big && live <= baseline + (2 * Big), $"{live} bytes live, {baseline} without the worker's blocks.");
            },
            round =>
            {
                foreach ((nint block, nuint size) in neighbours)
                {
                    Assert.True(BytePattern.Holds((void*)block, Math.Min(size, 4096), Seed(block)), $"Round {round}: the live {size}-byte neighbour at 0x{block:X} changed.");
                }

                long live = heap.GetStatistics().LiveBytes;
                Assert.True(live == baseline, $"Round {round}: {live} bytes live, {baseline} expected.");
                if (round % 32 == 0)
                {
                    heap.Validate();
                }
            });

        output.WriteLine($"{rounds} rounds");
        foreach ((nint block, _) in neighbours)
        {
            heap.Free((void*)block);
        }

        heap.Trim();
        bystanders.AssertIntactAndHeapUsable();
        bystanders.FreeAll();
        Assert.Equal(0, heap.GetStatistics().LiveBytes);
    }

    // A big block taken from the free run between the neighbours, shrunk and grown back in place,
    // a span released and taken again, a small block moved to another class; each checked, then freed.
    private static void Work(Heap heap, int round)
    {
        var big = (byte*)heap.Alloc(Big);
        BytePattern.Fill(big, 4096, round);
        big = (byte*)heap.Realloc(big, Big / 2);
        big = (byte*)heap.Realloc(big, Big);
        var span = heap.Alloc(OneBlockSpanSize);
        BytePattern.Fill(span, 4096, round);
        var small = heap.Alloc(64);
        BytePattern.Fill(small, 64, round);
        small = heap.Realloc(small, 100);
        Assert.True(BytePattern.Holds(big, 4096, round), $"Round {round}: the worker's big block lost its contents.");
        Assert.True(BytePattern.Holds(span, 4096, round), $"Round {round}: the worker's span block lost its contents.");
        Assert.True(BytePattern.Holds(small, 64, round), $"Round {round}: the worker's small block lost its contents.");
        heap.Free(big);
        heap.Free(span);
        heap.Free(small);
    }

    private static int Seed(nint block) => (int)(block >> 4);
}
