using System;
using System.Threading;
using Xunit;

namespace Numa.Tests.Engine;

/// <summary>
/// A page allocator on its own (no maintenance timer), to show that merging a freed block into an
/// old free run does not make the old run's pages young again: pages past the decay delay are
/// purged when they merge, pages younger than it stay resident for reuse.
/// </summary>
public sealed unsafe class DecayOnMergeTests : IDisposable
{
    private const int Page = 8192;
    private const int RunPages = 64;
    private readonly StandalonePageHeapRegion _region = new(64 * 1024 * 1024);

    public void Dispose() => _region.Dispose();

    [Fact]
    public void AFreeNextToARunPastTheDecayDelay_PurgesThatRun()
    {
        PageHeap.PageHeap pages = Create(purgeDelayMs: 50);
        (nuint old, nuint fresh) = FreeOldRunThenNeighbour(pages, waitMs: 120);

        Assert.Equal(0, _region.Os.GetResidentBytes((void*)old, RunPages * Page));
        Assert.Equal(RunPages * Page, _region.Os.GetResidentBytes((void*)fresh, RunPages * Page));
        Assert.Equal(1, pages.GetCounters().FreeRuns);
        pages.Validate(static (_, _) => { });
    }

    [Fact]
    public void AFreeNextToARunYoungerThanTheDecayDelay_KeepsItResident()
    {
        PageHeap.PageHeap pages = Create(purgeDelayMs: 60_000);
        (nuint old, nuint fresh) = FreeOldRunThenNeighbour(pages, waitMs: 0);

        Assert.Equal(RunPages * Page, _region.Os.GetResidentBytes((void*)old, RunPages * Page));
        Assert.Equal(RunPages * Page, _region.Os.GetResidentBytes((void*)fresh, RunPages * Page));
        Assert.Equal(0, pages.GetCounters().Purges);
        pages.Validate(static (_, _) => { });
    }

    private PageHeap.PageHeap Create(int purgeDelayMs) => _region.CreatePageHeap(purgeDelayMs);

    // Two adjacent blocks and a fence: the first is freed, then after waitMs the second, which merges with it.
    private static (nuint Old, nuint Fresh) FreeOldRunThenNeighbour(PageHeap.PageHeap pages, int waitMs)
    {
        nuint old = pages.AllocateBig(RunPages, 1, out _);
        nuint fresh = pages.AllocateBig(RunPages, 1, out _);
        _ = pages.AllocateBig(RunPages, 1, out _);
        Assert.Equal(old + (RunPages * Page), fresh);
        new Span<byte>((void*)old, RunPages * Page * 2).Fill(0x5A);

        Assert.True(pages.FreeBig(old));
        Thread.Sleep(waitMs);
        Assert.True(pages.FreeBig(fresh));
        return (old, fresh);
    }
}
