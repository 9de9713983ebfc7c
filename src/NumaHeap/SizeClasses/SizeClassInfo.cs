using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Numa.SizeClasses;

/// <summary>The geometry of one size class.</summary>
/// <param name="Size">Block size in bytes.</param>
/// <param name="SpanPages">Pages of one span of this class.</param>
/// <param name="SpanCapacity">Blocks in one span.</param>
/// <param name="Batch">Blocks moved at once between a thread cache and the node heap.</param>
/// <param name="MaxCached">The most blocks a thread cache keeps of this class.</param>
/// <param name="Alignment">The alignment every block of the class has (a power of two, at most a page).</param>
/// <param name="Reciprocal">ceil(2^<see cref="ReciprocalShift"/> / Size): division by multiplication.</param>
/// <param name="BlockStart">Whether an offset within a span starts a block (class 0's passes no offset).</param>
internal readonly record struct SizeClassInfo(uint Size, uint SpanPages, uint SpanCapacity, int Batch, int MaxCached, uint Alignment, ulong Reciprocal, BlockStartTest BlockStart)
{
    /// <summary>Exact for offsets below 2^40 / Size, far beyond the largest span.</summary>
    public const int ReciprocalShift = 40;

    /// <summary>The index of the block holding byte <paramref name="offset"/> of a span.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint BlockIndex(nuint offset)
    {
        Debug.Assert(offset < (nuint)SpanPages * PageMapLayout.PageSize);
        return (uint)(((ulong)offset * Reciprocal) >> ReciprocalShift);
    }
}
