using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;
using Numa.Configuration;
using Numa.NodeHeaps;
using Numa.Platform;
using Numa.SizeClasses;
using Numa.ThreadCaches;
using static Numa.PageMapLayout;

namespace Numa;

/// <summary>
/// The allocator: one address-space reservation split into a region per node plus an interleaved
/// region, a page map over all of it, a node heap per region and a cache per thread.
/// <see cref="NumaHeap"/> forwards to <see cref="Default"/>; tests build their own instances with
/// simulated topologies, checks or a fault-injecting OS layer.
/// </summary>
/// <remarks>
/// This file holds the construction and the hot paths. A pointer's region is
/// <c>(p - base) &gt;&gt; regionShift</c>; its page-map entry is <c>map[(p - base) &gt;&gt; PageShift]</c>,
/// and on a small span's page its <see cref="SmallPageEntry"/> is <c>smallPages[(p - base) &gt;&gt; PageShift]</c>.
/// </remarks>
internal sealed unsafe partial class Heap : IDisposable
{
    /// <summary>Shards per node when the options leave it to the topology.</summary>
    private const int MaxAutomaticShards = 8;

    /// <summary>log2 of the smallest region the heap shrinks to where address space is limited: 16 MiB (big blocks to 12 MiB).</summary>
    private const int MinRegionShift = 24;

    /// <summary>log2 of the smallest slice of a span part a shard gets: 4 MiB, a dozen of the largest spans.</summary>
    private const int MinShardShift = 22;

    /// <summary>Where the small-page map starts in its reservation: half a page and a cache line in.</summary>
    /// <remarks>
    /// Free reads a page's entry right after the caller wrote the page's first block; at the start of
    /// the reservation the entry of every 4 MiB-aligned page would share the block's low 12 bits, and
    /// the load would wait for the store (4K aliasing; docs/design-notes.md).
    /// </remarks>
    private const int SmallPageMapOffset = 2048 + 64;

    private static readonly object s_registryLock = new();
    private static Heap?[] s_heaps = new Heap?[8];
    private static int s_nextId = 1;

    private readonly int _id;
    private readonly nuint _base;
    private readonly nuint _size;
    private readonly int _regionShift;
    private readonly int _shardBits;
    private readonly int _shardShift;
    private readonly PageEntry* _map;
    private readonly nuint _mapBytes;
    private readonly SmallPageEntry* _smallPages;

    // _smallPages biased by the base: the entry of an address is _smallPagesByAddress + (address >> PageShift).
    private readonly SmallPageEntry* _smallPagesByAddress;
    private readonly nuint _smallPagesBytes;
    private readonly NodeHeap[] _regions;
    private readonly int _nodeCount;
    private readonly OsMemory _os;
    private readonly bool _processWide;

    public Heap(HeapOptions options)
        : this(options, processWide: false)
    {
    }

