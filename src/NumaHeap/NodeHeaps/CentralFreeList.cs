using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Runtime.InteropServices;
using Numa.SizeClasses;

namespace Numa.NodeHeaps;

/// <summary>
/// A node shard's free blocks of one size class, shared by the threads drawing from the shard and
/// fed by frees from other shards and nodes. Whole batches (a thread cache's flush, a remote chain) are kept
/// as they come, so a refill or a flush is O(1) under the lock; beyond that the blocks go back to
/// their spans, and a span whose blocks have all come back returns its pages to the page heap.
/// Batches that no refill took for a whole decay period go back to their spans too (<see cref="DecayBatches"/>),
/// so that the memory of a burst of small blocks returns to the OS without a Trim.
/// </summary>
internal sealed unsafe class CentralFreeList
{
    /// <summary>The transfer batches of a class hold at most about this many bytes.</summary>
    private const int TransferBudgetBytes = 1024 * 1024;

    private readonly object _lock = new();
    private readonly NodeShard _shard;
    private readonly NodeHeap _node;
    private readonly int _sizeClass;
    private readonly SizeClassInfo _info;
    private readonly nint[] _batches;
    private int _batchCount;
    private int _batchLow; // the fewest batches held since the last decay: those below it sat unused
    private SmallSpan* _spans;
    private long _outstanding;
    private long _capacity;
    private long _remoteFreesReceived;
    private long _remoteBatchesReceived;

    public CentralFreeList(NodeShard shard, int sizeClass)
    {
        _shard = shard;
        _node = shard.Node;
        _sizeClass = sizeClass;
        _info = SizeClassTable.Get(sizeClass);
        _batches = new nint[Math.Clamp(TransferBudgetBytes / (_info.Batch * (int)_info.Size), 2, 64)];
    }

    /// <summary>
    /// The lock under which this list carves and releases its spans: while it is held, a page whose
    /// small-page entry names this list's class stays a page of that span (checks mode reads the
    /// span's live bits under it).
    /// </summary>
    public object SpanLock => _lock;

    /// <summary>Blocks handed out of this list and not yet returned (in thread caches, remote chains or in use).</summary>
    public long Outstanding => Volatile.Read(ref _outstanding);

    /// <summary>Blocks of this class that the node heap holds free.</summary>
    public long FreeBlocks
    {
        get
        {
            lock (_lock)
            {
                return _capacity - _outstanding;
            }
        }
    }

    /// <summary>Blocks and free blocks together: what this list's spans hold, taken under the lock as one snapshot.</summary>
    public (long Capacity, long Outstanding) Occupancy
    {
        get
        {
            lock (_lock)
            {
                return (_capacity, _outstanding);
            }
        }
    }

    /// <summary>Remote frees received, and the batches they came in.</summary>
    public (long Frees, long Batches) RemoteReceived
    {
        get
        {
            lock (_lock)
            {
                return (_remoteFreesReceived, _remoteBatchesReceived);
            }
        }
    }

    /// <summary>Takes up to <paramref name="count"/> blocks as a null-terminated chain.</summary>
    /// <param name="count">How many blocks are wanted.</param>
    /// <param name="head">The chain.</param>
    /// <param name="wholeBatch">
    /// A caller that keeps whatever it gets (a thread-cache refill) takes a waiting transfer batch
    /// whole even when it asked for fewer blocks: that costs O(1), where carving spans for a few
    /// blocks while whole batches wait here would waste memory.
    /// </param>
    /// <returns>
    /// How many blocks <paramref name="head"/> holds: more than <paramref name="count"/> only with
    /// <paramref name="wholeBatch"/>; 0 when the list has no free block and the shard no room for a new span.
    /// </returns>
    /// <exception cref="OutOfMemoryException">The OS refused memory for a new span or its descriptor.</exception>
    public int RemoveRange(int count, out void* head, bool wholeBatch = false)
    {
        Debug.Assert(count > 0 && count <= _info.Batch);
        lock (_lock)
        {
            if (_batchCount > 0 && (wholeBatch || count == _info.Batch))
            {
                head = (void*)_batches[--_batchCount];
                _batchLow = Math.Min(_batchLow, _batchCount);
                _outstanding += _info.Batch;
                return _info.Batch;
            }

            void* chain = null;
            int taken = 0;
            while (taken < count)
            {
                SmallSpan* span = _spans;
                if (span == null)
                {
                    // A partial refill beats failing: only an empty-handed refill reports no room.
                    span = taken > 0 ? null : NewSpan();
                    if (span == null)
                    {
                        break;
                    }
                }

                while (taken < count && span->FreeList != null)
                {
                    void* block = span->FreeList;
                    span->FreeList = *(void**)block;
                    *(void**)block = chain;
                    chain = block;
                    span->Allocated++;
                    taken++;
                }

                if (taken < count && span->BumpNext < span->BumpEnd)
                {
                    // Fresh blocks are linked back to front so the thread pops them in address order.
                    nuint fresh = Math.Min((nuint)(count - taken), (span->BumpEnd - span->BumpNext) / _info.Size);
                    nuint block = span->BumpNext + ((fresh - 1) * _info.Size);
                    for (nuint i = 0; i < fresh; i++, block -= _info.Size)
                    {
                        *(void**)block = chain;
                        chain = (void*)block;
                    }

                    span->BumpNext += fresh * _info.Size;
                    span->Allocated += (uint)fresh;
                    taken += (int)fresh;
                }

                if (span->FreeList == null && span->BumpNext >= span->BumpEnd)
                {
                    Unlink(span);
                }
            }

            _outstanding += taken;
            head = chain;
            return taken;
        }
    }

