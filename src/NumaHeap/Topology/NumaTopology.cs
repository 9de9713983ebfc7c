using System;
using System.Collections.Generic;

namespace Numa;

/// <summary>The NUMA nodes this process runs on: their CPUs and the distances between them.</summary>
/// <remarks>
/// Read once from <c>/sys/devices/system/node</c> on Linux; one node holding every CPU elsewhere.
/// With <c>NUMAHEAP_SIMULATED_NODES=N</c> (or the AppContext switch <c>NumaHeap.SimulatedNodes</c>)
/// the machine's CPUs are dealt out over N logical nodes so that every multi-node path can run on a
/// one-node machine; <see cref="IsSimulated"/> then says so.
/// </remarks>
public sealed class NumaTopology
{
    private readonly int[] _distances;
    private readonly int[] _cpuToNode;

    internal NumaTopology(IReadOnlyList<NumaNode> nodes, int[] distances, int[] cpuToNode, bool isSimulated)
    {
        if (nodes.Count == 0)
        {
            throw new ArgumentException("A topology needs at least one node.", nameof(nodes));
        }

        if (distances.Length != nodes.Count * nodes.Count)
        {
            throw new ArgumentException("The distance table must hold NodeCount * NodeCount entries.", nameof(distances));
        }

        Nodes = nodes;
        _distances = distances;
        _cpuToNode = cpuToNode;
        IsSimulated = isSimulated;
    }

    /// <summary>The nodes, indexed by their logical number (0 .. <see cref="NodeCount"/> - 1).</summary>
    public IReadOnlyList<NumaNode> Nodes { get; }

    /// <summary>How many nodes there are.</summary>
    public int NodeCount => Nodes.Count;

    /// <summary>True when the nodes are simulated (<c>NUMAHEAP_SIMULATED_NODES</c>) rather than read from the OS.</summary>
    public bool IsSimulated { get; }

    /// <summary>The ACPI SLIT distance from node <paramref name="from"/> to node <paramref name="to"/> (10 = local).</summary>
    public int GetDistance(int from, int to)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(from);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(from, NodeCount);
        ArgumentOutOfRangeException.ThrowIfNegative(to);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(to, NodeCount);
        return _distances[(from * NodeCount) + to];
    }

    /// <summary>The node that CPU <paramref name="cpu"/> belongs to (node 0 for a CPU the topology does not list).</summary>
    public int GetNodeOfCpu(int cpu) => (uint)cpu < (uint)_cpuToNode.Length ? _cpuToNode[cpu] : 0;

    /// <inheritdoc />
    public override string ToString() => $"{NodeCount} node(s){(IsSimulated ? " (simulated)" : string.Empty)}";
}