    private Heap(HeapOptions options, bool processWide)
    {
        _processWide = processWide;
        Options = options;
        _os = options.Os;
        Checks = options.Checks;
        Topology = options.Topology ?? ReadTopology(options.SimulatedNodes);
        _nodeCount = Topology.NodeCount;
        _setsUpNewThreads = _nodeCount > 1 && (options.InterleaveMainThread || options.BindThreadsRoundRobin);
        int regions = _nodeCount + 1;

        (_base, _regionShift) = ReserveRegions(_os, regions, options.RegionShift);
        _size = (nuint)regions << _regionShift;
        _mapBytes = AlignUp((_size >> PageShift) * (nuint)sizeof(PageEntry), _os.PageSize);
        _smallPagesBytes = AlignUp(((_size >> PageShift) * (nuint)sizeof(SmallPageEntry)) + SmallPageMapOffset, _os.PageSize);
        try
        {
            _map = (PageEntry*)_os.ReserveCommitted(_mapBytes);
            _smallPages = (SmallPageEntry*)((byte*)_os.Reserve(_smallPagesBytes, _os.PageSize) + SmallPageMapOffset);
            _smallPagesByAddress = _smallPages - (_base >> PageShift);
            CommitSmallPageMap();
        }
        catch
        {
            if (_smallPages != null)
            {
                _os.Release(SmallPagesReservation, _smallPagesBytes);
            }

            if (_map != null)
            {
                _os.Release(_map, _mapBytes);
            }

            _os.Release((void*)_base, _size);
            throw;
        }

        SpanDescriptors = new SpanDescriptorPool(_os);
        bool hugePages = options.HugePages != HugePageMode.Off && _os.HugePages.TransparentAvailable;
        _shardBits = Math.Min(BitOperations.Log2((uint)ShardsPerNode(options, Topology)), _regionShift - 2 - MinShardShift);
        _shardShift = _regionShift - 2 - _shardBits;
        Debug.Assert((_base & (((nuint)1 << _regionShift) - 1)) == 0, "the heap is aligned to its region size");
        _regions = new NodeHeap[regions];
        for (int r = 0; r < regions; r++)
        {
            nuint start = _base + ((nuint)r << _regionShift);
            var shardSpanPages = new PageHeap.PageHeap[1 << _shardBits];
            for (int s = 0; s < shardSpanPages.Length; s++)
            {
                shardSpanPages[s] = new PageHeap.PageHeap(_os, _map, _base, start + ((nuint)s << _shardShift), (nuint)1 << _shardShift, hugePages: false, options.PurgeDelayMs, options.ResidentLimitPercent);
            }

            var bigPages = new PageHeap.PageHeap(_os, _map, _base, start + SpanPartSize, BigPartSize, hugePages, options.PurgeDelayMs, options.ResidentLimitPercent);
            _regions[r] = new NodeHeap(this, r, shardSpanPages, bigPages, BindRegion(r, start));
        }

        // The kernel interleaves a huge page as one unit: under THP "always" the interleaved region's
        // small blocks would sit on one node per 2 MiB. Its spans never take huge pages, and its big
        // blocks only where the options ask for them (then they interleave per huge page).
        if (_nodeCount > 1)
        {
            nuint interleaved = _base + ((nuint)_nodeCount << _regionShift);
            _ = _os.TryAdviseHugePages((void*)interleaved, hugePages ? SpanPartSize : (nuint)1 << _regionShift, enable: false);
        }

        _maintenance = new Timer(static state => ((Heap)state!).RunMaintenance(), this, Timeout.Infinite, Timeout.Infinite);
        _maintenancePeriodMs = Math.Clamp(options.PurgeDelayMs / 4, 10, 250);
        _id = Register(this);
    }

    // Why the process-wide heap could not be created (a bad setting, no address space), or null.
    private static readonly Exception? s_defaultError;

    // Null when it could not be created: every call then throws afresh (see ThrowDefaultUnavailable).
    private static readonly Heap? s_default = CreateDefault(out s_defaultError);

    /// <summary>The process-wide heap behind <see cref="NumaHeap"/>, configured from the environment.</summary>
    /// <exception cref="InvalidOperationException">A NumaHeap setting has a bad value; the message names the setting, the value and what it accepts.</exception>
    /// <exception cref="OutOfMemoryException">The heap could not reserve its address space.</exception>
    public static Heap Default => s_default ?? ThrowDefaultUnavailable();

    /// <summary>The options the heap was built with.</summary>
    public HeapOptions Options { get; }

    /// <summary>The topology: real or simulated nodes.</summary>
    public NumaTopology Topology { get; }

    /// <summary>Where span descriptors live.</summary>
    public SpanDescriptorPool SpanDescriptors { get; }

    /// <summary>True when the extra checks of <c>NUMAHEAP_CHECKS=1</c> are on.</summary>
    public bool Checks { get; }

    /// <summary>The heap with id <paramref name="id"/>, or null once it is disposed.</summary>
    public static Heap? FromId(int id)
    {
        Heap?[] heaps = Volatile.Read(ref s_heaps);
        return (uint)id < (uint)heaps.Length ? heaps[id] : null;
    }

    /// <summary>elementCount * elementSize, or <see cref="OutOfMemoryException"/> when it overflows (as NativeMemory does).</summary>
    public static nuint GetByteCount(nuint elementCount, nuint elementSize)
    {
        if (elementSize != 0 && elementCount > nuint.MaxValue / elementSize)
        {
            ThrowHelper.ThrowOutOfMemory($"{elementCount} elements of {elementSize} bytes overflow the address space.");
        }

        return elementCount * elementSize;
    }

    /// <summary>NativeMemory.Alloc: a pop from the thread cache when the class has a free block.</summary>
    public void* Alloc(nuint byteCount) => AllocWith(new ThisHeap(this), CacheSlot, byteCount);

    /// <summary>NativeMemory.Free: a push onto the thread cache when the block is a small block of the thread's shard.</summary>
    public void Free(void* ptr) => FreeWith(new ThisHeap(this), CacheSlot, ptr);

    /// <summary>A handle on the calling thread's cache, for <see cref="NumaThreadAllocator"/>.</summary>
    public NumaThreadAllocator GetThreadAllocator() => new(this, Checks ? null : GetCache(), _processWide);

