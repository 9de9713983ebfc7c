using System;
using Xunit;

namespace Numa.Tests.Engine;

/// <summary>
/// A page allocator on its own with a decay delay too long to matter, to show how free runs are
/// kept: dirty runs are reused before purged ones, and with a resident limit the pages in use plus
/// the dirty free pages stay within it, the largest dirty runs purged first.
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
    public void WithALimit_InUsePlusDirtyPagesStayWithinIt_AndTheLargestDirtyRunsGoFirst()
    {
        PageHeap.PageHeap pages = Create(residentLimitPercent: 120);
        nuint[] blocks = AllocateFenced(pages, 8 * MiB, 8 * MiB, 8 * MiB, 8 * MiB, 8 * MiB, 8 * MiB, 8 * MiB, 8 * MiB, 8 * MiB, 8 * MiB);
        long peak = InUse(pages);
        long limit = peak + (peak / 100 * 20);

        // Frees alone never raise in use + dirty; fresh pages for blocks that fit no dirty run do.
        for (int i = 0; i < 4; i++)
        {
            Assert.True(pages.FreeBig(blocks[i]));
        }

        AllocateTouched(pages, 16 * MiB, 16 * MiB);
        Assert.Equal(peak, InUse(pages));
        Assert.True(InUse(pages) + pages.GetCounters().DirtyBytes <= limit, "in use + dirty exceeds the limit");

        // Of the four dirty 8 MiB runs, the two the limit purged are the "largest": equal length,
        // so the highest addresses.
        Assert.Equal((long)(8 * MiB), _region.Os.GetResidentBytes((void*)blocks[0], 8 * MiB));
        Assert.Equal((long)(8 * MiB), _region.Os.GetResidentBytes((void*)blocks[1], 8 * MiB));
        Assert.Equal(0, _region.Os.GetResidentBytes((void*)blocks[2], 8 * MiB));
        Assert.Equal(0, _region.Os.GetResidentBytes((void*)blocks[3], 8 * MiB));
        Assert.Equal((long)(16 * MiB), pages.GetCounters().DirtyBytes);
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
