using System.Runtime.InteropServices;

namespace Numa.Benchmarks.Driver;

/// <summary>Takes a <see cref="MemoryBreakdown"/> whenever the workload's live bytes reach a new high (numaheap and nativememory cases).</summary>
public sealed class MemoryBreakdownProbe
{
    private readonly string _allocator;
    private readonly long _baselineRss;
    private readonly MallInfo2 _baselineGlibc;
    private long _highest = -1;

    private MemoryBreakdownProbe(string allocator, long baselineRss)
    {
        _allocator = allocator;
        _baselineRss = baselineRss;

        // glibc's counters include the runtime's own mallocs: only what changes from here is the workload's.
        _baselineGlibc = allocator == "nativememory" ? MallInfo2.Read() : default;
    }

    /// <summary>The breakdown at the highest live bytes seen, or null.</summary>
    public MemoryBreakdown? AtPeak { get; private set; }

    /// <summary>A probe for the allocators that report their memory, or null.</summary>
    public static MemoryBreakdownProbe? For(string allocator, long baselineRss) =>
        allocator is "numaheap" or "nativememory" ? new MemoryBreakdownProbe(allocator, baselineRss) : null;

    /// <summary>
    /// Called by the sampler thread with a way to read the workload's live bytes. The workers go on
    /// while the allocator's counters are read: a sample during which the live bytes moved by more
    /// than 1% is dropped, so that requested and in-use bytes describe one moment.
    /// </summary>
    public void Observe(Func<long> requested)
    {
        long before = requested();
        if (before <= _highest)
        {
            return;
        }

        var breakdown = new MemoryBreakdown { RssAboveBaselineBytes = ProcStatus.ResidentBytes() - _baselineRss };
        if (_allocator == "numaheap")
        {
            NumaHeapStatistics statistics = NumaHeap.GetStatistics();
            breakdown.InUseBytes = statistics.LiveBytes;
            breakdown.FreeInSpansBytes = statistics.Nodes.Append(statistics.Interleaved).Sum(n => n.SpanFreeBytes);
            breakdown.ThreadCachesBytes = statistics.CachedInThreadsBytes;
            breakdown.DirtyFreeRunBytes = statistics.Nodes.Append(statistics.Interleaved).Sum(n => n.FreeRunDirtyBytes);
            breakdown.CommittedBytes = statistics.CommittedBytes;
        }
        else
        {
            MallInfo2 info = MallInfo2.Read();
            breakdown.InUseBytes = (long)(info.Uordblks + info.Hblkhd) - (long)(_baselineGlibc.Uordblks + _baselineGlibc.Hblkhd);
            breakdown.FreeInSpansBytes = Math.Max(0, (long)info.Fordblks - (long)_baselineGlibc.Fordblks);
            breakdown.CommittedBytes = (long)(info.Arena + info.Hblkhd) - (long)(_baselineGlibc.Arena + _baselineGlibc.Hblkhd);
        }

        long after = requested();
        if (Math.Abs(after - before) * 100 > before)
        {
            return;
        }

        _highest = before;
        breakdown.RequestedBytes = (before + after) / 2;
        AtPeak = breakdown;
    }

    // glibc's mallinfo2 (2.33 and later): the main arena and all others summed.
    [StructLayout(LayoutKind.Sequential)]
    private struct MallInfo2
    {
        public nuint Arena;
        public nuint Ordblks;
        public nuint Smblks;
        public nuint Hblks;
        public nuint Hblkhd;
        public nuint Usmblks;
        public nuint Fsmblks;
        public nuint Uordblks;
        public nuint Fordblks;
        public nuint Keepcost;

        public static MallInfo2 Read() => Native();

        [DllImport("libc", EntryPoint = "mallinfo2")]
        private static extern MallInfo2 Native();
    }
}
