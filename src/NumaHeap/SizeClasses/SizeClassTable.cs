using System;
using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Numa.SizeClasses;

/// <summary>
/// The small-object size classes: 16 bytes to <see cref="MaxSmallSize"/>, eight classes per doubling
/// above 128 bytes, and the span and batch geometry of each.
/// </summary>
/// <remarks>
/// Every class is a multiple of 16 so that every block keeps NativeMemory's 16-byte alignment. Up to
/// 128 bytes the classes step by 16, the smallest step that alignment allows (waste at most 15 bytes);
/// above 128 bytes eight classes per power of two keep the waste of any request at most 1/8 of its
/// block. The threshold is 256 KiB: above it a block is a page run whose rounding to 8 KiB pages
/// wastes at most 3%, and caching such blocks per thread would let a thread hoard megabytes.
/// A size maps to its class with one load from one 16 KiB table in 16-byte steps up to
/// <see cref="MaxSmallSize"/>, in native memory, whose address tier-1 code reads as a constant: no
/// size test and no array reference on the allocation fast path (docs/design-notes.md).
/// </remarks>
internal static unsafe class SizeClassTable
{
    /// <summary>The largest size served by a size class; bigger requests are page runs.</summary>
    public const int MaxSmallSize = 256 * 1024;

    /// <summary>Number of classes including the unused class 0.</summary>
    public const int ClassCount = 97;

    private static readonly SizeClassInfo[] s_classes = BuildClasses();

    /// <summary>The class of every size, [(size + 15) / 16]; allocated once and kept for the process's lifetime.</summary>
    private static readonly byte* s_classOfSize = BuildClassLookup(s_classes);

    /// <summary>The class of a request of <paramref name="size"/> bytes (1 .. <see cref="MaxSmallSize"/>; 0 counts as 1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int ClassOf(nuint size)
    {
        Debug.Assert(size <= MaxSmallSize);
        return s_classOfSize[(size + 15) >> 4];
    }

    /// <summary>
    /// The geometry of class <paramref name="sizeClass"/> (1 .. <see cref="ClassCount"/> - 1); class 0,
    /// the class of pages that hold no small blocks, is all zeros, and its block-start test always fails.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ref readonly SizeClassInfo Get(int sizeClass)
    {
        Debug.Assert((uint)sizeClass < ClassCount);
        return ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(s_classes), sizeClass);
    }

    /// <summary>The block size of class <paramref name="sizeClass"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint SizeOf(int sizeClass) => Get(sizeClass).Size;

    /// <summary>The smallest class whose blocks hold <paramref name="size"/> bytes and all start at multiples of <paramref name="alignment"/>; 0 when none does.</summary>
    public static int ClassOfAligned(nuint size, nuint alignment)
    {
        Debug.Assert(BitOperations.IsPow2(alignment));
        nuint wanted = Math.Max(size, alignment);
        if (wanted > MaxSmallSize || alignment > PageMapLayout.PageSize)
        {
            return 0;
        }

        // A power-of-two class follows at most eight classes later, so the scan is bounded.
        for (int c = ClassOf(wanted); c < ClassCount; c++)
        {
            if (Get(c).Alignment >= alignment)
            {
                return c;
            }
        }

        return 0;
    }

    private static SizeClassInfo[] BuildClasses()
    {
        var classes = new SizeClassInfo[ClassCount];
        int index = 1;
        for (uint size = 16; size <= 128; size += 16)
        {
            classes[index++] = Describe(size);
        }

        for (uint power = 128; power < MaxSmallSize; power *= 2)
        {
            uint step = power / 8;
            for (uint size = power + step; size <= power * 2; size += step)
            {
                classes[index++] = Describe(size);
            }
        }

        Debug.Assert(index == ClassCount);
        return classes;
    }

    private static byte* BuildClassLookup(SizeClassInfo[] classes)
    {
        var lookup = (byte*)NativeMemory.Alloc((MaxSmallSize >> 4) + 1);
        int c = 1;
        for (int i = 0; i <= MaxSmallSize >> 4; i++)
        {
            uint size = Math.Max(1u, (uint)i << 4);
            while (classes[c].Size < size)
            {
                c++;
            }

            lookup[i] = (byte)c;
        }

        return lookup;
    }

    private static SizeClassInfo Describe(uint size)
    {
        // Spans hold several blocks so that a refill rarely needs a new span, and lose at most 1/16
        // of their bytes to the tail that no block fits in.
        int minBlocks = size <= 1024 ? 32 : size <= 16 * 1024 ? 8 : size <= 64 * 1024 ? 2 : 1;
        uint pages = (uint)((size + PageMapLayout.PageSize - 1) / PageMapLayout.PageSize);
        while (true)
        {
            ulong bytes = (ulong)pages * PageMapLayout.PageSize;
            ulong blocks = bytes / size;
            if (blocks >= (ulong)minBlocks && bytes - (blocks * size) <= bytes / 16)
            {
                break;
            }

            pages++;
        }

        // A batch moves about 64 KiB between a thread cache and its node heap, at most 128 blocks.
        int batch = (int)Math.Clamp(65536 / size, 1, 128);

        // A thread keeps at most about 256 KiB of one class, and never less than two batches.
        int maxCached = (int)Math.Max(2u * (uint)batch, Math.Min(8u * (uint)batch, 262144 / size));

        uint alignment = Math.Min(size & (0u - size), (uint)PageMapLayout.PageSize);
        ulong reciprocal = ((1UL << SizeClassInfo.ReciprocalShift) + size - 1) / size;
        uint capacity = (uint)((ulong)pages * PageMapLayout.PageSize / size);
        Debug.Assert(!BitOperations.IsPow2(size) || (ulong)capacity * size == (ulong)pages * PageMapLayout.PageSize, "the block-start test needs power-of-two classes to fill their spans");
        return new SizeClassInfo(size, pages, capacity, batch, maxCached, alignment, reciprocal, BlockStartTest.For(size, capacity));
    }
}
