using System;
using System.Collections.Generic;
using Numa.Tests.Contract;
using Xunit;

namespace Numa.Tests.Misuse;

/// <summary>
/// Live blocks, small and big, filled with known patterns before a misuse; afterwards they must hold
/// the same bytes, the heap must validate, and it must still allocate and free.
/// </summary>
internal sealed unsafe class Bystanders
{
    // Sizes of classes the misuse tests do not use themselves (the tests use 64, 100 and 4000 bytes and 1 MiB).
    private static readonly nuint[] s_sizes = [8, 48, 200, 777, 5000, 40_000, 256 * 1024, (256 * 1024) + 1, 3 * 1024 * 1024];

    private readonly Heap _heap;
    private readonly List<(nint Block, nuint Size, int Seed)> _blocks = new();

    public Bystanders(Heap heap)
    {
        _heap = heap;
        int seed = 17;
        foreach (nuint size in s_sizes)
        {
            for (int i = 0; i < 3; i++)
            {
                void* block = i == 2 ? heap.AlignedAlloc(size, 4096) : heap.Alloc(size);
                BytePattern.Fill(block, size, ++seed);
                _blocks.Add(((nint)block, size, seed));
            }
        }
    }

    /// <summary>Every bystander holds its pattern, the heap validates, and it allocates, reallocates and frees.</summary>
    public void AssertIntactAndHeapUsable()
    {
        foreach ((nint block, nuint size, int seed) in _blocks)
        {
            long mismatch = BytePattern.FindMismatch((void*)block, size, seed);
            Assert.True(mismatch < 0, $"The live {size}-byte block at 0x{block:X} changed at byte {mismatch} after the misuse.");
        }

        _heap.Validate();
        foreach (nuint size in s_sizes)
        {
            void* block = _heap.AllocZeroed(size);
            Assert.False(new ReadOnlySpan<byte>(block, (int)Math.Min(size, 4096)).ContainsAnyExcept((byte)0));
            BytePattern.Fill(block, size, 1);
            block = _heap.Realloc(block, size + 100);
            Assert.True(BytePattern.Holds(block, size, 1));
            _heap.Free(block);
        }

        _heap.Validate();
    }

    /// <summary>Frees every bystander, checking its contents first.</summary>
    public void FreeAll()
    {
        foreach ((nint block, nuint size, int seed) in _blocks)
        {
            Assert.True(BytePattern.Holds((void*)block, size, seed));
            _heap.Free((void*)block);
        }

        _blocks.Clear();
        _heap.Validate();
    }
}
