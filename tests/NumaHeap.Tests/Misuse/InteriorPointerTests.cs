using System;
using Numa.Tests.Contract;
using Numa.Tests.Engine;
using Xunit;

namespace Numa.Tests.Misuse;

/// <summary>A pointer inside a live block is rejected with ArgumentException naming it and the block's start; the block stays live.</summary>
public sealed unsafe class InteriorPointerTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void InteriorPointerOfASmallBlock_IsRejected(bool checks)
    {
        using Heap heap = TestHeaps.Create(checks: checks);
        var bystanders = new Bystanders(heap);
        var block = (byte*)heap.Alloc(64);
        BytePattern.Fill(block, 64, 3);
        foreach (int offset in new[] { 1, 8, 16, 63 })
        {
            byte* inside = block + offset;
            ArgumentException error = MisuseAssert.Throws<ArgumentException>(() => heap.Free(inside), inside, "interior pointer");
            Assert.Contains(MisuseAssert.Hex(block), error.Message, StringComparison.Ordinal);
            MisuseAssert.Throws<ArgumentException>(() => heap.Realloc(inside, 10), inside, "interior pointer");
            MisuseAssert.Throws<ArgumentException>(() => heap.AlignedRealloc(inside, 10, 32), inside, "interior pointer");
            MisuseAssert.Throws<ArgumentException>(() => heap.GetUsableSize(inside), inside, "interior pointer");
        }

        Assert.True(BytePattern.Holds(block, 64, 3));
        heap.Free(block);
        bystanders.AssertIntactAndHeapUsable();
        bystanders.FreeAll();
        Assert.Equal(0, heap.GetStatistics().LiveBytes);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void InteriorPointerOfABigBlock_IsRejected(bool checks)
    {
        using Heap heap = TestHeaps.Create(checks: checks);
        var bystanders = new Bystanders(heap);
        const int Size = 1024 * 1024;
        var block = (byte*)heap.Alloc(Size);
        BytePattern.Fill(block, Size, 4);

        // On the head page, on a later page's first byte (looks page-aligned), and on the last byte.
        foreach (int offset in new[] { 16, 8192, 65536, Size - 1 })
        {
            byte* inside = block + offset;
            ArgumentException error = MisuseAssert.Throws<ArgumentException>(() => heap.Free(inside), inside, "interior pointer");
            Assert.Contains(MisuseAssert.Hex(block), error.Message, StringComparison.Ordinal);
            MisuseAssert.Throws<ArgumentException>(() => heap.Realloc(inside, 10), inside, "interior pointer");
            MisuseAssert.Throws<ArgumentException>(() => heap.GetNode(inside), inside, "interior pointer");
        }

        Assert.True(BytePattern.Holds(block, Size, 4));
        heap.Free(block);
        bystanders.AssertIntactAndHeapUsable();
        bystanders.FreeAll();
        Assert.Equal(0, heap.GetStatistics().LiveBytes);
    }
}
