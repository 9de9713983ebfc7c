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
    long PurgedBytes);
