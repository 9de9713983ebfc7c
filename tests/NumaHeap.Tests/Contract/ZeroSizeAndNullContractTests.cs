using System;
using System.Collections.Generic;
using Xunit;

namespace Numa.Tests.Contract;

/// <summary>Size 0, null pointers and element-count overflow behave as NativeMemory's do.</summary>
public sealed unsafe class ZeroSizeAndNullContractTests
{
    [Theory]
    [MemberData(nameof(ContractAllocators.All), MemberType = typeof(ContractAllocators))]
    public void Alloc_Zero_ReturnsDistinctNonNullPointers_ThatCanBeFreed(string name)
    {
        using ContractAllocator allocator = ContractAllocators.Create(name);
        var seen = new HashSet<nint>();
        var blocks = new List<nint>();
        for (int i = 0; i < 64; i++)
        {
            blocks.Add((nint)allocator.Alloc(0));
            blocks.Add((nint)allocator.AllocZeroed(0));
            blocks.Add((nint)allocator.Alloc(0, 8));
            blocks.Add((nint)allocator.Alloc(8, 0));
            blocks.Add((nint)allocator.AllocZeroed(0, 0));
            blocks.Add((nint)allocator.AlignedAlloc(0, 64));
        }

        foreach (nint block in blocks)
        {
            Assert.NotEqual(0, block);
            Assert.True(seen.Add(block), $"{name} returned 0x{block:X} twice for live zero-size blocks.");
        }

        foreach (nint block in blocks)
        {
            allocator.Free((void*)block);
        }

        allocator.Validate();
    }

    [Theory]
    [MemberData(nameof(ContractAllocators.All), MemberType = typeof(ContractAllocators))]
    public void Free_And_AlignedFree_OfNull_DoNothing(string name)
    {
        using ContractAllocator allocator = ContractAllocators.Create(name);
        allocator.Free(null);
        allocator.AlignedFree(null);
        allocator.Validate();
        void* block = allocator.Alloc(24);
        allocator.Free(block);
    }

    [Theory]
    [MemberData(nameof(ContractAllocators.All), MemberType = typeof(ContractAllocators))]
    public void ElementCountTimesSize_Overflow_ThrowsOutOfMemory(string name)
    {
        using ContractAllocator allocator = ContractAllocators.Create(name);
        nuint half = (nuint.MaxValue / 2) + 2;
        Assert.Throws<OutOfMemoryException>(() => allocator.Alloc(half, 2));
        Assert.Throws<OutOfMemoryException>(() => allocator.Alloc(2, half));
        Assert.Throws<OutOfMemoryException>(() => allocator.Alloc(nuint.MaxValue, nuint.MaxValue));
        Assert.Throws<OutOfMemoryException>(() => allocator.AllocZeroed(half, 2));
        Assert.Throws<OutOfMemoryException>(() => allocator.AllocZeroed((nuint)1 << 33, (nuint)1 << 33));

        // A product that does not overflow is an ordinary allocation.
        var block = (long*)allocator.Alloc(100, sizeof(long));
        new Span<long>(block, 100).Fill(-1);
        allocator.Free(block);
        allocator.Validate();
    }

    [Theory]
    [MemberData(nameof(ContractAllocators.All), MemberType = typeof(ContractAllocators))]
    public void Realloc_OfNull_Allocates(string name)
    {
        using ContractAllocator allocator = ContractAllocators.Create(name);
        foreach (nuint size in new nuint[] { 0, 1, 100, 5000, 300 * 1024, 3 * 1024 * 1024 })
        {
            var block = (byte*)allocator.Realloc(null, size);
            Assert.True(block != null);
            BytePattern.Fill(block, size, (int)size);
            Assert.True(BytePattern.Holds(block, size, (int)size));
            allocator.Free(block);

            block = (byte*)allocator.AlignedRealloc(null, size, 4096);
            Assert.True(block != null);
            Assert.Equal(0u, (nuint)block % 4096);
            BytePattern.Fill(block, size, (int)size);
            allocator.AlignedFree(block);
        }

        allocator.Validate();
    }

    // NativeMemory.Realloc(p, 0) on Linux calls realloc(p, 1): the old block is gone and a live, non-null,
    // freeable block comes back (glibc's realloc(p, 0) would free p and return null, which .NET avoids).
    // NumaHeap matches: the result is a live zero-size block.
    [Theory]
    [MemberData(nameof(ContractAllocators.All), MemberType = typeof(ContractAllocators))]
    public void Realloc_ToZero_ReturnsALiveNonNullBlock(string name)
    {
        using ContractAllocator allocator = ContractAllocators.Create(name);
        foreach (nuint size in new nuint[] { 0, 8, 16, 17, 1000, 300 * 1024, 2 * 1024 * 1024 })
        {
            void* block = allocator.Alloc(size);
            BytePattern.Fill(block, size, 3);
            void* resized = allocator.Realloc(block, 0);
            Assert.True(resized != null);
            void* other = allocator.Alloc(0);
            Assert.True(other != resized);
            allocator.Free(resized);
            allocator.Free(other);

            block = allocator.AlignedAlloc(size, 256);
            resized = allocator.AlignedRealloc(block, 0, 256);
            Assert.True(resized != null);
            Assert.Equal(0u, (nuint)resized % 256);
            allocator.AlignedFree(resized);
        }

        allocator.Validate();
    }
}
