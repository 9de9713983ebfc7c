using System;
using System.Collections.Generic;
using Numa.Configuration;
using Numa.Tests.Contract;
using Xunit;

namespace Numa.Tests.Engine;

/// <summary>
/// Under an address-space limit (ulimit -v, as containers and batch systems set) the heap reserves
/// smaller regions, down to 64 MiB each, and works; below what the smallest regions need, creating
/// it throws OutOfMemoryException and leaves nothing reserved.
/// </summary>
public sealed unsafe class AddressSpaceLimitTests
{
    private const long MiB = 1024 * 1024;

    // The regions (a node's each, and the interleaved one) are the largest power of two whose
    // reservation, with the alignment slack mapped for a moment, fits under the limit.
    [Theory]
    [InlineData(1, 128, 32)]
    [InlineData(1, 256, 64)]
    [InlineData(1, 2048, 512)]
    [InlineData(4, 512, 64)]
    [InlineData(4, 8192, 1024)]
    public void UnderALimit_TheHeapTakesSmallerRegions_AndServesSmallAndBigBlocksOnEveryNode(int nodes, int limitMiB, int regionMiB)
    {
        var os = new FaultInjectingOsMemory { ReserveLimitBytes = limitMiB * MiB };
        using Heap heap = TestHeaps.Create(simulatedNodes: nodes, regionShift: HeapOptions.DefaultRegionShift, os: os);
        Assert.True(os.ReservedBytes <= limitMiB * MiB, $"{os.ReservedBytes} bytes reserved under a limit of {limitMiB} MiB");
        Assert.Equal((nuint)(nodes + 1) * (nuint)regionMiB * 1024 * 1024, heap.ReservationSize);

        var blocks = new List<(nint Block, nuint Size, int Seed)>();
        for (int node = 0; node < nodes; node++)
        {
            // Big blocks up to what a region's big part (three quarters of it) holds.
            foreach (nuint size in new nuint[] { 16, 100, 5000, 200_000, 1024 * 1024, 32 * 1024 * 1024 })
            {
                if (size >= (nuint)regionMiB * 1024 * 1024 * 3 / 4)
                {
                    continue;
                }

                void* block = heap.Allocate(size, NumaPlacement.OnNode(node));
                Assert.Equal(node, heap.GetNode(block));
                BytePattern.Fill(block, size, blocks.Count);
                blocks.Add(((nint)block, size, blocks.Count));
            }
        }

        heap.Validate();
        foreach ((nint block, nuint size, int seed) in blocks)
        {
            Assert.True(BytePattern.Holds((void*)block, size, seed));
            heap.Free((void*)block);
        }

        heap.Trim();
        heap.Validate();
        Assert.Equal(0, heap.GetStatistics().LiveBytes);
    }

    [Fact]
    public void BelowWhatTheSmallestRegionsNeed_CreatingTheHeapThrowsOutOfMemory_AndReservesNothing()
    {
        var os = new FaultInjectingOsMemory { ReserveLimitBytes = 32 * MiB };
        var error = Assert.Throws<OutOfMemoryException>(() => TestHeaps.Create(os: os));
        Assert.Contains("ENOMEM", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, os.ReservedBytes);
    }
}
