using System;
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;

namespace Numa.AspNetCore;

/// <summary>One node's free blocks of a <see cref="NumaPinnedMemoryPool"/>, and the slabs it cuts them from.</summary>
internal sealed class NumaPinnedNodeBlocks
{
    private readonly ConcurrentQueue<NumaPinnedBlock> _free = new();
    private readonly int _node;
    private int _slabs;
    private int _active;

    public NumaPinnedNodeBlocks(int node) => _node = node;

    public int FreeCount => _free.Count;

    public int Slabs => Volatile.Read(ref _slabs);

    public NumaPinnedBlock Rent()
    {
        MarkActive();
        if (!_free.TryDequeue(out NumaPinnedBlock? block))
        {
            block = Grow();
        }

        block.OnRented();
        return block;
    }

    public void Return(NumaPinnedBlock block)
    {
        MarkActive();
        _free.Enqueue(block);
    }

    public void DropFree() => _free.Clear();

    // Called once per trim interval: a queue untouched since the last call gives its blocks to the GC.
    public void DropFreeIfIdle()
    {
        if (Interlocked.Exchange(ref _active, 0) == 0)
        {
            DropFree();
        }
    }

    // Every renting thread of the node passes here: a write only when the flag is clear keeps the
    // flag's cache line shared instead of moving it between cores on every rent.
    private void MarkActive()
    {
        if (Volatile.Read(ref _active) == 0)
        {
            Volatile.Write(ref _active, 1);
        }
    }

    // A new slab: its pages faulted in and moved to the node, one block returned, the rest queued.
    private unsafe NumaPinnedBlock Grow()
    {
        int pageSize = Environment.SystemPageSize;
        byte[] slab = GC.AllocateUninitializedArray<byte>(NumaPinnedMemoryPool.SlabBytes + pageSize, pinned: true);
        byte* data = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(slab));
        int offset = (int)((((nint)data + pageSize - 1) & ~(nint)(pageSize - 1)) - (nint)data);
        for (int page = 0; page < NumaPinnedMemoryPool.SlabBytes; page += pageSize)
        {
            data[offset + page] = 0;
        }

        NumaHeap.MovePagesToNode(data + offset, NumaPinnedMemoryPool.SlabBytes, _node);
        Interlocked.Increment(ref _slabs);
        const int Blocks = NumaPinnedMemoryPool.SlabBytes / NumaPinnedMemoryPool.BlockSize;
        for (int i = 1; i < Blocks; i++)
        {
            _free.Enqueue(new NumaPinnedBlock(this, MemoryMarshal.CreateFromPinnedArray(slab, offset + (i * NumaPinnedMemoryPool.BlockSize), NumaPinnedMemoryPool.BlockSize)));
        }

        return new NumaPinnedBlock(this, MemoryMarshal.CreateFromPinnedArray(slab, offset, NumaPinnedMemoryPool.BlockSize));
    }
}
