using System.Collections.Generic;

namespace Numa;

/// <summary>A snapshot of one node heap's counters (or of the interleaved heap's).</summary>
/// <remarks>
/// Byte counts of small blocks count the size class's block size, the memory a block really takes.
/// While other threads allocate, the snapshot is consistent per counter, not across counters; once
/// they are quiet it is exact.
/// </remarks>
public sealed class NumaNodeStatistics
{
    /// <summary>The node (<see cref="NumaHeap.InterleavedNode"/> for the interleaved heap).</summary>
    public int Node { get; init; }

    /// <summary>Bytes in blocks handed out and not yet freed.</summary>
    public long LiveBytes { get; init; }

    /// <summary>Bytes of small blocks (size classes) handed out and not yet freed.</summary>
    public long SmallLiveBytes { get; init; }

    /// <summary>Bytes of big blocks (page runs) handed out and not yet freed.</summary>
    public long BigLiveBytes { get; init; }

    /// <summary>Bytes of the node's region that are committed and not purged: live, cached and free-but-dirty memory.</summary>
    public long CommittedBytes { get; init; }

    /// <summary>Bytes resident in physical memory as the OS reports it (<c>mincore</c>); -1 where unknown or not computed.</summary>
    public long ResidentBytes { get; init; }

    /// <summary>
    /// Of <see cref="ResidentBytes"/>, the bytes the kernel placed on other nodes because this node
    /// had no free memory, estimated from a sample of the region's pages; 0 for the interleaved heap,
    /// -1 where the kernel cannot tell or the topology is simulated.
    /// </summary>
    public long SpilledBytes { get; init; }

    /// <summary>Bytes of free blocks held in thread caches of threads on this node.</summary>
    public long CachedInThreadsBytes { get; init; }

    /// <summary>Bytes of free blocks held in the node heap's per-class free lists.</summary>
    public long CachedInNodeBytes { get; init; }

    /// <summary>Bytes in free page runs of the node's page allocator (dirty and purged).</summary>
    public long FreeRunBytes { get; init; }

    /// <summary>
    /// Bytes of the node's spans not in live small blocks: free blocks in thread caches, in the
    /// node heap's lists and not yet carved, and the tails of spans that hold no whole block.
    /// </summary>
    public long SpanFreeBytes { get; init; }

    /// <summary>Bytes of free page runs that are committed and not purged (may be resident): waiting for reuse or for decay.</summary>
    public long FreeRunDirtyBytes { get; init; }

    /// <summary>
    /// External fragmentation: committed bytes that hold no live block, <see cref="SpanFreeBytes"/> +
    /// <see cref="FreeRunDirtyBytes"/> (equal to <see cref="CommittedBytes"/> − <see cref="LiveBytes"/>).
    /// </summary>
    public long ExternalFragmentationBytes => SpanFreeBytes + FreeRunDirtyBytes;

    /// <summary><see cref="ExternalFragmentationBytes"/> as a share of <see cref="CommittedBytes"/> (0 when nothing is committed).</summary>
    public double ExternalFragmentation => CommittedBytes > 0 ? (double)ExternalFragmentationBytes / CommittedBytes : 0;

    /// <summary>The size classes that have spans on this node: their capacity and live blocks.</summary>
    public IReadOnlyList<NumaSizeClassStatistics> SizeClasses { get; init; } = [];

    /// <summary>How many free page runs the node's page allocator holds.</summary>
    public long FreeRuns { get; init; }

    /// <summary>Frees of this node's blocks by threads running on this node.</summary>
    public long LocalFrees { get; init; }

    /// <summary>Frees of this node's blocks by threads on other nodes, received back by this node.</summary>
    public long RemoteFreesReceived { get; init; }

    /// <summary>Frees by threads on this node of blocks that belong to other nodes, sent to their origin.</summary>
    public long RemoteFreesSent { get; init; }

    /// <summary>Batches of remote frees this node received (each took the node's lock once).</summary>
    public long RemoteBatchesReceived { get; init; }

    /// <summary>How many purges (<c>MADV_DONTNEED</c>) the page allocator made.</summary>
    public long Purges { get; init; }

    /// <summary>Bytes given back to the OS by purges.</summary>
    public long PurgedBytes { get; init; }

    /// <summary>False when binding the node's region to its node failed: memory is usable but its placement is not guaranteed.</summary>
    public bool PlacementGuaranteed { get; init; }
}
