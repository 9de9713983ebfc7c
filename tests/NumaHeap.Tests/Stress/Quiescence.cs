using System;
using Xunit;

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

    /// <summary>
    /// The end state of a test whose threads have exited and whose blocks are all freed: once the
    /// dead threads' caches are back and the heap is trimmed, every invariant holds and nothing is live.
    /// </summary>
    public static void AssertSettled(Heap heap)
    {
        RunFinalizers();
        heap.Trim();
        heap.Validate();
        Assert.Equal(0, heap.GetStatistics().LiveBytes);
    }
}
