using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Threading;
using Numa.Configuration;
using Numa.Platform;
using Xunit;
using Xunit.Abstractions;

namespace Numa.Tests.Engine;

/// <summary>Memory goes back to the OS: at once on Trim, after the decay delay otherwise.</summary>
[Collection(nameof(ResidentMemoryCollection))]
public sealed unsafe class PurgeTests(ITestOutputHelper output)
{
    private const long GiB = 1L << 30;

    [Theory]
    [InlineData(16 * 1024 * 1024)]
    [InlineData(4096)]
    public void AllocatingAndFreeingOneGiB_ThenTrim_ReturnsResidentMemoryToWithinTenPercent(int blockSize)
    {
        using Heap heap = TestHeaps.Create(purgeDelayMs: 60_000);
        var blocks = new List<nint>((int)(GiB / blockSize));

        // Warm up first, so that code compiled and runtime memory touched on the first use of
        // these paths is not counted as memory the heap kept.
        heap.Free(heap.Alloc((nuint)blockSize));
        heap.Trim();
        GC.Collect();
        long before = TestHeaps.ProcessResidentBytes();

        for (long total = 0; total < GiB; total += blockSize)
        {
            var block = (byte*)heap.Alloc((nuint)blockSize);
            for (int offset = 0; offset < blockSize; offset += 4096)
            {
                block[offset] = 1;
            }

            blocks.Add((nint)block);
        }

        long peak = TestHeaps.ProcessResidentBytes();
        foreach (nint block in blocks)
        {
            heap.Free((void*)block);
        }

        heap.Trim();
        long after = TestHeaps.ProcessResidentBytes();
        output.WriteLine($"{blockSize}-byte blocks: RSS before {before >> 20} MiB, peak {peak >> 20} MiB, after Trim {after >> 20} MiB");

        Assert.True(peak - before > GiB * 9 / 10, "the blocks were touched, so RSS must have grown by about 1 GiB");
        Assert.True(after < before * 1.10, $"RSS after Trim is {after >> 20} MiB, more than 10% above {before >> 20} MiB");
        NumaNodeStatistics node = heap.GetStatistics().Nodes[0];
        Assert.Equal(0, node.LiveBytes);
        Assert.Equal(0, node.CommittedBytes);
        heap.Validate();
    }

    [Fact]
    public void PurgedRuns_ReadAsZero_WhenAllocatedZeroed()
    {
        using Heap heap = TestHeaps.Create();
        const int Size = 8 * 1024 * 1024;
        var block = (byte*)heap.Alloc(Size);
        new Span<byte>(block, Size).Fill(0xEE);
        heap.Free(block);
        heap.Trim();

        var zeroed = (byte*)heap.AllocZeroed(Size);
        Assert.Equal((nint)block, (nint)zeroed);
        Assert.False(new ReadOnlySpan<byte>(zeroed, Size).ContainsAnyExcept((byte)0));
        new Span<byte>(zeroed, Size).Fill(0xEE);
        heap.Free(zeroed);

        // Not purged this time: the dirty run must be cleared.
        var again = (byte*)heap.AllocZeroed(Size);
        Assert.False(new ReadOnlySpan<byte>(again, Size).ContainsAnyExcept((byte)0));
        heap.Free(again);
    }

    [Fact]
    public void FreeRuns_ArePurgedAfterTheDecayDelay_WithoutTrim()
    {
        using Heap heap = TestHeaps.Create(purgeDelayMs: 100);
        const int Size = 64 * 1024 * 1024;
        var block = (byte*)heap.Alloc(Size);
        new Span<byte>(block, Size).Fill(1);
        heap.Free(block);
        Assert.True(heap.GetStatistics().Nodes[0].CommittedBytes >= Size, "a fresh free run stays committed for reuse");

        var watch = Stopwatch.StartNew();
        while (heap.GetStatistics().Nodes[0].CommittedBytes != 0 && watch.ElapsedMilliseconds < 10_000)
        {
            Thread.Sleep(20);
        }

        output.WriteLine($"purged after {watch.ElapsedMilliseconds} ms");
        NumaNodeStatistics node = heap.GetStatistics().Nodes[0];
        Assert.Equal(0, node.CommittedBytes);
        Assert.True(node.Purges >= 1);
        Assert.True(node.PurgedBytes >= Size);
        Assert.True(watch.ElapsedMilliseconds >= 50, "the run must stay committed for about the decay delay");
    }

