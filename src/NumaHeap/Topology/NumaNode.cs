using System.Collections.Generic;

namespace Numa;

/// <summary>One NUMA node: its logical number, the OS node it stands for, and its CPUs.</summary>
public sealed class NumaNode
{
    internal NumaNode(int id, int osNode, IReadOnlyList<int> cpus, long memoryBytes)
    {
        Id = id;
        OsNode = osNode;
        Cpus = cpus;
        MemoryBytes = memoryBytes;
    }

    /// <summary>The logical node number used by <see cref="NumaHeap"/> (0-based, dense).</summary>
    public int Id { get; }

    /// <summary>The operating system's number for the node whose memory backs this one (for a simulated node, the real node it runs on).</summary>
    public int OsNode { get; }

    /// <summary>The CPUs of this node. Empty for a simulated node that got no CPU (reach it with <see cref="NumaHeap.BindCurrentThread"/>).</summary>
    public IReadOnlyList<int> Cpus { get; }

    /// <summary>Total memory of the node in bytes as the OS reports it; 0 when unknown.</summary>
    public long MemoryBytes { get; }

    /// <inheritdoc />
    public override string ToString() => $"node {Id} (OS node {OsNode}, {Cpus.Count} CPU(s))";
}