    /// <summary><see cref="Alloc"/> with the calling thread's cache already looked up (or null: the slow path finds it).</summary>
    public void* AllocWith(ThreadCache* cache, nuint byteCount) => AllocWith(new ThisHeap(this), cache, byteCount);

    /// <summary><see cref="Free"/> with the calling thread's cache already looked up (or null: the slow path finds it).</summary>
    public void FreeWith(ThreadCache* cache, void* ptr) => FreeWith(new ThisHeap(this), cache, ptr);

    /// <summary>Releases the reservation. Only for heaps that no thread uses any more (tests).</summary>
    public void Dispose()
    {
        // The process-wide heap's fast paths trust any cache in its thread-local slot to be live.
        Debug.Assert(!_processWide, "the process-wide heap lives as long as the process");
        using (var timerDone = new ManualResetEvent(false))
        {
            if (_maintenance.Dispose(timerDone))
            {
                timerDone.WaitOne();
            }
        }

        lock (s_registryLock)
        {
            s_heaps[_id] = null;
        }

        // A finalizer may be returning a dead thread's cache right now, under this lock: taking it
        // waits until that is done, and no finalizer starts another once the heap is marked.
        lock (_cachesLock)
        {
            _disposed = true;
        }

        SpanDescriptors.Release();

        _os.Release(SmallPagesReservation, _smallPagesBytes);
        _os.Release(_map, _mapBytes);
        _os.Release((void*)_base, _size);
    }

    // True when the address is the first byte of a block of its page's class; never on a page that is
    // no span's (class 0).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsBlockStart(void* address, in SmallPageEntry entry) =>
        SizeClassTable.Get(entry.SizeClass).BlockStart.Holds((uint)address - entry.SpanStart);

    // The address's distance from the start of the span that holds it (entry: the address's page, a
    // span page), exact in 32 bits since spans are smaller.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint SpanOffset(void* address, SmallPageEntry* entry) => (uint)address - entry->SpanStart;

    private void* SmallPagesReservation => (byte*)_smallPages - SmallPageMapOffset;

    // Spans live only in the first part of each region, so only that part's small-page entries are
    // ever read (Free reads one only for a pointer of its own shard, the slow paths only on a span
    // page): the rest of the map stays reserved, which spares three quarters of its commit charge
    // where the OS charges commits up front (Windows).
    private void CommitSmallPageMap()
    {
        nuint bytesPerRegion = (SpanPartSize >> PageShift) * (nuint)sizeof(SmallPageEntry);
        for (int r = 0; r <= _nodeCount; r++)
        {
            var first = (nuint)SmallPageOf((void*)(_base + ((nuint)r << _regionShift)));
            nuint start = first & ~(_os.PageSize - 1);
            _os.Commit((void*)start, AlignUp(first + bytesPerRegion, _os.PageSize) - start);
        }
    }

    private static int Register(Heap heap)
    {
        lock (s_registryLock)
        {
            int id = s_nextId++;
            if (id >= s_heaps.Length)
            {
                Heap?[] grown = new Heap?[s_heaps.Length * 2];
                Array.Copy(s_heaps, grown, s_heaps.Length);
                Volatile.Write(ref s_heaps, grown);
            }

            s_heaps[id] = heap;
            return id;
        }
    }

    // The process-wide heap publishes its "NumaHeap" meter as it is created, so that metrics tools see it with no code.
    // A failure is kept rather than thrown: thrown from a type initializer it would be a
    // TypeInitializationException, on the first call and on every later one.
    private static Heap? CreateDefault(out Exception? error)
    {
        error = null;
        try
        {
            var heap = new Heap(HeapOptions.FromEnvironment(), processWide: true);
            NumaHeapMetrics.PublishDefault(heap);
            return heap;
        }
        catch (Exception e) when (e is InvalidOperationException or OutOfMemoryException)
        {
            error = e;
            return null;
        }
    }

    // The process-wide heap refuses every call, each with an exception of its own (of the kind and
    // with the message of the failure, which is its inner exception), so that no stack trace grows.
    private static Heap ThrowDefaultUnavailable()
    {
        Debug.Assert(s_defaultError is not null);
        ThrowHelper.ThrowDefaultHeapUnavailable(s_defaultError);
        return null;
    }

    private static NumaTopology ReadTopology(int simulatedNodes)
    {
        NumaTopology real = TopologyReader.ReadSystem();
        return simulatedNodes > 0 ? TopologyReader.Simulate(real, simulatedNodes) : real;
    }

