using System;
using System.Linq;
using Xunit;

namespace Numa.Tests.Topology;

public sealed class TopologySimulationTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(8)]
    public void Simulate_RealTopology_DealsEveryCpuOnce(int nodeCount)
    {
        NumaTopology real = TopologyReader.ReadSystem();
        NumaTopology simulated = TopologyReader.Simulate(real, nodeCount);

        AssertWellFormed(real, simulated, nodeCount);
    }

    [Theory]
    [InlineData(8, 3, new[] { 3, 3, 2 })]
    [InlineData(8, 4, new[] { 2, 2, 2, 2 })]
    [InlineData(2, 4, new[] { 1, 1, 0, 0 })]
    [InlineData(5, 2, new[] { 3, 2 })]
    [InlineData(1, 1, new[] { 1 })]
    public void Simulate_SplitsCpusIntoContiguousEvenGroups(int cpuCount, int nodeCount, int[] groupSizes)
    {
        NumaTopology real = TopologyReader.CreateSingleNode(cpuCount);
        NumaTopology simulated = TopologyReader.Simulate(real, nodeCount);

        AssertWellFormed(real, simulated, nodeCount);
        Assert.Equal(groupSizes, simulated.Nodes.Select(n => n.Cpus.Count));
        int next = 0;
        foreach (NumaNode node in simulated.Nodes)
        {
            Assert.Equal(Enumerable.Range(next, node.Cpus.Count), node.Cpus);
            next += node.Cpus.Count;
        }
    }

    [Fact]
    public void Simulate_MultiNodeReal_UsesRealNodeZeroMemoryAndAllCpus()
    {
        using FakeSysfs sysfs = new FakeSysfs()
            .Online("1,3")
            .Node(1, "4-5", "10 21", memTotalKb: 4096)
            .Node(3, "0-1", "21 10", memTotalKb: 8192);
        NumaTopology real = TopologyReader.Parse(sysfs.Root);

        NumaTopology simulated = TopologyReader.Simulate(real, 2);

        AssertWellFormed(real, simulated, 2);
        Assert.All(simulated.Nodes, n => Assert.Equal(1, n.OsNode));
        Assert.All(simulated.Nodes, n => Assert.Equal(2048L * 1024, n.MemoryBytes));
        Assert.Equal([0, 1], simulated.Nodes[0].Cpus);
        Assert.Equal([4, 5], simulated.Nodes[1].Cpus);
        Assert.Equal(1, simulated.GetNodeOfCpu(5));
        Assert.Equal(0, simulated.GetNodeOfCpu(3));
    }

    [Fact]
    public void Simulate_InvalidArguments_Throw()
    {
        NumaTopology real = TopologyReader.CreateSingleNode(2);

        Assert.Throws<ArgumentOutOfRangeException>(() => TopologyReader.Simulate(real, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => TopologyReader.Simulate(real, -1));
        Assert.Throws<ArgumentNullException>(() => TopologyReader.Simulate(null!, 2));
    }

    private static void AssertWellFormed(NumaTopology real, NumaTopology simulated, int nodeCount)
    {
        Assert.True(simulated.IsSimulated);
        Assert.Equal(nodeCount, simulated.NodeCount);

        int[] realCpus = real.Nodes.SelectMany(n => n.Cpus).Order().ToArray();
        int[] dealt = simulated.Nodes.SelectMany(n => n.Cpus).ToArray();
        Assert.Equal(realCpus, dealt.Order());
        Assert.Equal(dealt.Length, dealt.Distinct().Count());

        for (int id = 0; id < nodeCount; id++)
        {
            NumaNode node = simulated.Nodes[id];
            Assert.Equal(id, node.Id);
            Assert.Equal(real.Nodes[0].OsNode, node.OsNode);
            Assert.Equal(real.Nodes[0].MemoryBytes / nodeCount, node.MemoryBytes);
            foreach (int cpu in node.Cpus)
            {
                Assert.Equal(id, simulated.GetNodeOfCpu(cpu));
            }

            for (int to = 0; to < nodeCount; to++)
            {
                Assert.Equal(id == to ? 10 : 20, simulated.GetDistance(id, to));
            }
        }

        int largest = simulated.Nodes.Max(n => n.Cpus.Count);
        int smallest = simulated.Nodes.Min(n => n.Cpus.Count);
        Assert.True(largest - smallest <= 1, $"group sizes {largest} and {smallest} differ by more than one");
    }
}
