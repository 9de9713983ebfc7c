using System.Runtime.InteropServices;

namespace Numa;

/// <summary>
/// What Free needs of a page of a small span, in a map of its own beside the page map: which free list
/// takes the page's blocks and where its span starts. All zeros on every other page.
/// </summary>
/// <remarks>
/// 8 bytes, so that the fast path finds a page's entry with one scaled index (x86 scales by at most 8,
/// and a 16-byte entry cost a shift and an addition), and the list is one addition away from the
/// cache, with no shift of the class either. 100 random sizes to 1 KiB freed in order, a probe loop,
/// interleaved runs: 1.88–1.94 → 1.78–1.82 ns per call; with only the list offset in the 16-byte page
/// entry, 1.84–1.91. The entry of a page that is no span's names class 0's list, which accepts no block.
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
