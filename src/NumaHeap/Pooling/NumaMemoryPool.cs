using System;
using System.Buffers;
using System.Threading;

namespace Numa;

/// <summary>
/// A <see cref="MemoryPool{T}"/> of native buffers from <see cref="NumaHeap"/>, placed on the node of
/// the thread that rents them. Usable wherever a <see cref="MemoryPool{T}"/> is, for example as the
/// pool of a <c>System.IO.Pipelines</c> pipe (<c>new PipeOptions(pool: new NumaMemoryPool())</c>).
/// </summary>
/// <remarks>
/// <para>
/// Requests up to <see cref="BlockSize"/> bytes get a block of exactly <see cref="BlockSize"/> bytes
/// from a per-node stack of free blocks: a thread gets back blocks that threads of its own node
/// returned, and a block always goes back to the stack of the node it was placed on, wherever it is
/// disposed. Bigger requests get a block of their own size that is freed when its owner is disposed.
/// </para>
/// <para>
/// A node's stack keeps at most <see cref="MaxRetainedBlocksPerNode"/> blocks; a stack that no rent or
/// return touched for a whole trim interval gives its blocks back to the heap. Disposing an owner
/// twice does nothing; using its memory after disposing it throws <see cref="ObjectDisposedException"/>.
/// An owner that is never disposed keeps its block, as native memory that is never freed does.
/// </para>
/// <para>
/// The buffers are native memory, not arrays: <c>MemoryMarshal.TryGetArray</c> returns false for
/// them. Code that needs an array behind each segment (Kestrel's socket sends) takes
/// <c>NumaPinnedMemoryPool</c> from the NumaHeap.AspNetCore package instead.
/// </para>
/// </remarks>
public sealed class NumaMemoryPool : MemoryPool<byte>
{
    /// <summary>The default <see cref="BlockSize"/>: one page, the segment size of <c>System.IO.Pipelines</c>.</summary>
    public const int DefaultBlockSize = 4096;

    /// <summary>The default <see cref="MaxRetainedBlocksPerNode"/>.</summary>
    public const int DefaultMaxRetainedBlocksPerNode = 1024;

    private static readonly TimeSpan s_defaultTrimInterval = TimeSpan.FromSeconds(10);

    private readonly Heap _heap;
    private readonly NumaMemoryPoolStack[] _stacks;
    private readonly Timer _trimTimer;
    private int _disposed;

    /// <summary>Creates a pool of <see cref="DefaultBlockSize"/>-byte blocks.</summary>
    public NumaMemoryPool()
        : this(DefaultBlockSize, DefaultMaxRetainedBlocksPerNode)
    {
    }

    /// <summary>Creates a pool of <paramref name="blockSize"/>-byte blocks that keeps up to <paramref name="maxRetainedBlocksPerNode"/> free blocks per node.</summary>
    /// <param name="blockSize">The size of the pooled blocks, and so the size of a buffer rented with no minimum.</param>
    /// <param name="maxRetainedBlocksPerNode">How many free blocks each node's stack keeps; more are given back to the heap.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="blockSize"/> is not positive, or <paramref name="maxRetainedBlocksPerNode"/> is negative.</exception>
    public NumaMemoryPool(int blockSize, int maxRetainedBlocksPerNode)
        : this(Heap.Default, blockSize, maxRetainedBlocksPerNode, s_defaultTrimInterval)
    {
    }

    internal NumaMemoryPool(Heap heap, int blockSize, int maxRetainedBlocksPerNode, TimeSpan trimInterval)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(blockSize);
        ArgumentOutOfRangeException.ThrowIfNegative(maxRetainedBlocksPerNode);
        _heap = heap;
        BlockSize = blockSize;
        MaxRetainedBlocksPerNode = maxRetainedBlocksPerNode;

        // One stack per node and one for the interleaved heap (the main thread may allocate there).
        _stacks = new NumaMemoryPoolStack[heap.Topology.NodeCount + 1];
        for (int i = 0; i < _stacks.Length; i++)
        {
            _stacks[i] = new NumaMemoryPoolStack(maxRetainedBlocksPerNode);
        }

