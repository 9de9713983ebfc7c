using System;
using Numa.Platform;
using Xunit;

namespace Numa.Tests.Engine;

/// <summary>
/// A page allocator on its own with a decay delay too long to matter, to show how free runs are
/// kept: dirty runs are reused before purged ones, each run counts the pages that may still be
/// resident (all of a freed block, none of a purged run, with a limit, what mincore finds in what is
/// left of a partly purged one), and with a resident limit the pages in use plus those stay within it, the
/// excess purged from the end of the largest dirty runs.
/// </summary>
public sealed unsafe class ResidentLimitTests : IDisposable
{
    private const int Page = 8192;
    private const nuint MiB = 1024 * 1024;
    private const int HourMs = 3_600_000;
    private readonly StandalonePageHeapRegion _region = new(1024 * MiB);

    public void Dispose() => _region.Dispose();

    [Fact]
    public void ADirtyRun_IsReusedBeforeAPurgedRunThatFitsBetter()
    {
        PageHeap.PageHeap pages = Create(residentLimitPercent: 0);
        nuint[] blocks = AllocateFenced(pages, 4 * MiB, 8 * MiB);
        Assert.True(pages.FreeBig(blocks[0]));
        pages.Purge(force: true);
        Assert.True(pages.FreeBig(blocks[1]));

        // Best fit alone would take the purged 4 MiB run and fault it back in.
        nuint reused = pages.AllocateBig(4 * MiB / Page, 1, out bool zeroed);

        Assert.Equal(blocks[1], reused);
        Assert.False(zeroed);
        pages.Validate(static (_, _) => { });
    }

    [Fact]
    public void WithALimit_InUsePlusDirtyPagesStayWithinIt_AndOnlyTheExcessGoes_FromTheEndOfTheLargestDirtyRuns()
    {
        PageHeap.PageHeap pages = Create(residentLimitPercent: 125);
        nuint[] blocks = AllocateFenced(pages, 8 * MiB, 8 * MiB, 8 * MiB, 8 * MiB, 8 * MiB, 8 * MiB, 8 * MiB, 8 * MiB, 8 * MiB, 8 * MiB);
        long peak = InUse(pages);
        long limit = peak + (peak / 100 * 25);

        // Frees alone never raise in use + dirty; fresh pages for blocks that fit no dirty run do.
        for (int i = 0; i < 4; i++)
        {
            Assert.True(pages.FreeBig(blocks[i]));
        }

        AllocateTouched(pages, 16 * MiB, 16 * MiB);
        Assert.Equal(peak, InUse(pages));
        Assert.True(InUse(pages) + pages.GetCounters().DirtyBytes <= limit, "in use + dirty exceeds the limit");

        // 32 MiB fresh over a 25% limit: the excess is 32 MiB - 25% of the peak, a little over 12 MiB. Of the four
        // dirty 8 MiB runs the "largest" are the highest (equal length): the last goes whole, the one below it loses
        // the rest of the excess from its end, rounded up to whole pages, and keeps its first pages.
        long excessLeft = peak + (long)(32 * MiB) - limit - (long)(8 * MiB);
        long kept = (long)(8 * MiB) - ((excessLeft + Page - 1) / Page * Page);
        Assert.InRange(kept, 1, (long)(8 * MiB) - 1);
        Assert.Equal((long)(8 * MiB), _region.Os.GetResidentBytes((void*)blocks[0], 8 * MiB));
        Assert.Equal((long)(8 * MiB), _region.Os.GetResidentBytes((void*)blocks[1], 8 * MiB));
        Assert.Equal(kept, _region.Os.GetResidentBytes((void*)blocks[2], (nuint)kept));
        Assert.Equal(0, _region.Os.GetResidentBytes((void*)(blocks[2] + (nuint)kept), 8 * MiB - (nuint)kept));
        Assert.Equal(0, _region.Os.GetResidentBytes((void*)blocks[3], 8 * MiB));
        Assert.Equal((long)(16 * MiB) + kept, pages.GetCounters().DirtyBytes);
        pages.Validate(static (_, _) => { });
    }

    [Fact]
    public void APurgedRunMergedWithAFreedBlock_CountsOnlyTheBlockAsResident()
    {
        PageHeap.PageHeap pages = Create(residentLimitPercent: 0);
        nuint first = AllocateTouched(pages, 8 * MiB)[0];
        nuint second = AllocateTouched(pages, 4 * MiB)[0];
        Assert.NotEqual(0u, pages.AllocateBig(1, 1, out _));
        Assert.True(pages.FreeBig(first));
        pages.Purge(force: true);

        Assert.True(pages.FreeBig(second)); // merges with the purged run: one 12 MiB run

        Assert.Equal(1, pages.GetCounters().FreeRuns);
        Assert.Equal((long)(4 * MiB), _region.Os.GetResidentBytes((void*)first, 12 * MiB));
        Assert.Equal((long)(4 * MiB), pages.GetCounters().DirtyBytes);
        pages.Validate(static (_, _) => { });
    }

