using System;
using System.Runtime.InteropServices;
using Numa.NodeHeaps;
using Numa.SizeClasses;
using Numa.ThreadCaches;
using static Numa.PageMapLayout;

namespace Numa;

/// <content>The rest of the NativeMemory contract and the NUMA controls, on top of the hot paths.</content>
internal sealed unsafe partial class Heap
{
    /// <summary>NativeMemory.AllocZeroed.</summary>
    public void* AllocZeroed(nuint byteCount)
    {
        if (byteCount <= SizeClassTable.MaxSmallSize)
        {
            void* block = Alloc(byteCount);
            NativeMemory.Clear(block, byteCount);
            return block;
        }

        return AllocBig(byteCount, PageSize, zeroed: true, region: -1);
    }

    /// <summary>NativeMemory.Realloc: in place when the size stays in the block's class or the big block can grow or shrink where it is.</summary>
    public void* Realloc(void* ptr, nuint byteCount)
    {
        if (ptr == null)
        {
            return Alloc(byteCount);
        }

        BlockInfo block = Describe(ptr);
        if (block.SizeClass != 0)
        {
            if (byteCount <= SizeClassTable.MaxSmallSize && SizeClassTable.ClassOf(byteCount) == block.SizeClass)
            {
                ResizeInClass(ptr, byteCount);
                return ptr;
            }
        }
        else if (TryResizeBigInPlace(ptr, block.Pages, byteCount))
        {
            return ptr;
        }

        return Move(ptr, block.UsableSize, Alloc(byteCount), byteCount);
    }

    /// <summary>NativeMemory.AlignedAlloc: small classes whose blocks are naturally aligned, else an aligned page run.</summary>
    public void* AlignedAlloc(nuint byteCount, nuint alignment)
    {
        if (!IsPow2(alignment))
        {
            ThrowHelper.ThrowAlignmentNotPowerOfTwo();
        }

        if (alignment <= 16)
        {
            return Alloc(byteCount);
        }

        int sizeClass = SizeClassTable.ClassOfAligned(byteCount, alignment);
        return sizeClass != 0
            ? AllocFromClass(sizeClass, byteCount)
            : AllocBig(byteCount, Math.Max(alignment, PageSize), zeroed: false, region: -1);
    }

    /// <summary>NativeMemory.AlignedRealloc.</summary>
    public void* AlignedRealloc(void* ptr, nuint byteCount, nuint alignment)
    {
        if (!IsPow2(alignment))
        {
            ThrowHelper.ThrowAlignmentNotPowerOfTwo();
        }

        if (ptr == null)
        {
            return AlignedAlloc(byteCount, alignment);
        }

        BlockInfo block = Describe(ptr);
        if (((nuint)ptr & (alignment - 1)) == 0)
        {
            if (block.SizeClass != 0)
            {
                int wanted = alignment <= 16 ? (byteCount <= SizeClassTable.MaxSmallSize ? SizeClassTable.ClassOf(byteCount) : 0) : SizeClassTable.ClassOfAligned(byteCount, alignment);
                if (wanted == block.SizeClass)
                {
                    ResizeInClass(ptr, byteCount);
                    return ptr;
                }
            }
            else if (TryResizeBigInPlace(ptr, block.Pages, byteCount))
            {
                return ptr;
            }
        }

        return Move(ptr, block.UsableSize, AlignedAlloc(byteCount, alignment), byteCount);
    }

    /// <summary>NumaHeap.Allocate: a block on the calling thread's node, on a chosen node, or interleaved.</summary>
    public void* Allocate(nuint byteCount, NumaPlacement placement)
    {
        int region;
        switch (placement.Kind)
        {
            case NumaPlacementKind.OnNode:
                if (placement.Node >= _nodeCount)
                {
                    ThrowHelper.ThrowNodeOutOfRange(placement.Node, _nodeCount);
                }

                region = placement.Node;
                break;
            case NumaPlacementKind.Interleaved:
                region = _nodeCount;
                break;
            default:
                return Alloc(byteCount);
        }

        if (byteCount > SizeClassTable.MaxSmallSize)
        {
            return AllocBig(byteCount, PageSize, zeroed: false, region);
        }

        if (region == CurrentRegion())
        {
            // The thread's cache holds the target node's blocks, unless the refill this takes finds
            // the thread on another node's CPUs and moves the cache there: then the block is the
            // new node's, and goes back to its cache.
            void* local = Alloc(byteCount);
            if (RegionOf(local) == region)
            {
                return local;
            }

            Free(local);
        }

        // The thread's cache holds its own shard's blocks only: take one block from a shard of the
        // target node heap (the one with the thread's shard number, so threads spread over them).
        int sizeClass = SizeClassTable.ClassOf(byteCount);
        int shard = GetCache()->Shard;
        _regions[region].TakeBlocks(ref shard, sizeClass, 1, wholeBatch: false, out void* block);
        if (Checks)
        {
            OnCheckedAlloc(block, byteCount);
        }

        return block;
    }

    /// <summary>NumaHeap.GetNode.</summary>
    public int GetNode(void* ptr)
    {
        if (ptr == null)
        {
            throw new ArgumentException("A null pointer has no node.", nameof(ptr));
        }

        Describe(ptr);
        int region = RegionOf(ptr);
        return region == _nodeCount ? NumaHeap.InterleavedNode : region;
    }

    /// <summary>The first byte of the heap's reservation (tests: addresses at its edges).</summary>
    public nuint ReservationStart => _base;

    /// <summary>The reservation's length in bytes.</summary>
    public nuint ReservationSize => _size;

