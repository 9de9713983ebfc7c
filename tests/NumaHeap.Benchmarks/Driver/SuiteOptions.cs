namespace Numa.Benchmarks.Driver;

/// <summary>What the suite runs: workloads × allocators × thread counts, each for a fixed time, and where it writes.</summary>
public sealed class SuiteOptions
{
    public bool Full { get; set; }

    public string[] Workloads { get; set; } = [];

    public string[] Allocators { get; set; } = [];

    public int[] ThreadCounts { get; set; } = [];

    public TimeSpan Duration { get; set; }

    public TimeSpan Warmup { get; set; }

    /// <summary>Runs per case; the median run is kept (the machine may be shared, so single runs can be outliers).</summary>
    public int Repeat { get; set; } = 1;

    public ulong Seed { get; set; } = 4141;

    public string OutputDirectory { get; set; } = "docs/benchmarks";

    public string Command { get; set; } = "";

    /// <summary>1, 2, … up to the core count (above 8 cores: powers of two and the core count).</summary>
    public static int[] DefaultThreadCounts(int cores)
    {
        var counts = new SortedSet<int>();
        for (int t = 1; t <= cores; t++)
        {
            if (cores <= 8 || (t & (t - 1)) == 0)
            {
                counts.Add(t);
            }
        }

        counts.Add(cores);
        return [.. counts];
    }
}
