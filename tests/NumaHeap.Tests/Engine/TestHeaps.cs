using System;
using System.IO;
using Numa.Configuration;
using Numa.Platform;

namespace Numa.Tests.Engine;

/// <summary>Private heaps for tests: small regions so that many can exist at once, and a chosen topology.</summary>
internal static class TestHeaps
{
    public static Heap Create(
        int simulatedNodes = 1,
        bool checks = false,
        int purgeDelayMs = 1000,
        int regionShift = 32,
        HugePageMode hugePages = HugePageMode.Off,
        OsMemory? os = null,
        bool interleaveMainThread = false,
        bool bindThreadsRoundRobin = false,
        int residentLimitPercent = 0,
        int shardsPerNode = 0) =>
        new(new HeapOptions
        {
            SimulatedNodes = simulatedNodes,
            Checks = checks,
            PurgeDelayMs = purgeDelayMs,
            RegionShift = regionShift,
            HugePages = hugePages,
            Os = os ?? OsMemory.Default,
            InterleaveMainThread = interleaveMainThread,
            MainManagedThreadId = Environment.CurrentManagedThreadId,
            BindThreadsRoundRobin = bindThreadsRoundRobin,
            ResidentLimitPercent = residentLimitPercent,
            ShardsPerNode = shardsPerNode,
        });

    /// <summary>The process's resident set size from /proc/self/status (VmRSS), in bytes.</summary>
    public static long ProcessResidentBytes()
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                string kilobytes = line["VmRSS:".Length..].Trim().Split(' ')[0];
                return long.Parse(kilobytes, System.Globalization.CultureInfo.InvariantCulture) * 1024;
            }
        }

        throw new InvalidOperationException("/proc/self/status has no VmRSS line.");
    }

    /// <summary>Waits up to 10 s for the heap's background maintenance to record an error, and returns it (null if none came).</summary>
    public static Exception? WaitForMaintenanceError(Heap heap)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (heap.LastMaintenanceError is null && watch.ElapsedMilliseconds < 10_000)
        {
            System.Threading.Thread.Sleep(10);
        }

        return heap.LastMaintenanceError;
    }
}
