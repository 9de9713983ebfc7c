using System.Threading;
using Numa.SizeClasses;

namespace Numa.NodeHeaps;

/// <summary>
/// The heap of one NUMA node (or of the interleaved region): the page allocator of its region and a
/// central free list per size class, shared by the node's threads and fed by remote frees.
/// </summary>
internal sealed class NodeHeap
{
    private readonly CentralFreeList[] _classes;
    private long _localFrees;
    private long _remoteFreesSent;
    private long _bigRemoteFreesReceived;

    public NodeHeap(Heap heap, int region, PageHeap.PageHeap pages, bool placementGuaranteed)
    {
        Heap = heap;
        Region = region;
        Pages = pages;
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

    /// <summary>The region's page allocator.</summary>
    public PageHeap.PageHeap Pages { get; }

    /// <summary>False when binding the region to its node failed.</summary>
    public bool PlacementGuaranteed { get; }

    /// <summary>Local frees folded in from thread caches that exited or moved to another node.</summary>
    public long LocalFrees => Volatile.Read(ref _localFrees);

    /// <summary>Remote frees sent, folded in likewise.</summary>
    public long RemoteFreesSent => Volatile.Read(ref _remoteFreesSent);

    /// <summary>Big blocks of this node freed by threads of other nodes.</summary>
    public long BigRemoteFreesReceived => Volatile.Read(ref _bigRemoteFreesReceived);

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
