using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Diagnostics.Tracing;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;
using Numa.NodeHeaps;
using Numa.SizeClasses;
using Numa.ThreadCaches;
using static Numa.PageMapLayout;

namespace Numa;

/// <content>The small-object slow paths: thread caches, refills, flushes and remote frees.</content>
internal sealed unsafe partial class Heap
{
    /// <summary>Slow-path events between two scavenges of a thread cache.</summary>
    private const int ScavengeInterval = 256;

    private const byte CanaryByte = 0xCB;

    /// <summary>Registered caches below which every new thread looks for dead threads' caches.</summary>
    /// <remarks>
    /// A dead thread's cache keeps its blocks and its shard until its finalizer runs, which a process
    /// that allocates little managed memory may not do for a long time; scanning also lets a thread
    /// that replaces one that just exited take the shard it left (docs/design-notes.md). Above this
    /// the threshold doubles with the live caches, so the scan costs O(1) per new thread, amortised.
    /// </remarks>
    private const int DeadCacheScanAlwaysBelow = 32;

    private readonly object _cachesLock = new();
    private int _mainThreadInterleaving;
    private bool _disposed;
    private int _roundRobinNode = -1;

    // True when OnNewThread does anything: binding threads round-robin or interleaving the main thread.
    private readonly bool _setsUpNewThreads;
    private readonly List<RegisteredCache> _caches = new();
    private int _deadCacheScanThreshold = DeadCacheScanAlwaysBelow;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void* AllocSlow(nuint byteCount, bool zeroed)
    {
        if (byteCount > SizeClassTable.MaxSmallSize)
        {
            return AllocBig(byteCount, PageSize, zeroed, region: -1);
        }

        void* block = AllocFromClass(SizeClassTable.ClassOf(byteCount), byteCount);
        if (zeroed)
        {
            NativeMemory.Clear(block, byteCount);
        }

        return block;
    }