    /// <summary>
    /// Property: what a burst of small blocks leaves in the node heap's transfer batches decays like a
    /// free run, so that after the delay only the spans of the blocks the thread's own lists keep stay
    /// committed (without decay, up to 1 MiB of batches per class stayed for good).
    /// </summary>
    [Fact]
    public void SmallBlocksOfABurst_GoBackToTheOsAfterTheDecayDelay_WithoutTrim()
    {
        using Heap heap = TestHeaps.Create(purgeDelayMs: 50);
        const int Count = 64 * 1024;
        const long Kept = 256 * 1024;
        var blocks = new nint[Count];
        for (int i = 0; i < Count; i++)
        {
            blocks[i] = (nint)heap.Alloc(64);
        }

        foreach (nint block in blocks)
        {
            heap.Free((void*)block);
        }

        long cachedAfterBurst = heap.GetStatistics().Nodes[0].CachedInNodeBytes;
        Assert.True(cachedAfterBurst > Kept, $"the node heap holds {cachedAfterBurst} bytes of transfer batches after the burst");

        var watch = Stopwatch.StartNew();
        while (heap.GetStatistics().Nodes[0].CommittedBytes > Kept && watch.ElapsedMilliseconds < 10_000)
        {
            Thread.Sleep(20);
        }

        NumaNodeStatistics node = heap.GetStatistics().Nodes[0];
        output.WriteLine($"after {watch.ElapsedMilliseconds} ms: committed {node.CommittedBytes} bytes, cached in the node heap {node.CachedInNodeBytes} (after the burst {cachedAfterBurst}), in the thread {node.CachedInThreadsBytes}");
        Assert.True(node.CommittedBytes <= Kept, $"{node.CommittedBytes} bytes stay committed after the decay delay");
        Assert.Equal(0, node.LiveBytes);
        heap.Validate();
    }

    [Fact]
    public void WithTransparentHugePages_DecayPurgesWholeHugePagesOnly()
    {
        using Heap heap = TestHeaps.Create(purgeDelayMs: 50, hugePages: HugePageMode.Transparent);
        const int HugePage = 2 * 1024 * 1024;

        // A run that covers exactly one aligned huge page plus ragged edges.
        var fence = heap.Alloc(HugePage);
        var block = (byte*)heap.AlignedAlloc((nuint)(3 * HugePage), HugePage);
        var after = heap.Alloc(HugePage);
        heap.Free(block);
        var watch = Stopwatch.StartNew();
        while (heap.GetStatistics().Nodes[0].Purges == 0 && watch.ElapsedMilliseconds < 10_000)
        {
            Thread.Sleep(20);
        }

        NumaNodeStatistics node = heap.GetStatistics().Nodes[0];
        Assert.True(node.Purges >= 1);
        Assert.Equal(0, node.PurgedBytes % HugePage);
        heap.Free(fence);
        heap.Free(after);
        heap.Validate();
    }

    [Fact]
    public void WithTransparentHugePages_OnlyTheBigBlockPartOfTheRegionIsAdvised()
    {
        if (!OperatingSystem.IsLinux() || !OsMemory.Default.HugePages.TransparentAvailable)
        {
            return;
        }

        using Heap heap = TestHeaps.Create(hugePages: HugePageMode.Transparent);
        var small = (byte*)heap.Alloc(64);
        var big = (byte*)heap.Alloc(4 * 1024 * 1024);
        small[0] = 1;
        big[0] = 1;

        // Spans come from the region's first quarter, big blocks from the rest.
        Assert.True((nuint)small < (nuint)big, "a span above a big block");
        Assert.Contains("hg", VmFlagsOf((nuint)big));
        Assert.DoesNotContain("hg", VmFlagsOf((nuint)small));
        heap.Free(small);
        heap.Free(big);
        heap.Validate();
    }

    // The VmFlags of the mapping that holds the address, from /proc/self/smaps ("hg": MADV_HUGEPAGE).
    private static string[] VmFlagsOf(nuint address)
    {
        bool inside = false;
        foreach (string line in File.ReadLines("/proc/self/smaps"))
        {
            int dash = line.IndexOf('-');
            int space = line.IndexOf(' ');
            if (dash > 0 && space > dash && ulong.TryParse(line.AsSpan(0, dash), NumberStyles.HexNumber, null, out ulong start)
                && ulong.TryParse(line.AsSpan(dash + 1, space - dash - 1), NumberStyles.HexNumber, null, out ulong end))
            {
                inside = start <= address && address < end;
            }
            else if (inside && line.StartsWith("VmFlags:", StringComparison.Ordinal))
            {
                return line["VmFlags:".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            }
        }

        throw new InvalidOperationException($"No mapping holds 0x{address:X}.");
    }
}

/// <summary>Tests that measure the process's RSS run one at a time.</summary>
[CollectionDefinition(nameof(ResidentMemoryCollection), DisableParallelization = true)]
public sealed class ResidentMemoryCollection;
