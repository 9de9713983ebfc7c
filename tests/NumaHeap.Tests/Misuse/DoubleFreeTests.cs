using System;
using Numa.Tests.Engine;
using Xunit;

namespace Numa.Tests.Misuse;

/// <summary>
/// Frees and reallocs of blocks that are no longer allocated throw InvalidOperationException naming the
/// pointer: always for big blocks, for small blocks when checks are on (NUMAHEAP_CHECKS=1).
/// </summary>
public sealed unsafe class DoubleFreeTests
{
    [Fact]
    public void DoubleFreeOfABigBlock_IsDetected_InTheDefaultMode()
    {
        using Heap heap = TestHeaps.Create();
        var bystanders = new Bystanders(heap);
        void* block = heap.Alloc(1024 * 1024);
        heap.Free(block);
        MisuseAssert.Throws<InvalidOperationException>(() => heap.Free(block), block, "already freed");
        MisuseAssert.Throws<InvalidOperationException>(() => heap.Free(block), block, "already freed");
        bystanders.AssertIntactAndHeapUsable();
        bystanders.FreeAll();
        Assert.Equal(0, heap.GetStatistics().LiveBytes);
    }

    [Fact]
    public void DoubleFreeOfABigBlockMergedWithItsFreeNeighbours_IsDetected()
    {
        using Heap heap = TestHeaps.Create();
        var bystanders = new Bystanders(heap);
        void* first = heap.Alloc(1024 * 1024);
        void* second = heap.Alloc(1024 * 1024);
        void* third = heap.Alloc(1024 * 1024);
        heap.Free(first);
        heap.Free(third);
        heap.Free(second);

        // The three runs merged: second's first page is now inside a free run, not a run's head.
        MisuseAssert.Throws<InvalidOperationException>(() => heap.Free(second), second, "already freed");
        MisuseAssert.Throws<InvalidOperationException>(() => heap.Free(third), third, "already freed");
        bystanders.AssertIntactAndHeapUsable();
        bystanders.FreeAll();
    }

    [Fact]
    public void DoubleFreeOfASmallBlock_IsDetected_WithChecks()
    {
        using Heap heap = TestHeaps.Create(checks: true);
        var bystanders = new Bystanders(heap);
        void* block = heap.Alloc(100);
        void* neighbour = heap.Alloc(100);
        heap.Free(block);
        MisuseAssert.Throws<InvalidOperationException>(() => heap.Free(block), block, "double free");

        // The block is in the thread cache once, so two allocations give two different blocks.
        void* a = heap.Alloc(100);
        void* b = heap.Alloc(100);
        Assert.True(a != b);
        heap.Free(a);
        heap.Free(b);
        heap.Free(neighbour);
        MisuseAssert.Throws<InvalidOperationException>(() => heap.Free(neighbour), neighbour, "double free");
        bystanders.AssertIntactAndHeapUsable();
        bystanders.FreeAll();
        Assert.Equal(0, heap.GetStatistics().LiveBytes);
    }

    [Fact]
    public void DoubleFreeOfASmallBlockFreedByAnotherNode_IsDetected_WithChecks()
    {
        using Heap heap = TestHeaps.Create(simulatedNodes: 2, checks: true);
        heap.BindCurrentThread(0);
        var bystanders = new Bystanders(heap);
        void* block = heap.Allocate(100, NumaPlacement.OnNode(1));
        heap.Free(block);
        MisuseAssert.Throws<InvalidOperationException>(() => heap.Free(block), block, "double free");
        bystanders.AssertIntactAndHeapUsable();
        bystanders.FreeAll();
        Assert.Equal(0, heap.GetStatistics().LiveBytes);
    }

