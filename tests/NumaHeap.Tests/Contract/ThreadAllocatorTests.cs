using System;
using System.Runtime.InteropServices;
using Numa.Tests.Engine;
using Numa.Tests.Misuse;
using Numa.Tests.Numa;
using Numa.Tests.Stress;
using Xunit;

namespace Numa.Tests.Contract;

/// <summary>
/// <see cref="NumaThreadAllocator"/> is the same heap without the per-call thread lookup: its blocks
/// are interchangeable with Alloc/Free's, on any thread, and bad pointers get the same exceptions.
/// </summary>
public sealed unsafe class ThreadAllocatorTests
{
    private static readonly int[] s_sizes = [1, 16, 100, 4096, 100_000, 256 * 1024, (256 * 1024) + 1, 3 * 1024 * 1024];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Blocks_AreInterchangeableWithAllocAndFree_AndKeepTheirContents(bool checks)
    {
        using Heap heap = TestHeaps.Create(checks: checks);
        NumaThreadAllocator allocator = heap.GetThreadAllocator();
        foreach (int size in s_sizes)
        {
            var mine = (byte*)allocator.Alloc((nuint)size);
            var theirs = (byte*)heap.Alloc((nuint)size);
            BytePattern.Fill(mine, (nuint)size, size);
            BytePattern.Fill(theirs, (nuint)size, size + 1);
            Assert.True(heap.GetUsableSize(mine) >= (nuint)size);
            Assert.True(BytePattern.Holds(mine, (nuint)size, size));
            heap.Free(mine);
            Assert.True(BytePattern.Holds(theirs, (nuint)size, size + 1));
            allocator.Free(theirs);
        }

        heap.Validate();
        Assert.Equal(0, heap.GetStatistics().LiveBytes);
    }

    [Fact]
    public void BlocksFreedOnAnotherNode_GoHome_AndEachThreadsAllocatorServesItsOwnNode()
    {
        using Heap heap = TestHeaps.Create(simulatedNodes: 2);
        using (var workers = new NodeWorkers(heap, 2))
        {
            nint block = workers[1].Run(() =>
            {
                NumaThreadAllocator allocator = heap.GetThreadAllocator();
                var p = (byte*)allocator.Alloc(64);
                BytePattern.Fill(p, 64, 7);
                return (nint)p;
            });
            Assert.Equal(1, heap.GetNode((void*)block));

            workers[0].Run(() =>
            {
                Assert.True(BytePattern.Holds((void*)block, 64, 7));
                NumaThreadAllocator allocator = heap.GetThreadAllocator();
                allocator.Free((void*)block);
                var own = allocator.Alloc(64);
                Assert.Equal(0, heap.GetNode(own));
                allocator.Free(own);
            });
        }

        Quiescence.AssertSettled(heap);
        Assert.Equal(1, heap.GetStatistics().Nodes[1].RemoteFreesReceived);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void BadPointers_ThroughTheThreadAllocator_ThrowAndLeaveTheHeapIntact(bool checks)
    {
        using Heap heap = TestHeaps.Create(checks: checks);
        var bystanders = new Bystanders(heap);
        var small = (byte*)heap.GetThreadAllocator().Alloc(64);
        var big = (byte*)heap.GetThreadAllocator().Alloc(1024 * 1024);
        void* foreign = NativeMemory.Alloc(64);
        try
        {
            byte* inside = small + 16;
            MisuseAssert.Throws<ArgumentException>(() => heap.GetThreadAllocator().Free(inside), inside, "interior pointer");
            MisuseAssert.Throws<ArgumentException>(() => heap.GetThreadAllocator().Free(foreign), foreign, "foreign pointer");
            heap.GetThreadAllocator().Free(big);
            MisuseAssert.Throws<InvalidOperationException>(() => heap.GetThreadAllocator().Free(big), big, "already freed");
            heap.GetThreadAllocator().Free(small);
            if (checks)
            {
                MisuseAssert.Throws<InvalidOperationException>(() => heap.GetThreadAllocator().Free(small), small, "Double free");
            }
        }
        finally
        {
            NativeMemory.Free(foreign);
        }

        bystanders.AssertIntactAndHeapUsable();
        bystanders.FreeAll();
        Assert.Equal(0, heap.GetStatistics().LiveBytes);
    }

    [Fact]
    public void ADefaultValue_ThrowsInsteadOfAllocating()
    {
        var error = Assert.Throws<InvalidOperationException>(() => (nint)default(NumaThreadAllocator).Alloc(16));
        Assert.Contains("GetThreadAllocator", error.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => default(NumaThreadAllocator).Free(null));
    }

    [Fact]
    public void ThePublicAllocator_UsesTheProcessWideHeap()
    {
        // GetNode and GetUsableSize throw ArgumentException for a block of any other heap.
        NumaThreadAllocator allocator = NumaHeap.GetThreadAllocator();
        void* block = allocator.Alloc(48);
        Assert.Equal(NumaHeap.CurrentNode, NumaHeap.GetNode(block));
        Assert.True(NumaHeap.GetUsableSize(block) >= 48);
        NumaHeap.Free(block);
    }
}
