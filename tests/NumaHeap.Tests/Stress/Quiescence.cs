using System;

namespace Numa.Tests.Stress;

/// <summary>Brings a heap whose threads have exited to a state where its counters are final.</summary>
internal static class Quiescence
{
    /// <summary>
    /// Collects and runs finalizers twice: the first pass returns the caches of dead threads, the
    /// second anything that only became unreachable during the first.
    /// </summary>
    public static void RunFinalizers()
    {
        for (int i = 0; i < 2; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
    }
}
