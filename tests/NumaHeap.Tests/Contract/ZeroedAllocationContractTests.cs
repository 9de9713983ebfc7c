using System;
using System.Collections.Generic;
using Xunit;

namespace Numa.Tests.Contract;

/// <summary>AllocZeroed returns zeroes, also when the block is a reused one that was written before.</summary>
public sealed unsafe class ZeroedAllocationContractTests
{
    public static TheoryData<string, int> AllocatorsAndSizes()
    {
        var data = new TheoryData<string, int>();
        foreach (string name in ContractAllocators.Names)
        {
            foreach (int size in new[] { 1, 16, 100, 4000, 64 * 1024, 256 * 1024, (256 * 1024) + 1, 1024 * 1024, (3 * 1024 * 1024) + 5 })
            {
                data.Add(name, size);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(AllocatorsAndSizes))]
    public void AllocZeroed_IsZero_FreshAndAfterReuseOfDirtyBlocks(string name, int size)
    {
        using ContractAllocator allocator = ContractAllocators.Create(name);
        for (int round = 0; round < 2; round++)
        {
            // Dirty a batch of blocks, free them, then take zeroed ones that reuse them.
            var dirty = new List<nint>();
            for (int i = 0; i < 8; i++)
            {
                void* block = allocator.Alloc((nuint)size);
                new Span<byte>(block, size).Fill(0xA5);
                dirty.Add((nint)block);
            }

            var reused = new HashSet<nint>(dirty);
            foreach (nint block in dirty)
            {
                allocator.Free((void*)block);
            }

            int hits = 0;
            var zeroed = new List<nint>();
            for (int i = 0; i < 8; i++)
            {
                void* block = i % 2 == 0 ? allocator.AllocZeroed((nuint)size) : allocator.AllocZeroed(1, (nuint)size);
                Assert.False(new ReadOnlySpan<byte>(block, size).ContainsAnyExcept((byte)0), $"{name}: AllocZeroed({size}) returned non-zero bytes.");
                hits += reused.Contains((nint)block) ? 1 : 0;
                new Span<byte>(block, size).Fill(0x5A);
                zeroed.Add((nint)block);
            }

            // NumaHeap hands freed blocks back first (LIFO caches, best-fit page runs): the dirty path ran.
            if (allocator.IsNumaHeap && name != ContractAllocators.NumaHeap)
            {
                Assert.True(hits > 0, $"{name}: no zeroed block reused a freed one, so the dirty path was not exercised.");
            }

            foreach (nint block in zeroed)
            {
                allocator.Free((void*)block);
            }
        }

        allocator.Validate();
    }
}
