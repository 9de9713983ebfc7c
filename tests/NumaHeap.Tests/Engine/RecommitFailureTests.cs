using System;
using Xunit;

namespace Numa.Tests.Engine;

/// <summary>
/// A decommit whose re-commit the OS refuses (Windows: MEM_COMMIT after MEM_DECOMMIT at the commit
/// limit) leaves free pages inaccessible: the heap never hands them out uncommitted, a refused commit
/// is the allocating caller's <see cref="OutOfMemoryException"/>, and the heap stays intact.
/// </summary>
public sealed unsafe class RecommitFailureTests
{
    private const int Page = 8192;
    private const int BlockPages = 64;

    [Fact]
    public void AllocationFromARunLeftInaccessible_CommitsItFirst_AndARefusedCommitIsOutOfMemoryWithTheRunStillFree()
    {
        var os = new FaultInjectingOsMemory();
        using Heap heap = TestHeaps.Create(os: os, purgeDelayMs: 60_000);
        var bystander = (long*)heap.Alloc(64);
        *bystander = 0x5EED;
        var block = (byte*)heap.Alloc(BlockPages * Page);
        var fence = heap.Alloc(BlockPages * Page);
        new Span<byte>(block, BlockPages * Page).Fill(3);
        heap.Free(block);

        // The purge gives the pages back and cannot make them accessible again: not an error of Trim.
        TrimRefusingEveryRecommit(heap, os);
        heap.Validate();
        Assert.False(os.IsAccessible(block, BlockPages * Page));
        long live = heap.GetStatistics().LiveBytes;

        // Every allocation that would take those pages commits them first; refused, it throws.
        os.FailNextCommits(1);
        var big = Assert.Throws<OutOfMemoryException>(() => heap.Alloc(BlockPages * Page));
        Assert.Contains("[injected]", big.Message, StringComparison.Ordinal);
        heap.Validate();
        Assert.Equal(live, heap.GetStatistics().LiveBytes);

        // Once the OS agrees, the same pages are handed out committed and zero.
        var again = (byte*)heap.AllocZeroed(BlockPages * Page);
        Assert.True(block == again, "the run left inaccessible was not the one reused");
        Assert.True(os.IsAccessible(again, BlockPages * Page));
        Assert.False(new ReadOnlySpan<byte>(again, BlockPages * Page).ContainsAnyExcept((byte)0));
        new Span<byte>(again, BlockPages * Page).Fill(4);
        Assert.Equal(0x5EED, *bystander);

        heap.Free(again);
        heap.Free(fence);
        heap.Free(bystander);
        heap.Trim();
        heap.Validate();
        Assert.Equal(0, heap.GetStatistics().LiveBytes);
    }

    [Fact]
    public void GrowingInPlaceIntoARunLeftInaccessible_CommitsIt_AndARefusedCommitIsOutOfMemoryWithTheBlockAsItWas()
    {
        var os = new FaultInjectingOsMemory();
        using Heap heap = TestHeaps.Create(os: os, purgeDelayMs: 60_000);
        void* fence = AllocAdjacent(heap, out byte* a, out byte* b);
        new Span<byte>(a, BlockPages * Page).Fill(5);
        heap.Free(b);
        TrimRefusingEveryRecommit(heap, os);
        Assert.False(os.IsAccessible(b, BlockPages * Page));

        os.FailNextCommits(1);
        Assert.Throws<OutOfMemoryException>(() => heap.Realloc(a, 2 * BlockPages * Page));
        heap.Validate();
        Assert.Equal((nuint)(BlockPages * Page), heap.GetUsableSize(a));
        Assert.False(new ReadOnlySpan<byte>(a, BlockPages * Page).ContainsAnyExcept((byte)5));

        var grown = (byte*)heap.Realloc(a, 2 * BlockPages * Page);
        Assert.True(grown == a, "the block did not grow in place");
        Assert.True(os.IsAccessible(grown, 2 * BlockPages * Page));
        new Span<byte>(grown + (BlockPages * Page), BlockPages * Page).Fill(6);
        Assert.False(new ReadOnlySpan<byte>(grown, BlockPages * Page).ContainsAnyExcept((byte)5));
        heap.Free(grown);
        heap.Free(fence);
        heap.Validate();
    }

    [Fact]
    public void ABlockFreedNextToARunLeftInaccessible_MergesIntoARunThatIsStillCommittedBeforeUse_AndAPurgeThatSucceedsHealsIt()
    {
        var os = new FaultInjectingOsMemory();
        using Heap heap = TestHeaps.Create(os: os, purgeDelayMs: 60_000);
        void* fence = AllocAdjacent(heap, out byte* a, out byte* b);
        heap.Free(a);
        TrimRefusingEveryRecommit(heap, os);

        // b's resident pages and a's inaccessible ones make one dirty run, reused first.
        new Span<byte>(b, BlockPages * Page).Fill(7);
        heap.Free(b);
        heap.Validate();
        var merged = (byte*)heap.Alloc(2 * BlockPages * Page);
        Assert.True(merged == a, "the merged run was not reused");
        Assert.True(os.IsAccessible(merged, 2 * BlockPages * Page));
        new Span<byte>(merged, 2 * BlockPages * Page).Fill(8);
        heap.Free(merged);

        // A purge whose re-commit succeeds makes the whole run accessible: no commit on the next use.
        heap.Trim();
        heap.Validate();
        Assert.True(os.IsAccessible(a, 2 * BlockPages * Page));
        int commits = os.Commits;
        var healed = (byte*)heap.Alloc(2 * BlockPages * Page);
        Assert.True(healed == a, "the healed run was not reused");
        Assert.Equal(commits, os.Commits);
        heap.Free(healed);
        heap.Free(fence);
        heap.Validate();
    }

    [Fact]
    public void ASpanTakenFromARunLeftInaccessible_IsCommittedFirst_AndARefusedCommitIsOutOfMemory()
    {
        var os = new FaultInjectingOsMemory();
        using Heap heap = TestHeaps.Create(os: os, purgeDelayMs: 60_000);

        // One block per span: freed and trimmed, its span's pages are a free run of the shard.
        var first = (byte*)heap.Alloc(200 * 1024);
        heap.Free(first);
        TrimRefusingEveryRecommit(heap, os);
        Assert.False(os.IsAccessible(first, 200 * 1024));

        os.FailNextCommits(1);
        Assert.Throws<OutOfMemoryException>(() => heap.Alloc(200 * 1024));
        heap.Validate();
        var again = (byte*)heap.Alloc(200 * 1024);
        Assert.True(again == first, "the span's run was not reused");
        Assert.True(os.IsAccessible(again, 200 * 1024));
        new Span<byte>(again, 200 * 1024).Fill(9);
        heap.Free(again);
        heap.Trim();
        heap.Validate();
        Assert.Equal(0, heap.GetStatistics().LiveBytes);
    }

    // Two adjacent big blocks, and a live one after them that keeps their runs below the frontier.
    private static void* AllocAdjacent(Heap heap, out byte* a, out byte* b)
    {
        a = (byte*)heap.Alloc(BlockPages * Page);
        b = (byte*)heap.Alloc(BlockPages * Page);
        Assert.True(b == a + (BlockPages * Page), "the blocks are not adjacent");
        return heap.Alloc(BlockPages * Page);
    }

    // Every decommit of the Trim leaves its range inaccessible, whichever runs it purges first.
    private static void TrimRefusingEveryRecommit(Heap heap, FaultInjectingOsMemory os)
    {
        os.FailNextRecommits(int.MaxValue);
        heap.Trim();
        os.FailNextRecommits(0);
    }
}
