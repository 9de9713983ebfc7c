using System.Runtime.InteropServices;
using Numa.SizeClasses;
using Numa.ThreadCaches;
using static Numa.PageMapLayout;

namespace Numa;

/// <content>Big blocks: runs of pages from the node's page allocator.</content>
internal sealed unsafe partial class Heap
{
    private void* AllocBig(nuint byteCount, nuint alignment, bool zeroed, int region)
    {
        nuint room = BigPartSize;
        if (byteCount > room || alignment > room)
        {
            ThrowHelper.ThrowOutOfMemory($"A block of {byteCount} bytes aligned to {alignment} does not fit the {room} bytes a NUMA region has for big blocks.");
        }

        nuint pages = (byteCount + PageMask) >> PageShift;
        if (pages == 0)
        {
            pages = 1;
        }

        if (region < 0)
        {
            region = CurrentRegion();
        }

        nuint start = _regions[region].BigPages.AllocateBig(pages, alignment > PageSize ? alignment >> PageShift : 1, out bool clean);
        if (start == 0)
        {
            ThrowHelper.ThrowOutOfMemory($"The NUMA region {region} has no room left for a block of {byteCount} bytes.");
        }

        if (zeroed && !clean)
        {
            NativeMemory.Clear((void*)start, byteCount);
        }

        return (void*)start;
    }

    private void FreeBig(void* ptr)
    {
        int region = RegionOf(ptr);
        if (!_regions[region].BigPages.FreeBig((nuint)ptr))
        {
            ThrowHelper.ThrowNotAllocated(ptr);
        }

        int current = CurrentRegion();
        if (region != current)
        {
            _regions[region].CountBigRemoteFree();
            _regions[current].AddThreadCounters(localFrees: 0, remoteFreesSent: 1);
        }
        else
        {
            _regions[region].AddThreadCounters(localFrees: 1, remoteFreesSent: 0);
        }

        ScheduleMaintenance();
    }

    // Resizes a big block in place: shrinking frees its tail, growing takes a free neighbour.
    private bool TryResizeBigInPlace(void* ptr, nuint oldPages, nuint byteCount)
    {
        if (byteCount <= SizeClassTable.MaxSmallSize || byteCount > BigPartSize)
        {
            return false;
        }

        nuint newPages = (byteCount + PageMask) >> PageShift;
        PageHeap.PageHeap pages = _regions[RegionOf(ptr)].BigPages;
        if (newPages < oldPages)
        {
            pages.ShrinkBig((nuint)ptr, oldPages, newPages);
            ScheduleMaintenance();
            return true;
        }

        return newPages == oldPages || pages.TryGrowBig((nuint)ptr, oldPages, newPages);
    }

    // The region the calling thread allocates from. A thread's first call may be a big block: where
    // new threads get set up (bound round-robin, the main thread interleaved), that call creates the
    // cache, so that the setup does not wait for the thread's first small block.
    private int CurrentRegion()
    {
        ThreadCache* cache = CacheSlot;
        if (cache == null || cache->HeapId != _id)
        {
            cache = _setsUpNewThreads ? GetCache() : Checks ? ThreadCacheOwner.Current.Find(_id) : null;
        }

        if (cache == null)
        {
            return NodeOfCurrentCpu();
        }

        // An unbound cache still homed on the interleaved region is the main thread's after its
        // interleaving ended: its small blocks move at the next refill, its big blocks now.
        int bound = BoundNodeOf(cache);
        return bound >= 0 ? bound : cache->Node < _nodeCount ? cache->Node : NodeOfCurrentCpu();
    }
}
