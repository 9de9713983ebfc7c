using System.Collections.Generic;
using FsCheck;
using FsCheck.Fluent;

namespace Numa.Tests.Properties;

/// <summary>Generators and shrinkers of heap programs.</summary>
internal static class HeapCommandGenerator
{
    private const int MaxSmall = 256 * 1024;

    // Sizes on both sides of every engine boundary.
    private static readonly int[] s_boundaries = [0, 1, 15, 16, 17, 128, 129, 1024, 1025, 8192, 8193, MaxSmall, MaxSmall + 1, 2 * 1024 * 1024];

    /// <summary>Mostly small sizes, some up to the small-object limit, a few big blocks up to 4 MiB, and boundary values.</summary>
    public static Gen<int> Sizes { get; } = Gen.Frequency(
        (55, Gen.Choose(0, 1024)),
        (20, Gen.Choose(1025, MaxSmall)),
        (10, Gen.Choose(MaxSmall + 1, 4 * 1024 * 1024)),
        (15, Gen.Elements(s_boundaries)));

    /// <summary>A command for one of <paramref name="threads"/> threads; Transfer only when there is more than one.</summary>
    public static Gen<HeapCommand> Commands(int threads)
    {
        var kinds = new List<(int, Gen<HeapCommandKind>)>
        {
            (20, Gen.Constant(HeapCommandKind.Alloc)),
            (6, Gen.Constant(HeapCommandKind.AllocZeroed)),
            (12, Gen.Constant(HeapCommandKind.Realloc)),
            (22, Gen.Constant(HeapCommandKind.Free)),
            (8, Gen.Constant(HeapCommandKind.AlignedAlloc)),
            (6, Gen.Constant(HeapCommandKind.AlignedRealloc)),
            (10, Gen.Constant(HeapCommandKind.Allocate)),
            (3, Gen.Constant(HeapCommandKind.Bind)),
            (1, Gen.Constant(HeapCommandKind.Trim)),
        };

        if (threads > 1)
        {
            kinds.Add((14, Gen.Constant(HeapCommandKind.Transfer)));
        }

        return
            from kind in Gen.Frequency(kinds)
            from size in Sizes
            from target in Gen.Choose(0, 63)
            from alignShift in Gen.Frequency((3, Gen.Choose(0, 12)), (1, Gen.Choose(13, 21)))
            from placement in Gen.Choose(0, 2)
            from thread in Gen.Choose(0, threads - 1)
            select new HeapCommand(kind, size, target, alignShift, placement, thread);
    }

    /// <summary>Programs (their length grows with FsCheck's size, capped by the config's end size) that FsCheck shrinks by dropping commands and simplifying them.</summary>
    public static Arbitrary<HeapCommand[]> Programs(int threads) =>
        Arb.Array(Arb.From(Commands(threads), Shrink));

    // Smaller sizes and alignments, then the plainest placement; never a change of kind, so a shrunk
    // program still fails for the same reason.
    private static IEnumerable<HeapCommand> Shrink(HeapCommand command)
    {
        if (command.Size > 0)
        {
            yield return command with { Size = 0 };
            if (command.Size > 1)
            {
                yield return command with { Size = command.Size / 2 };
            }

            yield return command with { Size = command.Size - 1 };
        }

        if (command.AlignShift > 0)
        {
            yield return command with { AlignShift = command.AlignShift / 2 };
        }

        if (command.Placement != 0)
        {
            yield return command with { Placement = 0 };
        }

        if (command.Target > 0)
        {
            yield return command with { Target = 0 };
        }

        if (command.Thread > 0)
        {
            yield return command with { Thread = 0 };
        }
    }
}
