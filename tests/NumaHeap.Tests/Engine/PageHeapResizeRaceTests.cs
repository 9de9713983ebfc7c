using System;
using Numa.Tests.Misuse;
using Xunit;
using Xunit.Abstractions;
using static Numa.PageMapLayout;

namespace Numa.Tests.Engine;

/// <summary>
/// A page heap's FreeBig racing an in-place resize of the same block at the region's frontier, where
/// growing takes fresh pages rather than a free neighbour: the free always takes the block, the resize
/// either comes first or throws InvalidOperationException, and the page map and counters stay exact.
/// </summary>
public sealed unsafe class PageHeapResizeRaceTests(ITestOutputHelper output)
{
    private const int Rounds = 12_000;
    private const nuint BlockPages = 4;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void FreeBigRacingAnInPlaceResize_LeavesThePageMapExact(bool grow)
    {
        using var region = new StandalonePageHeapRegion((nuint)2 << 30);
        PageHeap.PageHeap pages = region.CreatePageHeap(purgeDelayMs: 60_000);
        nuint resizedPages = grow ? 2 * BlockPages : BlockPages / 2;
        nuint block = 0;
        nuint keptBytes = 0;
        bool freed = false;
        int rounds = RaceRounds.Run(
            Rounds,
            TimeSpan.FromSeconds(2),
            round =>
            {
                block = pages.AllocateBig(BlockPages, 1, out _);
                Assert.True(block + (BlockPages << PageShift) == pages.Top, $"Round {round}: the block is not at the frontier.");
            },
            _ => freed = pages.FreeBig(block),
            _ =>
            {
                try
                {
                    if (grow)
                    {
                        Assert.True(pages.TryGrowBig(block, BlockPages, resizedPages));
                    }
                    else
                    {
                        pages.ShrinkBig(block, BlockPages, resizedPages);
                    }
                }
                catch (InvalidOperationException e) when (e.Message.Contains($"0x{block:X}", StringComparison.Ordinal))
                {
                    // The free came first.
                }
            },
            round =>
            {
                // Resized first or not, the block was live when the free took it.
                Assert.True(freed, $"Round {round}: FreeBig did not find the block.");
                PageHeap.PageHeapCounters counters = pages.GetCounters();
                Assert.True(counters.BigLiveBytes == (long)keptBytes, $"Round {round}: {counters.BigLiveBytes} bytes live, {keptBytes} expected.");
                if (round % 64 == 0)
                {
                    pages.Validate(static (_, _) => { });
                }

                // The freed pages form one run below the frontier: taking it keeps the next block at the frontier.
                Assert.True(counters.FreeRuns == 1, $"Round {round}: {counters.FreeRuns} free runs.");
                Assert.NotEqual(0u, pages.AllocateBig((nuint)counters.FreeRunBytes >> PageShift, 1, out _));
                keptBytes += (nuint)counters.FreeRunBytes;
            });

        output.WriteLine($"{rounds} rounds");
        pages.Validate(static (_, _) => { });
    }
}
