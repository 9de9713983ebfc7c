using System;
using Microsoft.Extensions.ObjectPool;
using Numa.Extensions.ObjectPool;
using Xunit;

namespace Numa.Tests.ObjectPool;

/// <summary>The NUMA-aware object pool, with the calling thread's node simulated by a selector the test controls.</summary>
public sealed class NumaObjectPoolTests
{
    private int _node;

    [Fact]
    public void EachNode_GetsBackTheObjectsReturnedOnIt_AndNeverAnotherNodes()
    {
        ObjectPool<Widget> pool = CreateProvider(nodes: 2).Create(new DefaultPooledObjectPolicy<Widget>());
        _node = 0;
        Widget onNode0 = pool.Get();
        pool.Return(onNode0);

        _node = 1;
        Widget onNode1 = pool.Get();
        Assert.NotSame(onNode0, onNode1);
        pool.Return(onNode1);

        _node = 0;
        Assert.Same(onNode0, pool.Get());
        _node = 1;
        Assert.Same(onNode1, pool.Get());
    }

    [Fact]
    public void AnObject_GoesToThePoolOfTheNodeWhereItWasLastUsed()
    {
        ObjectPool<Widget> pool = CreateProvider(nodes: 2).Create(new DefaultPooledObjectPolicy<Widget>());
        _node = 0;
        Widget widget = pool.Get();

        // Taken on node 0, used and returned on node 1: node 1 gets it, node 0 does not.
        _node = 1;
        pool.Return(widget);
        _node = 0;
        Assert.NotSame(widget, pool.Get());
        _node = 1;
        Assert.Same(widget, pool.Get());
    }

    [Fact]
    public void EachNodesPool_KeepsAtMostMaximumRetainedPerNode_AndDisposesTheRest()
    {
        NumaObjectPoolProvider provider = CreateProvider(nodes: 2);
        provider.MaximumRetainedPerNode = 2;
        var pool = (NumaObjectPool<DisposableWidget>)provider.Create(new DefaultPooledObjectPolicy<DisposableWidget>());
        Assert.Equal(2, pool.NodeCount);
        _node = 0;
        DisposableWidget[] widgets = [pool.Get(), pool.Get(), pool.Get()];
        foreach (DisposableWidget widget in widgets)
        {
            pool.Return(widget);
        }

        Assert.Single(widgets, w => w.Disposed);

        // Node 1's pool is its own: the two node 0 keeps are not there.
        _node = 1;
        DisposableWidget fresh = pool.Get();
        Assert.DoesNotContain(fresh, widgets);

        pool.Dispose();
        Assert.All(widgets, w => Assert.True(w.Disposed));
    }

    [Fact]
    public void NativeBuffers_ArePooledOnTheirNode_AndRefusedAndFreedWhenReturnedOnAnother()
    {
        NumaObjectPoolProvider provider = CreateProvider(nodes: 2);
        var pool = provider.Create(new NumaNativeBufferPolicy(4096, () => _node) { ClearOnReturn = true });
        NumaNativeBuffer buffer = pool.Get();
        int home = buffer.Node;
        Assert.Equal(4096, buffer.Length);

        _node = home;
        buffer.Span.Fill(0xAB);
        pool.Return(buffer);
        NumaNativeBuffer again = pool.Get();
        Assert.Same(buffer, again);
        Assert.False(again.Span.ContainsAnyExcept((byte)0), "ClearOnReturn zeroed the returned buffer");

        // Returned by a thread of another node: refused, and disposed by the pool, so its memory goes home.
        _node = home == 0 ? 1 : 0;
        pool.Return(again);
        Assert.True(again.IsDisposed);
        Assert.Throws<ObjectDisposedException>(() => again.Span.Length);
        again.Dispose();
    }

    [Fact]
    public unsafe void NativeBuffer_AllocatesOnTheCallingThreadsNode_AndDisposeIsIdempotent()
    {
        var buffer = new NumaNativeBuffer(100_000);
        buffer.Span.Fill(1);
        Assert.Equal(NumaHeap.CurrentNode, buffer.Node);
        Assert.True(NumaHeap.GetUsableSize(buffer.Pointer) >= 100_000);
        buffer.Dispose();
        buffer.Dispose();
        Assert.True(buffer.IsDisposed);
    }

    [Fact]
    public void DefaultProvider_CoversTheMachinesNodes() =>
        Assert.Equal(NumaHeap.Topology.NodeCount, ((NumaObjectPool<Widget>)new NumaObjectPoolProvider().Create(new DefaultPooledObjectPolicy<Widget>())).NodeCount);

    private NumaObjectPoolProvider CreateProvider(int nodes) => new(nodes, () => _node);

    private sealed class Widget;

    private sealed class DisposableWidget : IDisposable
    {
        public bool Disposed { get; private set; }

        public void Dispose() => Disposed = true;
    }
}
