using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Numa.ThreadCaches;

/// <summary>
/// One thread's cache for one heap, in native memory: per-class free lists that the owning thread
/// pops and pushes with no lock and no atomic, and the frees of other shards' blocks it has not yet
/// sent home (remote frees when the shard is another node's).
/// </summary>
/// <remarks>
/// Only the owning thread touches <see cref="Lists"/>, except after the thread has died, when the
/// finalizer of its <see cref="ThreadCacheOwner"/> flushes them. Other threads read the counts for
/// statistics (racy reads of whole ints) and take <see cref="RemoteLock"/> to collect remote chains
/// of a thread that went idle.
/// </remarks>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct ThreadCache
{
    /// <summary>The heap this cache belongs to (never 0, so a zeroed cache matches no heap).</summary>
    public int HeapId;

    /// <summary>The region whose blocks the lists hold: the node the thread allocates on.</summary>
    public int Node;

    /// <summary>The region's shard whose blocks the lists hold.</summary>
    public int Shard;

    /// <summary>What (block - heap base) &gt;&gt; shard shift is for every block of that shard: Free's one-compare test.</summary>
    public nuint ShardKey;

    /// <summary>The node the thread was bound to with BindCurrentThread, or -1.</summary>
    public int BoundNode;

    /// <summary>0 or 1: guards <see cref="Remote"/> against collection by the maintenance timer.</summary>
    public int RemoteLock;

    /// <summary>Blocks waiting in <see cref="Remote"/>.</summary>
    public int RemotePending;

    /// <summary>Slow-path events since the last scavenge.</summary>
    public uint SlowEvents;

    /// <summary>
    /// Frees of the thread's own node's blocks that went to another shard since the counter was last
    /// folded into the node; each list counts the frees it took (<see cref="FreeList.Frees"/>).
    /// </summary>
    public long LocalFrees;

    /// <summary>Frees of other nodes' blocks since the counter was last folded into the node.</summary>
    public long RemoteFreesSent;

    /// <summary>Chains going home, [(region * shards + shard) * ClassCount + class]; null until the first is needed.</summary>
    public RemoteList* Remote;

    /// <summary>The free lists, one per size class, each a cache line (the header above is 64 bytes).</summary>
    public FreeListArray Lists;

    /// <summary>Where the list of <paramref name="sizeClass"/> lies among <see cref="Lists"/>, in bytes (class 0's: 0).</summary>
    public static ushort ListOffsetOf(int sizeClass) => (ushort)(sizeClass * sizeof(FreeList));

    /// <summary>The list at byte <paramref name="listOffset"/> of <see cref="Lists"/> (<see cref="ListOffsetOf"/>), without a bounds check.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    [UnscopedRef]
    public ref FreeList ListAt(nuint listOffset) => ref Unsafe.AddByteOffset(ref Unsafe.As<FreeListArray, FreeList>(ref Lists), listOffset);

    /// <summary>The list of <paramref name="sizeClass"/>, without a bounds check.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    [UnscopedRef]
    public ref FreeList List(int sizeClass) => ref Unsafe.Add(ref Unsafe.As<FreeListArray, FreeList>(ref Lists), sizeClass);
}
