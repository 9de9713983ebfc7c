using System;
using System.Diagnostics.Tracing;
using System.Threading;
using Numa.SizeClasses;
using Numa.ThreadCaches;

namespace Numa;

/// <content>
/// Background maintenance and Trim: a one-shot timer, armed only while something is pending,
/// that sends idle threads' remote frees home, returns transfer batches nobody took for a decay
/// period to their spans, and purges free runs whose decay delay has passed.
/// </content>
internal sealed unsafe partial class Heap
{
    private readonly Timer _maintenance;

    // Held by a whole maintenance pass, and by Validate: the heap's own timer is another thread too.
    private readonly object _maintenanceLock = new();
    private readonly int _maintenancePeriodMs;
    private int _maintenanceArmed;
    private long _nextBatchDecay;

    private long _maintenanceErrors;

    /// <summary>The last exception the background maintenance met (an OS refusal to decommit), or null.</summary>
    public Exception? LastMaintenanceError { get; private set; }

    /// <summary>How many exceptions the background maintenance has met (<see cref="LastMaintenanceError"/> is the last).</summary>
    public long MaintenanceErrors => Interlocked.Read(ref _maintenanceErrors);

    /// <summary>Arms the maintenance timer unless it is armed already.</summary>
    public void ScheduleMaintenance()
    {
        if (Volatile.Read(ref _maintenanceArmed) == 0 && Interlocked.Exchange(ref _maintenanceArmed, 1) == 0)
        {
            _maintenance.Change(_maintenancePeriodMs, Timeout.Infinite);
        }
    }

    /// <summary>NumaHeap.Trim: the calling thread's cache, every pending remote free and every transfer batch go back, then every free page goes to the OS.</summary>
    public void Trim()
    {
        ThreadCache* cache = CacheSlot;
        if (cache == null || cache->HeapId != _id)
        {
            cache = ThreadCacheOwner.Current.Find(_id);
        }

        if (cache != null)
        {
            FlushLists(cache);
        }

        CollectAllRemote();
        foreach (NodeHeaps.NodeHeap node in _regions)
        {
            (long Bytes, long Count) before = PurgesBeforeEvent(node);
            foreach (NodeHeaps.NodeShard shard in node.Shards)
            {
                for (int c = 1; c < SizeClassTable.ClassCount; c++)
                {
                    shard.Class(c).ReleaseBatches();
                }

                shard.SpanPages.Purge(force: true);
            }

            node.BigPages.Purge(force: true);
            ReportPurges(node, before);
        }

        SpanDescriptors.ReleaseIfUnused();
    }

    private void RunMaintenance()
    {
        Volatile.Write(ref _maintenanceArmed, 0);
        lock (_maintenanceLock)
        {
            RunMaintenancePass();
        }
    }

    private void RunMaintenancePass()
    {
        try
        {
            bool pending = CollectAllRemote();
            pending |= DecayTransferBatches();
            foreach (NodeHeaps.NodeHeap node in _regions)
            {
                (long Bytes, long Count) before = PurgesBeforeEvent(node);
                foreach (NodeHeaps.NodeShard shard in node.Shards)
                {
                    pending |= shard.SpanPages.Purge(force: false);
                }

                pending |= node.BigPages.Purge(force: false);
                ReportPurges(node, before);
            }

            if (pending)
            {
                ScheduleMaintenance();
            }
        }
        catch (Exception e)
        {
            // On a thread-pool thread an exception would end the process, and nobody could catch it:
            // it is recorded instead. An OS refusal leaves the pages committed and the heap intact;
            // the pass is tried again later, since what it did not reach may still be pending.
            RecordMaintenanceError(e);
            ScheduleMaintenance();
        }
    }

    // Where exceptions that no caller can catch (timer, finalizer) go: statistics report them.
    private void RecordMaintenanceError(Exception e)
    {
        // The event first: whoever sees the error in the statistics finds the event raised too.
        if (NumaHeapEventSource.Log.IsEnabled(EventLevel.Error, NumaHeapEventSource.Keywords.Maintenance))
        {
            NumaHeapEventSource.Log.MaintenanceError(e.GetType().FullName ?? e.GetType().Name, e.Message);
        }

        Interlocked.Increment(ref _maintenanceErrors);
        LastMaintenanceError = e;
    }

    // The node's purge counters, read only when a listener wants purge events (-1: nobody listens).
    private static (long Bytes, long Count) PurgesBeforeEvent(NodeHeaps.NodeHeap node) =>
        NumaHeapEventSource.Log.IsEnabled(EventLevel.Informational, NumaHeapEventSource.Keywords.Purge) ? PurgesOf(node) : (-1, -1);

    private void ReportPurges(NodeHeaps.NodeHeap node, (long Bytes, long Count) before)
    {
        if (before.Bytes < 0)
        {
            return;
        }

        (long bytes, long count) = PurgesOf(node);
        if (bytes > before.Bytes)
        {
            NumaHeapEventSource.Log.Purge(node.Region == _nodeCount ? NumaHeap.InterleavedNode : node.Region, bytes - before.Bytes, count - before.Count);
        }
    }

    private static (long Bytes, long Count) PurgesOf(NodeHeaps.NodeHeap node)
    {
        PageHeap.PageHeapCounters pages = node.BigPages.GetCounters();
        foreach (NodeHeaps.NodeShard shard in node.Shards)
        {
            pages += shard.SpanPages.GetCounters();
        }

        return (pages.PurgedBytes, pages.Purges);
    }

    // Once per decay period the batches that no refill took since the last pass go back to their
    // spans (whose pages then decay like any free run); true while batches remain anywhere.
    private bool DecayTransferBatches()
    {
        long now = Environment.TickCount64;
        long next = Volatile.Read(ref _nextBatchDecay);
        bool due = now >= next && Interlocked.CompareExchange(ref _nextBatchDecay, now + Options.PurgeDelayMs, next) == next;
        bool remain = false;
        foreach (NodeHeaps.NodeHeap node in _regions)
        {
            foreach (NodeHeaps.NodeShard shard in node.Shards)
            {
                for (int c = 1; c < SizeClassTable.ClassCount; c++)
                {
                    NodeHeaps.CentralFreeList list = shard.Class(c);
                    if (due && list.HasBatches)
                    {
                        list.DecayBatches();
                    }

                    remain |= list.HasBatches;
                }
            }
        }

        return remain;
    }

    // Sends every thread's pending remote chains home; true when some thread has new ones already.
    private bool CollectAllRemote()
    {
        bool pending = false;
        lock (_cachesLock)
        {
            foreach (RegisteredCache registered in _caches)
            {
                ThreadCache* cache = registered.Cache;
                CollectRemote(cache);

                // The owner may have added to a chain this pass had already emptied. Its free found
                // the pending count above zero and armed nothing, so another pass must follow, or the
                // chain would wait for the thread's next remote free, which an idle thread never makes.
                pending |= Volatile.Read(ref cache->RemotePending) != 0;
            }
        }

        return pending;
    }
}
