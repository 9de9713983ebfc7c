using System.Runtime.InteropServices;

namespace Numa.ThreadCaches;

/// <summary>A thread cache's free blocks of one size class: an intrusive singly linked list.</summary>
/// <remarks>A free block's first word links to the next one, so the list costs no memory of its own.</remarks>
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
}