    private static (nuint Base, int Shift) ReserveRegions(OsMemory os, int regions, int shift)
    {
        // Address-space limits (ulimit -v, small VA on some arm64 kernels) can refuse the default;
        // halve the regions until the reservation fits, down to 16 MiB per region (where a region's
        // biggest block is 12 MiB, and its span part is one shard): under ulimit -v 2 GiB the runtime
        // leaves little more than that. The reservation is aligned to the region size, so that every
        // shard is an aligned window of addresses and Free's shard test is a shift of the address
        // (the slack is unmapped at once).
        while (true)
        {
            try
            {
                return ((nuint)os.Reserve((nuint)regions << shift, (nuint)1 << shift), shift);
            }
            catch (OutOfMemoryException) when (shift > MinRegionShift)
            {
                shift--;
            }
        }
    }

    private bool BindRegion(int region, nuint start)
    {
        nuint size = (nuint)1 << _regionShift;
        int error;
        if (region < _nodeCount)
        {
            return !_os.SupportsNuma || _os.TryBindToNode((void*)start, size, Topology.Nodes[region].OsNode, strict: false, out error);
        }

        var osNodes = new SortedSet<int>();
        foreach (NumaNode node in Topology.Nodes)
        {
            osNodes.Add(node.OsNode);
        }

        if (!_os.SupportsNuma || osNodes.Count < 2)
        {
            return true;
        }

        int[] nodes = [.. osNodes];
        return _os.TryInterleave((void*)start, size, nodes, out error);
    }

    private static nuint AlignUp(nuint value, nuint alignment) => (value + alignment - 1) & ~(alignment - 1);

    private ref PageEntry EntryOf(nuint address) => ref _map[(address - _base) >> PageShift];

    /// <summary>The small-page entry of the page that holds <paramref name="address"/> (an address of this heap's span part).</summary>
    public SmallPageEntry* SmallPageOf(void* address) => _smallPagesByAddress + ((nuint)address >> PageShift);

    // The small-page entry of a span-part address in one 8-byte load: a span released or carved on
    // another thread meanwhile gives the old entry or the new one, never a class and a start that
    // belong to different spans (MarkSpan and UnmarkSpan write whole entries).
    private SmallPageEntry ReadSmallPage(void* address) => Unsafe.BitCast<ulong, SmallPageEntry>(Volatile.Read(ref *(ulong*)SmallPageOf(address)));

    private int RegionOf(void* ptr) => (int)(((nuint)ptr - _base) >> _regionShift);

    /// <summary>Shards per node heap.</summary>
    private int ShardCount => 1 << _shardBits;

    // A shard per CPU of the largest node, up to eight (a power of two), unless the options say.
    private static int ShardsPerNode(HeapOptions options, NumaTopology topology)
    {
        if (options.ShardsPerNode > 0)
        {
            return options.ShardsPerNode;
        }

        int cpus = 1;
        foreach (NumaNode node in topology.Nodes)
        {
            cpus = Math.Max(cpus, node.Cpus.Count);
        }

        return 1 << BitOperations.Log2((uint)Math.Min(cpus, MaxAutomaticShards));
    }

    // The shard a span-part offset belongs to, numbered across regions: region * shards + shard.
    private int GlobalShardOf(nuint offset) => ((int)(offset >> _regionShift) << _shardBits) | (int)((offset >> _shardShift) & (nuint)(ShardCount - 1));

    // Chains going home in a thread cache: one per shard of every region and class.
    private int RemoteSlots => _regions.Length * ShardCount * SizeClassTable.ClassCount;

    // A shard numbered across regions (GlobalShardOf), and its region.
    private NodeShard ShardAt(int shard) => _regions[RegionOfShard(shard)].Shard(shard & (ShardCount - 1));

    private int RegionOfShard(int shard) => shard >> _shardBits;

    // The value of address >> _shardShift for every block of a region's shard (the heap is aligned to its region size).
    private nuint ShardKeyOf(int region, int shard) => (_base >> _shardShift) + (((nuint)region << (_regionShift - _shardShift)) | (nuint)shard);

    // A quarter of each region for spans (64 GiB of a default 256 GiB region, far more than small
    // objects need), the rest for big blocks, so that a single block can take most of a region.
    private nuint SpanPartSize => (nuint)1 << (_regionShift - 2);

    private nuint BigPartSize => ((nuint)1 << _regionShift) - SpanPartSize;

    private static bool IsPow2(nuint value) => BitOperations.IsPow2(value);
}
