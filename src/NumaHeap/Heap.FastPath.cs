using System.Runtime.CompilerServices;
using Numa.SizeClasses;
using Numa.ThreadCaches;
using static Numa.PageMapLayout;

namespace Numa;

/// <content>
/// The fast paths of Alloc and Free, written once over what they read of a heap: its address range,
/// small-page map and shard shift, whether a thread cache is its, and its slow paths. The JIT compiles them
/// once per heap view, a struct: for a heap instance (tests' heaps, <see cref="NumaThreadAllocator"/>)
/// they are field loads; for the process-wide heap behind <see cref="NumaHeap"/> they are static
/// readonly fields, which tier-1 code reads as constants, so a caller's loop keeps no heap object in a
/// register and loads none of its fields. Aggressive inlining: without it the JIT left the
/// process-wide Free out of its callers' loops, and they were slower.
/// </content>
/// <remarks>
/// The .NET 10 JIT hoists the thread-local lookup out of a caller's loop only when the fast path has
/// no heap-id test, static slow paths and one write to the list per free: hence the process-wide
/// heap's slot of its own, Free sending a full list to its slow path, and the one-multiply block-start
/// test. The figures are in docs/design-notes.md.
/// </remarks>
internal sealed unsafe partial class Heap
{
    /// <summary><see cref="NumaHeap.Alloc(nuint)"/>: the process-wide heap's <see cref="Alloc"/>.</summary>
    public static void* DefaultAlloc(nuint byteCount) => AllocWith(default(DefaultHeap), CurrentThreadCache.ProcessWide, byteCount);

    /// <summary><see cref="NumaHeap.Free"/>: the process-wide heap's <see cref="Free"/>.</summary>
    public static void DefaultFree(void* ptr) => FreeWith(default(DefaultHeap), CurrentThreadCache.ProcessWide, ptr);

    /// <summary><see cref="NumaThreadAllocator.Alloc"/> of the process-wide heap: <see cref="DefaultAlloc"/> with the cache at hand.</summary>
    public static void* DefaultAllocWith(ThreadCache* cache, nuint byteCount) => AllocWith(default(DefaultHeap), cache, byteCount);

    /// <summary><see cref="NumaThreadAllocator.Free"/> of the process-wide heap: <see cref="DefaultFree"/> with the cache at hand.</summary>
    public static void DefaultFreeWith(ThreadCache* cache, void* ptr) => FreeWith(default(DefaultHeap), cache, ptr);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void* AllocWith<THeap>(THeap heap, ThreadCache* cache, nuint byteCount)
        where THeap : struct, IHeapView
    {
        if (heap.Owns(cache) && byteCount <= SizeClassTable.MaxSmallSize)
        {
            ref FreeList list = ref cache->List(SizeClassTable.ClassOf(byteCount));
            void* block = list.Head;
            if (block != null)
            {
                list.Head = *(void**)block;
                list.OnTaken();
                return block;
            }
        }

        return heap.AllocSlow(byteCount);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FreeWith<THeap>(THeap heap, ThreadCache* cache, void* ptr)
        where THeap : struct, IHeapView
    {
        // The heap is aligned to its region size, so a shard is one aligned window of addresses and the
        // shard test needs no subtraction; it also turns away every pointer outside the heap, whose
        // window is no shard's. A page that holds no small blocks names the list of class 0, which
        // accepts no block start. The list's head is already free: the slow path reports it.
        if (heap.Owns(cache) && ((nuint)ptr >> heap.ShardShift) == cache->ShardKey)
        {
            SmallPageEntry* entry = heap.SmallPagesByAddress + ((nuint)ptr >> PageShift);
            ref FreeList list = ref cache->ListAt(entry->ListOffset);
            if (BlockStartTest.Holds(SpanOffset(ptr, entry), list.BlockStart.Multiplier, list.BlockStart.Limit) && list.Room > 0 && ptr != list.Head)
            {
                *(void**)ptr = list.Head;
                list.Head = ptr;
                list.Frees++;
                return;
            }
        }

        heap.FreeSlow(ptr);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void* DefaultAllocSlow(nuint byteCount) => Default.AllocSlow(byteCount, zeroed: false);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void DefaultFreeSlow(void* ptr) => Default.FreeSlow(ptr);

    /// <summary>What the fast paths need of a heap.</summary>
    private interface IHeapView
    {
        SmallPageEntry* SmallPagesByAddress { get; }

        int ShardShift { get; }

        /// <summary>True when <paramref name="cache"/> is a usable cache of this heap.</summary>
        bool Owns(ThreadCache* cache);

        void* AllocSlow(nuint byteCount);

        void FreeSlow(void* ptr);
    }

    /// <summary>A heap instance: its fields; the thread-local slot it reads may hold another heap's cache.</summary>
    private readonly struct ThisHeap(Heap heap) : IHeapView
    {
        public SmallPageEntry* SmallPagesByAddress => heap._smallPagesByAddress;

        public int ShardShift => heap._shardShift;

        public bool Owns(ThreadCache* cache) => cache != null && cache->HeapId == heap._id;

        public void* AllocSlow(nuint byteCount) => heap.AllocSlow(byteCount, zeroed: false);

        public void FreeSlow(void* ptr) => heap.FreeSlow(ptr);
    }

    /// <summary>
    /// The process-wide heap: copies of its fields that tier-1 code reads as constants. Its slot,
    /// <see cref="CurrentThreadCache.ProcessWide"/>, holds nothing but its caches, and it is never
    /// disposed, so a cache found there is its own.
    /// </summary>
    private readonly struct DefaultHeap : IHeapView
    {
        // Without a process-wide heap no thread has a cache in its slot, and both paths go to the slow ones, which throw.
        private static readonly SmallPageEntry* s_smallPagesByAddress = s_default is null ? null : s_default._smallPagesByAddress;
        private static readonly int s_shardShift = s_default is null ? 0 : s_default._shardShift;

        public SmallPageEntry* SmallPagesByAddress => s_smallPagesByAddress;

        public int ShardShift => s_shardShift;

        public bool Owns(ThreadCache* cache) => cache != null;

        public void* AllocSlow(nuint byteCount) => DefaultAllocSlow(byteCount);

        public void FreeSlow(void* ptr) => DefaultFreeSlow(ptr);
    }
}
