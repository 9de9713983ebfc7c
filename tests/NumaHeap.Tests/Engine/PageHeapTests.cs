using System;
using System.Collections.Generic;
using Xunit;

namespace Numa.Tests.Engine;

/// <summary>The big-object page allocator: best fit, coalescing, reuse before growth, in-place realloc.</summary>
public sealed unsafe class PageHeapTests
{
    private const int Page = 8192;

    [Fact]
    public void Allocation_TakesTheSmallestFreeRunThatFits_TiesToTheLowestAddress()
    {
        using Heap heap = TestHeaps.Create();

        // Free runs of 40, 60, 45 and 45 pages, kept apart by live big blocks.
        int[] runs = [40, 60, 45, 45];
        var holes = new List<nint>();
        var fences = new List<nint>();
        foreach (int pages in runs)
        {
            holes.Add((nint)heap.Alloc((nuint)(pages * Page)));
            fences.Add((nint)heap.Alloc(300 * 1024));
        }

        foreach (nint hole in holes)
        {
            heap.Free((void*)hole);
        }

        heap.Validate();

        // 42 pages: the 45-page runs fit best, and of those the lower one wins.
        Assert.Equal(holes[2], (nint)heap.Alloc(42 * Page));
        Assert.Equal(holes[3], (nint)heap.Alloc(42 * Page));

        // 40 pages fits the 40-page run exactly; 50 pages only the 60-page run.
        Assert.Equal(holes[0], (nint)heap.Alloc(40 * Page));
        Assert.Equal(holes[1], (nint)heap.Alloc(50 * Page));
        heap.Validate();
    }

    [Fact]
    public void FreedRuns_MergeWithBothNeighbours_AndAreReusedBeforeTheFrontierMoves()
    {
        using Heap heap = TestHeaps.Create();
        var a = (byte*)heap.Alloc(40 * Page);
        var b = (byte*)heap.Alloc(40 * Page);
        var c = (byte*)heap.Alloc(40 * Page);
        var fence = heap.Alloc(40 * Page);
        Assert.True(b == a + (40 * Page) && c == b + (40 * Page));

        heap.Free(a);
        heap.Free(c);
        heap.Validate();
        Assert.Equal(2, heap.GetStatistics().Nodes[0].FreeRuns);

        // Freeing the middle block merges all three into one run of 120 pages.
        heap.Free(b);
        heap.Validate();
        NumaNodeStatistics node = heap.GetStatistics().Nodes[0];
        Assert.Equal(1, node.FreeRuns);
        Assert.Equal(120L * Page, node.FreeRunBytes);

        // The merged run serves a request that none of the three could have served alone.
        Assert.Equal((nint)a, (nint)heap.Alloc(100 * Page));
        heap.Validate();
        heap.Free(fence);
        heap.Validate();
    }

