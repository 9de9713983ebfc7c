using System;

namespace Numa.Tests.Contract;

/// <summary>
/// Position-dependent fill patterns: byte i of a block filled with seed s is 1 + (s + i) mod 251, never 0,
/// so a lost write, a copy shifted by anything but a multiple of 251, or a block that overlaps another
/// shows up as a mismatch.
/// </summary>
internal static unsafe class BytePattern
{
    private const int Period = 251;
    private const int Chunk = Period * 16;
    private static readonly byte[] s_cycle = BuildCycle();

    public static void Fill(void* block, nuint size, int seed)
    {
        int start = Offset(seed);
        var bytes = (byte*)block;
        for (nuint done = 0; done < size;)
        {
            int length = (int)Math.Min((nuint)Chunk, size - done);
            s_cycle.AsSpan(start, length).CopyTo(new Span<byte>(bytes + done, length));
            done += (nuint)length;
        }
    }

    /// <summary>The index of the first byte that differs from the pattern, or -1.</summary>
    public static long FindMismatch(void* block, nuint size, int seed)
    {
        int start = Offset(seed);
        var bytes = (byte*)block;
        for (nuint done = 0; done < size;)
        {
            int length = (int)Math.Min((nuint)Chunk, size - done);
            int at = new ReadOnlySpan<byte>(bytes + done, length).CommonPrefixLength(s_cycle.AsSpan(start, length));
            if (at != length)
            {
                return (long)done + at;
            }

            done += (nuint)length;
        }

        return -1;
    }

    /// <summary>True when the first <paramref name="size"/> bytes hold the pattern of <paramref name="seed"/>.</summary>
    public static bool Holds(void* block, nuint size, int seed) => FindMismatch(block, size, seed) < 0;

    private static int Offset(int seed) => (int)((uint)seed % Period);

    private static byte[] BuildCycle()
    {
        var cycle = new byte[Period * 17];
        for (int i = 0; i < cycle.Length; i++)
        {
            cycle[i] = (byte)((i % Period) + 1);
        }

        return cycle;
    }
}
