using Numa.SizeClasses;

namespace Numa.NodeHeaps;

/// <summary>
/// One shard of a node heap: a slice of the region's span part with its own page allocator and a
/// central free list per size class. Each thread cache draws from one shard of its node, so threads
/// of different shards never carve blocks out of the same span.
/// </summary>
/// <remarks>
/// Why shards: when every thread of a node shares the node's spans, blocks of two threads end up
/// side by side in one cache line, and each write by one thread takes the line from the other; a
/// shard per CPU, up to eight, keeps them apart within a node (docs/design-notes.md).
/// A shard's blocks come back to it: a thread that frees a block of a sibling shard sends it home
/// in batches, as it does for another node's blocks.
/// </remarks>
internal sealed class NodeShard
{
    private readonly CentralFreeList[] _classes;

    public NodeShard(NodeHeap node, int index, PageHeap.PageHeap spanPages)
    {
        Node = node;
        Index = index;
        SpanPages = spanPages;
        _classes = new CentralFreeList[SizeClassTable.ClassCount];
        for (int c = 1; c < _classes.Length; c++)
        {
            _classes[c] = new CentralFreeList(this, c);
        }
    }

    /// <summary>The node heap the shard belongs to.</summary>
    public NodeHeap Node { get; }

    /// <summary>The shard's index within its node heap.</summary>
    public int Index { get; }

    /// <summary>The page allocator of the shard's slice of the span part, where its spans are carved.</summary>
    public PageHeap.PageHeap SpanPages { get; }

    /// <summary>The central free list of <paramref name="sizeClass"/>.</summary>
    public CentralFreeList Class(int sizeClass) => _classes[sizeClass];
}
