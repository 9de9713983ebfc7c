using System.Runtime.InteropServices;
using Numa.SizeClasses;

namespace Numa.ThreadCaches;

/// <summary>A thread cache's free blocks of one size class: an intrusive singly linked list.</summary>
/// <remarks>
/// A free block's first word links to the next one, so the list costs no memory of its own. The list
/// also holds a copy of its class's block-start test, so that Free reads the test from the cache line
/// it pushes to rather than from the size-class table (BDN, interleaved, best of two: pair of 64 B
/// 1.69 → 1.41 ns, 100 random sizes to 1 KiB 2.37 → 2.21).
/// </remarks>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct FreeList
{
    /// <summary>The first free block, or null.</summary>
    public void* Head;

    /// <summary>Blocks in the list.</summary>
    public int Count;

    /// <summary>The most blocks the list keeps before a batch goes back to the node heap; adapts to demand.</summary>
    public ushort Limit;

    /// <summary>Refills and overflows since the last scavenge: zero means the class sat idle.</summary>
    public ushort Activity;

    /// <summary>The class's <see cref="SizeClassInfo.BlockStart"/>, set when the cache is created.</summary>
    public BlockStartTest BlockStart;
}
