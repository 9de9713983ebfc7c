using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using Xunit;

namespace Numa.Tests.Contract;

/// <summary>What NumaHeap promises beyond NativeMemory: usable sizes, either free for either family, memmove Copy.</summary>
public sealed unsafe class NumaHeapContractTests
{
    [Theory]
    [MemberData(nameof(ContractAllocators.NumaHeaps), MemberType = typeof(ContractAllocators))]
    public void GetUsableSize_IsAtLeastTheRequestedSize_AndAllOfItIsWritable(string name)
    {
        using ContractAllocator allocator = ContractAllocators.Create(name);
        var blocks = new List<(nint Block, nuint Usable)>();
        for (nuint size = 0; size <= 6 * 1024 * 1024; size = size < 300 ? size + 1 : (size * 5 / 4) + 1)
        {
            void* block = allocator.Alloc(size);
            nuint usable = allocator.GetUsableSize(block, size);
            Assert.True(usable >= size, $"{name}: GetUsableSize of a {size}-byte block is {usable}.");
            blocks.Add(((nint)block, usable));

            void* aligned = allocator.AlignedAlloc(size, 1024);
            Assert.True(allocator.GetUsableSize(aligned, size) >= size);
            allocator.AlignedFree(aligned);
        }

        // Write every usable byte of every block, then check no block was overwritten by another.
        for (int i = 0; i < blocks.Count; i++)
        {
            BytePattern.Fill((void*)blocks[i].Block, blocks[i].Usable, i);
        }

        for (int i = 0; i < blocks.Count; i++)
        {
            Assert.True(BytePattern.Holds((void*)blocks[i].Block, blocks[i].Usable, i), $"{name}: usable bytes of two blocks overlap.");
            allocator.Free((void*)blocks[i].Block);
        }

        allocator.Validate();
    }

    [Theory]
    [MemberData(nameof(ContractAllocators.All), MemberType = typeof(ContractAllocators))]
    public void Free_And_AlignedFree_AcceptBlocksOfEitherFamily(string name)
    {
        // On Linux NativeMemory's two families are both malloc blocks, so this holds there too.
        using ContractAllocator allocator = ContractAllocators.Create(name);
        foreach (nuint size in new nuint[] { 1, 200, 70_000, 1024 * 1024 })
        {
            allocator.Free(allocator.AlignedAlloc(size, 64));
            allocator.Free(allocator.AlignedAlloc(size, 1 << 16));
            allocator.AlignedFree(allocator.Alloc(size));
            allocator.AlignedFree(allocator.AllocZeroed(size));
            allocator.Free(allocator.AlignedRealloc(allocator.Alloc(size), size * 2, 128));
            allocator.AlignedFree(allocator.Realloc(allocator.AlignedAlloc(size, 128), size / 2));
        }

        allocator.Validate();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Realloc_WithinTheSameSizeClass_OrShrinkingABigBlock_StaysInPlace(bool checks)
    {
        using var allocator = new PrivateHeapAllocator(checks);
        foreach ((nuint from, nuint to) in new (nuint, nuint)[] { (1, 16), (16, 1), (100, 112), (112, 97), (3000, 3072), (200_000, 212_992) })
        {
            void* block = allocator.Alloc(from);
            BytePattern.Fill(block, from, 1);
            void* resized = allocator.Realloc(block, to);
            Assert.True(block == resized, $"Realloc {from} -> {to} moved a block that fits its size class.");
            Assert.True(BytePattern.Holds(resized, Math.Min(from, to), 1));
            Assert.True(allocator.GetUsableSize(resized, to) >= to);
            allocator.Free(resized);
        }

        // A big block shrinks where it is, and grows where it is into the space it just gave up.
        void* big = allocator.Alloc(4 * 1024 * 1024);
        BytePattern.Fill(big, 1024 * 1024, 2);
        Assert.True(big == allocator.Realloc(big, 1024 * 1024));
        Assert.True(big == allocator.Realloc(big, 3 * 1024 * 1024));
        Assert.True(BytePattern.Holds(big, 1024 * 1024, 2));
        allocator.Free(big);
        allocator.Validate();
    }

    [Fact]
    public void Copy_IsMemmove_WithSourceFirst_LikeNativeMemory()
    {
        var numa = (byte*)NumaHeap.Alloc(1000);
        var native = (byte*)NativeMemory.Alloc(1000);
        BytePattern.Fill(numa, 1000, 1);
        BytePattern.Fill(native, 1000, 1);

        // Overlapping forwards and backwards copies give the same bytes.
        NumaHeap.Copy(numa, numa + 100, 500);
        NativeMemory.Copy(native, native + 100, 500);
        NumaHeap.Copy(numa + 300, numa + 50, 600);
        NativeMemory.Copy(native + 300, native + 50, 600);
        Assert.True(new ReadOnlySpan<byte>(numa, 1000).SequenceEqual(new ReadOnlySpan<byte>(native, 1000)));

        NumaHeap.Fill(numa + 10, 20, 0xEE);
        NativeMemory.Fill(native + 10, 20, 0xEE);
        NumaHeap.Clear(numa + 900, 100);
        NativeMemory.Clear(native + 900, 100);
        Assert.True(new ReadOnlySpan<byte>(numa, 1000).SequenceEqual(new ReadOnlySpan<byte>(native, 1000)));

        NumaHeap.Free(numa);
        NativeMemory.Free(native);
    }

    [Fact]
    public void GetNode_And_GetUsableSize_OfNull_ThrowArgumentException()
    {
        Assert.Throws<ArgumentException>(() => NumaHeap.GetNode(null));
        Assert.Throws<ArgumentException>(() => NumaHeap.GetUsableSize(null));
    }

    [Fact]
    public void PublicHeap_GetNode_OfALocalBlock_IsTheCurrentNode()
    {
        void* block = NumaHeap.Alloc(64);
        void* placed = NumaHeap.Allocate(64, NumaPlacement.OnNode(NumaHeap.Topology.NodeCount - 1));
        void* interleaved = NumaHeap.Allocate(64, NumaPlacement.Interleaved);
        Assert.InRange(NumaHeap.GetNode(block), NumaHeap.InterleavedNode, NumaHeap.Topology.NodeCount - 1);
        Assert.Equal(NumaHeap.Topology.NodeCount - 1, NumaHeap.GetNode(placed));
        Assert.Equal(NumaHeap.InterleavedNode, NumaHeap.GetNode(interleaved));
        NumaHeap.Free(block);
        NumaHeap.Free(placed);
        NumaHeap.Free(interleaved);
    }
}