    private void* AllocFromClass(int sizeClass, nuint byteCount)
    {
        ThreadCache* cache = GetCache();
        ref FreeList list = ref cache->List(sizeClass);
        if (list.Head == null)
        {
            Refill(cache, sizeClass);
        }

        if (Checks)
        {
            CheckFreeListHead(ref list, cache->Node, sizeClass);
        }

        void* block = list.Head;

        list.Head = *(void**)block;
        list.OnTaken();
        if (Checks)
        {
            OnCheckedAlloc(block, byteCount);
        }

        return block;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void FreeSlow(void* ptr)
    {
        if (ptr == null)
        {
            return;
        }

        nuint offset = (nuint)ptr - _base;
        if (offset >= _size)
        {
            ThrowHelper.ThrowForeignPointer(ptr);
        }

        PageEntry* entry = _map + (offset >> PageShift);
        switch (entry->Kind)
        {
            case PageKind.Small:
                FreeSmall(ptr, offset);
                return;
            case PageKind.BigHead when (offset & PageMask) == 0:
                FreeBig(ptr);
                return;
            default:
                ThrowForBadPointer(ptr);
                return;
        }
    }

    // The page is a span page, or was when the caller looked: its span may be going back to the
    // page heap on another thread (a double free racing the span's release), so its entry is read once.
    private void FreeSmall(void* ptr, nuint offset)
    {
        int sizeClass;
        if (Checks)
        {
            sizeClass = OnCheckedFree(ptr);
        }
        else
        {
            SmallPageEntry entry = ReadSmallPage(ptr);
            if (!IsBlockStart(ptr, in entry))
            {
                ThrowForBadPointer(ptr);
            }

            sizeClass = entry.SizeClass;
        }

        ThreadCache* cache = GetCache();
        if (((nuint)ptr >> _shardShift) != cache->ShardKey)
        {
            FreeRemote(cache, ptr, GlobalShardOf(offset), sizeClass);
            return;
        }

        ref FreeList list = ref cache->List(sizeClass);
        if (ptr == list.Head)
        {
            ThrowHelper.ThrowFreeListHead(ptr);
        }

        *(void**)ptr = list.Head;
        list.Head = ptr;
        list.Frees++;
        if (list.Room < 0)
        {
            OnListOverflow(cache, sizeClass);
        }
    }

    // Buffers a free of another shard's block (of this node or another); a full chain goes home
    // under that shard's lock once. Only another node's blocks count as remote frees.
    private void FreeRemote(ThreadCache* cache, void* ptr, int shard, int sizeClass)
    {
        if (cache->Remote == null)
        {
            cache->Remote = (RemoteList*)NativeMemory.AllocZeroed((nuint)RemoteSlots, (nuint)sizeof(RemoteList));
        }

        bool remoteNode = RegionOfShard(shard) != cache->Node;

        int batch = SizeClassTable.Get(sizeClass).Batch;
        void* chain = null;
        int count = 0;
        bool firstPending;
        AcquireRemoteLock(cache);
        try
        {
            ref RemoteList remote = ref cache->Remote[(shard * SizeClassTable.ClassCount) + sizeClass];
            if (ptr == remote.Head)
            {
                ThrowHelper.ThrowFreeListHead(ptr);
            }

            *(void**)ptr = remote.Head;
            remote.Head = ptr;
            if (remoteNode)
            {
                cache->RemoteFreesSent++;
            }
            else
            {
                cache->LocalFrees++;
            }

            firstPending = cache->RemotePending++ == 0;
            if (++remote.Count >= batch)
            {
                chain = remote.Head;
                count = remote.Count;
                remote = default;
                cache->RemotePending -= count;
            }
        }
        finally
        {
            Volatile.Write(ref cache->RemoteLock, 0);
        }

        if (chain != null)
        {
            ShardAt(shard).Class(sizeClass).InsertRange(chain, count, remoteNode);
        }
        else if (firstPending)
        {
            // An idle thread would strand its partial chains; the maintenance timer collects them.
            ScheduleMaintenance();
        }
    }

    private void Refill(ThreadCache* cache, int sizeClass)
    {
        RefreshNode(cache);
        ref readonly SizeClassInfo info = ref SizeClassTable.Get(sizeClass);
        ref FreeList list = ref cache->List(sizeClass);

        // Slow start: a class's first refills on a thread fetch an eighth of a batch, doubling up to
        // a whole batch, so a short-lived thread does not carve a batch of every class it touches;
        // a class that keeps missing earns a longer list, up to its cap.
        int fetch = list.Limit == 0 ? Math.Max(1, info.Batch / 8) : Math.Min(info.Batch, (int)list.Limit);
        list.SetLimit(Math.Min(info.MaxCached, list.Limit + fetch));
        list.Activity++;
        int shard = cache->Shard;
        int taken = _regions[cache->Node].TakeBlocks(ref shard, sizeClass, fetch, wholeBatch: true, out void* chain);
        if (shard != cache->Shard)
        {
            // The thread's shard had no room for a new span: the thread moves to the shard that had
            // (its lists go home first), so that one thread can still use its node's whole span part.
            FlushLists(cache);
            _regions[cache->Node].MoveShard(cache->Shard, shard);
            SetShard(cache, shard);
        }

        list.Head = chain;
        list.SetCount(taken);

        // A whole transfer batch may come back for a smaller request: keep it without flushing.
        list.SetLimit(Math.Max(list.Limit, taken));
        OnSlowEvent(cache);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void OnListOverflow(ThreadCache* cache, int sizeClass)
    {
        ref readonly SizeClassInfo info = ref SizeClassTable.Get(sizeClass);
        ref FreeList list = ref cache->List(sizeClass);
        list.Activity++;
        if (list.Limit == 0)
        {
            // The class's first use on this thread is a free: give it a list before flushing.
            list.SetLimit(info.Batch);
            if (list.Room >= 0)
            {
                return;
            }
        }

        ReleaseFromList(cache, sizeClass, info.Batch);
        Debug.Assert(list.Room >= 0, "a batch flushed from a list one over its limit leaves it within it");
        OnSlowEvent(cache);
    }

    // Moves count blocks from the head of a thread cache list to the node heap as one chain.
    private void ReleaseFromList(ThreadCache* cache, int sizeClass, int count)
    {
        ref FreeList list = ref cache->List(sizeClass);
        count = Math.Min(count, list.Count);
        if (count == 0)
        {
            return;
        }

        if (Checks)
        {
            CheckFreeListLinks(ref list, cache->Node, sizeClass, count);
        }

        void* head = list.Head;
        void* last = head;
        for (int i = 1; i < count; i++)
        {
            last = *(void**)last;
        }

        list.Head = *(void**)last;
        *(void**)last = null;
        list.OnTaken(count);
        HomeShard(cache).Class(sizeClass).InsertRange(head, count, remote: false);
    }

    private void OnSlowEvent(ThreadCache* cache)
    {
        if (++cache->SlowEvents < ScavengeInterval)
        {
            return;
        }

        // A class that neither missed nor overflowed since the last scavenge sat idle: half of
        // what it holds goes back, so that a thread cannot hoard what it no longer uses.
        cache->SlowEvents = 0;
        for (int c = 1; c < SizeClassTable.ClassCount; c++)
        {
            ref FreeList list = ref cache->List(c);
            if (list.Activity == 0 && list.Count > 0)
            {
                ReleaseFromList(cache, c, (list.Count + 1) / 2);
                list.SetLimit(Math.Max(SizeClassTable.Get(c).Batch, list.Limit / 2));
            }

            list.Activity = 0;
        }
    }

    // The thread-local slot of the calling thread's cache: the process-wide heap has a slot of its
    // own, so that the fast paths behind NumaHeap need not check whose cache they found there.
    private ref ThreadCache* CacheSlot => ref _processWide ? ref CurrentThreadCache.ProcessWide : ref CurrentThreadCache.Value;

    /// <summary>The calling thread's cache for this heap, created on first use.</summary>
    private ThreadCache* GetCache()
    {
        ThreadCache* cache = CacheSlot;
        return cache != null && cache->HeapId == _id ? cache : GetCacheSlow();
    }

    private ThreadCache* GetCacheSlow()
    {
        ThreadCacheOwner owner = ThreadCacheOwner.Current;
        ThreadCache* cache = owner.Find(_id);
        if (cache == null)
        {
            cache = owner.Add(_id);
            lock (_cachesLock)
            {
                // Dead threads' caches go first, so that their shards are free to be taken.
                if (_caches.Count < DeadCacheScanAlwaysBelow || _caches.Count >= _deadCacheScanThreshold)
                {
                    ReleaseDeadThreadCaches();
                }

                SetHome(cache, NodeOfCurrentCpu());
                _caches.Add(new RegisteredCache((nint)cache, Thread.CurrentThread));
            }

            if (NumaHeapEventSource.Log.IsEnabled(EventLevel.Verbose, NumaHeapEventSource.Keywords.ThreadCache))
            {
                NumaHeapEventSource.Log.ThreadCacheCreated(cache->Node, Environment.CurrentManagedThreadId);
            }

            OnNewThread(cache);
        }

        // With checks on, every call takes the slow paths, where the checks are.
        if (!Checks)
        {
            CacheSlot = cache;
        }

        return cache;
    }

    // NUMAHEAP_INTERLEAVE_MAIN_THREAD: the main thread allocates from the interleaved region (as if
    // bound to it) until another thread first allocates, because what a program's main thread builds
    // before it starts workers is usually shared by all of them.
    // NUMAHEAP_BIND_THREADS=interleave: each new thread is bound to the next node, round-robin.
    private void OnNewThread(ThreadCache* cache)
    {
        if (Options.InterleaveMainThread && _nodeCount > 1)
        {
            if (Environment.CurrentManagedThreadId == Options.MainManagedThreadId && Volatile.Read(ref _mainThreadInterleaving) == 0)
            {
                cache->BoundNode = _nodeCount;
                MoveCache(cache, _nodeCount);
                return;
            }

            Volatile.Write(ref _mainThreadInterleaving, 1);
        }

        if (Options.BindThreadsRoundRobin && _nodeCount > 1)
        {
            BindCurrentThread((int)((uint)Interlocked.Increment(ref _roundRobinNode) % (uint)_nodeCount));
        }
    }

    // The node a cache is bound to (the interleaved region for the main thread until another thread
    // allocates), or -1.
    private int BoundNodeOf(ThreadCache* cache)
    {
        if (cache->BoundNode == _nodeCount && Volatile.Read(ref _mainThreadInterleaving) != 0)
        {
            cache->BoundNode = -1;
        }

        return cache->BoundNode;
    }

    private int NodeOfCurrentCpu() => _nodeCount == 1 ? 0 : Topology.GetNodeOfCpu(Thread.GetCurrentProcessorId());

    // The thread may have been moved to another node's CPUs: its cached blocks go home and it
    // starts allocating on the new node.
    private void RefreshNode(ThreadCache* cache)
    {
        int bound = BoundNodeOf(cache);
        int node = bound >= 0 ? bound : NodeOfCurrentCpu();
        if (node != cache->Node)
        {
            MoveCache(cache, node);
        }
    }

    private void MoveCache(ThreadCache* cache, int node)
    {
        // Chains go home first: each is counted as a remote free or not by the node it was freed on.
        CollectRemote(cache);
        FlushLists(cache);
        _regions[cache->Node].AddThreadCounters(TakeLocalFrees(cache), cache->RemoteFreesSent);
        cache->RemoteFreesSent = 0;
        _regions[cache->Node].ReleaseShard(cache->Shard);
        SetHome(cache, node);
    }

    // The local frees a cache has counted (its lists' and its own counter) and not yet folded into its node.
    private static long LocalFreesOf(ThreadCache* cache)
    {
        long frees = cache->LocalFrees;
        for (int c = 1; c < SizeClassTable.ClassCount; c++)
        {
            frees += (long)cache->List(c).Frees;
        }

        return frees;
    }

    // LocalFreesOf, restarting every counter from zero.
    private static long TakeLocalFrees(ThreadCache* cache)
    {
        long frees = cache->LocalFrees;
        cache->LocalFrees = 0;
        for (int c = 1; c < SizeClassTable.ClassCount; c++)
        {
            frees += (long)cache->List(c).TakeFrees();
        }

        return frees;
    }

    private void SetHome(ThreadCache* cache, int region)
    {
        cache->Node = region;
        SetShard(cache, _regions[region].AcquireShard());
    }

    private void SetShard(ThreadCache* cache, int shard)
    {
        cache->Shard = shard;
        cache->ShardKey = ShardKeyOf(cache->Node, shard);
    }

    private NodeShard HomeShard(ThreadCache* cache) => _regions[cache->Node].Shard(cache->Shard);

    private void FlushLists(ThreadCache* cache)
    {
        for (int c = 1; c < SizeClassTable.ClassCount; c++)
        {
            ref FreeList list = ref cache->List(c);
            int batch = SizeClassTable.Get(c).Batch;
            while (list.Count > 0)
            {
                ReleaseFromList(cache, c, batch);
            }
        }
    }

    // On the finalizer thread nobody can catch a corruption report: each report cuts the damaged list,
    // so flushing again makes progress; the last report is kept where maintenance errors go.
    private void FlushDeadThreadLists(ThreadCache* cache)
    {
        while (true)
        {
            try
            {
                FlushLists(cache);
                return;
            }
            catch (InvalidOperationException e) when (Checks)
            {
                RecordMaintenanceError(e);
            }
        }
    }

    /// <summary>Returns everything a thread cache holds to the node heaps and forgets it (its thread exited).</summary>
    public void ReleaseThreadCache(ThreadCache* cache)
    {
        lock (_cachesLock)
        {
            int index = IndexOfCache(cache);
            if (index < 0 || _disposed)
            {
                // Already released by a new thread that found its thread dead, or the heap is gone.
                return;
            }

            // Under the lock, as a new thread's scan does it: GetStatistics, which holds the lock,
            // never sees the cache gone while its blocks are not yet back in the node heaps.
            Unregister(index);
            ReturnCacheContents(cache);
        }
    }

    // Finalizers return dead threads' caches only when a collection finds their owners, and a
    // program that starts many short threads may allocate too little managed memory to collect
    // for a long time: without this, every dead thread would keep its cached blocks (up to a
    // batch of each class it used) and its cache indefinitely. A new thread gives back the caches
    // of the threads that have exited instead (every new thread while few are registered, then only
    // once the registered caches have doubled since the last scan, which keeps the cost per new
    // thread constant). The cache structures themselves stay with their owners, whose finalizers
    // free them. Called under _cachesLock.
    private void ReleaseDeadThreadCaches()
    {
        for (int i = _caches.Count - 1; i >= 0; i--)
        {
            if (!_caches[i].Owner.IsAlive)
            {
                ThreadCache* cache = _caches[i].Cache;
                Unregister(i);
                ReturnCacheContents(cache);
            }
        }

        _deadCacheScanThreshold = Math.Max(DeadCacheScanAlwaysBelow, 2 * _caches.Count);
    }

    private int IndexOfCache(ThreadCache* cache)
    {
        for (int i = 0; i < _caches.Count; i++)
        {
            if (_caches[i].Cache == cache)
            {
                return i;
            }
        }

        return -1;
    }

    private void Unregister(int index)
    {
        int last = _caches.Count - 1;
        _caches[index] = _caches[last];
        _caches.RemoveAt(last);
    }

    // Sends a forgotten cache's remote chains and cached blocks home and folds in its counters.
    private void ReturnCacheContents(ThreadCache* cache)
    {
        if (NumaHeapEventSource.Log.IsEnabled(EventLevel.Verbose, NumaHeapEventSource.Keywords.ThreadCache))
        {
            NumaHeapEventSource.Log.ThreadCacheReleased(cache->Node);
        }

        try
        {
            CollectRemote(cache);
            FlushDeadThreadLists(cache);
            _regions[cache->Node].AddThreadCounters(TakeLocalFrees(cache), cache->RemoteFreesSent);
        }
        finally
        {
            _regions[cache->Node].ReleaseShard(cache->Shard);
            NativeMemory.Free(cache->Remote);
            cache->Remote = null;
            cache->HeapId = 0;
        }
    }

    // Sends every pending remote chain of a cache home; callable from any thread.
    private int CollectRemote(ThreadCache* cache)
    {
        if (Volatile.Read(ref cache->RemotePending) == 0 || cache->Remote == null)
        {
            return 0;
        }

        int total = 0;
        for (int slot = 0; slot < RemoteSlots; slot++)
        {
            if (cache->Remote[slot].Count == 0)
            {
                continue;
            }

            AcquireRemoteLock(cache);
            RemoteList remote = cache->Remote[slot];
            cache->Remote[slot] = default;
            cache->RemotePending -= remote.Count;
            int home = cache->Node;
            Volatile.Write(ref cache->RemoteLock, 0);
            if (remote.Count > 0)
            {
                int shard = slot / SizeClassTable.ClassCount;
                ShardAt(shard).Class(slot % SizeClassTable.ClassCount).InsertRange(remote.Head, remote.Count, remote: RegionOfShard(shard) != home);
                total += remote.Count;
            }
        }

        return total;
    }

    private static void AcquireRemoteLock(ThreadCache* cache)
    {
        if (Interlocked.CompareExchange(ref cache->RemoteLock, 1, 0) != 0)
        {
            var spinner = default(SpinWait);
            while (Interlocked.CompareExchange(ref cache->RemoteLock, 1, 0) != 0)
            {
                spinner.SpinOnce();
            }
        }
    }

    /// <summary>The span descriptor of a small block's page.</summary>
    public SmallSpan* SpanOf(void* block) => (SmallSpan*)EntryOf((nuint)block).Value;

    /// <summary>Writes the page-map entries of a new span.</summary>
    public void MarkSpan(SmallSpan* span)
    {
        var small = new SmallPageEntry
        {
            ListOffset = ThreadCache.ListOffsetOf(span->SizeClass),
            SizeClass = span->SizeClass,
            SpanStart = (uint)span->Start,
        };
        for (uint i = 0; i < span->Pages; i++)
        {
            nuint page = span->Start + ((nuint)i << PageShift);
            EntryOf(page) = new PageEntry { Kind = PageKind.Small, Value = (nuint)span };
            Volatile.Write(ref *(ulong*)SmallPageOf((void*)page), Unsafe.BitCast<SmallPageEntry, ulong>(small));
        }
    }

    /// <summary>
    /// Clears the small-page entries of a span whose pages go back to the page heap, which rewrites
    /// their page-map entries: from then on Free's fast path turns its old blocks away.
    /// </summary>
    public void UnmarkSpan(SmallSpan* span)
    {
        // Whole entries, one store each, as ReadSmallPage reads them.
        var entries = (ulong*)SmallPageOf((void*)span->Start);
        for (uint i = 0; i < span->Pages; i++)
        {
            Volatile.Write(ref entries[i], 0);
        }
    }

    /// <summary>True when <paramref name="block"/> is the start of a block of class <paramref name="sizeClass"/> in region <paramref name="region"/>.</summary>
    public bool IsBlockOf(void* block, int region, int sizeClass)
    {
        nuint offset = (nuint)block - _base;
        if (offset >= _size || (int)(offset >> _regionShift) != region)
        {
            return false;
        }

        if (_map[offset >> PageShift].Kind != PageKind.Small)
        {
            return false;
        }

        SmallPageEntry* entry = SmallPageOf(block);
        return entry->SizeClass == sizeClass && IsBlockStart(block, in *entry);
    }

    // Checks mode: the head of a thread cache list and its link must be free blocks of the list's class.
    // A damaged list is cut before the corruption is reported, so that the heap stays consistent: the
    // blocks past the damage are dropped (they stay counted as handed out, a leak the caller was told of).
    private void CheckFreeListHead(ref FreeList list, int region, int sizeClass)
    {
        void* block = list.Head;
        if (!IsFreeBlockOf(block, region, sizeClass))
        {
            list.Head = null;
            list.SetCount(0);
            ThrowHelper.ThrowCorruption(block, $"the thread cache's free list of class {sizeClass} links to a pointer that is not a free block of that class (a write after free)");
        }

        void* next = *(void**)block;
        if (next != null && !IsFreeBlockOf(next, region, sizeClass))
        {
            *(void**)block = null;
            list.SetCount(1);
            ThrowHelper.ThrowCorruption(block, $"the free block's link 0x{(nint)next:X} is not a free block of class {sizeClass} (a write after free)");
        }
    }

    // Checks mode: the first count blocks that a flush is about to walk, and the link after them, are
    // what the list's count says (free blocks, then null at the end); a damaged link is cut as in
    // CheckFreeListHead before the corruption is reported.
    private void CheckFreeListLinks(ref FreeList list, int region, int sizeClass, int count)
    {
        CheckFreeListHead(ref list, region, sizeClass);
        void* block = list.Head;
        for (int i = 1; ; i++)
        {
            void* next = *(void**)block;
            if (i < list.Count ? !IsFreeBlockOf(next, region, sizeClass) : next != null)
            {
                *(void**)block = null;
                list.SetCount(i);
                ThrowHelper.ThrowCorruption(block, $"the free block's link 0x{(nint)next:X} is not a free block of class {sizeClass} (a write after free)");
            }

            if (i == count)
            {
                return;
            }

            block = next;
        }
    }

    // Checks mode only: the span's live bits say whether the block is handed out.
    private bool IsFreeBlockOf(void* block, int region, int sizeClass)
    {
        if (!IsBlockOf(block, region, sizeClass))
        {
            return false;
        }

        SmallSpan* span = Locate(block, out uint index, out _);
        return (Volatile.Read(ref span->LiveBits[index >> 6]) & (1UL << (int)(index & 63))) == 0;
    }

    private SmallSpan* Locate(void* block, out uint index, out uint size)
    {
        SmallSpan* span = SpanOf(block);
        ref readonly SizeClassInfo info = ref SizeClassTable.Get(span->SizeClass);
        index = info.BlockIndex((nuint)block - span->Start);
        size = info.Size;
        return span;
    }

    private void OnCheckedAlloc(void* block, nuint byteCount)
    {
        SmallSpan* span = Locate(block, out uint index, out uint size);
        ulong mask = 1UL << (int)(index & 63);
        if ((Interlocked.Or(ref span->LiveBits[index >> 6], mask) & mask) != 0)
        {
            ThrowHelper.ThrowCorruption(block, "a free list handed out a block that is already in use");
        }

        SetCanary(block, span, index, size, (uint)byteCount);
    }

    private static void SetCanary(void* block, SmallSpan* span, uint index, uint size, uint requested)
    {
        span->RequestedSizes[index] = requested;
        NativeMemory.Fill((byte*)block + requested, size - requested, CanaryByte);
    }

    // Checks mode: validates a free of a block on a span page and clears its live bit; returns its class.
    private int OnCheckedFree(void* block)
    {
        CentralFreeList list = EnterSpanList(block, out SmallPageEntry entry);
        try
        {
            if (!IsBlockStart(block, in entry))
            {
                ThrowForBadPointer(block);
            }

            SmallSpan* span = Locate(block, out uint index, out uint size);
            ulong mask = 1UL << (int)(index & 63);
            uint requested = span->RequestedSizes[index];
            if ((span->LiveBits[index >> 6] & mask) == 0)
            {
                ThrowHelper.ThrowDoubleFree(block);
            }

            if (new ReadOnlySpan<byte>((byte*)block + requested, (int)(size - requested)).ContainsAnyExcept(CanaryByte))
            {
                ThrowHelper.ThrowCorruption(block, $"bytes past the requested {requested} bytes were overwritten (a buffer overrun)");
            }

            // An allocation of another block of the same word may set its bit at the same moment.
            Interlocked.And(ref span->LiveBits[index >> 6], ~mask);
            return entry.SizeClass;
        }
        finally
        {
            Monitor.Exit(list.SpanLock);
        }
    }

    // Checks mode: a live block's usable size (the size it was allocated or last resized to).
    private nuint CheckedUsableSize(void* block, out int sizeClass)
    {
        CentralFreeList list = EnterSpanList(block, out SmallPageEntry entry);
        try
        {
            SmallSpan* span = LocateLive(block, in entry, out uint index, out _);
            sizeClass = entry.SizeClass;
            return span->RequestedSizes[index];
        }
        finally
        {
            Monitor.Exit(list.SpanLock);
        }
    }

    // Checks mode: Realloc within the block's class moves its canary to the new requested size.
    private void CheckedResize(void* block, nuint byteCount)
    {
        CentralFreeList list = EnterSpanList(block, out SmallPageEntry entry);
        try
        {
            SmallSpan* span = LocateLive(block, in entry, out uint index, out uint size);
            SetCanary(block, span, index, size, (uint)byteCount);
        }
        finally
        {
            Monitor.Exit(list.SpanLock);
        }
    }

    // Checks mode, under the span list's lock: the span of a live block, or a misuse exception.
    private SmallSpan* LocateLive(void* block, in SmallPageEntry entry, out uint index, out uint size)
    {
        if (!IsBlockStart(block, in entry))
        {
            ThrowForBadPointer(block);
        }

        SmallSpan* span = Locate(block, out index, out size);
        if ((span->LiveBits[index >> 6] & (1UL << (int)(index & 63))) == 0)
        {
            ThrowHelper.ThrowNotAllocated(block);
        }

        return span;
    }

    // Checks mode: enters the lock of the central list of the block's shard and class, and reads the
    // block's small-page entry under it. A span of a class is carved and released only under that
    // lock, so while it is held the entry, the span and its live bits stay what they are: a free, a
    // usable-size query or a resize racing the span's release (a double free, a use after free)
    // sees either the live span or no span, never a descriptor or live bits being given back. The
    // class read before the lock may be stale; then the entry is read again under the new class's lock.
    private CentralFreeList EnterSpanList(void* block, out SmallPageEntry entry)
    {
        while (true)
        {
            int sizeClass = ReadSmallPage(block).SizeClass;
            if (sizeClass == 0)
            {
                ThrowForBadPointer(block);
            }

            CentralFreeList list = _regions[RegionOf(block)].ShardOf((nuint)block).Class(sizeClass);
            Monitor.Enter(list.SpanLock);
            entry = ReadSmallPage(block);
            if (entry.SizeClass == sizeClass)
            {
                return list;
            }

            Monitor.Exit(list.SpanLock);
        }
    }

    // The page's span may be going back to the page heap on another thread as this runs (the caller
    // raced a free of the span's last block): only the small-page entry, read once, says what it was.
    private void ThrowForBadPointer(void* ptr)
    {
        nuint offset = (nuint)ptr - _base;
        PageEntry* entry = _map + (offset >> PageShift);
        switch (entry->Kind)
        {
            case PageKind.Small:
                {
                    SmallPageEntry small = ReadSmallPage(ptr);
                    if (small.SizeClass == 0 || IsBlockStart(ptr, in small))
                    {
                        // The span was released since the caller looked (and maybe carved again).
                        ThrowHelper.ThrowNotAllocated(ptr);
                    }

                    ref readonly SizeClassInfo info = ref SizeClassTable.Get(small.SizeClass);
                    uint spanOffset = (uint)ptr - small.SpanStart;
                    ThrowHelper.ThrowInteriorPointer(ptr, (nuint)ptr - spanOffset + ((nuint)info.BlockIndex(spanOffset) * info.Size));
                    break;
                }

            default:
                {
                    (nuint runStart, PageKind kind) = _regions[RegionOf(ptr)].PagesOf((nuint)ptr).FindRun((nuint)ptr);
                    if (kind == PageKind.BigHead)
                    {
                        ThrowHelper.ThrowInteriorPointer(ptr, runStart);
                    }

                    if (kind == PageKind.FreeHead)
                    {
                        ThrowHelper.ThrowNotAllocated(ptr);
                    }

                    break;
                }
        }

        ThrowHelper.ThrowForeignPointer(ptr);
    }

    // Free's fast path trusts a page's small-page entry: every page that is no span's must name class 0.
    private void ValidateNoStaleSmallPages(nuint start, nuint top)
    {
        for (nuint page = start; page < top; page += PageSize)
        {
            SmallPageEntry* small = SmallPageOf((void*)page);
            if (EntryOf(page).Kind != PageKind.Small && *(ulong*)small != 0)
            {
                throw new InvalidOperationException($"Heap corruption: page 0x{page:X} is no span's, but its small-page entry names class {small->SizeClass}.");
            }
        }
    }

    private void ValidateSpanPages(nuint start, nuint pages)
    {
        var span = (SmallSpan*)EntryOf(start).Value;
        for (nuint i = 0; i < pages; i++)
        {
            nuint page = start + (i << PageShift);
            ref PageEntry entry = ref EntryOf(page);
            SmallPageEntry* small = SmallPageOf((void*)page);
            if (entry.Kind != PageKind.Small || entry.Value != (nuint)span || small->SpanStart != (uint)start
                || small->SizeClass != span->SizeClass || small->ListOffset != ThreadCache.ListOffsetOf(span->SizeClass))
            {
                throw new InvalidOperationException($"Heap corruption: page {i} of the span at 0x{start:X} does not point back to its span.");
            }
        }

        Debug.Assert(span->Start == start && span->Pages == pages);
        _regions[RegionOf((void*)start)].ShardOf(start).Class(span->SizeClass).ValidateSpan(span);
    }
}
