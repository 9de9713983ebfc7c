using System.Collections.Generic;
using System.Linq;
using Numa.SizeClasses;
using Numa.Tests.Engine;
using Xunit;

namespace Numa.Tests.Diagnostics;

/// <summary>The fragmentation figures of GetStatistics: span occupancy per size class and external fragmentation per node.</summary>
public sealed unsafe class FragmentationStatisticsTests
{
    [Fact]
    public void SizeClassOccupancy_CountsExactlyTheLiveBlocks_WhereverTheFreeOnesAre()
    {
        using Heap heap = TestHeaps.Create();
        long blockSize = SizeClassTable.SizeOf(SizeClassTable.ClassOf(100));
        var blocks = new List<nint>();
        for (int i = 0; i < 1000; i++)
        {
            blocks.Add((nint)heap.Alloc(100));
        }

        // Half freed: some sit in the thread's cache, some went back to the node heap.
        for (int i = 0; i < blocks.Count; i += 2)
        {
            heap.Free((void*)blocks[i]);
        }

        NumaSizeClassStatistics sizeClass = heap.GetStatistics().Nodes[0].SizeClasses.Single(c => c.BlockSize == blockSize);
        Assert.Equal(500, sizeClass.LiveBlocks);
        Assert.True(sizeClass.CapacityBlocks >= 1000, $"capacity {sizeClass.CapacityBlocks}");
        Assert.Equal(500.0 / sizeClass.CapacityBlocks, sizeClass.Occupancy, 12);

        heap.Trim();
        Assert.Equal(500, heap.GetStatistics().Nodes[0].SizeClasses.Single(c => c.BlockSize == blockSize).LiveBlocks);
        for (int i = 1; i < blocks.Count; i += 2)
        {
            heap.Free((void*)blocks[i]);
        }

        heap.Trim();
        Assert.DoesNotContain(heap.GetStatistics().Nodes[0].SizeClasses, c => c.BlockSize == blockSize && c.LiveBlocks != 0);
    }

    [Fact]
    public void ExternalFragmentation_IsCommittedMinusLive_FreeRunsCountedUntilPurged()
    {
        using Heap heap = TestHeaps.Create(purgeDelayMs: 60_000);
        void* kept = heap.Alloc(300_000);
        void* freed = heap.Alloc(1024 * 1024);
        var small = new List<nint>();
        for (int i = 0; i < 300; i++)
        {
            small.Add((nint)heap.Alloc(1000));
        }

        heap.Free(freed);
        for (int i = 0; i < small.Count; i += 3)
        {
            heap.Free((void*)small[i]);
        }

        NumaNodeStatistics node = heap.GetStatistics().Nodes[0];
        Assert.True(node.FreeRunDirtyBytes >= 1024 * 1024, $"a freed 1 MiB block waits for decay: {node.FreeRunDirtyBytes} dirty bytes");
        Assert.True(node.SpanFreeBytes >= 100 * 1000, $"100 freed small blocks are free span bytes: {node.SpanFreeBytes}");
        Assert.Equal(node.CommittedBytes - node.LiveBytes, node.ExternalFragmentationBytes);
        Assert.Equal((double)node.ExternalFragmentationBytes / node.CommittedBytes, node.ExternalFragmentation, 12);

        heap.Trim();
        NumaHeapStatistics trimmed = heap.GetStatistics();
        Assert.Equal(0, trimmed.Nodes[0].FreeRunDirtyBytes);
        Assert.Equal(trimmed.Nodes[0].CommittedBytes - trimmed.Nodes[0].LiveBytes, trimmed.Nodes[0].ExternalFragmentationBytes);
        Assert.Equal(trimmed.CommittedBytes - trimmed.LiveBytes, trimmed.ExternalFragmentationBytes);

        heap.Free(kept);
        for (int i = 0; i < small.Count; i++)
        {
            if (i % 3 != 0)
            {
                heap.Free((void*)small[i]);
            }
        }

        heap.Trim();
        Assert.Equal(0, heap.GetStatistics().ExternalFragmentationBytes);
        Assert.Equal(0, heap.GetStatistics().ExternalFragmentation);
    }
}
