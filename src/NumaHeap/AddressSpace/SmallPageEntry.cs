using System.Runtime.InteropServices;

namespace Numa;

/// <summary>
/// What Free needs of a page of a small span, in a map of its own beside the page map: which free list
/// takes the page's blocks and where its span starts. All zeros on every other page.
/// </summary>
/// <remarks>
/// 8 bytes, so that the fast path finds a page's entry with one scaled index (x86 scales by at most 8)
/// and the list is one addition away from the cache (docs/design-notes.md). The entry of a page that
/// is no span's names class 0's list, which accepts no block.
/// </remarks>
[StructLayout(LayoutKind.Sequential)]
internal struct SmallPageEntry
{
    /// <summary>The byte offset of the size class's list among a thread cache's lists (<see cref="ThreadCaches.ThreadCache.ListOffsetOf"/>).</summary>
    public ushort ListOffset;

    /// <summary>The size class of the span's blocks; 0 on pages that are no span's.</summary>
    public byte SizeClass;

    /// <summary>Unused padding.</summary>
    public byte Reserved;

    /// <summary>The low 32 bits of the span's address: the block-start test subtracts it from a pointer (spans are far smaller than 4 GiB).</summary>
    public uint SpanStart;
}
