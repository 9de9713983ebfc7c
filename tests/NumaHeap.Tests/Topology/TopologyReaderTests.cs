using System;
using System.IO;
using System.Linq;
using Xunit;
using Xunit.Abstractions;

namespace Numa.Tests.Topology;

public sealed class TopologyReaderTests
{
    private readonly ITestOutputHelper _output;

    public TopologyReaderTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void ReadSystem_CoversEveryProcessor()
    {
        NumaTopology topology = TopologyReader.ReadSystem();
        _output.WriteLine($"{topology}: {string.Join("; ", topology.Nodes)}");

        Assert.False(topology.IsSimulated);
        Assert.True(topology.NodeCount >= 1);
        var all = topology.Nodes.SelectMany(n => n.Cpus).ToList();
        Assert.Equal(all.Count, all.Distinct().Count());
        for (int cpu = 0; cpu < Environment.ProcessorCount; cpu++)
        {
            int node = topology.GetNodeOfCpu(cpu);
            Assert.Contains(cpu, topology.Nodes[node].Cpus);
        }

        for (int id = 0; id < topology.NodeCount; id++)
        {
            Assert.Equal(id, topology.Nodes[id].Id);
            Assert.Equal(10, topology.GetDistance(id, id));
        }
    }

    [Fact]
    public void ReadSystem_OnLinux_MatchesSysfs()
    {
        if (!Directory.Exists(TopologyReader.SystemNodeRoot))
        {
            _output.WriteLine($"Not run: {TopologyReader.SystemNodeRoot} does not exist here.");
            return;
        }

        NumaTopology topology = TopologyReader.ReadSystem();
        int[] online = CpuListParser.Parse(File.ReadAllText(Path.Combine(TopologyReader.SystemNodeRoot, "online")));
        Assert.Equal(online, topology.Nodes.Select(n => n.OsNode));
        Assert.All(topology.Nodes, n => Assert.True(n.MemoryBytes > 0, $"{n} reports no memory"));
    }

    [Fact]
    public void Parse_TwoNodes_ReadsCpusDistancesAndMemory()
    {
        using FakeSysfs sysfs = new FakeSysfs()
            .Online("0-1")
            .Node(0, "0-1,4", "10 21", memTotalKb: 1024)
            .Node(1, "2-3,5", "21 10", memTotalKb: 2048);

        NumaTopology topology = TopologyReader.Parse(sysfs.Root);

        Assert.Equal(2, topology.NodeCount);
        Assert.False(topology.IsSimulated);
        Assert.Equal([0, 1, 4], topology.Nodes[0].Cpus);
        Assert.Equal([2, 3, 5], topology.Nodes[1].Cpus);
        Assert.Equal([0, 1], topology.Nodes.Select(n => n.OsNode));
        Assert.Equal(1024L * 1024, topology.Nodes[0].MemoryBytes);
        Assert.Equal(2048L * 1024, topology.Nodes[1].MemoryBytes);
        Assert.Equal(10, topology.GetDistance(0, 0));
        Assert.Equal(21, topology.GetDistance(0, 1));
        Assert.Equal(21, topology.GetDistance(1, 0));
        Assert.Equal(10, topology.GetDistance(1, 1));
        Assert.Equal([0, 0, 1, 1, 0, 1], Enumerable.Range(0, 6).Select(topology.GetNodeOfCpu));
        Assert.Equal(0, topology.GetNodeOfCpu(6));
        Assert.Equal(0, topology.GetNodeOfCpu(-1));
    }

    [Fact]
    public void Parse_SparseOsNodes_GetDenseLogicalIds()
    {
        // Node 1 is offline: its directory exists but the online list skips it.
        using FakeSysfs sysfs = new FakeSysfs()
            .Online("0,2")
            .Node(0, "0-1", "10 32")
            .Node(1, "6", "10 10 10")
            .Node(2, "2-3", "32 10");

        NumaTopology topology = TopologyReader.Parse(sysfs.Root);

        Assert.Equal(2, topology.NodeCount);
        Assert.Equal(0, topology.Nodes[0].OsNode);
        Assert.Equal(2, topology.Nodes[1].OsNode);
        Assert.Equal(1, topology.Nodes[1].Id);
        Assert.Equal(32, topology.GetDistance(1, 0));
        Assert.Equal(1, topology.GetNodeOfCpu(3));
        Assert.Equal(0, topology.GetNodeOfCpu(6));
        Assert.Equal(0L, topology.Nodes[0].MemoryBytes);
    }

