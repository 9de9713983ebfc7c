using System.Runtime.InteropServices;

namespace Numa;

/// <summary>
/// The shadow metadata of one heap page: with the page's <see cref="SmallPageEntry"/>, everything
/// <c>Free</c> needs, so blocks carry no header.
/// </summary>
/// <remarks>
/// 16 bytes. For a small span page: <see cref="Value"/> = the span descriptor (the class and the span's
/// start are in the <see cref="SmallPageEntry"/>). For a big block's head page:
/// <see cref="Value"/> = its length in pages. For a free run's head and tail: <see cref="Value"/> =
/// its length in pages, on the head <see cref="Aux"/> = the tick it was freed and
/// <see cref="Flags"/> = its purge state, on the tail <see cref="Aux"/> = how many of its pages may be
/// resident.
/// </remarks>
[StructLayout(LayoutKind.Sequential)]
internal struct PageEntry
{
    /// <summary>What the page holds.</summary>
    public PageKind Kind;

    /// <summary>Free-run state on a free run's head.</summary>
    public FreeRunFlags Flags;

    /// <summary>Unused padding.</summary>
    public ushort Reserved;

    /// <summary>Freed tick (free head) or resident pages (free tail).</summary>
    public uint Aux;

    /// <summary>Span descriptor address (small) or run length in pages (big head, free head and tail).</summary>
    public nuint Value;
}
