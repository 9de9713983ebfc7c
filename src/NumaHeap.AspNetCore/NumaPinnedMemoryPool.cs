using System;
using System.Buffers;
using System.Threading;

namespace Numa.AspNetCore;

/// <summary>
/// A <see cref="MemoryPool{T}"/> of pinned, array-backed 4 KiB blocks whose pages are on the NUMA node
/// of the thread that rents them: what Kestrel's sockets transport needs (its multi-segment sends
/// take each segment's array), with NumaHeap's placement.
/// </summary>
/// <remarks>
/// <para>
/// Blocks are cut from slabs of <see cref="SlabBytes"/> in the pinned object heap; a new slab's pages
/// are faulted in and moved to the renting thread's node (<see cref="NumaHeap.MovePagesToNode"/>).
/// Each node keeps a queue of its free blocks: a block always returns to the queue of the node its
/// slab is on, wherever it is disposed, and a thread rents from its own node's queue.
/// </para>
/// <para>
/// A node's queue that no rent or return touched for a whole trim interval drops its blocks, and a
/// slab whose blocks are all dropped is collected by the GC. Disposing an owner twice does nothing.
/// The block's memory is a plain array segment, so it stays readable after its owner is disposed:
/// as with any pool, using it then is a bug that the pool cannot detect.
/// </para>
/// </remarks>
public sealed class NumaPinnedMemoryPool : MemoryPool<byte>
{
    /// <summary>The size of every block: Kestrel's segment size.</summary>
    public const int BlockSize = 4096;

    /// <summary>Bytes of blocks in one slab (64 blocks).</summary>
    public const int SlabBytes = 64 * BlockSize;

    private static readonly TimeSpan s_defaultTrimInterval = TimeSpan.FromSeconds(10);

    private readonly NumaPinnedNodeBlocks[] _nodes;
    private readonly Timer? _trimTimer;
    private int _disposed;

    /// <summary>Creates a pool that drops a node's free blocks after 10 seconds without use.</summary>
    public NumaPinnedMemoryPool()
        : this(s_defaultTrimInterval)
    {
    }

    internal NumaPinnedMemoryPool(TimeSpan trimInterval)
    {
        _nodes = new NumaPinnedNodeBlocks[NumaHeap.Topology.NodeCount];
        for (int node = 0; node < _nodes.Length; node++)
        {
            _nodes[node] = new NumaPinnedNodeBlocks(node);
        }

        if (trimInterval > TimeSpan.Zero)
        {
            // The timer holds the queues, not the pool: a pool dropped without Dispose is collected.
            NumaPinnedNodeBlocks[] nodes = _nodes;
            using (ExecutionContext.SuppressFlow())
            {
                _trimTimer = new Timer(static state => TrimIdle((NumaPinnedNodeBlocks[])state!), nodes, trimInterval, trimInterval);
            }
        }
    }

    /// <summary>The largest buffer the pool rents: <see cref="BlockSize"/>.</summary>
    public override int MaxBufferSize => BlockSize;

    /// <summary>Bytes of free blocks the pool holds now, over every node.</summary>
    public long CachedBytes => Sum(static node => node.FreeCount) * BlockSize;

    /// <summary>Bytes of the slabs the pool has made, over its life.</summary>
    public long SlabBytesAllocated => Sum(static node => node.Slabs) * SlabBytes;

    /// <summary>Rents a block of <see cref="BlockSize"/> bytes on the calling thread's node.</summary>
    /// <param name="minBufferSize">The smallest size the block may have (at most <see cref="BlockSize"/>); -1 for any.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="minBufferSize"/> is less than -1 or more than <see cref="BlockSize"/>.</exception>
    /// <exception cref="ObjectDisposedException">The pool is disposed.</exception>
    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(minBufferSize, -1);
        if (minBufferSize > BlockSize)
        {
            throw new ArgumentOutOfRangeException(nameof(minBufferSize), minBufferSize, $"The pool's blocks are {BlockSize} bytes (its MaxBufferSize); rent bigger buffers elsewhere.");
        }

        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

        // The main thread may allocate interleaved (-1): its blocks come from node 0.
        int node = Math.Max(0, NumaHeap.CurrentNode);
        return _nodes[node].Rent();
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _trimTimer?.Dispose();
            foreach (NumaPinnedNodeBlocks node in _nodes)
            {
                node.DropFree();
            }
        }
    }

    private long Sum(Func<NumaPinnedNodeBlocks, int> selector)
    {
        long sum = 0;
        foreach (NumaPinnedNodeBlocks node in _nodes)
        {
            sum += selector(node);
        }

        return sum;
    }

    private static void TrimIdle(NumaPinnedNodeBlocks[] nodes)
    {
        foreach (NumaPinnedNodeBlocks node in nodes)
        {
            node.DropFreeIfIdle();
        }
    }
}
