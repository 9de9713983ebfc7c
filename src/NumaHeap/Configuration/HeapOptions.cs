using System;
using System.Globalization;
using Numa.Platform;

namespace Numa.Configuration;

/// <summary>
/// Everything a <see cref="Heap"/> is built from. The process-wide heap reads it from AppContext
/// switches (<c>NumaHeap.&lt;Name&gt;</c> in runtimeconfig) and environment variables
/// (<c>NUMAHEAP_&lt;NAME&gt;</c>), the switch winning; tests build their own.
/// </summary>
internal sealed class HeapOptions
{
    /// <summary>Default delay before free pages are given back to the OS.</summary>
    /// <remarks>
    /// One second: long enough that a service which frees and re-allocates big buffers at request
    /// rate (many times a second) keeps them resident and never re-faults them, short enough that
    /// memory freed after a burst is back with the OS before a monitoring tool samples RSS again.
    /// </remarks>
    public const int DefaultPurgeDelayMs = 1000;

    /// <summary>Default log2 of each region's size: 256 GiB of address space per node.</summary>
    public const int DefaultRegionShift = 38;

    /// <summary>The most shards a node heap may be split into.</summary>
    public const int MaxShardsPerNode = 64;

    /// <summary>Pretend the machine has this many nodes; 0 uses the real topology.</summary>
    public int SimulatedNodes { get; init; }

    /// <summary>Deterministic small-block double-free detection, free-list integrity checks and canaries.</summary>
    public bool Checks { get; init; }

    /// <summary>How long free pages stay committed before the background purge gives them back.</summary>
    public int PurgeDelayMs { get; init; } = DefaultPurgeDelayMs;

    /// <summary>
    /// With a value from 100 up, a node's pages in use plus its resident free pages stay within this
    /// percentage of its peak in use since the last Trim (for spans and for big blocks separately),
    /// the excess purged at once from the end of the largest dirty run when they would not; 0 (the
    /// default): free pages wait for the decay delay only.
    /// </summary>
    public int ResidentLimitPercent { get; init; }

    /// <summary>How huge pages are used (on the big-block part of each region only).</summary>
    public HugePageMode HugePages { get; init; } = HugePageMode.Off;

    /// <summary>Serve the main thread's first allocations from the interleaved heap.</summary>
    public bool InterleaveMainThread { get; init; }

    /// <summary>The managed thread id of the thread <see cref="InterleaveMainThread"/> treats as the main thread (1 in a process).</summary>
    public int MainManagedThreadId { get; init; } = 1;

    /// <summary>Bind each new thread to the next node round-robin (<c>NUMAHEAP_BIND_THREADS=interleave</c>).</summary>
    public bool BindThreadsRoundRobin { get; init; }

    /// <summary>log2 of each region's size in bytes.</summary>
    public int RegionShift { get; init; } = DefaultRegionShift;

    /// <summary>
    /// NUMAHEAP_SHARDS_PER_NODE: how many shards split each node heap's spans (a power of two up to
    /// 64); 0 (the default) takes one per CPU of the largest node, up to eight.
    /// </summary>
    public int ShardsPerNode { get; init; }

    /// <summary>The OS layer.</summary>
    public OsMemory Os { get; init; } = OsMemory.Default;

    /// <summary>A topology to use instead of reading one (tests).</summary>
    public NumaTopology? Topology { get; init; }

    /// <summary>Reads the options of the process-wide heap.</summary>
    /// <exception cref="InvalidOperationException">A setting has a value that cannot be parsed; the message names it.</exception>
    public static HeapOptions FromEnvironment() => new()
    {
        SimulatedNodes = ReadInt("SimulatedNodes", "SIMULATED_NODES", 0, 0, 64),
        Checks = ReadBool("Checks", "CHECKS"),
        PurgeDelayMs = ReadInt("PurgeDelayMs", "PURGE_DELAY_MS", DefaultPurgeDelayMs, 0, int.MaxValue),
        ResidentLimitPercent = ReadResidentLimitPercent(),
        HugePages = ReadHugePages(),
        InterleaveMainThread = ReadBool("InterleaveMainThread", "INTERLEAVE_MAIN_THREAD"),
        BindThreadsRoundRobin = ReadBindThreads(),
        ShardsPerNode = ReadShardsPerNode(),
    };

