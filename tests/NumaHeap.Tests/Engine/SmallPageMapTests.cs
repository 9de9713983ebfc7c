using Xunit;

namespace Numa.Tests.Engine;

/// <summary>
/// The small-page map's place in memory: Free reads a page's entry just after the caller wrote to the
/// block, and a load whose address shares its low 12 bits with a store in flight waits for that store
/// (4K aliasing). So the entries of the pages most often reused, the first pages of shards' span parts
/// (4 MiB-aligned, where each shard's first span and so a thread's first blocks lie), must not share
/// their low 12 bits with blocks at the start or the middle of those pages.
/// </summary>
public sealed unsafe class SmallPageMapTests
{
    private const nuint FourMiB = 4 << 20;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void EntriesOfAlignedPages_ShareNoLow12BitsWithTheBlocksThatStartThosePages(int simulatedNodes)
    {
        using Heap heap = TestHeaps.Create(simulatedNodes: simulatedNodes);
        void* first = heap.Alloc(16);
        Assert.True(((nuint)first & (FourMiB - 1)) == 0, $"the first block of a new heap lies at a 4 MiB boundary (0x{(nuint)first:X})");

        // Every 512 KiB of the shard's first 64 MiB (so every 4, 2 and 1 MiB boundary too): the blocks at
        // the start of the page and 4 KiB into it (the same low 12 bits) against the page's entry.
        for (nuint offset = 0; offset < 16 * FourMiB; offset += 512 << 10)
        {
            var page = (nuint)first + offset;
            var entry = (nuint)heap.SmallPageOf((void*)page);
            Assert.False(
                Overlap(page, entry) || Overlap(page + 4096, entry),
                $"the small-page entry at 0x{entry:X} shares its low 12 bits with the block at 0x{page:X}");
        }

        heap.Free(first);
    }

    // Two 8-byte accesses that the CPU may take for the same one: their addresses' low 12 bits within 8 bytes.
    private static bool Overlap(nuint block, nuint entry)
    {
        nuint distance = (block - entry) & 0xFFF;
        return distance < 8 || 0x1000 - distance < 8;
    }
}
