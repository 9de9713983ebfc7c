using System;
using Microsoft.Extensions.ObjectPool;

namespace Numa.Extensions.ObjectPool;

/// <summary>
/// An <see cref="ObjectPool{T}"/> made of one pool per NUMA node (and one for the interleaved heap):
/// <see cref="Get"/> takes from the calling thread's node, <see cref="Return"/> gives back to it.
/// </summary>
/// <remarks>
/// A node whose pool is empty creates a new object rather than take one from another node: an object
/// last used elsewhere would bring that node's memory with it. Each node's pool is a pool of
/// Microsoft.Extensions.ObjectPool's own provider, so that rejected and surplus objects are disposed
/// when <typeparamref name="T"/> is <see cref="IDisposable"/>.
/// </remarks>
/// <typeparam name="T">The pooled type.</typeparam>
public sealed class NumaObjectPool<T> : ObjectPool<T>, IDisposable
    where T : class
{
    private readonly ObjectPool<T>[] _pools;
    private readonly Func<int> _currentNode;

    internal NumaObjectPool(IPooledObjectPolicy<T> policy, int nodeCount, int maximumRetainedPerNode, Func<int> currentNode)
    {
        var provider = new DefaultObjectPoolProvider { MaximumRetained = maximumRetainedPerNode };
        _pools = new ObjectPool<T>[nodeCount + 1];
        for (int i = 0; i < _pools.Length; i++)
        {
            _pools[i] = provider.Create(policy);
        }

        _currentNode = currentNode;
    }

    /// <summary>How many nodes the pool keeps a pool for, not counting the interleaved heap's.</summary>
    public int NodeCount => _pools.Length - 1;

    /// <summary>Gets an object last returned on the calling thread's node, or a new one.</summary>
    /// <returns>The object.</returns>
    public override T Get() => PoolOf(_currentNode()).Get();

    /// <summary>Returns an object to the calling thread's node's pool, if its policy accepts it.</summary>
    /// <param name="obj">The object.</param>
    public override void Return(T obj) => PoolOf(_currentNode()).Return(obj);

    /// <summary>Disposes the objects every node's pool holds, when <typeparamref name="T"/> is <see cref="IDisposable"/>.</summary>
    public void Dispose()
    {
        foreach (ObjectPool<T> pool in _pools)
        {
            (pool as IDisposable)?.Dispose();
        }
    }

    private ObjectPool<T> PoolOf(int node) => _pools[(uint)node < (uint)(_pools.Length - 1) ? node : _pools.Length - 1];
}
