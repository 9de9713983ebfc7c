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
/// <param name="DivisibilityMagic">ceil(2^64 / Size): the multiplier of the block-start test (see <see cref="IsBlockOffset"/>).</param>
/// <param name="BlockStartLimit">The bound of the block-start test: (SpanCapacity - 1) * (Size * DivisibilityMagic mod 2^64) + 1; 0 for class 0, so that no offset passes.</param>
internal readonly record struct SizeClassInfo(uint Size, uint SpanPages, uint SpanCapacity, int Batch, int MaxCached, uint Alignment, ulong Reciprocal, ulong DivisibilityMagic, ulong BlockStartLimit)
{
    /// <summary>Exact for offsets below 2^40 / Size, far beyond the largest span.</summary>
    public const int ReciprocalShift = 40;

    /// <summary>
    /// True when byte <paramref name="offset"/> of a span is the first byte of one of its blocks. Free
    /// checks every pointer with this, so it is one multiplication and one comparison. With
    /// c = ceil(2^64 / d) and e = d * c - 2^64 (0 &lt;= e &lt; d), a 32-bit n = q * d + r gives
    /// n * c mod 2^64 = q * e + r * c with no wrap (Lemire, Kaser and Kurz, "Faster remainder by direct
    /// computation", 2019): below c exactly when r = 0, and then q * e, which grows with the block index
    /// q. So one bound accepts the multiples of d whose block lies before the span's tail and nothing
    /// else (when e = 0, d is a power of two and the span has no tail).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool IsBlockOffset(nuint offset)
    {
        Debug.Assert(offset <= uint.MaxValue, "an offset within a span");
        return (uint)offset * DivisibilityMagic < BlockStartLimit;
    }

    /// <summary>The index of the block holding byte <paramref name="offset"/> of a span.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint BlockIndex(nuint offset)
    {
        Debug.Assert(offset < (nuint)SpanPages * PageMapLayout.PageSize);
        return (uint)(((ulong)offset * Reciprocal) >> ReciprocalShift);
    }
}
