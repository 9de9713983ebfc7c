using System;
using System.Collections.Generic;
using Xunit;

namespace Numa.Tests.Contract;

/// <summary>Plain allocations are 16-byte aligned; AlignedAlloc honours every power of two up to 2 MiB and rejects the rest.</summary>
public sealed unsafe class AlignmentContractTests
{
    public static TheoryData<string, int> AllocatorsAndAlignmentShifts()
    {
        var data = new TheoryData<string, int>();
        foreach (string name in ContractAllocators.Names)
        {
            for (int shift = 0; shift <= 21; shift++)
            {
                data.Add(name, shift);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ContractAllocators.All), MemberType = typeof(ContractAllocators))]
    public void PlainAllocations_Are16ByteAligned_ForEverySize(string name)
    {
        using ContractAllocator allocator = ContractAllocators.Create(name);
        var blocks = new List<nint>();
        var sizes = new List<nuint>();
        for (nuint size = 0; size <= 2048; size++)
        {
            sizes.Add(size);
        }

        for (nuint size = 2048; size <= 4 * 1024 * 1024; size = (size * 9 / 8) + 13)
        {
            sizes.Add(size);
        }

        foreach (nuint size in sizes)
        {
            void* a = allocator.Alloc(size);
            void* b = allocator.AllocZeroed(size);
            void* c = allocator.Realloc(allocator.Alloc(size / 2), size);
            foreach (nint block in new[] { (nint)a, (nint)b, (nint)c })
            {
                Assert.True(block % 16 == 0, $"{name}: a block of {size} bytes at 0x{block:X} is not 16-byte aligned.");
                blocks.Add(block);
            }

            // Keep a few hundred live so that later blocks come from busy spans, not only fresh ones.
            if (blocks.Count > 600)
            {
                foreach (nint block in blocks)
                {
                    allocator.Free((void*)block);
                }

                blocks.Clear();
            }
        }

        foreach (nint block in blocks)
        {
            allocator.Free((void*)block);
        }

        allocator.Validate();
    }

    [Theory]
    [MemberData(nameof(AllocatorsAndAlignmentShifts))]
    public void AlignedAlloc_HonoursEveryPowerOfTwo_ForSizesAroundTheAlignment(string name, int shift)
    {
        using ContractAllocator allocator = ContractAllocators.Create(name);
        nuint alignment = (nuint)1 << shift;
        var sizes = new SortedSet<nuint> { 0, 1, 3, 17, 777, 4099, alignment / 2, alignment - 1, alignment, alignment + 1, (3 * alignment) + 7 };
        var blocks = new List<(nint Block, nuint Size, int Seed)>();
        int seed = shift * 100;
        foreach (nuint size in sizes)
        {
            for (int copy = 0; copy < 3; copy++)
            {
                void* block = allocator.AlignedAlloc(size, alignment);
                Assert.True(block != null);
                Assert.True((nuint)block % alignment == 0, $"{name}: AlignedAlloc({size}, {alignment}) returned 0x{(nuint)block:X}.");
                Assert.True(allocator.GetUsableSize(block, size) >= size);
                BytePattern.Fill(block, size, ++seed);
                blocks.Add(((nint)block, size, seed));
            }
        }

        foreach ((nint block, nuint size, int blockSeed) in blocks)
        {
            Assert.True(BytePattern.Holds((void*)block, size, blockSeed), $"{name}: the aligned block of {size} bytes at 0x{block:X} was overwritten.");
            allocator.AlignedFree((void*)block);
        }

        allocator.Validate();
    }

    [Theory]
    [MemberData(nameof(ContractAllocators.All), MemberType = typeof(ContractAllocators))]
    public void AlignedAlloc_WithAnAlignmentThatIsNotAPowerOfTwo_ThrowsArgumentException(string name)
    {
        using ContractAllocator allocator = ContractAllocators.Create(name);
        foreach (nuint alignment in new nuint[] { 0, 3, 24, 48, 100, (1 << 21) + 1, nuint.MaxValue })
        {
            ArgumentException error = Assert.Throws<ArgumentException>(() => allocator.AlignedAlloc(64, alignment));
            Assert.Contains("power of two", error.Message, StringComparison.Ordinal);
            error = Assert.Throws<ArgumentException>(() => allocator.AlignedRealloc(null, 64, alignment));
            Assert.Contains("power of two", error.Message, StringComparison.Ordinal);
        }

        allocator.Validate();
    }

    // NativeMemory's exception has no ParamName; NumaHeap's names the parameter (a deliberate improvement),
    // so its message is NativeMemory's followed by " (Parameter 'alignment')".
    [Fact]
    public void AlignmentError_StartsWithNativeMemorysMessage_AndNamesTheParameter()
    {
        var native = Assert.Throws<ArgumentException>(() => System.Runtime.InteropServices.NativeMemory.AlignedAlloc(8, 24));
        var numa = Assert.Throws<ArgumentException>(() => NumaHeap.AlignedAlloc(8, 24));
        Assert.StartsWith(native.Message, numa.Message, StringComparison.Ordinal);
        Assert.Equal("alignment", numa.ParamName);
        Assert.Equal(typeof(ArgumentException), numa.GetType());
    }
}
