using System;
using Xunit;

namespace Numa.Tests.Engine;

/// <summary>OS refusals surface as exceptions or documented degradation, and never damage the heap.</summary>
public sealed unsafe class FaultInjectionTests
{
    [Fact]
    public void CommitFailure_ThrowsOutOfMemory_AndTheNextAllocationSucceedsOnceItClears()
    {
        var os = new FaultInjectingOsMemory();
        using Heap heap = TestHeaps.Create(os: os);
        var live = (long*)heap.Alloc(64);
        *live = 7;

        // Each fresh 4 MiB of a region is committed on first use; a big block past it needs a commit.
        os.FailNextCommits(1);
        var error = Assert.Throws<OutOfMemoryException>(() => heap.Alloc(32 * 1024 * 1024));
        Assert.Contains("errno 12", error.Message, StringComparison.Ordinal);
        heap.Validate();

        // The same for a new span of a class never used before.
        os.FailNextCommits(1);
        var spans = new System.Collections.Generic.List<nint>();
        Assert.Throws<OutOfMemoryException>(() =>
        {
            for (int i = 0; i < 100_000; i++)
            {
                spans.Add((nint)heap.Alloc(200 * 1024));
            }
        });
        heap.Validate();

        var big = (byte*)heap.Alloc(32 * 1024 * 1024);
        big[0] = 1;
        Assert.Equal(7, *live);
        foreach (nint block in spans)
        {
            heap.Free((void*)block);
        }

        heap.Free(big);
        heap.Free(live);
        heap.Trim();
        heap.Validate();
        Assert.Equal(0, heap.GetStatistics().LiveBytes);
    }

    [Fact]
    public void EveryCommitOfTheHeapsMetadata_RefusedInTurn_ThrowsOutOfMemory_AndLeavesNothingReserved()
    {
        const int nodes = 2;
        int refused = 0;
        for (int successes = 0; ; successes++)
        {
            var os = new FaultInjectingOsMemory();
            os.FailCommitAfter(successes);
            Heap heap;
            try
            {
                heap = TestHeaps.Create(simulatedNodes: nodes, os: os);
            }
            catch (OutOfMemoryException error)
            {
                Assert.Contains("[injected]", error.Message, StringComparison.Ordinal);
                Assert.Equal(0, os.ReservedBytes);
                refused++;
                continue;
            }

            // Built once every commit went through: it works, and disposing it releases every reservation.
            os.FailCommitAfter(-1);
            var block = (long*)heap.Alloc(64);
            *block = 1;
            heap.Free(block);
            heap.Dispose();
            Assert.Equal(0, os.ReservedBytes);
            break;
        }

        // The page map, then the small-page map's share of each region (nodes + the interleaved region).
        Assert.True(refused >= 1 + nodes + 1, $"only {refused} commits were made while the heap was built");
    }

    [Fact]
    public void BindingFailure_LeavesMemoryUsable_AndReportsPlacementAsNotGuaranteed()
    {
        var os = new FaultInjectingOsMemory { FailBinding = true };
        using Heap heap = TestHeaps.Create(simulatedNodes: 2, os: os);
        NumaHeapStatistics statistics = heap.GetStatistics();
        Assert.All(statistics.Nodes, node => Assert.False(node.PlacementGuaranteed));

        var small = (byte*)heap.Allocate(100, NumaPlacement.OnNode(1));
        var big = (byte*)heap.Allocate(1024 * 1024, NumaPlacement.Interleaved);
        small[99] = 1;
        big[1024 * 1024 - 1] = 1;
        Assert.Equal(1, heap.GetNode(small));
        Assert.Equal(NumaHeap.InterleavedNode, heap.GetNode(big));
        heap.Free(small);
        heap.Free(big);
        heap.Validate();
    }

    [Fact]
    public void DecommitFailure_OnTrim_Throws_AndLeavesTheRunCommittedAndReusable()
    {
        var os = new FaultInjectingOsMemory();
        using Heap heap = TestHeaps.Create(os: os, purgeDelayMs: 60_000);
        var block = (byte*)heap.Alloc(8 * 1024 * 1024);
        new Span<byte>(block, 8 * 1024 * 1024).Fill(3);
        heap.Free(block);

        os.FailNextDecommits(1);
        var error = Assert.Throws<InvalidOperationException>(heap.Trim);
        Assert.Contains("MADV_DONTNEED", error.Message, StringComparison.Ordinal);
        heap.Validate();
        Assert.True(heap.GetStatistics().Nodes[0].CommittedBytes >= 8 * 1024 * 1024);

        // Still dirty as far as the heap knows: a zeroed allocation must clear it.
        var zeroed = (byte*)heap.AllocZeroed(8 * 1024 * 1024);
        Assert.False(new ReadOnlySpan<byte>(zeroed, 8 * 1024 * 1024).ContainsAnyExcept((byte)0));
        heap.Free(zeroed);

        heap.Trim();
        Assert.Equal(0, heap.GetStatistics().Nodes[0].CommittedBytes);
        heap.Validate();
    }

    [Fact]
    public void DecommitFailure_InTheBackgroundPurge_IsRecorded_AndRetriedByTrim()
    {
        var os = new FaultInjectingOsMemory();
        using Heap heap = TestHeaps.Create(os: os, purgeDelayMs: 20);
        os.FailNextDecommits(1);
        heap.Free(heap.Alloc(4 * 1024 * 1024));
        Assert.IsType<InvalidOperationException>(TestHeaps.WaitForMaintenanceError(heap));
        heap.Validate();
        heap.Trim();
        Assert.Equal(0, heap.GetStatistics().Nodes[0].CommittedBytes);
    }

    // An exception of any kind on the timer's thread-pool thread would end the process: it is
    // recorded and counted, and the pass runs again until the purge gets through.
    [Fact]
    public void AnyExceptionInTheBackgroundMaintenance_IsRecordedAndCounted_AndThePurgeIsRetried()
    {
        var os = new FaultInjectingOsMemory { DecommitFault = static message => new NotSupportedException(message) };
        using Heap heap = TestHeaps.Create(os: os, purgeDelayMs: 20);
        os.FailNextDecommits(2);
        var live = (byte*)heap.Alloc(1000);
        new Span<byte>(live, 1000).Fill(5);
        heap.Free(heap.Alloc(4 * 1024 * 1024));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (heap.GetStatistics().Purges == 0 && watch.ElapsedMilliseconds < 10_000)
        {
            System.Threading.Thread.Sleep(10);
        }

        NumaHeapStatistics statistics = heap.GetStatistics();
        Assert.Equal(2, statistics.MaintenanceErrors);
        NotSupportedException error = Assert.IsType<NotSupportedException>(statistics.LastMaintenanceError);
        Assert.Contains("[injected]", error.Message, StringComparison.Ordinal);
        Assert.True(statistics.Purges > 0, "the maintenance did not purge once the decommits went through");
        Assert.False(new ReadOnlySpan<byte>(live, 1000).ContainsAnyExcept((byte)5));
        heap.Free(live);
        heap.Validate();
    }
}
