using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Numa.Tests.Platform;
using Numa.Tests.Stress;
using Xunit;
using static Numa.PageMapLayout;

namespace Numa.Tests.Engine;

/// <summary>
/// Node heaps split into shards: threads of one node draw from different shards, so no page (and so
/// no cache line) holds blocks of two threads; a block freed by a thread of a sibling shard goes home
/// instead of into the freeing thread's cache; a thread that starts after another exited takes the
/// shard it left, but never one that another new thread took already; and one thread can use every
/// shard's room.
/// </summary>
public sealed unsafe class ShardTests
{
    private static readonly nuint[] Sizes = [8, 24, 48, 80, 144, 200, 1000];

    [Fact]
    public void TwoThreadsOfOneNode_NeverGetBlocksOnTheSamePage()
    {
        using Heap heap = TestHeaps.Create(shardsPerNode: 2);
        AssertTwoThreadsShareNoPage(heap);
        Quiescence.AssertSettled(heap);
    }

    [Fact]
    public void TwoThreadsThatReplaceTwoExitedOnes_StillShareNoPage()
    {
        // The test thread holds a shard too, as a program's main thread does: the two new threads must
        // still take a shard each, not both the one that a single exited thread left.
        using Heap heap = TestHeaps.Create(shardsPerNode: 2);
        void* own = heap.Alloc(64);
        for (int round = 0; round < 8; round++)
        {
            AssertTwoThreadsShareNoPage(heap);
        }

        heap.Free(own);
        Quiescence.AssertSettled(heap);
    }

    [Fact]
    public void ABlockFreedByAThreadOfASiblingShard_IsNotReusedByThatThread()
    {
        using Heap heap = TestHeaps.Create(shardsPerNode: 2);
        nint given = 0;
        nint reused = 0;
        using var handedOver = new Barrier(2);
        using var done = new Barrier(2);
        RunTogether(t =>
        {
            if (t == 0)
            {
                given = (nint)heap.Alloc(64);
                Meet(handedOver);
                Meet(done);
            }
            else
            {
                Meet(handedOver);
                heap.Free((void*)given);

                // With one shared shard this pop would return the block just freed, whose cache line
                // the allocating thread may still be writing (cache-scratch's false sharing).
                reused = (nint)heap.Alloc(64);
                heap.Free((void*)reused);
                Meet(done);
            }
        });

        Assert.NotEqual(given >> 6, reused >> 6);
        Quiescence.AssertSettled(heap);
        NumaHeapStatistics statistics = heap.GetStatistics();

        // Going home to a sibling shard is not a remote free: the block never left its node.
        Assert.Equal(0, statistics.RemoteFreesSent);
        Assert.Equal(0, statistics.RemoteFreesReceived);
    }

    [Fact]
    public void AThreadThatStartsAfterAnotherExited_TakesTheShardItLeft()
    {
        // The second thread's refill finds the first thread's span, with the blocks its exit gave
        // back, only on the same shard: a sibling shard would carve a span of its own, elsewhere.
        // (Without the hand-off, ties between unused shards go round robin: to the next shard.)
        using Heap heap = TestHeaps.Create(shardsPerNode: 4);
        nint first = 0;
        nint second = 0;
        DedicatedThread.Run(() => first = (nint)heap.Alloc(64));
        DedicatedThread.Run(() => second = (nint)heap.Alloc(64));

        Assert.Equal(first >> PageShift, second >> PageShift);
        heap.Free((void*)first);
        heap.Free((void*)second);
        Quiescence.AssertSettled(heap);
    }

    [Fact]
    public void OneThread_FillsEveryShardOfItsNode_BeforeItRunsOutOfMemory()
    {
        // A 1 GiB region: a quarter for spans, 64 MiB per shard.
        using Heap heap = TestHeaps.Create(regionShift: 30, shardsPerNode: 4);
        const nuint BlockSize = 16 * 1024;
        var blocks = new List<nint>();
        OutOfMemoryException? refusal = null;
        DedicatedThread.Run(() =>
        {
            try
            {
                while (true)
                {
                    blocks.Add((nint)heap.Alloc(BlockSize));
                }
            }
            catch (OutOfMemoryException e)
            {
                refusal = e;
            }

            heap.Validate();
            foreach (nint p in blocks)
            {
                heap.Free((void*)p);
            }
        });

        // Most of the 256 MiB of spans was used, not just the first shard's 64 MiB.
        Assert.NotNull(refusal);
        Assert.Contains("no room left for a span", refusal.Message, StringComparison.Ordinal);
        Assert.True((long)blocks.Count * (long)BlockSize > 200L << 20, $"only {blocks.Count} blocks of {BlockSize} bytes before running out");
        Quiescence.AssertSettled(heap);
    }

