using System;
using Numa.Tests.Contract;
using Xunit;

namespace Numa.Tests.Misuse;

/// <summary>
/// Rounds of a Free racing a resize (Realloc, AlignedRealloc) of the same block: exactly one of them
/// takes the block, the other throws InvalidOperationException naming it; a block the resize moved
/// holds the old contents, and the live bytes are back at the baseline after every round.
/// </summary>
internal static unsafe class FreeResizeRace
{
    private const int Rounds = 20_000;
    private static readonly TimeSpan s_timeLimit = TimeSpan.FromSeconds(1.5);

    /// <summary>Runs the rounds on blocks of <paramref name="size"/> bytes that <paramref name="resize"/> takes to <paramref name="newSize"/>.</summary>
    /// <returns>The rounds run: 20,000, or fewer when 1.5 s ran out first.</returns>
    public static int Run(Heap heap, nuint size, nuint newSize, Func<nint, nint> resize)
    {
        long baseline = heap.GetStatistics().LiveBytes;
        nuint filled = Math.Min(size, 4096);
        nuint kept = Math.Min(filled, newSize);
        void* block = null;
        void* resized = null;
        bool freed = false;
        return RaceRounds.Run(
            Rounds,
            s_timeLimit,
            round =>
            {
                block = heap.Alloc(size);
                BytePattern.Fill(block, filled, round);
                resized = null;
                freed = false;
            },
            _ => freed = MisuseAssert.SucceedsOrNames(() => heap.Free(block), block),
            _ => MisuseAssert.SucceedsOrNames(() => resized = (void*)resize((nint)block), block),
            round =>
            {
                // A resize that won moved the block, or resized it in place before the Free took it.
                Assert.True(resized != null || freed, $"Round {round}: both the Free and the resize failed.");
                if (resized != null && resized != block)
                {
                    Assert.False(freed, $"Round {round}: the Free and the moving resize both took the block.");
                    Assert.True(BytePattern.Holds(resized, kept, round), $"Round {round}: the moved block lost its contents.");
                    heap.Free(resized);
                }

                long live = heap.GetStatistics().LiveBytes;
                Assert.True(live == baseline, $"Round {round}: {live} bytes live, {baseline} expected.");
                if (round % 64 == 0)
                {
                    heap.Validate();
                }
            });
    }
}