    private static string? Read(string switchName, string variable)
    {
        object? data = AppContext.GetData("NumaHeap." + switchName);
        if (data is not null)
        {
            return Convert.ToString(data, CultureInfo.InvariantCulture);
        }

        return Environment.GetEnvironmentVariable("NUMAHEAP_" + variable);
    }

    private static int ReadInt(string switchName, string variable, int defaultValue, int min, int max)
    {
        string? text = Read(switchName, variable);
        if (string.IsNullOrWhiteSpace(text))
        {
            return defaultValue;
        }

        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) || value < min || value > max)
        {
            throw new InvalidOperationException($"NumaHeap setting NUMAHEAP_{variable} (NumaHeap.{switchName}) is '{text}'; expected an integer from {min} to {max}.");
        }

        return value;
    }

    private static bool ReadBool(string switchName, string variable)
    {
        if (AppContext.TryGetSwitch("NumaHeap." + switchName, out bool enabled))
        {
            return enabled;
        }

        string? text = Read(switchName, variable);
        return text?.Trim().ToLowerInvariant() switch
        {
            null or "" or "0" or "false" or "off" or "no" => false,
            "1" or "true" or "on" or "yes" => true,
            _ => throw new InvalidOperationException($"NumaHeap setting NUMAHEAP_{variable} (NumaHeap.{switchName}) is '{text}'; expected 1, true, on or yes, or 0, false, off, no or nothing."),
        };
    }

    private static int ReadResidentLimitPercent()
    {
        int percent = ReadInt("ResidentLimitPercent", "RESIDENT_LIMIT_PERCENT", 0, 0, 100_000);
        if (percent is > 0 and < 100)
        {
            throw new InvalidOperationException($"NumaHeap setting NUMAHEAP_RESIDENT_LIMIT_PERCENT (NumaHeap.ResidentLimitPercent) is '{percent}'; expected 0 (no limit) or a percentage of the peak in use from 100 up.");
        }

        return percent;
    }

    private static int ReadShardsPerNode()
    {
        int shards = ReadInt("ShardsPerNode", "SHARDS_PER_NODE", 0, 0, MaxShardsPerNode);
        if (!int.IsPow2(shards) && shards != 0)
        {
            throw new InvalidOperationException($"NumaHeap setting NUMAHEAP_SHARDS_PER_NODE (NumaHeap.ShardsPerNode) is '{shards}'; expected 0 (one per CPU, up to 8) or a power of two up to {MaxShardsPerNode}.");
        }

        return shards;
    }

    private static bool ReadBindThreads()
    {
        string? text = Read("BindThreads", "BIND_THREADS");
        return text?.Trim().ToLowerInvariant() switch
        {
            null or "" or "none" or "off" => false,
            "interleave" => true,
            _ => throw new InvalidOperationException($"NumaHeap setting NUMAHEAP_BIND_THREADS (NumaHeap.BindThreads) is '{text}'; expected none or interleave."),
        };
    }

    private static HugePageMode ReadHugePages()
    {
        string? text = Read("HugePages", "HUGE_PAGES");
        return text?.Trim().ToLowerInvariant() switch
        {
            "transparent" => HugePageMode.Transparent,
            null or "" or "off" => HugePageMode.Off,
            "explicit" => HugePageMode.Explicit,
            _ => throw new InvalidOperationException($"NumaHeap setting NUMAHEAP_HUGE_PAGES (NumaHeap.HugePages) is '{text}'; expected off, transparent or explicit."),
        };
    }
}
