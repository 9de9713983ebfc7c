using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Numa.SizeClasses;

/// <summary>
/// Whether an offset within a span is the first byte of one of its blocks: one multiplication and one
/// comparison, which Free runs on every pointer.
/// </summary>
/// <remarks>
/// With block size d, c = ceil(2^64 / d) and e = d * c - 2^64 (0 &lt;= e &lt; d), a 32-bit offset
/// n = q * d + r gives n * c mod 2^64 = q * e + r * c with no wrap (Lemire, Kaser and Kurz, "Faster
/// remainder by direct computation", 2019): below c exactly when r = 0, and then q * e, which grows
/// with the block index q. So one bound, (capacity - 1) * e + 1, accepts the multiples of d whose block
/// lies before the span's tail and nothing else (e = 0 only for a power of two, whose spans have no
/// tail). The default value, class 0's, accepts nothing.
/// </remarks>
/// <param name="Multiplier">ceil(2^64 / block size).</param>
/// <param name="Limit">(blocks per span - 1) * (block size * <paramref name="Multiplier"/> mod 2^64) + 1.</param>
internal readonly record struct BlockStartTest(ulong Multiplier, ulong Limit)
{
    /// <summary>The test for <paramref name="capacity"/> blocks of <paramref name="size"/> bytes from the start of a span.</summary>
    public static BlockStartTest For(uint size, uint capacity)
    {
        Debug.Assert(size != 0 && capacity != 0);
        ulong multiplier = (ulong.MaxValue / size) + 1;
        ulong excess = unchecked(size * multiplier);
        return new BlockStartTest(multiplier, ((capacity - 1) * excess) + 1);
    }

    /// <summary>True when byte <paramref name="offset"/> of a span is the first byte of one of its blocks.</summary>
    /// <remarks>
    /// Only the low 32 bits count: an offset within a span is far below 2^32. Free's fast path also
    /// asks class 0's test about pages that are no span (whose "offset" is then meaningless); its
    /// limit of 0 turns every value away.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Holds(nuint offset) => Holds((uint)offset, Multiplier, Limit);

    /// <summary>
    /// <see cref="Holds(nuint)"/> on a test's two fields: Free's fast path passes them as values, since
    /// through the instance method the JIT computed the test's address in a register of its own, one
    /// instruction more on every free.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Holds(uint offset, ulong multiplier, ulong limit) => offset * multiplier < limit;
}
