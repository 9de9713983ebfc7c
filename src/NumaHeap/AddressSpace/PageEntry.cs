using System.Runtime.InteropServices;

namespace Numa;

/// <summary>
/// The shadow metadata of one heap page: everything <c>Free</c> needs, so blocks carry no header.
/// </summary>
/// <remarks>
/// 16 bytes. For a small span page: <see cref="SizeClass"/>, <see cref="Aux"/> = the low 32 bits of
/// its span's address (Free's block-start test subtracts it from the pointer: one instruction) and
/// <see cref="Value"/> = the span descriptor. For a big block's head page:
/// <see cref="Value"/> = its length in pages. For a free run's head and tail: <see cref="Value"/> =
/// its length in pages, on the head <see cref="Aux"/> = the tick it was freed and
/// <see cref="Flags"/> = its purge state, on the tail <see cref="Aux"/> = how many of its pages may be
/// resident.
/// </remarks>
[StructLayout(LayoutKind.Sequential)]
internal struct PageEntry
{
    /// <summary>The size class of a small span page; 0 on every other page.</summary>
    public byte SizeClass;

    /// <summary>What the page holds.</summary>
    public PageKind Kind;

    /// <summary>Free-run state on a free run's head.</summary>
    public FreeRunFlags Flags;

    /// <summary>Unused padding.</summary>
    public byte Reserved;

    /// <summary>Span address's low 32 bits (small), freed tick (free head) or resident pages (free tail).</summary>
    public uint Aux;

    /// <summary>Span descriptor address (small) or run length in pages (big head, free head and tail).</summary>
    public nuint Value;
}
