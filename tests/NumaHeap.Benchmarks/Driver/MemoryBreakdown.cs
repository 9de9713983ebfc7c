namespace Numa.Benchmarks.Driver;

/// <summary>
/// Where an allocator's memory was when the workload held the most (sampled every 25 ms): the bytes
/// the workload asked for, and what the allocator reports beside them. Fields an allocator cannot
/// report are -1.
/// </summary>
public sealed class MemoryBreakdown
{
    /// <summary>The bytes the workload held (requested sizes) at the sample.</summary>
    public long RequestedBytes { get; set; }

    /// <summary>The bytes the allocator counts as in use: NumaHeap's live bytes (class sizes), glibc's uordblks + hblkhd (chunks with headers).</summary>
    public long InUseBytes { get; set; }

    /// <summary>In use minus requested: rounding to size classes and pages, chunk headers.</summary>
    public long InternalWasteBytes => InUseBytes < 0 ? -1 : InUseBytes - RequestedBytes;

    /// <summary>Free blocks in spans (NumaHeap: thread caches, node lists, uncarved) or free chunks in arenas (glibc: fordblks).</summary>
    public long FreeInSpansBytes { get; set; } = -1;

    /// <summary>Of <see cref="FreeInSpansBytes"/>, what thread caches hold (NumaHeap).</summary>
    public long ThreadCachesBytes { get; set; } = -1;

    /// <summary>Free page runs that are committed and not purged (NumaHeap).</summary>
    public long DirtyFreeRunBytes { get; set; } = -1;

    /// <summary>The allocator's committed bytes (NumaHeap: committed regions; glibc: arena + mmapped).</summary>
    public long CommittedBytes { get; set; } = -1;

    /// <summary>The process's resident bytes above the runtime's footprint at the sample.</summary>
    public long RssAboveBaselineBytes { get; set; }
}