    [Fact]
    public void WithALimit_TakingABlockFromAPartlyResidentRun_LeavesTheRestCountedExactly()
    {
        PageHeap.PageHeap pages = Create(residentLimitPercent: 1000); // counted exactly, never reached
        nuint first = AllocateTouched(pages, 8 * MiB)[0];
        nuint second = AllocateTouched(pages, 4 * MiB)[0];
        Assert.NotEqual(0u, pages.AllocateBig(1, 1, out _));
        Assert.True(pages.FreeBig(first));
        pages.Purge(force: true);
        Assert.True(pages.FreeBig(second)); // one 12 MiB run: 8 MiB purged, then 4 MiB resident

        // Best fit takes the first 2 MiB, all purged; mincore finds the 4 MiB still resident in the 10 MiB left.
        nuint taken = pages.AllocateBig(2 * MiB / Page, 1, out bool zeroed);

        Assert.Equal(first, taken);
        Assert.False(zeroed);
        Assert.Equal((long)(4 * MiB), pages.GetCounters().DirtyBytes);
        pages.Validate(static (_, _) => { });
    }

    [Fact]
    public void WithoutALimit_DirtyRunsWaitForTheDecay()
    {
        PageHeap.PageHeap pages = Create(residentLimitPercent: 0);
        nuint[] blocks = AllocateFenced(pages, 8 * MiB, 8 * MiB, 8 * MiB, 8 * MiB);
        foreach (nuint block in blocks)
        {
            Assert.True(pages.FreeBig(block));
        }

        AllocateTouched(pages, 16 * MiB, 16 * MiB, 16 * MiB);

        Assert.Equal(0, pages.GetCounters().Purges);
        Assert.Equal((long)(32 * MiB), pages.GetCounters().DirtyBytes);
        pages.Validate(static (_, _) => { });
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void APartlyResidentRun_LosesOnlyItsLastResidentPages_OrAllOfThemWhereTheOsCannotTell(bool residencyKnown)
    {
        using var region = new StandalonePageHeapRegion(1024 * MiB, new FaultInjectingOsMemory { ResidencyUnknown = !residencyKnown });
        PageHeap.PageHeap pages = region.CreatePageHeap(HourMs, residentLimitPercent: 110);
        nuint[] blocks = AllocateTouched(pages, 64 * MiB, 64 * MiB, 8 * MiB, 4 * MiB);
        Assert.NotEqual(0u, pages.AllocateBig(1, 1, out _));
        Assert.True(pages.FreeBig(blocks[2]));
        pages.Purge(force: true); // the peak is now what is in use: 132 MiB and the fence
        long limit = InUse(pages) + (InUse(pages) / 100 * 10);

        // One 76 MiB free run: 64 MiB resident, 8 MiB purged, 4 MiB resident.
        Assert.True(pages.FreeBig(blocks[3]));
        Assert.True(pages.FreeBig(blocks[1]));
        Assert.Equal(1, pages.GetCounters().Purges); // the Trim's, no other

        // 80 MiB fits no free run: fresh pages, 68 MiB resident free, well over the limit.
        Assert.NotEqual(0u, pages.AllocateBig(80 * MiB / Page, 1, out _));

        long inUse = InUse(pages);
        long limitNow = inUse + (inUse / 100 * 10);
        Assert.True(limitNow > limit);
        long resident = OsMemory.Default.GetResidentBytes((void*)blocks[1], 76 * MiB);
        if (residencyKnown)
        {
            // mincore from the end skips the purged 8 MiB: the 4 MiB at the end go, then the end of the 64 MiB,
            // until the excess is gone; the run's first pages stay.
            Assert.InRange(pages.GetCounters().DirtyBytes, limitNow - inUse - (2 * Page), limitNow - inUse);
            Assert.InRange(resident, pages.GetCounters().DirtyBytes - Page, pages.GetCounters().DirtyBytes);
            Assert.Equal((long)(4 * MiB), OsMemory.Default.GetResidentBytes((void*)blocks[1], 4 * MiB));
        }
        else
        {
            Assert.Equal(0, pages.GetCounters().DirtyBytes);
            Assert.Equal(0, resident);
        }

        pages.Validate(static (_, _) => { });
    }

    private static long InUse(PageHeap.PageHeap pages) => pages.GetCounters().BigLiveBytes + pages.GetCounters().SpanBytes;

    private PageHeap.PageHeap Create(int residentLimitPercent) => _region.CreatePageHeap(HourMs, residentLimitPercent);

    // Each block is followed by a one-page fence so that freed blocks do not merge; every page is written.
    private static nuint[] AllocateFenced(PageHeap.PageHeap pages, params nuint[] sizes) => Allocate(pages, fenced: true, sizes);

    // Blocks without fences: a fence would take a page of a dirty run once there are some.
    private static nuint[] AllocateTouched(PageHeap.PageHeap pages, params nuint[] sizes) => Allocate(pages, fenced: false, sizes);

    private static nuint[] Allocate(PageHeap.PageHeap pages, bool fenced, nuint[] sizes)
    {
        var blocks = new nuint[sizes.Length];
        for (int i = 0; i < sizes.Length; i++)
        {
            blocks[i] = pages.AllocateBig(sizes[i] / Page, 1, out _);
            Assert.NotEqual(0u, blocks[i]);
            if (fenced)
            {
                Assert.NotEqual(0u, pages.AllocateBig(1, 1, out _));
            }

            new Span<byte>((void*)blocks[i], (int)sizes[i]).Fill(0x5A);
        }

        return blocks;
    }
}
