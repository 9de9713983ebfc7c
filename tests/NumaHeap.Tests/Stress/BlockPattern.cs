using System;
using System.Buffers.Binary;
using System.Globalization;

namespace Numa.Tests.Stress;

/// <summary>
/// The contents every stress block carries: an 8-byte header (id and size) and then bytes derived
/// from the id, so that a block can be checked by whichever thread frees or resizes it.
/// </summary>
/// <remarks>
/// Byte <c>i</c> (8 or more) is byte <c>i % 8</c> of the little-endian word <c>Word(id, i / 8)</c>,
/// so the pattern of a block is a prefix of the pattern of any longer block with the same id: a
/// grown block keeps its first bytes and only the new tail is written.
/// </remarks>
internal static unsafe class BlockPattern
{
    /// <summary>The smallest block the pattern fits in: the header.</summary>
    public const int HeaderSize = 8;

    /// <summary>The id stored in a block's header.</summary>
    public static uint IdOf(byte* block) => *(uint*)block;

    /// <summary>The size stored in a block's header.</summary>
    public static int SizeOf(byte* block) => *(int*)(block + 4);

    /// <summary>Writes the header and the pattern bytes <paramref name="from"/> .. <paramref name="size"/> - 1.</summary>
    public static void Fill(byte* block, uint id, int size, int from = HeaderSize)
    {
        *(uint*)block = id;
        *(int*)(block + 4) = size;
        int i = Math.Max(from, HeaderSize);
        while (i < size && (i & 7) != 0)
        {
            block[i] = ByteAt(id, i);
            i++;
        }

        ulong seed = Seed(id);
        for (; i + 8 <= size; i += 8)
        {
            *(ulong*)(block + i) = Word(seed, i >> 3);
        }

        for (; i < size; i++)
        {
            block[i] = ByteAt(id, i);
        }
    }

    /// <summary>Null when the first <paramref name="length"/> bytes hold the pattern of <paramref name="id"/>, else what is wrong.</summary>
    public static string? Check(byte* block, uint id, int length)
    {
        if (IdOf(block) != id)
        {
            return Describe(block, $"header id {IdOf(block)}, expected {id}");
        }

        int i = HeaderSize;
        ulong seed = Seed(id);
        for (; i + 8 <= length; i += 8)
        {
            if (*(ulong*)(block + i) != Word(seed, i >> 3))
            {
                break;
            }
        }

        for (; i < length; i++)
        {
            if (block[i] != ByteAt(id, i))
            {
                return Describe(block, $"byte {i} of {length} is 0x{block[i]:X2}, expected 0x{ByteAt(id, i):X2} (id {id})");
            }
        }

        return null;
    }

    /// <summary>Null when the block's header and every byte it names are intact, else what is wrong.</summary>
    /// <param name="block">The block.</param>
    /// <param name="usableSize">The heap's usable size of the block: the header's size must fit in it.</param>
    public static string? Check(byte* block, nuint usableSize)
    {
        int size = SizeOf(block);
        if (size < HeaderSize || (nuint)size > usableSize)
        {
            return Describe(block, $"header size {size} does not fit the usable size {usableSize}");
        }

        return Check(block, IdOf(block), size);
    }

    private static ulong Seed(uint id) => (id * 0x9E3779B97F4A7C15UL) ^ 0xD1B54A32D192ED03UL;

    private static ulong Word(ulong seed, int index) => seed + ((ulong)index * 0xBF58476D1CE4E5B9UL);

    private static byte ByteAt(uint id, int i)
    {
        Span<byte> word = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(word, Word(Seed(id), i >> 3));
        return word[i & 7];
    }

    private static string Describe(byte* block, string problem) =>
        string.Create(CultureInfo.InvariantCulture, $"block 0x{(nint)block:X}: {problem}");
}
