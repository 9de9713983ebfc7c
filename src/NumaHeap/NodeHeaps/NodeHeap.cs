using System.Diagnostics;
using System.Threading;
using Numa.SizeClasses;

namespace Numa.NodeHeaps;

/// <summary>
/// The heap of one NUMA node (or of the interleaved region): the page allocators of its region, one
/// for small-object spans and one for big blocks, and a central free list per size class, shared by
/// the node's threads and fed by remote frees.
/// </summary>
/// <remarks>
/// Spans and big blocks live in separate parts of the region: neither fragments the other's free
/// runs, each has its own lock, and only the big blocks' part is advised to use transparent huge
/// pages, which a span area (a few pages used here and there) would pay for in resident memory.
/// </remarks>
internal sealed class NodeHeap
{
    private readonly CentralFreeList[] _classes;
    private long _localFrees;
    private long _remoteFreesSent;
    private long _bigRemoteFreesReceived;

    public NodeHeap(Heap heap, int region, PageHeap.PageHeap spanPages, PageHeap.PageHeap bigPages, bool placementGuaranteed)
    {
        Debug.Assert(spanPages.Start < bigPages.Start);
        Heap = heap;
        Region = region;
        SpanPages = spanPages;
        BigPages = bigPages;
        PlacementGuaranteed = placementGuaranteed;
        _classes = new CentralFreeList[SizeClassTable.ClassCount];
        for (int c = 1; c < _classes.Length; c++)
        {
            _classes[c] = new CentralFreeList(this, c);
        }
    }

    /// <summary>The heap this node heap belongs to.</summary>
    public Heap Heap { get; }

    /// <summary>The region index: the node number, or the node count for the interleaved region.</summary>
    public int Region { get; }

    /// <summary>The page allocator of the region's first part, where small-object spans are carved.</summary>
    public PageHeap.PageHeap SpanPages { get; }

    /// <summary>The page allocator of the rest of the region, for big blocks.</summary>
    public PageHeap.PageHeap BigPages { get; }

    /// <summary>False when binding the region to its node failed.</summary>
    public bool PlacementGuaranteed { get; }

    /// <summary>Local frees folded in from thread caches that exited or moved to another node.</summary>
    public long LocalFrees => Volatile.Read(ref _localFrees);

    /// <summary>Remote frees sent, folded in likewise.</summary>
    public long RemoteFreesSent => Volatile.Read(ref _remoteFreesSent);

    /// <summary>Big blocks of this node freed by threads of other nodes.</summary>
    public long BigRemoteFreesReceived => Volatile.Read(ref _bigRemoteFreesReceived);

    /// <summary>The page allocator of the part of the region that holds <paramref name="address"/>.</summary>
    public PageHeap.PageHeap PagesOf(nuint address) => address < BigPages.Start ? SpanPages : BigPages;

    /// <summary>The central free list of <paramref name="sizeClass"/>.</summary>
    public CentralFreeList Class(int sizeClass) => _classes[sizeClass];

    /// <summary>Folds a thread cache's counters into the node's.</summary>
    public void AddThreadCounters(long localFrees, long remoteFreesSent)
    {
        Interlocked.Add(ref _localFrees, localFrees);
        Interlocked.Add(ref _remoteFreesSent, remoteFreesSent);
    }

    /// <summary>Counts a big block of this node freed by a thread of another node.</summary>
    public void CountBigRemoteFree() => Interlocked.Increment(ref _bigRemoteFreesReceived);
}
