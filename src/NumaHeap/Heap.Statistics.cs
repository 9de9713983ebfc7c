using System;
using System.Collections.Generic;
using System.Diagnostics.Tracing;
using Numa.NodeHeaps;
using Numa.PageHeap;
using Numa.SizeClasses;
using Numa.ThreadCaches;

namespace Numa;

/// <content>Statistics and the consistency check.</content>
internal sealed unsafe partial class Heap
{
    /// <summary>NumaHeap.GetStatistics.</summary>
    public NumaHeapStatistics GetStatistics()
    {
        int regions = _regions.Length;
        var cachedInThreads = new long[regions];
        var pendingRemote = new long[regions];

        // Blocks per region and class held by threads (in their lists or in chains going home).
        var heldBlocks = new long[regions * SizeClassTable.ClassCount];
        var localFrees = new long[regions];
        var remoteSent = new long[regions];
        var nodes = new NumaNodeStatistics[_nodeCount];
        NumaNodeStatistics? interleaved = null;

        // The OS's answers first: the counters below are read under the registry lock, so that the
        // maintenance timer cannot send chains home between reading a thread's cache and its lists.
        var resident = new long[regions];
        var spilled = new long[regions];
        for (int r = 0; r < regions; r++)
        {
            resident[r] = ResidentBytes(_regions[r]);
            spilled[r] = r == _nodeCount ? 0 : SpilledBytes(_regions[r], Topology.Nodes[r].OsNode, resident[r]);
        }

        int cacheCount;
        lock (_cachesLock)
        {
            cacheCount = _caches.Count;
            foreach (RegisteredCache registered in _caches)
            {
                ThreadCache* cache = registered.Cache;
                int node = cache->Node;
                localFrees[node] += LocalFreesOf(cache);
                remoteSent[node] += cache->RemoteFreesSent;
                for (int c = 1; c < SizeClassTable.ClassCount; c++)
                {
                    long count = cache->List(c).Count;
                    cachedInThreads[node] += count * SizeClassTable.SizeOf(c);
                    heldBlocks[(node * SizeClassTable.ClassCount) + c] += count;
                }

                if (cache->Remote != null)
                {
                    for (int slot = 0; slot < RemoteSlots; slot++)
                    {
                        int c = slot % SizeClassTable.ClassCount;
                        int region = RegionOfShard(slot / SizeClassTable.ClassCount);
                        long count = c == 0 ? 0 : cache->Remote[slot].Count;
                        pendingRemote[region] += count * SizeClassTable.SizeOf(c);
                        heldBlocks[(region * SizeClassTable.ClassCount) + c] += count;
                    }
                }
            }

            for (int r = 0; r < regions; r++)
            {
                NodeHeap node = _regions[r];
                PageHeapCounters pages = node.BigPages.GetCounters();
                long outstanding = 0;
                long inNode = 0;
                long remoteFrees = node.BigRemoteFreesReceived;
                long remoteBatches = node.BigRemoteFreesReceived;
                var capacity = new long[SizeClassTable.ClassCount];
                var handedOut = new long[SizeClassTable.ClassCount];
                foreach (NodeShard shard in node.Shards)
                {
                    pages += shard.SpanPages.GetCounters();
                    for (int c = 1; c < SizeClassTable.ClassCount; c++)
                    {
                        CentralFreeList list = shard.Class(c);
                        long size = SizeClassTable.SizeOf(c);
                        (long blocks, long taken) = list.Occupancy;
                        capacity[c] += blocks;
                        handedOut[c] += taken;
                        outstanding += taken * size;
                        inNode += (blocks - taken) * size;
                        (long frees, long batches) = list.RemoteReceived;
                        remoteFrees += frees;
                        remoteBatches += batches;
                    }
                }

                var sizeClasses = new List<NumaSizeClassStatistics>();
                for (int c = 1; c < SizeClassTable.ClassCount; c++)
                {
                    if (capacity[c] > 0)
                    {
                        sizeClasses.Add(new NumaSizeClassStatistics
                        {
                            BlockSize = SizeClassTable.SizeOf(c),
                            CapacityBlocks = capacity[c],
                            LiveBlocks = handedOut[c] - heldBlocks[(r * SizeClassTable.ClassCount) + c],
                        });
                    }
                }

                long smallLive = outstanding - cachedInThreads[r] - pendingRemote[r];
                if (spilled[r] > 0 && NumaHeapEventSource.Log.IsEnabled(EventLevel.Warning, NumaHeapEventSource.Keywords.Placement))
                {
                    NumaHeapEventSource.Log.NodeSpill(r, spilled[r], resident[r]);
                }

                var statistics = new NumaNodeStatistics
                {
                    Node = r == _nodeCount ? NumaHeap.InterleavedNode : r,
                    LiveBytes = smallLive + pages.BigLiveBytes,
                    SmallLiveBytes = smallLive,
                    BigLiveBytes = pages.BigLiveBytes,
                    CommittedBytes = pages.CommittedBytes,
                    ResidentBytes = resident[r],
                    SpilledBytes = spilled[r],
                    CachedInThreadsBytes = cachedInThreads[r],
                    CachedInNodeBytes = inNode,
                    FreeRunBytes = pages.FreeRunBytes,
                    SpanFreeBytes = pages.SpanBytes - smallLive,
                    FreeRunDirtyBytes = pages.DirtyBytes,
                    SizeClasses = sizeClasses,
                    FreeRuns = pages.FreeRuns,
                    LocalFrees = node.LocalFrees + localFrees[r],
                    RemoteFreesSent = node.RemoteFreesSent + remoteSent[r],
                    RemoteFreesReceived = remoteFrees,
                    RemoteBatchesReceived = remoteBatches,
                    Purges = pages.Purges,
                    PurgedBytes = pages.PurgedBytes,
                    PlacementGuaranteed = node.PlacementGuaranteed,
                };

                if (r == _nodeCount)
                {
                    interleaved = statistics;
                }
                else
                {
                    nodes[r] = statistics;
                }
            }
        }

        return new NumaHeapStatistics
        {
            Nodes = nodes,
            Interleaved = interleaved!,
            ThreadCaches = cacheCount,
            MaintenanceErrors = MaintenanceErrors,
            LastMaintenanceError = LastMaintenanceError,
        };
    }