    [Fact]
    public void FreeAfterTrim_OfABigBlock_IsDetected()
    {
        using Heap heap = TestHeaps.Create(purgeDelayMs: 60_000);
        var bystanders = new Bystanders(heap);
        void* block = heap.Alloc(1024 * 1024);
        heap.Free(block);
        heap.Trim();
        MisuseAssert.Throws<InvalidOperationException>(() => heap.Free(block), block, "already freed");
        MisuseAssert.Throws<InvalidOperationException>(() => heap.Realloc(block, 10), block, "already freed");
        bystanders.AssertIntactAndHeapUsable();
        bystanders.FreeAll();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void FreeAfterTrim_OfASmallBlockWhoseSpanWentBack_IsDetected(bool checks)
    {
        using Heap heap = TestHeaps.Create(purgeDelayMs: 60_000, checks: checks);
        var bystanders = new Bystanders(heap);

        // 3000-byte blocks (class 3072) are a class no bystander uses: once all are free, Trim returns their spans.
        var blocks = new nint[40];
        for (int i = 0; i < blocks.Length; i++)
        {
            blocks[i] = (nint)heap.Alloc(3000);
        }

        foreach (nint block in blocks)
        {
            heap.Free((void*)block);
        }

        heap.Trim();
        heap.Validate();
        foreach (nint block in new[] { blocks[0], blocks[^1] })
        {
            MisuseAssert.Throws<InvalidOperationException>(() => heap.Free((void*)block), (void*)block, "already freed");
            MisuseAssert.Throws<InvalidOperationException>(() => heap.Realloc((void*)block, 10), (void*)block, "already freed");
        }

        bystanders.AssertIntactAndHeapUsable();
        bystanders.FreeAll();
    }

    [Fact]
    public void LiveBlocksAllocatedBeforeTrim_FreeNormallyAfterIt()
    {
        using Heap heap = TestHeaps.Create(purgeDelayMs: 60_000);
        var bystanders = new Bystanders(heap);
        heap.Trim();
        bystanders.AssertIntactAndHeapUsable();
        bystanders.FreeAll();
        heap.Trim();
        Assert.Equal(0, heap.GetStatistics().LiveBytes);
    }

    [Fact]
    public void ReallocOfAFreedBigBlock_IsDetected()
    {
        using Heap heap = TestHeaps.Create();
        var bystanders = new Bystanders(heap);
        void* block = heap.Alloc(1024 * 1024);
        heap.Free(block);
        MisuseAssert.Throws<InvalidOperationException>(() => heap.Realloc(block, 2 * 1024 * 1024), block, "already freed");
        MisuseAssert.Throws<InvalidOperationException>(() => heap.Realloc(block, 100), block, "already freed");
        MisuseAssert.Throws<InvalidOperationException>(() => heap.AlignedRealloc(block, 100, 64), block, "already freed");
        MisuseAssert.Throws<InvalidOperationException>(() => heap.GetUsableSize(block), block, "already freed");
        bystanders.AssertIntactAndHeapUsable();
        bystanders.FreeAll();
        Assert.Equal(0, heap.GetStatistics().LiveBytes);
    }

    [Fact]
    public void ReallocOfAFreedSmallBlock_IsDetected_WithChecks()
    {
        using Heap heap = TestHeaps.Create(checks: true);
        var bystanders = new Bystanders(heap);
        void* block = heap.Alloc(64);
        heap.Free(block);
        MisuseAssert.Throws<InvalidOperationException>(() => heap.Realloc(block, 64), block, "already freed");
        MisuseAssert.Throws<InvalidOperationException>(() => heap.Realloc(block, 5000), block, "already freed");
        MisuseAssert.Throws<InvalidOperationException>(() => heap.AlignedRealloc(block, 64, 64), block, "already freed");
        MisuseAssert.Throws<InvalidOperationException>(() => heap.GetUsableSize(block), block, "already freed");
        bystanders.AssertIntactAndHeapUsable();
        bystanders.FreeAll();
        Assert.Equal(0, heap.GetStatistics().LiveBytes);
    }

    // Without checks a small block's free is one push onto the thread's list; the one misuse it can
    // see for one comparison is a free of the list's head: the block the thread freed last (an
    // immediate repeat) or the next one it would hand out (a slot past the block it just got).
    [Fact]
    public void ImmediatelyRepeatedFreeOfASmallBlock_IsDetected_InTheDefaultMode()
    {
        using Heap heap = TestHeaps.Create();
        var bystanders = new Bystanders(heap);
        void* block = heap.Alloc(100);
        heap.Free(block);
        MisuseAssert.Throws<InvalidOperationException>(() => heap.Free(block), block, "double free");
        MisuseAssert.Throws<InvalidOperationException>(() => heap.Free(block), block, "double free");

        // The block is in the thread's list once: two allocations give two blocks.
        void* a = heap.Alloc(100);
        void* b = heap.Alloc(100);
        Assert.True(a == block && b != block);
        heap.Free(b);
        heap.Free(a);
        bystanders.AssertIntactAndHeapUsable();
        bystanders.FreeAll();
        Assert.Equal(0, heap.GetStatistics().LiveBytes);
    }

    [Fact]
    public void FreeOfTheNextSlotOfAFreshSpan_NeverHandedOut_IsDetected_InTheDefaultMode()
    {
        using Heap heap = TestHeaps.Create();
        var bystanders = new Bystanders(heap);

        // A fresh refill links a span's blocks in address order: the next one is the list's head.
        var block = (byte*)heap.Alloc(16);
        void* next = block + 16;
        MisuseAssert.Throws<InvalidOperationException>(() => heap.Free(next), next, "never handed out");
        var taken = new nint[3];
        for (int i = 0; i < taken.Length; i++)
        {
            taken[i] = (nint)heap.Alloc(16);
            *(long*)taken[i] = i;
        }

        Assert.Equal(3, new System.Collections.Generic.HashSet<nint>(taken).Count);
        Assert.Equal((nint)next, taken[0]);
        for (int i = 0; i < taken.Length; i++)
        {
            Assert.Equal(i, *(long*)taken[i]);
            heap.Free((void*)taken[i]);
        }

        heap.Free(block);
        bystanders.AssertIntactAndHeapUsable();
        bystanders.FreeAll();
        Assert.Equal(0, heap.GetStatistics().LiveBytes);
    }

    // A thread's free of another node's block goes into a chain bound for that node: its head is checked likewise.
    [Fact]
    public void ImmediatelyRepeatedFreeOfAnotherNodesSmallBlock_IsDetected_InTheDefaultMode()
    {
        using Heap heap = TestHeaps.Create(simulatedNodes: 2);
        heap.BindCurrentThread(0);
        var bystanders = new Bystanders(heap);
        void* block = heap.Allocate(100, NumaPlacement.OnNode(1));
        heap.Free(block);
        MisuseAssert.Throws<InvalidOperationException>(() => heap.Free(block), block, "double free");
        bystanders.AssertIntactAndHeapUsable();
        bystanders.FreeAll();
        Assert.Equal(0, heap.GetStatistics().LiveBytes);
    }
}
