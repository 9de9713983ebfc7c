using System.Runtime.CompilerServices;

namespace Numa.Benchmarks.Workloads;

/// <summary>Writes every workload does to the blocks it gets, so that allocators are charged for the memory they hand out.</summary>
public static unsafe class Block
{
    /// <summary>Writes the first and the last byte.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void TouchEnds(void* ptr, nuint size)
    {
        ((byte*)ptr)[0] = (byte)size;
        ((byte*)ptr)[size - 1] = (byte)size;
    }

    /// <summary>Writes one byte per 4 KiB page, as a program filling a big buffer would fault each page in.</summary>
    public static void TouchPages(void* ptr, nuint size)
    {
        byte* p = (byte*)ptr;
        for (nuint offset = 0; offset < size; offset += 4096)
        {
            p[offset] = 1;
        }

        p[size - 1] = 1;
    }
}