    // Allocate(OnNode) takes each block from the target node's shards, the calling thread's shard
    // number first: once that shard is full, every call goes on to the next shard. The fallback is
    // a loop over the shards, not an OutOfMemoryException thrown under a lock and caught per call:
    // the only exception is the refusal once every shard is full.
    [Fact]
    public void AllocateOnNode_WithItsFirstShardFull_ThrowsNothingUntilEveryShardIsFull()
    {
        // A 1 GiB region: a quarter for spans, 128 MiB per shard.
        using Heap heap = TestHeaps.Create(simulatedNodes: 2, regionShift: 30, shardsPerNode: 2);
        const nuint BlockSize = 64 * 1024;
        var blocks = new List<nint>();
        int outOfMemoryThrown = 0;
        OutOfMemoryException? refusal = null;
        DedicatedThread.Run(() =>
        {
            var thread = Thread.CurrentThread;
            void Count(object? sender, System.Runtime.ExceptionServices.FirstChanceExceptionEventArgs e)
            {
                if (e.Exception is OutOfMemoryException && Thread.CurrentThread == thread)
                {
                    outOfMemoryThrown++;
                }
            }

            heap.BindCurrentThread(0);
            AppDomain.CurrentDomain.FirstChanceException += Count;
            try
            {
                while (true)
                {
                    var block = (long*)heap.Allocate(BlockSize, NumaPlacement.OnNode(1));
                    *block = blocks.Count;
                    blocks.Add((nint)block);
                }
            }
            catch (OutOfMemoryException e)
            {
                refusal = e;
            }
            finally
            {
                AppDomain.CurrentDomain.FirstChanceException -= Count;
            }
        });

        Assert.NotNull(refusal);
        Assert.Equal(1, outOfMemoryThrown);
        Assert.Contains("in any of its 2 shard(s)", refusal.Message, StringComparison.Ordinal);
        Assert.True((long)blocks.Count * (long)BlockSize > 200L << 20, $"only {blocks.Count} blocks of {BlockSize} bytes before running out");
        heap.Validate();
        for (int i = 0; i < blocks.Count; i++)
        {
            Assert.Equal(i, *(long*)blocks[i]);
            Assert.Equal(1, heap.GetNode((void*)blocks[i]));
            heap.Free((void*)blocks[i]);
        }

        Quiescence.AssertSettled(heap);
    }

    // Two threads allocate at the same time and hold their blocks (and their shards) until both are done.
    private static void AssertTwoThreadsShareNoPage(Heap heap)
    {
        var blocks = new[] { new List<nint>(), new List<nint>() };
        var nodes = new[] { new List<int>(), new List<int>() };
        using var allocated = new Barrier(2);
        RunTogether(t =>
        {
            for (int i = 0; i < 3000; i++)
            {
                nint p = (nint)heap.Alloc(Sizes[i % Sizes.Length]);
                nodes[t].Add(heap.GetNode((void*)p));
                blocks[t].Add(p);
            }

            Meet(allocated);
            foreach (nint p in blocks[t])
            {
                heap.Free((void*)p);
            }
        });

        var pagesOfFirst = new HashSet<nint>(blocks[0].Select(p => p >> PageShift));
        Assert.DoesNotContain(blocks[1], p => pagesOfFirst.Contains(p >> PageShift));
        Assert.All(nodes.SelectMany(n => n), node => Assert.Equal(0, node));
    }

    // A thread that failed before the meeting point must not leave the other waiting for ever.
    private static void Meet(Barrier barrier)
    {
        if (!barrier.SignalAndWait(TimeSpan.FromSeconds(30)))
        {
            throw new TimeoutException("The other test thread never reached the barrier.");
        }
    }

    // Runs body(0) and body(1) on threads of their own, at the same time, and rethrows what they threw.
    private static void RunTogether(Action<int> body)
    {
        TestThread[] threads = [new(() => body(0)), new(() => body(1))];
        foreach (TestThread thread in threads)
        {
            thread.Start();
        }

        foreach (TestThread thread in threads)
        {
            thread.Join();
        }
    }
}
