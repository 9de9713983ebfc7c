using System;
using System.Linq;
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
    [InlineData(1, 1)]
    [InlineData(1, 4)]
    [InlineData(2, 2)]
    [InlineData(4, 1)]
    public void RandomTransfersAcrossThreadsAndNodes_KeepEveryBlockIntact_AndLeaveNothingBehind(int nodes, int shards)
    {
        Run(new StressSettings { Threads = 4, Rounds = 10, OperationsPerThread = 5000 }, nodes, checks: false, shards: shards);
    }

    [Fact]
    public void RandomTransfersWithChecksOn_KeepEveryBlockIntact_AndLeaveNothingBehind()
    {
        // Checks put every free through canary, double-free and free-list checks: fewer operations.
        Run(new StressSettings { Threads = 4, Rounds = 6, OperationsPerThread = 3000, MaxSize = 1024 * 1024 }, nodes: 2, checks: true);
    }

    [Fact]
    public void RandomTransfersUnderATightResidentLimit_KeepEveryBlockIntact_AndLeaveNothingBehind()
    {
        // A limit of 101% (and blocks up to 32 MiB, beyond the limit's 8 MiB of slack) purges on many
        // big frees: page runs keep moving between the dirty and clean indexes while other threads
        // allocate from them. The decay delay is an hour, so every purge during the run is the limit's.
        Run(new StressSettings { Threads = 4, Rounds = 6, OperationsPerThread = 4000, MaxSize = 32 * 1024 * 1024 }, nodes: 2, checks: false, residentLimitPercent: 101, purgeDelayMs: 3_600_000);
    }

    private void Run(StressSettings defaults, int nodes, bool checks, int residentLimitPercent = 0, int purgeDelayMs = 1000, int shards = 0)
    {
        StressSettings settings = defaults.WithEnvironment();
        output.WriteLine($"{nodes} simulated node(s), {(shards == 0 ? "automatic" : shards.ToString(System.Globalization.CultureInfo.InvariantCulture))} shard(s) per node, checks {(checks ? "on" : "off")}, resident limit {residentLimitPercent}%, {settings}");
        using Heap heap = TestHeaps.Create(simulatedNodes: nodes, checks: checks, purgeDelayMs: purgeDelayMs, residentLimitPercent: residentLimitPercent, shardsPerNode: shards);
        StressReport report = new StressRun(heap, settings).Run();
        output.WriteLine(report.ToString());
        long purgesDuringRun = heap.GetStatistics().Nodes.Sum(n => n.Purges);
        output.WriteLine($"purges during the run: {purgesDuringRun:N0}");

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
        if (residentLimitPercent > 0)
        {
            Assert.True(purgesDuringRun > 0, "the resident limit never purged during the run");
        }
    }
}
