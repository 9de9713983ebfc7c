using System.Runtime.InteropServices;

namespace Numa.Benchmarks.Driver;

/// <summary>
/// Counters owned by one workload thread, padded to two cache lines so that the threads' updates do not
/// share a line (the adjacent-line prefetcher pulls pairs of lines).
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 128)]
public struct ThreadSlot
{
    /// <summary>Allocator calls made by the thread (alloc, free and realloc each count one).</summary>
    [FieldOffset(0)]
    public long Operations;

    /// <summary>Bytes allocated minus bytes freed by this thread (can go negative when it frees others' blocks).</summary>
    [FieldOffset(8)]
    public long LiveBytes;
}