    /// <summary>NumaHeap.GetUsableSize: the class size, the run's bytes, or with checks on the requested size.</summary>
    public nuint GetUsableSize(void* ptr)
    {
        if (ptr == null)
        {
            throw new ArgumentException("A null pointer has no usable size.", nameof(ptr));
        }

        return Describe(ptr).UsableSize;
    }

    /// <summary>The node the calling thread allocates from; <see cref="NumaHeap.InterleavedNode"/> while the main thread allocates interleaved.</summary>
    public int CurrentNode => CurrentRegion() is int region && region == _nodeCount ? NumaHeap.InterleavedNode : region;

    /// <summary>NumaHeap.BindCurrentThread.</summary>
    public void BindCurrentThread(int node)
    {
        if ((uint)node >= (uint)_nodeCount)
        {
            ThrowHelper.ThrowNodeOutOfRange(node, _nodeCount);
        }

        // Simulated nodes share the machine's CPUs: binding one only changes where the thread allocates.
        var cpus = Topology.Nodes[node].Cpus;
        if (!Topology.IsSimulated && cpus.Count > 0)
        {
            int[] cpuArray = new int[cpus.Count];
            for (int i = 0; i < cpuArray.Length; i++)
            {
                cpuArray[i] = cpus[i];
            }

            if (!_os.TrySetCurrentThreadAffinity(cpuArray, out int error))
            {
                throw new InvalidOperationException($"sched_setaffinity to the CPUs of node {node} failed with errno {error}.");
            }
        }

        ThreadCache* cache = GetCache();
        cache->BoundNode = node;
        if (cache->Node != node)
        {
            MoveCache(cache, node);
        }
    }

    /// <summary>NumaHeap.MovePagesToNode: the whole pages inside the range, in batches of one move_pages call each.</summary>
    public long MovePagesToNode(void* address, nuint byteCount, int node)
    {
        if ((uint)node >= (uint)_nodeCount)
        {
            ThrowHelper.ThrowNodeOutOfRange(node, _nodeCount);
        }

        nuint start = (nuint)address;
        if (start == 0 || start + byteCount < start)
        {
            throw new ArgumentException($"The range at 0x{start:X} of {byteCount} bytes is not memory of the process.", nameof(address));
        }

        if (start + byteCount > _base && start < _base + _size)
        {
            throw new ArgumentException($"The range at 0x{start:X} of {byteCount} bytes overlaps the heap's own memory, which the heap places itself; allocate it with NumaPlacement.OnNode instead.", nameof(address));
        }

        nuint pageSize = _os.PageSize;
        nuint first = AlignUp(start, pageSize);
        nuint end = (start + byteCount) & ~(pageSize - 1);
        if (Topology.IsSimulated || !_os.SupportsNuma || end <= first)
        {
            return 0;
        }

        const int Batch = 512;
        Span<nint> pages = stackalloc nint[Batch];
        Span<int> status = stackalloc int[Batch];
        int osNode = Topology.Nodes[node].OsNode;
        long placed = 0;
        for (nuint page = first; page < end;)
        {
            int count = (int)Math.Min((nuint)Batch, (end - page) / pageSize);
            for (int i = 0; i < count; i++, page += pageSize)
            {
                pages[i] = (nint)page;
            }

            if (!_os.TryMovePages(pages[..count], osNode, status))
            {
                return placed;
            }

            foreach (int result in status[..count])
            {
                placed += result == osNode ? 1 : 0;
            }
        }

        return placed;
    }

    // Validates a pointer as a live block of this heap and says what it is; throws for anything else.
    private BlockInfo Describe(void* ptr)
    {
        nuint offset = (nuint)ptr - _base;
        if (offset >= _size)
        {
            ThrowHelper.ThrowForeignPointer(ptr);
        }

        PageEntry* entry = _map + (offset >> PageShift);
        if (entry->Kind == PageKind.Small)
        {
            // The span may be going back to the page heap on another thread (a use after free):
            // its entry is read once, and checks mode reads its live bits under the span's lock.
            if (Checks)
            {
                nuint requested = CheckedUsableSize(ptr, out int sizeClass);
                return new BlockInfo(sizeClass, 0, requested);
            }

            SmallPageEntry small = ReadSmallPage(ptr);

            if (IsBlockStart(ptr, in small))
            {
                return new BlockInfo(small.SizeClass, 0, SizeClassTable.SizeOf(small.SizeClass));
            }
        }
        else if (entry->Kind == PageKind.BigHead && (offset & PageMask) == 0)
        {
            nuint pages = entry->Value;
            return new BlockInfo(0, pages, pages << PageShift);
        }

        ThrowForBadPointer(ptr);
        return default;
    }

    private void ResizeInClass(void* ptr, nuint byteCount)
    {
        if (Checks)
        {
            CheckedResize(ptr, byteCount);
        }
    }

    // A Free of the same block on another thread may have taken it since Describe: the allocation
    // may then have been handed the block itself, and Free(ptr) fails; the new block goes back either way.
    private void* Move(void* ptr, nuint usableSize, void* destination, nuint byteCount)
    {
        if (destination == ptr)
        {
            Free(destination);
            ThrowHelper.ThrowNotAllocated(ptr);
        }

        Buffer.MemoryCopy(ptr, destination, byteCount, Math.Min(usableSize, byteCount));
        try
        {
            Free(ptr);
        }
        catch
        {
            Free(destination);
            throw;
        }

        return destination;
    }

    private readonly record struct BlockInfo(int SizeClass, nuint Pages, nuint UsableSize);
}
