using System;
using Xunit;

namespace Numa.Tests.Contract;

/// <summary>Realloc and AlignedRealloc keep the first min(old, new) bytes, growing and shrinking, across the small/big boundary.</summary>
public sealed unsafe class ReallocContractTests
{
    // Both sides of every engine boundary: tiny classes, a page, the largest small class (256 KiB), big page runs.
    private static readonly nuint[] s_sizes =
    [
        0, 1, 15, 16, 17, 100, 1024, 4097, 65536, 256 * 1024, (256 * 1024) + 1, 1024 * 1024, (3 * 1024 * 1024) + 5,
    ];

    [Theory]
    [MemberData(nameof(ContractAllocators.All), MemberType = typeof(ContractAllocators))]
    public void Realloc_KeepsTheCommonPrefix_ForEveryPairOfSizes(string name)
    {
        using ContractAllocator allocator = ContractAllocators.Create(name);
        int seed = 0;
        foreach (nuint from in s_sizes)
        {
            foreach (nuint to in s_sizes)
            {
                seed++;
                void* block = allocator.Alloc(from);
                BytePattern.Fill(block, from, seed);
                void* resized = allocator.Realloc(block, to);
                Assert.True(resized != null);
                Assert.Equal(0u, (nuint)resized % 16);
                long mismatch = BytePattern.FindMismatch(resized, Math.Min(from, to), seed);
                Assert.True(mismatch < 0, $"{name}: Realloc {from} -> {to} lost byte {mismatch}.");
                Assert.True(allocator.GetUsableSize(resized, to) >= to);

                // The whole new size is writable, and a second resize still keeps the prefix.
                BytePattern.Fill(resized, to, seed + 1);
                void* back = allocator.Realloc(resized, from);
                Assert.True(BytePattern.Holds(back, Math.Min(from, to), seed + 1), $"{name}: Realloc {to} -> {from} lost bytes.");
                allocator.Free(back);
            }
        }

        allocator.Validate();
    }

    [Theory]
    [MemberData(nameof(ContractAllocators.All), MemberType = typeof(ContractAllocators))]
    public void Realloc_InAGrowingLoop_KeepsEverythingWritten(string name)
    {
        using ContractAllocator allocator = ContractAllocators.Create(name);
        byte* block = null;
        nuint size = 0;
        for (nuint next = 1; next <= 4 * 1024 * 1024; next = (next * 3 / 2) + 1)
        {
            block = (byte*)allocator.Realloc(block, next);
            Assert.True(BytePattern.Holds(block, size, 77), $"{name}: growing to {next} lost bytes.");
            BytePattern.Fill(block + size, next - size, (int)((77 + size) % 251));
            size = next;
        }

        while (size > 0)
        {
            size /= 3;
            block = (byte*)allocator.Realloc(block, size);
            Assert.True(BytePattern.Holds(block, size, 77), $"{name}: shrinking to {size} lost bytes.");
        }

        allocator.Free(block);
        allocator.Validate();
    }

    [Theory]
    [MemberData(nameof(ContractAllocators.All), MemberType = typeof(ContractAllocators))]
    public void AlignedRealloc_KeepsContentsAndAlignment(string name)
    {
        using ContractAllocator allocator = ContractAllocators.Create(name);
        int seed = 0;
        foreach (nuint alignment in new nuint[] { 1, 8, 16, 32, 64, 512, 4096, 8192, 65536, 2 * 1024 * 1024 })
        {
            foreach (nuint from in s_sizes)
            {
                foreach (nuint to in new nuint[] { 0, 7, 300, 70_000, 600 * 1024 })
                {
                    seed++;
                    void* block = allocator.AlignedAlloc(from, alignment);
                    BytePattern.Fill(block, from, seed);
                    void* resized = allocator.AlignedRealloc(block, to, alignment);
                    Assert.True(resized != null);
                    Assert.True((nuint)resized % alignment == 0, $"{name}: AlignedRealloc {from} -> {to} lost alignment {alignment}: 0x{(nuint)resized:X}.");
                    Assert.True(BytePattern.Holds(resized, Math.Min(from, to), seed), $"{name}: AlignedRealloc {from} -> {to} at alignment {alignment} lost bytes.");
                    BytePattern.Fill(resized, to, seed);
                    allocator.AlignedFree(resized);
                }
            }
        }

        allocator.Validate();
    }
}
