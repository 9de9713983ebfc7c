namespace Numa.Benchmarks.Driver;

/// <summary>NumaHeap's own statistics summed over nodes, taken right after the measured run (before finalizers and Trim).</summary>
public sealed class NumaHeapSnapshot
{
    public int ThreadCaches { get; set; }

    public long CommittedBytes { get; set; }

    public long ResidentBytes { get; set; }

    public long CachedInThreadsBytes { get; set; }

    public long CachedInNodeBytes { get; set; }

    public long FreeRunBytes { get; set; }

    public long Purges { get; set; }

    public long PurgedBytes { get; set; }

    public long RemoteFreesSent { get; set; }

    public static NumaHeapSnapshot Take()
    {
        NumaHeapStatistics stats = NumaHeap.GetStatistics();
        var snapshot = new NumaHeapSnapshot { ThreadCaches = stats.ThreadCaches };
        foreach (NumaNodeStatistics node in stats.Nodes.Append(stats.Interleaved))
        {
            snapshot.CommittedBytes += node.CommittedBytes;
            snapshot.ResidentBytes += node.ResidentBytes;
            snapshot.CachedInThreadsBytes += node.CachedInThreadsBytes;
            snapshot.CachedInNodeBytes += node.CachedInNodeBytes;
            snapshot.FreeRunBytes += node.FreeRunBytes;
            snapshot.Purges += node.Purges;
            snapshot.PurgedBytes += node.PurgedBytes;
            snapshot.RemoteFreesSent += node.RemoteFreesSent;
        }

        return snapshot;
    }
}