    /// <summary>
    /// Walks the page map, the free-run indexes, the node heaps, the calling thread's cache and every
    /// pending remote chain, and checks every invariant: runs tile each region with no two free runs
    /// adjacent, spans and blocks agree with the page map, no free block is listed twice, and the
    /// counters match what is found. Meant for a heap no other thread is using.
    /// </summary>
    /// <exception cref="InvalidOperationException">An invariant does not hold; the message says which.</exception>
    public void Validate()
    {
        lock (_maintenanceLock)
        {
            ValidateQuiescent();
        }
    }

    private void ValidateQuiescent()
    {
        var freeBlocks = new HashSet<nint>();
        foreach (NodeHeap node in _regions)
        {
            node.BigPages.Validate(static (page, _) => throw new InvalidOperationException($"Heap corruption: a span at 0x{page:X} in the big-block part of a region."));
            foreach (NodeShard shard in node.Shards)
            {
                shard.SpanPages.Validate(ValidateSpanPages);
                ValidateNoStaleSmallPages(shard.SpanPages.Start, shard.SpanPages.Top);
                for (int c = 1; c < SizeClassTable.ClassCount; c++)
                {
                    shard.Class(c).Validate(freeBlocks);
                }
            }
        }

        ThreadCache* own = ThreadCacheOwner.Current.Find(_id);
        lock (_cachesLock)
        {
            foreach (RegisteredCache registered in _caches)
            {
                ThreadCache* cache = registered.Cache;
                if (cache == own)
                {
                    for (int c = 1; c < SizeClassTable.ClassCount; c++)
                    {
                        ValidateChain(cache->List(c).Head, cache->List(c).Count, cache->Node, c, freeBlocks, "thread cache");
                    }
                }

                if (cache->Remote == null)
                {
                    continue;
                }

                AcquireRemoteLock(cache);
                try
                {
                    int pending = 0;
                    for (int slot = 0; slot < RemoteSlots; slot++)
                    {
                        RemoteList remote = cache->Remote[slot];
                        ValidateChain(remote.Head, remote.Count, RegionOfShard(slot / SizeClassTable.ClassCount), slot % SizeClassTable.ClassCount, freeBlocks, "remote chain");
                        pending += remote.Count;
                    }

                    if (pending != cache->RemotePending)
                    {
                        throw new InvalidOperationException($"Heap corruption: a thread cache counts {cache->RemotePending} pending remote frees but holds {pending}.");
                    }
                }
                finally
                {
                    System.Threading.Volatile.Write(ref cache->RemoteLock, 0);
                }
            }
        }
    }