    [Fact]
    public void BigRealloc_GrowsInPlaceIntoAFreeNeighbour_AndKeepsContents()
    {
        using Heap heap = TestHeaps.Create();
        var a = (byte*)heap.Alloc(40 * Page);
        var b = heap.Alloc(80 * Page);
        var fence = heap.Alloc(40 * Page);
        new Span<byte>(a, 40 * Page).Fill(0x5A);
        heap.Free(b);

        Assert.Equal((nint)a, (nint)heap.Realloc(a, 100 * Page));
        Assert.False(new ReadOnlySpan<byte>(a, 40 * Page).ContainsAnyExcept((byte)0x5A));
        Assert.Equal((nuint)(100 * Page), heap.GetUsableSize(a));
        heap.Validate();

        // No neighbour left to grow into: the block moves and keeps its contents.
        var moved = (byte*)heap.Realloc(a, 200 * Page);
        Assert.NotEqual((nint)a, (nint)moved);
        Assert.False(new ReadOnlySpan<byte>(moved, 40 * Page).ContainsAnyExcept((byte)0x5A));

        // Shrinking stays in place and frees the tail.
        Assert.Equal((nint)moved, (nint)heap.Realloc(moved, 50 * Page));
        heap.Validate();
        heap.Free(moved);
        heap.Free(fence);
        heap.Validate();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(110)]
    public void RandomBigSequences_NeverLeaveTwoAdjacentFreeRuns(int residentLimitPercent)
    {
        // Property: after every operation of a random sequence of big allocations, frees and
        // reallocations, Validate holds — runs tile the region, no two free runs are adjacent,
        // the dirty and clean free-run indexes match the page map, and the counters match what is
        // there; with a tight resident limit, so that runs keep moving between the indexes too.
        using Heap heap = TestHeaps.Create(residentLimitPercent: residentLimitPercent);
        var random = new Random(12345);
        var live = new List<(nint Block, int Size)>();
        for (int step = 0; step < 2000; step++)
        {
            int action = random.Next(10);
            if (action < 5 || live.Count == 0)
            {
                int size = random.Next(257 * 1024, 4 * 1024 * 1024);
                var block = (byte*)heap.Alloc((nuint)size);
                block[0] = (byte)size;
                block[size - 1] = (byte)size;
                live.Add(((nint)block, size));
            }
            else if (action < 8)
            {
                int index = random.Next(live.Count);
                var (block, size) = live[index];
                Assert.Equal((byte)size, ((byte*)block)[0]);
                Assert.Equal((byte)size, ((byte*)block)[size - 1]);
                heap.Free((void*)block);
                live.RemoveAt(index);
            }
            else
            {
                int index = random.Next(live.Count);
                var (block, size) = live[index];
                int newSize = random.Next(257 * 1024, 4 * 1024 * 1024);
                var moved = (byte*)heap.Realloc((void*)block, (nuint)newSize);
                Assert.Equal((byte)size, moved[0]);
                moved[0] = (byte)newSize;
                moved[newSize - 1] = (byte)newSize;
                live[index] = ((nint)moved, newSize);
            }

            heap.Validate();
        }

        foreach (var (block, _) in live)
        {
            heap.Free((void*)block);
        }

        heap.Validate();
        NumaNodeStatistics node = heap.GetStatistics().Nodes[0];
        Assert.Equal(0, node.LiveBytes);
        Assert.Equal(1, node.FreeRuns);
    }

    [Fact]
    public void RequestsLargerThanARegion_ThrowOutOfMemory_AndTheHeapStaysUsable()
    {
        using Heap heap = TestHeaps.Create(regionShift: 32);
        void* live = heap.Alloc(1024);
        *(long*)live = 42;
        Assert.Throws<OutOfMemoryException>(() => heap.Alloc((nuint)5 << 30));
        Assert.Throws<OutOfMemoryException>(() => heap.Alloc(nuint.MaxValue));

        // A request that fits only if nothing else is there fails once the region is partly used.
        void* big = heap.Alloc((nuint)3 << 30);
        Assert.Throws<OutOfMemoryException>(() => heap.Alloc((nuint)3 << 30));
        heap.Validate();
        heap.Free(big);
        void* again = heap.Alloc((nuint)3 << 30);
        Assert.Equal(42, *(long*)live);
        heap.Free(again);
        heap.Free(live);
        heap.Validate();
    }

    // The decay purge runs on every maintenance tick: it walks the free-run index in place, and once
    // the indexes have grown to the region's number of runs a purge allocates nothing.
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void APurge_AllocatesNothing(bool force)
    {
        using var region = new StandalonePageHeapRegion(256 * 1024 * 1024);
        PageHeap.PageHeap pages = region.CreatePageHeap(purgeDelayMs: 1);
        var runs = new nuint[200];
        for (int i = 0; i < runs.Length; i++)
        {
            runs[i] = pages.AllocateBig(2, 1, out _);
            Assert.NotEqual(0u, pages.AllocateBig(1, 1, out _));
        }

        long allocated = 0;
        for (int round = 0; round < 3; round++)
        {
            foreach (nuint run in runs)
            {
                Assert.True(pages.FreeBig(run));
            }

            System.Threading.Thread.Sleep(5);
            long before = GC.GetAllocatedBytesForCurrentThread();
            Assert.False(pages.Purge(force));
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.Equal(0, pages.GetCounters().DirtyBytes);
            for (int i = 0; i < runs.Length; i++)
            {
                runs[i] = pages.AllocateBig(2, 1, out _);
            }
        }

        // The first rounds grow the clean index (and compile the code); the last allocates nothing.
        Assert.Equal(0, allocated);
        pages.Validate(static (_, _) => { });
    }
}
