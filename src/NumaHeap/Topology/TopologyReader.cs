using System;
using System.Collections.Generic;

namespace Numa;

/// <summary>Temporary: single node and simulation only.</summary>
internal static class TopologyReader
{
    public static NumaTopology ReadSystem()
    {
        int cpus = Environment.ProcessorCount;
        var list = new int[cpus];
        for (int i = 0; i < cpus; i++) list[i] = i;
        return new NumaTopology(new[] { new NumaNode(0, 0, list, 0) }, new[] { 10 }, new int[cpus], false);
    }

    public static NumaTopology Simulate(NumaTopology real, int count)
    {
        int cpus = Environment.ProcessorCount;
        var lists = new List<int>[count];
        for (int i = 0; i < count; i++) lists[i] = new List<int>();
        var map = new int[cpus];
        for (int c = 0; c < cpus; c++) { int n = cpus >= count ? c * count / cpus : c % count; lists[n].Add(c); map[c] = n; }
        var nodes = new NumaNode[count];
        var dist = new int[count * count];
        for (int i = 0; i < count; i++) { nodes[i] = new NumaNode(i, 0, lists[i], 0); for (int j = 0; j < count; j++) dist[i * count + j] = i == j ? 10 : 20; }
        return new NumaTopology(nodes, dist, map, true);
    }
}