        // The timer holds the stacks, not the pool: a pool that is dropped without Dispose is
        // collected, and the next tick gives its cached blocks back to the heap.
        var state = new NumaMemoryPoolTrimState(new WeakReference<NumaMemoryPool>(this), heap, _stacks);
        using (ExecutionContext.SuppressFlow())
        {
            _trimTimer = new Timer(static s => ((NumaMemoryPoolTrimState)s!).Tick(), state, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }

        state.Timer = _trimTimer;
        if (trimInterval > TimeSpan.Zero)
        {
            _trimTimer.Change(trimInterval, trimInterval);
        }
    }

    /// <summary>The size of the pooled blocks.</summary>
    public int BlockSize { get; }

    /// <summary>How many free blocks each node's stack keeps.</summary>
    public int MaxRetainedBlocksPerNode { get; }

    /// <summary>The largest buffer the pool rents: any size an <see cref="int"/> holds; sizes over <see cref="BlockSize"/> are not pooled.</summary>
    public override int MaxBufferSize => int.MaxValue;

    /// <summary>Bytes of free blocks the pool holds now, over every node.</summary>
    public long CachedBytes
    {
        get
        {
            long blocks = 0;
            foreach (NumaMemoryPoolStack stack in _stacks)
            {
                blocks += stack.Count;
            }

            return blocks * BlockSize;
        }
    }

    /// <summary>Rents a buffer of at least <paramref name="minBufferSize"/> bytes on the calling thread's node.</summary>
    /// <param name="minBufferSize">The smallest size the buffer may have; -1 for <see cref="BlockSize"/>.</param>
    /// <returns>The owner of the buffer; dispose it to give the buffer back.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="minBufferSize"/> is less than -1.</exception>
    /// <exception cref="ObjectDisposedException">The pool is disposed.</exception>
    /// <exception cref="OutOfMemoryException">The memory cannot be had.</exception>
    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(minBufferSize, -1);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (minBufferSize > BlockSize)
        {
            return new NumaMemoryPoolBlock(this, Alloc(minBufferSize, out _), minBufferSize, stack: -1);
        }

        int stack = StackOf(_heap.CurrentNode);
        if (!_stacks[stack].TryPop(out nint block))
        {
            block = Alloc(BlockSize, out int node);
            stack = StackOf(node);
        }

        return new NumaMemoryPoolBlock(this, block, BlockSize, stack);
    }

    /// <summary>Gives every free block the pool holds back to the heap now.</summary>
    public void Trim()
    {
        foreach (NumaMemoryPoolStack stack in _stacks)
        {
            stack.Drain(_heap, close: false);
        }
    }

    /// <summary>One tick of the trim timer: every stack that no rent or return touched since the previous tick gives its blocks back.</summary>
    internal void TrimIdle()
    {
        foreach (NumaMemoryPoolStack stack in _stacks)
        {
            stack.TrimIfIdle(_heap);
        }
    }

    /// <summary>How many free blocks the stack of <paramref name="node"/> holds (<see cref="NumaHeap.InterleavedNode"/> for the interleaved heap).</summary>
    internal int CachedBlocksOf(int node) => _stacks[StackOf(node)].Count;

    /// <summary>Takes back the block of a disposed owner.</summary>
    internal unsafe void Return(nint block, int stack)
    {
        if (stack < 0 || !_stacks[stack].TryPush(block))
        {
            _heap.Free((void*)block);
        }
    }

    /// <summary>Stops trimming and gives every free block back; blocks still rented are freed when their owners are disposed.</summary>
    /// <param name="disposing">True from <see cref="IDisposable.Dispose"/>.</param>
    protected override void Dispose(bool disposing)
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _trimTimer.Dispose();
        foreach (NumaMemoryPoolStack stack in _stacks)
        {
            stack.Drain(_heap, close: true);
        }
    }

    private unsafe nint Alloc(int size, out int node)
    {
        void* block = _heap.Alloc((nuint)size);
        node = _heap.GetNode(block);
        return (nint)block;
    }

    private int StackOf(int node) => node == NumaHeap.InterleavedNode ? _stacks.Length - 1 : node;
}
