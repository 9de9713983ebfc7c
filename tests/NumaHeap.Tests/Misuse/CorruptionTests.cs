using System;
using Numa.Tests.Contract;
using Numa.Tests.Engine;
using Xunit;

namespace Numa.Tests.Misuse;

/// <summary>Bad arguments on live blocks and damage done through dangling or overrunning writes (checks mode).</summary>
public sealed unsafe class CorruptionTests
{
    // The pointer is not what is wrong here, so the message is NativeMemory's own; the block must survive.
    [Theory]
    [InlineData(64)]
    [InlineData(1024 * 1024)]
    public void AlignedReallocWithABadAlignment_Throws_AndLeavesTheBlockLive(int size)
    {
        using Heap heap = TestHeaps.Create();
        var bystanders = new Bystanders(heap);
        void* block = heap.AlignedAlloc((nuint)size, 64);
        BytePattern.Fill(block, (nuint)size, 8);
        foreach (nuint alignment in new nuint[] { 0, 3, 24, 96 })
        {
            ArgumentException error = Assert.Throws<ArgumentException>(() => heap.AlignedRealloc(block, (nuint)size * 2, alignment));
            Assert.Contains("alignment must be a power of two", error.Message, StringComparison.Ordinal);
            Assert.Equal("alignment", error.ParamName);
        }

        Assert.True(BytePattern.Holds(block, (nuint)size, 8));
        block = heap.AlignedRealloc(block, (nuint)size * 2, 64);
        Assert.True(BytePattern.Holds(block, (nuint)size, 8));
        heap.Free(block);
        bystanders.AssertIntactAndHeapUsable();
        bystanders.FreeAll();
        Assert.Equal(0, heap.GetStatistics().LiveBytes);
    }

    [Theory]
    [InlineData(100, 100)]
    [InlineData(100, 111)]
    [InlineData(1, 15)]
    [InlineData(3000, 3071)]
    public void CanaryOverwrite_IsDetectedOnFree_WithChecks(int size, int overrunAt)
    {
        using Heap heap = TestHeaps.Create(checks: true);
        var bystanders = new Bystanders(heap);
        var block = (byte*)heap.Alloc((nuint)size);
        BytePattern.Fill(block, (nuint)size, 2);
        byte saved = block[overrunAt];
        block[overrunAt] = 0;
        MisuseAssert.Throws<InvalidOperationException>(() => heap.Free(block), block, "buffer overrun");

        // The block stays allocated: it is neither in a free list nor handed out again.
        void* other = heap.Alloc((nuint)size);
        Assert.True(other != block);
        heap.Free(other);
        bystanders.AssertIntactAndHeapUsable();

        // Once the bytes past the block are restored the program can still free it.
        block[overrunAt] = saved;
        heap.Free(block);
        bystanders.FreeAll();
        Assert.Equal(0, heap.GetStatistics().LiveBytes);
    }

    [Fact]
    public void CanaryOverwrite_IsDetectedOnReallocToAnotherClass_WithChecks()
    {
        using Heap heap = TestHeaps.Create(checks: true);
        var bystanders = new Bystanders(heap);
        var block = (byte*)heap.Alloc(100);
        BytePattern.Fill(block, 101, 2);
        MisuseAssert.Throws<InvalidOperationException>(() => heap.Realloc(block, 5000), block, "buffer overrun");
        bystanders.AssertIntactAndHeapUsable();
        bystanders.FreeAll();
    }

