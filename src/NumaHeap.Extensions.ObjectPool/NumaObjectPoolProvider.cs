using System;
using Microsoft.Extensions.ObjectPool;

namespace Numa.Extensions.ObjectPool;

/// <summary>
/// An <see cref="ObjectPoolProvider"/> whose pools keep one pool per NUMA node, so that a thread gets
/// back the objects last used on its own node: their memory is in that node's caches and, for objects
/// that own native memory from <see cref="NumaHeap"/>, on that node's memory.
/// </summary>
/// <remarks>
/// Register it in place of the default provider:
/// <c>services.AddSingleton&lt;ObjectPoolProvider, NumaObjectPoolProvider&gt;()</c>.
/// The node of a thread is <see cref="NumaHeap.CurrentNode"/>.
/// </remarks>
public sealed class NumaObjectPoolProvider : ObjectPoolProvider
{
    private readonly int _nodeCount;
    private readonly Func<int> _currentNode;

    /// <summary>Creates a provider for the nodes of <see cref="NumaHeap.Topology"/>.</summary>
    public NumaObjectPoolProvider()
        : this(NumaHeap.Topology.NodeCount, static () => NumaHeap.CurrentNode)
    {
    }

    /// <summary>Creates a provider for <paramref name="nodeCount"/> nodes that asks <paramref name="currentNode"/> for the calling thread's node.</summary>
    internal NumaObjectPoolProvider(int nodeCount, Func<int> currentNode)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(nodeCount);
        _nodeCount = nodeCount;
        _currentNode = currentNode;
    }

    /// <summary>How many idle objects each node's pool keeps; twice the processor count unless set.</summary>
    public int MaximumRetainedPerNode { get; set; } = Environment.ProcessorCount * 2;

    /// <summary>Creates a pool with one pool per node, each keeping up to <see cref="MaximumRetainedPerNode"/> objects.</summary>
    /// <typeparam name="T">The pooled type.</typeparam>
    /// <param name="policy">Creates objects and decides which returned objects are kept.</param>
    /// <returns>A <see cref="NumaObjectPool{T}"/>; it disposes the objects it drops when <typeparamref name="T"/> is <see cref="IDisposable"/>.</returns>
    public override ObjectPool<T> Create<T>(IPooledObjectPolicy<T> policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return new NumaObjectPool<T>(policy, _nodeCount, MaximumRetainedPerNode, _currentNode);
    }
}