    /// <summary>Pages per node whose placement <see cref="SpilledBytes"/> asks the kernel for.</summary>
    private const int SpillSamples = 1024;

    // mincore over the committed pages of the region; -1 where the OS cannot tell. Committed, not
    // just below the frontier: under THP "always" a fault near the frontier brings in a whole huge
    // page, part of it above.
    private long ResidentBytes(NodeHeap node)
    {
        long resident = _os.GetResidentBytes((void*)node.BigPages.Start, node.BigPages.CommittedTop - node.BigPages.Start);
        foreach (NodeShard shard in node.Shards)
        {
            long spans = _os.GetResidentBytes((void*)shard.SpanPages.Start, shard.SpanPages.CommittedTop - shard.SpanPages.Start);
            resident = resident < 0 || spans < 0 ? -1 : resident + spans;
        }

        return resident;
    }

    // Resident bytes of a node's region that the kernel put on other nodes (MPOL_PREFERRED spills
    // when the node is full), estimated from the nodes of up to SpillSamples pages spread evenly over
    // the region's committed pages: one move_pages call, so that statistics stay cheap. -1 where
    // the kernel cannot tell, or the topology is simulated (every node is one OS node).
    private long SpilledBytes(NodeHeap node, int osNode, long resident)
    {
        if (!_os.SupportsNuma || Topology.IsSimulated || resident < 0)
        {
            return -1;
        }

        Span<(nuint Start, nuint End)> ranges = stackalloc (nuint, nuint)[1 + node.Shards.Length];
        int count = 0;
        nuint committed = 0;
        ranges[count++] = (node.BigPages.Start, node.BigPages.CommittedTop);
        foreach (NodeShard shard in node.Shards)
        {
            ranges[count++] = (shard.SpanPages.Start, shard.SpanPages.CommittedTop);
        }

        foreach (var (start, end) in ranges[..count])
        {
            committed += (end - start) / _os.PageSize;
        }

        if (committed == 0 || resident == 0)
        {
            return 0;
        }

        int samples = (int)Math.Min(committed, SpillSamples);
        Span<nint> pages = stackalloc nint[samples];
        Span<int> osNodes = stackalloc int[samples];
        nuint stride = committed / (nuint)samples;
        int range = 0;
        nuint skipped = 0;
        for (int i = 0; i < samples; i++)
        {
            nuint page = (nuint)i * stride;
            while (page - skipped >= (ranges[range].End - ranges[range].Start) / _os.PageSize)
            {
                skipped += (ranges[range].End - ranges[range].Start) / _os.PageSize;
                range++;
            }

            pages[i] = (nint)(ranges[range].Start + ((page - skipped) * _os.PageSize));
        }

        _os.QueryPageNodes(pages, osNodes);
        int present = 0;
        int elsewhere = 0;
        foreach (int placed in osNodes)
        {
            present += placed >= 0 ? 1 : 0;
            elsewhere += placed >= 0 && placed != osNode ? 1 : 0;
        }

        return present == 0 ? 0 : resident * elsewhere / present;
    }

    private void ValidateChain(void* head, int count, int region, int sizeClass, HashSet<nint> freeBlocks, string where)
    {
        int length = 0;
        for (void* block = head; block != null; block = *(void**)block)
        {
            if (!IsBlockOf(block, region, sizeClass))
            {
                throw new InvalidOperationException($"Heap corruption: a {where} of class {sizeClass} holds 0x{(nint)block:X}, not a block of that class in region {region}.");
            }

            if (!freeBlocks.Add((nint)block))
            {
                throw new InvalidOperationException($"Heap corruption: the free block 0x{(nint)block:X} is listed twice (double free).");
            }

            if (++length > count)
            {
                break;
            }
        }

        if (length != count)
        {
            throw new InvalidOperationException($"Heap corruption: a {where} of class {sizeClass} counts {count} blocks but links {length}.");
        }
    }
}
