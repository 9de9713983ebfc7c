using System.Runtime.InteropServices;

namespace Numa.NodeHeaps;

/// <summary>
/// The descriptor of a span: a run of pages cut into blocks of one size class. Lives in native
/// memory; every page of the span points to it from the page map. Touched only under its central
/// free list's lock.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct SmallSpan
{
    /// <summary>Address of the first block.</summary>
    public nuint Start;

    /// <summary>Blocks never handed out yet start here (the bump pointer).</summary>
    public nuint BumpNext;

    /// <summary>End of the fresh blocks.</summary>
    public nuint BumpEnd;

    /// <summary>Blocks returned to the span.</summary>
    public void* FreeList;

    /// <summary>Neighbours in the central free list's list of spans with blocks to give.</summary>
    public SmallSpan* Previous;

    /// <summary>Neighbours in the central free list's list of spans with blocks to give.</summary>
    public SmallSpan* Next;

    /// <summary>With checks on: one bit per block, set while the block is handed out to the program.</summary>
    public ulong* LiveBits;

    /// <summary>With checks on: the size the program asked for, per block (the canary starts there).</summary>
    public uint* RequestedSizes;

    /// <summary>Length in heap pages.</summary>
    public uint Pages;

    /// <summary>Blocks handed out of the span: to thread caches, the transfer batches or the program.</summary>
    public uint Allocated;

    /// <summary>The size class.</summary>
    public byte SizeClass;

    /// <summary>True while the span is in the list of spans with blocks to give.</summary>
    public bool Listed;
}