    [Fact]
    public void WriteAfterFreeIntoAFreeListLink_IsDetected_WithChecks_AndTheHeapRecovers()
    {
        using Heap heap = TestHeaps.Create(checks: true);
        var bystanders = new Bystanders(heap);
        void* first = heap.Alloc(64);
        void* second = heap.Alloc(64);
        void* third = heap.Alloc(64);
        heap.Free(third);
        heap.Free(second);

        // A dangling pointer writes over the free block's link to the next free block.
        *(nint*)second = 0x1234_5678;
        MisuseAssert.Throws<InvalidOperationException>(() => heap.Alloc(64), second, "write after free");
        bystanders.AssertIntactAndHeapUsable();

        // The heap keeps allocating that class, and never hands out a live block twice.
        var blocks = new nint[200];
        for (int i = 0; i < blocks.Length; i++)
        {
            blocks[i] = (nint)heap.Alloc(64);
            Assert.True(blocks[i] != (nint)first);
            BytePattern.Fill((void*)blocks[i], 64, i);
        }

        for (int i = 0; i < blocks.Length; i++)
        {
            Assert.True(BytePattern.Holds((void*)blocks[i], 64, i));
            heap.Free((void*)blocks[i]);
        }

        heap.Free(first);
        bystanders.FreeAll();
        heap.Validate();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(19)]
    [InlineData(127)]
    public void WriteAfterFreeDeepInAThreadCacheList_IsDetectedWhenTheListIsFlushed_WithChecks(int depth)
    {
        using Heap heap = TestHeaps.Create(checks: true);
        var bystanders = new Bystanders(heap);

        // A refill brings 128 blocks of 64 bytes; with all of them freed again the list's last block is
        // the one allocated first.
        var blocks = new nint[128];
        for (int i = 0; i < blocks.Length; i++)
        {
            blocks[i] = (nint)heap.Alloc(64);
        }

        // The damaged block sits under later frees, where no allocation looks at it.
        void* damaged = (void*)blocks[^(depth + 1)];
        foreach (nint block in blocks)
        {
            heap.Free((void*)block);
        }

        *(nint*)damaged = 0x5555;

        // Trim flushes the whole list and walks every link.
        MisuseAssert.Throws<InvalidOperationException>(heap.Trim, damaged, "write after free");
        bystanders.AssertIntactAndHeapUsable();
        heap.Trim();
        bystanders.FreeAll();
        heap.Trim();
        heap.Validate();
    }

    [Fact]
    public void WriteAfterFreeThatLinksToALiveBlock_IsDetected_WithChecks_AndTheLiveBlockIsUntouched()
    {
        using Heap heap = TestHeaps.Create(checks: true);
        var bystanders = new Bystanders(heap);
        var live = (byte*)heap.Alloc(64);
        BytePattern.Fill(live, 64, 5);
        void* freed = heap.Alloc(64);
        heap.Free(freed);

        // The dangling write makes the free block link to a block the program still uses.
        *(nint*)freed = (nint)live;
        MisuseAssert.Throws<InvalidOperationException>(() => heap.Alloc(64), freed, "write after free");
        for (int i = 0; i < 100; i++)
        {
            void* block = heap.Alloc(64);
            Assert.True(block != live, "A live block was handed out again.");
        }

        Assert.True(BytePattern.Holds(live, 64, 5));
        bystanders.AssertIntactAndHeapUsable();
        heap.Free(live);
        bystanders.FreeAll();
    }

    [Fact]
    public void WriteAfterFreeThatLinksIntoABigBlock_IsDetected_WithChecks_AndTheBigBlockIsUntouched()
    {
        using Heap heap = TestHeaps.Create(checks: true);
        var bystanders = new Bystanders(heap);
        const int bigSize = 1024 * 1024;
        var big = (byte*)heap.Alloc(bigSize);
        BytePattern.Fill(big, bigSize, 9);
        void* freed = heap.Alloc(64);
        heap.Free(freed);

        // The link points into a big block: a page that holds no small blocks, whose small-page entry
        // lies outside the part of that map the heap commits, so it must not even be read.
        *(nint*)freed = (nint)(big + 4096);
        MisuseAssert.Throws<InvalidOperationException>(() => heap.Alloc(64), freed, "write after free");
        for (int i = 0; i < 100; i++)
        {
            var block = (byte*)heap.Alloc(64);
            Assert.False(block >= big && block < big + bigSize, "A block inside a live big block was handed out.");
        }

        Assert.True(BytePattern.Holds(big, bigSize, 9));
        bystanders.AssertIntactAndHeapUsable();
        heap.Free(big);
        bystanders.FreeAll();
    }
}
