namespace Numa.PageHeap;

/// <summary>A snapshot of one page heap's counters.</summary>
internal readonly record struct PageHeapCounters(
    long BigLiveBytes,
    long SpanBytes,
    long FreeRunBytes,
    long DirtyBytes,
    int FreeRuns,
    long CommittedBytes,
    long Purges,
    long PurgedBytes);
