using System;
using Xunit;

namespace Numa.Tests.Contract;

/// <summary>Requests that cannot be met throw OutOfMemoryException, never return null, and leave the allocator working.</summary>
public sealed unsafe class OutOfMemoryContractTests
{
    private const ulong OneTebibyte = 1UL << 40;

    // 64-bit processes only (the test project runs on x64 and arm64).
    private static readonly nuint s_oneTebibyte = nuint.CreateChecked(OneTebibyte);

    [Theory]
    [MemberData(nameof(ContractAllocators.All), MemberType = typeof(ContractAllocators))]
    public void MaxValueRequests_ThrowOutOfMemory_AndTheNextAllocationWorks(string name)
    {
        using ContractAllocator allocator = ContractAllocators.Create(name);
        var survivor = (byte*)allocator.Alloc(1000);
        BytePattern.Fill(survivor, 1000, 9);

        Assert.Throws<OutOfMemoryException>(() => allocator.Alloc(nuint.MaxValue));
        Assert.Throws<OutOfMemoryException>(() => allocator.AllocZeroed(nuint.MaxValue));
        Assert.Throws<OutOfMemoryException>(() => allocator.Alloc(nuint.MaxValue - 4096));
        Assert.Throws<OutOfMemoryException>(() => allocator.AlignedAlloc(nuint.MaxValue, 64));
        Assert.Throws<OutOfMemoryException>(() => allocator.Realloc(null, nuint.MaxValue));

        // A failed Realloc leaves the old block valid and untouched (C realloc's contract).
        Assert.Throws<OutOfMemoryException>(() => allocator.Realloc(survivor, nuint.MaxValue));
        Assert.Throws<OutOfMemoryException>(() => allocator.AlignedRealloc(survivor, nuint.MaxValue, 16));
        Assert.True(BytePattern.Holds(survivor, 1000, 9));

        var next = (byte*)allocator.Alloc(64);
        next[63] = 1;
        allocator.Free(next);
        allocator.Free(survivor);
        allocator.Validate();
    }

    // NativeMemory's answer to 1 TiB depends on the machine's overcommit policy (vm.overcommit_memory=1
    // lets malloc reserve it), so only NumaHeap, whose regions are smaller than that, is held to it.
    [Theory]
    [MemberData(nameof(ContractAllocators.NumaHeaps), MemberType = typeof(ContractAllocators))]
    public void OneTebibyte_ThrowsOutOfMemory_AndTheHeapStillWorks(string name)
    {
        using ContractAllocator allocator = ContractAllocators.Create(name);
        var big = (byte*)allocator.Alloc(2 * 1024 * 1024);
        BytePattern.Fill(big, 2 * 1024 * 1024, 5);

        var error = Assert.Throws<OutOfMemoryException>(() => allocator.Alloc(s_oneTebibyte));
        Assert.Contains(OneTebibyte.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message, StringComparison.Ordinal);
        Assert.Throws<OutOfMemoryException>(() => allocator.AllocZeroed(s_oneTebibyte));
        Assert.Throws<OutOfMemoryException>(() => allocator.Alloc(1 << 20, 1 << 20));
        Assert.Throws<OutOfMemoryException>(() => allocator.AlignedAlloc(64, s_oneTebibyte));
        Assert.Throws<OutOfMemoryException>(() => allocator.Realloc(big, s_oneTebibyte));
        Assert.True(BytePattern.Holds(big, 2 * 1024 * 1024, 5));

        void* next = allocator.Alloc(3 * 1024 * 1024);
        BytePattern.Fill(next, 3 * 1024 * 1024, 6);
        allocator.Free(next);
        allocator.Free(big);
        allocator.Validate();
    }

    [Fact]
    public void Allocate_WithPlacement_OfAnImpossibleSize_ThrowsOutOfMemory()
    {
        Assert.Throws<OutOfMemoryException>(() => NumaHeap.Allocate(nuint.MaxValue, NumaPlacement.Local));
        Assert.Throws<OutOfMemoryException>(() => NumaHeap.Allocate(nuint.MaxValue, NumaPlacement.Interleaved));
        Assert.Throws<OutOfMemoryException>(() => NumaHeap.Allocate(s_oneTebibyte, NumaPlacement.OnNode(0)));
        void* block = NumaHeap.Allocate(100, NumaPlacement.OnNode(0));
        NumaHeap.Free(block);
    }
}