    [Fact]
    public void Parse_MemoryOnlyNodeAndMissingFiles_UseDefaults()
    {
        // No online file, node 1 has an empty cpulist and node 2 none at all; no distance files.
        using FakeSysfs sysfs = new FakeSysfs()
            .Node(0, "0-3", null)
            .Node(1, string.Empty, null)
            .Node(2, null, null);
        Directory.CreateDirectory(Path.Combine(sysfs.Root, "power"));

        NumaTopology topology = TopologyReader.Parse(sysfs.Root);

        Assert.Equal(3, topology.NodeCount);
        Assert.Empty(topology.Nodes[1].Cpus);
        Assert.Empty(topology.Nodes[2].Cpus);
        Assert.Equal(20, topology.GetDistance(0, 2));
        Assert.Equal(10, topology.GetDistance(2, 2));
        Assert.All(Enumerable.Range(0, 4), cpu => Assert.Equal(0, topology.GetNodeOfCpu(cpu)));
    }

    [Theory]
    [InlineData("distance row too short")]
    [InlineData("distance not a number")]
    [InlineData("CPU on two nodes")]
    [InlineData("online node without a directory")]
    [InlineData("cpulist not a list")]
    [InlineData("no CPU anywhere")]
    [InlineData("no online node")]
    public void MalformedTree_ParseThrowsAndReadSystemFallsBack(string fault)
    {
        using var sysfs = new FakeSysfs();
        _ = fault switch
        {
            "distance row too short" => sysfs.Online("0-1").Node(0, "0", "10 21").Node(1, "1", "21"),
            "distance not a number" => sysfs.Online("0-1").Node(0, "0", "10 x").Node(1, "1", "21 10"),
            "CPU on two nodes" => sysfs.Online("0-1").Node(0, "0-1", "10 21").Node(1, "1", "21 10"),
            "online node without a directory" => sysfs.Online("0-1").Node(0, "0", "10 21"),
            "cpulist not a list" => sysfs.Online("0").Node(0, "zero", "10"),
            "no CPU anywhere" => sysfs.Online("0").Node(0, string.Empty, "10"),
            "no online node" => sysfs.Online(string.Empty).Node(0, "0", "10"),
            _ => throw new ArgumentOutOfRangeException(nameof(fault)),
        };

        FormatException e = Assert.Throws<FormatException>(() => TopologyReader.Parse(sysfs.Root));
        _output.WriteLine(e.Message);
        AssertSingleNodeFallback(TopologyReader.ReadSystem(sysfs.Root));
    }

    [Fact]
    public void MissingRoot_ParseThrowsAndReadSystemFallsBack()
    {
        string missing = Path.Combine(Path.GetTempPath(), "numaheap-no-such-sysfs-" + Guid.NewGuid().ToString("N"));

        Assert.Throws<DirectoryNotFoundException>(() => TopologyReader.Parse(missing));
        AssertSingleNodeFallback(TopologyReader.ReadSystem(missing));
    }

    [Fact]
    public void CreateSingleNode_HoldsEveryCpu()
    {
        NumaTopology topology = TopologyReader.CreateSingleNode(3);

        Assert.Equal(1, topology.NodeCount);
        Assert.Equal([0, 1, 2], topology.Nodes[0].Cpus);
        Assert.Equal(10, topology.GetDistance(0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => TopologyReader.CreateSingleNode(0));
    }

    private static void AssertSingleNodeFallback(NumaTopology topology)
    {
        Assert.Equal(1, topology.NodeCount);
        Assert.False(topology.IsSimulated);
        Assert.Equal(0, topology.Nodes[0].OsNode);
        Assert.Equal(Enumerable.Range(0, Environment.ProcessorCount), topology.Nodes[0].Cpus);
        Assert.Equal(10, topology.GetDistance(0, 0));
    }
}
