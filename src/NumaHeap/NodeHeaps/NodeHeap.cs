using System;
using System.Diagnostics;
using System.Numerics;
using System.Threading;
using Numa.SizeClasses;

namespace Numa.NodeHeaps;

/// <summary>
/// The heap of one NUMA node (or of the interleaved region): its shards, each with a slice of the
/// region's span part and central free lists, and the page allocator of the region's big-block part.
/// </summary>
/// <remarks>
/// Spans and big blocks live in separate parts of the region: neither fragments the other's free
/// runs, each has its own lock, and only the big blocks' part is advised to use transparent huge
/// pages, which a span area (a few pages used here and there) would pay for in resident memory.
/// Big blocks are not sharded: they never sit in thread caches, so threads do not share their lines.
/// </remarks>
internal sealed class NodeHeap
{
    private readonly NodeShard[] _shards;
    private readonly int _shardShift;
    private readonly int[] _cachesPerShard;
    private int _nextShard;
    private readonly int[] _vacanciesPerShard; // caches that left each shard and were not replaced yet
    private long _localFrees;
    private long _remoteFreesSent;
    private long _bigRemoteFreesReceived;

    public NodeHeap(Heap heap, int region, PageHeap.PageHeap[] shardSpanPages, PageHeap.PageHeap bigPages, bool placementGuaranteed)
    {
        Debug.Assert(BitOperations.IsPow2(shardSpanPages.Length) && shardSpanPages[^1].Start < bigPages.Start);
        Heap = heap;
        Region = region;
        BigPages = bigPages;
        PlacementGuaranteed = placementGuaranteed;
        _shardShift = BitOperations.Log2(shardSpanPages[0].Size);
        _shards = new NodeShard[shardSpanPages.Length];
        _cachesPerShard = new int[shardSpanPages.Length];
        _vacanciesPerShard = new int[shardSpanPages.Length];
        for (int s = 0; s < _shards.Length; s++)
        {
            Debug.Assert(shardSpanPages[s].Size == shardSpanPages[0].Size && shardSpanPages[s].Start == shardSpanPages[0].Start + ((nuint)s << _shardShift));
            _shards[s] = new NodeShard(this, s, shardSpanPages[s]);
        }
    }

    /// <summary>The heap this node heap belongs to.</summary>
    public Heap Heap { get; }

    /// <summary>The region index: the node number, or the node count for the interleaved region.</summary>
    public int Region { get; }

    /// <summary>The shards, which split the region's first part, where small-object spans are carved.</summary>
    public ReadOnlySpan<NodeShard> Shards => _shards;

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
    public PageHeap.PageHeap PagesOf(nuint address) => address < BigPages.Start ? ShardOf(address).SpanPages : BigPages;

    /// <summary>The shard whose slice of the span part holds <paramref name="address"/>.</summary>
    public NodeShard ShardOf(nuint address)
    {
        Debug.Assert(address >= _shards[0].SpanPages.Start && address < BigPages.Start);
        return _shards[(int)((address - _shards[0].SpanPages.Start) >> _shardShift)];
    }

    /// <summary>Shard <paramref name="index"/>.</summary>
    public NodeShard Shard(int index) => _shards[index];

    /// <summary>
    /// Takes blocks of a class from shard <paramref name="shard"/> (see <see cref="CentralFreeList.RemoveRange"/>),
    /// or, when that shard has no room for a new span, from the next shards in turn.
    /// </summary>
    /// <param name="shard">The shard to try first; on return, the shard the blocks came from.</param>
    /// <param name="sizeClass">The class.</param>
    /// <param name="count">How many blocks are wanted.</param>
    /// <param name="wholeBatch">Take a waiting transfer batch whole.</param>
    /// <param name="head">The chain.</param>
    /// <returns>How many blocks <paramref name="head"/> holds.</returns>
    /// <exception cref="OutOfMemoryException">No shard of the node has room for a new span.</exception>
    public unsafe int TakeBlocks(ref int shard, int sizeClass, int count, bool wholeBatch, out void* head)
    {
        for (int tried = 0; tried < _shards.Length; tried++)
        {
            int taken = _shards[shard].Class(sizeClass).RemoveRange(count, out head, wholeBatch);
            if (taken > 0)
            {
                return taken;
            }

            shard = (shard + 1) & (_shards.Length - 1);
        }

        ref readonly SizeClassInfo info = ref SizeClassTable.Get(sizeClass);
        ThrowHelper.ThrowOutOfMemory($"The NUMA region {Region} has no room left for a span of {info.SpanPages} pages ({info.Size}-byte blocks) in any of its {_shards.Length} shard(s).");
        head = null;
        return 0;
    }

    /// <summary>
    /// The shard for a thread cache that starts drawing from this node: the one fewest live caches
    /// draw from; among equals, one that a cache left (its thread exited or moved away), so that a
    /// thread that replaces one that exited (a restarted worker, larson's next generation) frees the
    /// blocks its predecessor left on its own shard, not a sibling's; otherwise the next in turn.
    /// </summary>
    public int AcquireShard()
    {
        lock (_cachesPerShard)
        {
            // Round robin among equals, so that threads that come and go do not all land on shard 0.
            int best = -1;
            for (int i = 0; i < _cachesPerShard.Length; i++)
            {
                int s = (_nextShard + i) & (_cachesPerShard.Length - 1);
                if (best < 0 || _cachesPerShard[s] < _cachesPerShard[best]
                    || (_cachesPerShard[s] == _cachesPerShard[best] && _vacanciesPerShard[s] > 0 && _vacanciesPerShard[best] == 0))
                {
                    best = s;
                }
            }

            if (_vacanciesPerShard[best] > 0)
            {
                _vacanciesPerShard[best]--;
            }
            else
            {
                _nextShard = best + 1;
            }

            _cachesPerShard[best]++;
            return best;
        }
    }

    /// <summary>A thread cache moved from shard <paramref name="from"/> to shard <paramref name="to"/>.</summary>
    public void MoveShard(int from, int to)
    {
        lock (_cachesPerShard)
        {
            Debug.Assert(_cachesPerShard[from] > 0);
            _cachesPerShard[from]--;
            _cachesPerShard[to]++;
        }
    }

    /// <summary>A thread cache stopped drawing from shard <paramref name="index"/> (its thread exited or moved).</summary>
    public void ReleaseShard(int index)
    {
        lock (_cachesPerShard)
        {
            Debug.Assert(_cachesPerShard[index] > 0);
            _cachesPerShard[index]--;
            _vacanciesPerShard[index]++;
        }
    }

    /// <summary>Folds a thread cache's counters into the node's.</summary>
    public void AddThreadCounters(long localFrees, long remoteFreesSent)
    {
        Interlocked.Add(ref _localFrees, localFrees);
        Interlocked.Add(ref _remoteFreesSent, remoteFreesSent);
    }

    /// <summary>Counts a big block of this node freed by a thread of another node.</summary>
    public void CountBigRemoteFree() => Interlocked.Increment(ref _bigRemoteFreesReceived);
}