    /// <summary>Gives back a null-terminated chain of <paramref name="count"/> blocks of this class and node.</summary>
    /// <param name="head">The chain.</param>
    /// <param name="count">Its length.</param>
    /// <param name="remote">True when the chain comes from a thread on another node.</param>
    public void InsertRange(void* head, int count, bool remote)
    {
        bool spansReleased = false;
        bool firstBatch = false;
        lock (_lock)
        {
            _outstanding -= count;
            if (remote)
            {
                _remoteFreesReceived += count;
                _remoteBatchesReceived++;
            }

            if (count == _info.Batch && _batchCount < _batches.Length)
            {
                _batches[_batchCount++] = (nint)head;
                firstBatch = _batchCount == 1;
                head = null;
            }

            while (head != null)
            {
                void* next = *(void**)head;
                spansReleased |= ReleaseToSpan(head);
                head = next;
            }
        }

        // Freed spans wait for their decay, a first batch for its own: the maintenance timer sees to both.
        if (spansReleased || firstBatch)
        {
            _node.Heap.ScheduleMaintenance();
        }
    }

    /// <summary>True while transfer batches wait here (a racy read: the maintenance timer's cue to come back).</summary>
    public bool HasBatches => Volatile.Read(ref _batchCount) != 0;

    /// <summary>Returns every transfer batch to its spans, so that empty spans give their pages back (Trim).</summary>
    public void ReleaseBatches()
    {
        lock (_lock)
        {
            ReleaseOldestBatches(_batchCount);
        }
    }

    /// <summary>
    /// Returns to their spans the batches that no refill took since the last call: the oldest ones,
    /// below the fewest batches held meanwhile. Called once per decay period, so an unused batch goes
    /// back one to two periods after it came.
    /// </summary>
    public void DecayBatches()
    {
        lock (_lock)
        {
            ReleaseOldestBatches(_batchLow);
            _batchLow = _batchCount;
        }
    }

    // Under the lock. Batches are taken from the top, so the bottom ones are the oldest.
    private void ReleaseOldestBatches(int count)
    {
        Debug.Assert(count >= 0 && count <= _batchCount);
        for (int i = 0; i < count; i++)
        {
            var block = (void*)_batches[i];
            while (block != null)
            {
                void* next = *(void**)block;
                ReleaseToSpan(block);
                block = next;
            }
        }

        Array.Copy(_batches, count, _batches, 0, _batchCount - count);
        _batchCount -= count;
        _batchLow = Math.Min(_batchLow, _batchCount);
    }

    /// <summary>Checks the spans and batches of this list; adds every free block to <paramref name="freeBlocks"/>.</summary>
    public void Validate(HashSet<nint> freeBlocks)
    {
        lock (_lock)
        {
            long free = 0;
            for (int i = 0; i < _batchCount; i++)
            {
                int length = 0;
                for (var block = (void*)_batches[i]; block != null; block = *(void**)block)
                {
                    CheckBlock(block, freeBlocks, "transfer batch");
                    length++;
                }

                Check(length == _info.Batch, $"a transfer batch holds {length} blocks, not {_info.Batch}");
                free += length;
            }

            for (SmallSpan* span = _spans; span != null; span = span->Next)
            {
                Check(span->Listed && span->SizeClass == _sizeClass, "a listed span is not marked listed or has another class");
                uint spanFree = (uint)((span->BumpEnd - span->BumpNext) / _info.Size);
                for (void* block = span->FreeList; block != null; block = *(void**)block)
                {
                    CheckBlock(block, freeBlocks, "span free list");
                    Check(_node.Heap.SpanOf(block) == span, "a span's free list holds a block of another span");
                    spanFree++;
                }

                Check(span->Allocated + spanFree == _info.SpanCapacity, $"span at 0x{span->Start:X} accounts for {span->Allocated + spanFree} blocks, not {_info.SpanCapacity}");
                free += spanFree;
            }

            Check(free == _capacity - _outstanding, $"node heap holds {free} free blocks, counters say {_capacity - _outstanding}");
        }
    }

