using System;
using Numa.Tests.Engine;
using Xunit;
using Xunit.Abstractions;

namespace Numa.Tests.Stress;

/// <summary>
/// Concurrency stress: thread churn, cross-thread and cross-node frees, realloc migration, every
/// block's contents checked on free and resize. CI runs them short; docs/stress.md runs them for hours.
/// </summary>
public sealed class StressTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public void RandomTransfersAcrossThreadsAndNodes_KeepEveryBlockIntact_AndLeaveNothingBehind(int nodes)
    {
        Run(new StressSettings { Threads = 4, Rounds = 10, OperationsPerThread = 5000 }, nodes, checks: false);
    }

    [Fact]
    public void RandomTransfersWithChecksOn_KeepEveryBlockIntact_AndLeaveNothingBehind()
    {
        // Checks put every free through canary, double-free and free-list checks: fewer operations.
        Run(new StressSettings { Threads = 4, Rounds = 6, OperationsPerThread = 3000, MaxSize = 1024 * 1024 }, nodes: 2, checks: true);
    }

    private void Run(StressSettings defaults, int nodes, bool checks)
    {
        StressSettings settings = defaults.WithEnvironment();
        output.WriteLine($"{nodes} simulated node(s), checks {(checks ? "on" : "off")}, {settings}");
        using Heap heap = TestHeaps.Create(simulatedNodes: nodes, checks: checks);
        StressReport report = new StressRun(heap, settings).Run();
        output.WriteLine(report.ToString());

        // Dead threads' caches go back through their finalizers: run them so the counts are final.
        Quiescence.RunFinalizers();
        heap.Trim();
        heap.Validate();
        NumaHeapStatistics statistics = heap.GetStatistics();
        output.WriteLine($"remote frees sent {statistics.RemoteFreesSent:N0}, received {statistics.RemoteFreesReceived:N0}; live bytes {statistics.LiveBytes}; thread caches {statistics.ThreadCaches}");
        foreach (NumaNodeStatistics node in statistics.Nodes)
        {
            output.WriteLine($"  node {node.Node}: local frees {node.LocalFrees:N0}, remote sent {node.RemoteFreesSent:N0}, received {node.RemoteFreesReceived:N0} in {node.RemoteBatchesReceived:N0} batches");
        }

        output.WriteLine($"  interleaved: remote received {statistics.Interleaved.RemoteFreesReceived:N0}");

        Assert.Equal(0, report.ContentErrors);
        Assert.Equal(0, statistics.LiveBytes);
        Assert.Equal(statistics.RemoteFreesSent, statistics.RemoteFreesReceived);
        if (nodes > 1)
        {
            Assert.True(statistics.RemoteFreesReceived > 0, "blocks changed nodes but no remote free was counted");
        }

        Assert.True(report.Migrations > 0, "no block was reallocated by a thread other than its allocator");
    }
}
