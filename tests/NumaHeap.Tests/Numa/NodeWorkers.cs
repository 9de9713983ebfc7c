using System;
using System.Collections;
using System.Collections.Generic;

namespace Numa.Tests.Numa;

/// <summary>One <see cref="NodeWorker"/> per node of a heap; disposing the set stops every worker and waits for it.</summary>
internal sealed class NodeWorkers : IDisposable, IEnumerable<NodeWorker>
{
    private readonly Heap _heap;
    private readonly NodeWorker[] _workers;

    public NodeWorkers(Heap heap, int nodes)
    {
        _heap = heap;
        _workers = new NodeWorker[nodes];
        for (int n = 0; n < nodes; n++)
        {
            _workers[n] = new NodeWorker(heap, n);
        }
    }

    /// <summary>The worker bound to <paramref name="node"/>.</summary>
    public NodeWorker this[int node] => _workers[node];

    /// <summary>Lets the worker of <paramref name="node"/> exit, waits until it has, and starts a new one there.</summary>
    public void Replace(int node)
    {
        _workers[node].Dispose();
        _workers[node] = new NodeWorker(_heap, node);
    }

    /// <inheritdoc />
    public IEnumerator<NodeWorker> GetEnumerator() => ((IEnumerable<NodeWorker>)_workers).GetEnumerator();

    /// <inheritdoc />
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Stops every worker and waits until its thread has exited.</summary>
    public void Dispose()
    {
        foreach (NodeWorker worker in _workers)
        {
            worker.Dispose();
        }
    }
}
