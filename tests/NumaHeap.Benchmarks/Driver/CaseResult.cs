namespace Numa.Benchmarks.Driver;

/// <summary>The measurements of one (workload, allocator, threads) case, as the child process reports them.</summary>
public sealed class CaseResult
{
    public string Workload { get; set; } = "";

    public string Allocator { get; set; } = "";

    public int Threads { get; set; }

    public long Operations { get; set; }

    public double Seconds { get; set; }

    public double OpsPerSecond { get; set; }

    /// <summary>Resident set size before the allocator was first used (the runtime's own footprint).</summary>
    public long BaselineRssBytes { get; set; }

    /// <summary>Peak resident set size during the measured run (VmHWM, reset after warm-up).</summary>
    public long PeakRssBytes { get; set; }

    /// <summary>Peak of the bytes the workload held (requested sizes), sampled every millisecond.</summary>
    public long PeakLiveBytes { get; set; }

    /// <summary>(peak RSS − baseline RSS) / peak live bytes.</summary>
    public double RssOverLive { get; set; }

    /// <summary>Resident set size after everything was freed and the allocator asked to release free memory.</summary>
    public long RssAfterReleaseBytes { get; set; }

    /// <summary>How many runs of the case the suite made; the result is the one with the median throughput.</summary>
    public int Runs { get; set; } = 1;

    public double OpsPerSecondMin { get; set; }

    public double OpsPerSecondMax { get; set; }

    /// <summary>NumaHeap's statistics after the measured run (numaheap cases only).</summary>
    public NumaHeapSnapshot? NumaHeap { get; set; }

    /// <summary>Where the allocator's memory was at the workload's highest live bytes (numaheap and nativememory cases).</summary>
    public MemoryBreakdown? Breakdown { get; set; }

    public string? Error { get; set; }
}