    /// <summary>Checks a span found in the page map: it belongs to this list and is listed exactly when it has blocks to give.</summary>
    public void ValidateSpan(SmallSpan* span)
    {
        lock (_lock)
        {
            bool hasBlocks = span->FreeList != null || span->BumpNext < span->BumpEnd;
            Check(span->Listed == hasBlocks, $"span at 0x{span->Start:X} is {(span->Listed ? string.Empty : "not ")}listed but has {(hasBlocks ? string.Empty : "no ")}blocks to give");
            Check(span->Allocated > 0 || hasBlocks, $"span at 0x{span->Start:X} is empty but was not returned");
        }
    }

    private void CheckBlock(void* block, HashSet<nint> freeBlocks, string where)
    {
        Check(_node.Heap.IsBlockOf(block, _node.Region, _sizeClass), $"{where} holds 0x{(nint)block:X}, not a block of class {_sizeClass} on region {_node.Region}");
        Check(freeBlocks.Add((nint)block), $"{where} holds 0x{(nint)block:X} twice (double free)");
    }

    private void Check(bool condition, string problem)
    {
        if (!condition)
        {
            throw new InvalidOperationException($"Heap corruption in the node heap of region {_node.Region}, shard {_shard.Index}, class {_sizeClass} ({_info.Size} bytes): {problem}.");
        }
    }

    // A span carved from the shard's span pages, or null when they have no room for one.
    private SmallSpan* NewSpan()
    {
        nuint pages = _info.SpanPages;
        nuint start = _shard.SpanPages.AllocateSpan(pages);
        if (start == 0)
        {
            return null;
        }

        SmallSpan* span = _node.Heap.SpanDescriptors.Rent();
        span->Start = start;
        span->BumpNext = start;
        span->BumpEnd = start + ((nuint)_info.SpanCapacity * _info.Size);
        span->Pages = (uint)pages;
        span->SizeClass = (byte)_sizeClass;
        if (_node.Heap.Checks)
        {
            span->LiveBits = (ulong*)NativeMemory.AllocZeroed((nuint)((_info.SpanCapacity + 63) / 64), sizeof(ulong));
            span->RequestedSizes = (uint*)NativeMemory.AllocZeroed(_info.SpanCapacity, sizeof(uint));
        }

        _node.Heap.MarkSpan(span);
        _capacity += _info.SpanCapacity;
        Link(span);
        return span;
    }

    // Returns one block to its span; true when the span became empty and went back to the page heap.
    private bool ReleaseToSpan(void* block)
    {
        SmallSpan* span = _node.Heap.SpanOf(block);
        Debug.Assert(span->SizeClass == _sizeClass);
        *(void**)block = span->FreeList;
        span->FreeList = block;
        span->Allocated--;
        if (!span->Listed)
        {
            Link(span);
        }

        if (span->Allocated != 0)
        {
            return false;
        }

        Unlink(span);
        _capacity -= _info.SpanCapacity;
        nuint start = span->Start;
        nuint pages = span->Pages;
        NativeMemory.Free(span->LiveBits);
        NativeMemory.Free(span->RequestedSizes);
        _node.Heap.UnmarkSpan(span);
        _node.Heap.SpanDescriptors.Return(span);
        _shard.SpanPages.FreeSpan(start, pages);
        return true;
    }

    private void Link(SmallSpan* span)
    {
        span->Previous = null;
        span->Next = _spans;
        if (_spans != null)
        {
            _spans->Previous = span;
        }

        _spans = span;
        span->Listed = true;
    }

    private void Unlink(SmallSpan* span)
    {
        if (span->Previous != null)
        {
            span->Previous->Next = span->Next;
        }
        else
        {
            _spans = span->Next;
        }

        if (span->Next != null)
        {
            span->Next->Previous = span->Previous;
        }

        span->Previous = span->Next = null;
        span->Listed = false;
    }
}
