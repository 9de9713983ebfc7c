namespace Numa.PageHeap;

/// <summary>A snapshot of one page heap's counters.</summary>
/// <remarks><see cref="DirtyBytes"/>: free pages that may be resident (an upper bound; with a resident limit, exact after each split of a partly purged run).</remarks>
internal readonly record struct PageHeapCounters(
    long BigLiveBytes,
    long SpanBytes,
    long FreeRunBytes,
    long DirtyBytes,
    int FreeRuns,
    long CommittedBytes,
    long Purges,
    long PurgedBytes)
{
    /// <summary>The counters of two page heaps together (a region's span and big-block parts).</summary>
    public static PageHeapCounters operator +(PageHeapCounters left, PageHeapCounters right) => new(
        left.BigLiveBytes + right.BigLiveBytes,
        left.SpanBytes + right.SpanBytes,
        left.FreeRunBytes + right.FreeRunBytes,
        left.DirtyBytes + right.DirtyBytes,
        left.FreeRuns + right.FreeRuns,
        left.CommittedBytes + right.CommittedBytes,
        left.Purges + right.Purges,
        left.PurgedBytes + right.PurgedBytes);
}
