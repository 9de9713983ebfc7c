using System;
using Numa.Configuration;

namespace Numa.Tests.Engine;

/// <summary>Private heaps for tests: small regions so that many can exist at once, and a chosen topology.</summary>
internal static class TestHeaps
{
    public static Heap Create(int simulatedNodes = 1, bool checks = false, int purgeDelayMs = 1000, int regionShift = 32, HugePageMode hugePages = HugePageMode.Off) =>
        new(new HeapOptions
        {
            SimulatedNodes = simulatedNodes,
            Checks = checks,
            PurgeDelayMs = purgeDelayMs,
            RegionShift = regionShift,
            HugePages = hugePages,
        });
}
