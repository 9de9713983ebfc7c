using System;
using System.Collections.Generic;
using System.Threading;
using Xunit;

namespace Numa.Tests.Engine;

/// <summary>
/// Big blocks keep exact page-map entries only at run boundaries; the pages inside a run keep
/// whatever older runs left there. These tests prove that such stale entries never let a bad
/// pointer pass as a block, whatever layouts the pages went through before.
/// </summary>
public sealed unsafe class BigBlockPointerTests
{
    private const int PageSize = 8192;

    [Fact]
    public void InteriorPointers_OfBigBlocks_ThrowAndNameTheBlock_AfterTheirPagesHeldOtherLayouts()
    {
        using Heap heap = TestHeaps.Create();
        var random = new Random(1234);
        var live = new List<(nint Block, int Size)>();

        // Churn big blocks, small blocks (whose spans take pages from the same allocator) and
        // in-place resizes so that every page has been a head, a body, a span page and free.
        for (int step = 0; step < 400; step++)
        {
            if (live.Count > 0 && random.Next(3) == 0)
            {
                int index = random.Next(live.Count);
                heap.Free((void*)live[index].Block);
                live.RemoveAt(index);
            }
            else if (live.Count > 0 && random.Next(4) == 0)
            {
                int index = random.Next(live.Count);
                int size = 300 * 1024 + random.Next(40) * PageSize;
                live[index] = ((nint)heap.Realloc((void*)live[index].Block, (nuint)size), size);
            }
            else
            {
                int size = random.Next(4) == 0 ? 1 + random.Next(64 * 1024) : 300 * 1024 + random.Next(60) * PageSize;
                live.Add(((nint)heap.Alloc((nuint)size), size));
            }
        }

        heap.Validate();
        foreach ((nint block, int size) in live)
        {
            if (size <= 256 * 1024)
            {
                continue;
            }

            foreach (int offset in new[] { 16, PageSize, size / 2, size - PageSize, size - 16 })
            {
                var inside = (void*)(block + offset);
                ArgumentException e = Assert.Throws<ArgumentException>(() => heap.Free(inside));
                Assert.Contains("interior pointer", e.Message, StringComparison.Ordinal);
                Assert.Contains($"0x{block:X}", e.Message, StringComparison.Ordinal);
                Assert.Throws<ArgumentException>(() => heap.GetNode(inside));
                Assert.Throws<ArgumentException>(() => heap.GetUsableSize(inside));
            }
        }

        heap.Validate();
        foreach ((nint block, _) in live)
        {
            heap.Free((void*)block);
        }

        heap.Validate();
        Assert.Equal(0, heap.GetStatistics().LiveBytes);
    }

    [Fact]
    public void FreedBigBlocks_AndPointersIntoFreeRuns_AreRejected_WhileTheirNeighboursStayIntact()
    {
        using Heap heap = TestHeaps.Create();
        const int Size = 1024 * 1024;
        var before = (byte*)heap.Alloc(Size);
        var victim = (byte*)heap.Alloc(Size);
        var after = (byte*)heap.Alloc(Size);
        new Span<byte>(before, Size).Fill(0xA1);
        new Span<byte>(after, Size).Fill(0xA3);

        heap.Free(victim);
        InvalidOperationException doubleFree = Assert.Throws<InvalidOperationException>(() => heap.Free(victim));
        Assert.Contains($"0x{(nint)victim:X}", doubleFree.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => heap.Free(victim + (Size / 2)));
        Assert.Throws<InvalidOperationException>(() => heap.Realloc(victim, 10));

        heap.Validate();
        Assert.False(new ReadOnlySpan<byte>(before, Size).ContainsAnyExcept((byte)0xA1));
        Assert.False(new ReadOnlySpan<byte>(after, Size).ContainsAnyExcept((byte)0xA3));
        heap.Free(before);
        heap.Free(after);
        heap.Validate();
    }

    [Fact]
    public void RacingDoubleFrees_OfOneBigBlock_FreeItOnce_AndThrowForTheRest()
    {
        using Heap heap = TestHeaps.Create();
        for (int round = 0; round < 50; round++)
        {
            void* block = heap.Alloc(512 * 1024);
            int freed = 0;
            int rejected = 0;
            Exception? unexpected = null;
            using var start = new Barrier(4);
            var threads = new Thread[4];
            for (int t = 0; t < threads.Length; t++)
            {
                threads[t] = new Thread(() =>
                {
                    start.SignalAndWait();
                    try
                    {
                        heap.Free(block);
                        Interlocked.Increment(ref freed);
                    }
                    catch (InvalidOperationException)
                    {
                        Interlocked.Increment(ref rejected);
                    }
                    catch (Exception e)
                    {
                        // Any other outcome fails the test below, never the test host.
                        unexpected = e;
                    }
                });
                threads[t].Start();
            }

            foreach (Thread thread in threads)
            {
                thread.Join();
            }

            Assert.Null(unexpected);
            Assert.Equal(1, freed);
            Assert.Equal(3, rejected);
        }

        heap.Validate();
        Assert.Equal(0, heap.GetStatistics().LiveBytes);
    }
}
