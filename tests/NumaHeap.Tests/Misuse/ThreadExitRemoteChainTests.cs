using System;
using System.Collections.Generic;
using System.Diagnostics;
using Numa.Tests.Contract;
using Numa.Tests.Engine;
using Xunit;
using Xunit.Abstractions;

namespace Numa.Tests.Misuse;

/// <summary>
/// A thread that exits with frees still waiting in its remote chains (blocks of another node, or on
/// one node of another shard) and blocks of its own still live, again and again while the
/// maintenance timer collects remote chains: once a new thread has started, every block gets home.
/// Freed, the heap holds no live bytes and validates, and the bystanders are intact.
/// </summary>
public sealed unsafe class ThreadExitRemoteChainTests(ITestOutputHelper output)
{
    private const int Generations = 2000;

    // Fewer blocks of each class than a remote chain's batch, so that the chains are still pending at exit.
    private const int PerSize = 3;

    private static readonly TimeSpan s_timeLimit = TimeSpan.FromSeconds(1.5);
    private static readonly nuint[] s_sizes = [16, 64, 100, 4000, 1024 * 1024];

    [Theory]
    [InlineData(1, false)]
    [InlineData(1, true)]
    [InlineData(4, false)]
    [InlineData(4, true)]
    public void AThreadExitingWithPendingRemoteFrees_GetsEveryBlockHome(int nodes, bool checks)
    {
        // Two shards on one node: the exiting thread takes the shard the test thread does not hold.
        using Heap heap = TestHeaps.Create(simulatedNodes: nodes, checks: checks, purgeDelayMs: 5, shardsPerNode: nodes == 1 ? 2 : 0);
        if (nodes > 1)
        {
            heap.BindCurrentThread(0);
        }

        var bystanders = new Bystanders(heap);
        long baseline = heap.GetStatistics().LiveBytes;
        var clock = Stopwatch.StartNew();
        int generation = 0;
        for (; generation < Generations && clock.Elapsed < s_timeLimit; generation++)
        {
            List<(nint Block, nuint Size)> theirs = AllocFilled(heap);
            List<(nint Block, nuint Size)> left = [];
            var exiting = new TestThread(() =>
            {
                if (nodes > 1)
                {
                    heap.BindCurrentThread(nodes - 1);
                }

                CheckAndFree(heap, theirs);
                List<(nint Block, nuint Size)> mine = AllocFilled(heap);
                left.AddRange(mine.FindAll(b => mine.IndexOf(b) % 2 == 0));
                CheckAndFree(heap, mine.FindAll(b => mine.IndexOf(b) % 2 != 0));
            });
            exiting.Start();
            exiting.Join();

            // A new thread's first allocation gives back the caches of threads that exited.
            var next = new TestThread(() => heap.Free(heap.Alloc(16)));
            next.Start();
            next.Join();
            CheckAndFree(heap, left);
            if (generation % 16 == 0)
            {
                heap.Validate();
            }
        }

        output.WriteLine($"{generation} generations of exiting threads");
        if (nodes > 1)
        {
            // Every block the exiting threads freed was another node's.
            long sent = heap.GetStatistics().RemoteFreesSent;
            Assert.True(sent >= (long)generation * PerSize * s_sizes.Length, $"{sent} remote frees in {generation} generations");
        }

        heap.Trim();
        heap.Validate();
        Assert.Equal(baseline, heap.GetStatistics().LiveBytes);
        bystanders.AssertIntactAndHeapUsable();
        bystanders.FreeAll();
        heap.Trim();
        Assert.Equal(0, heap.GetStatistics().LiveBytes);
    }

    // PerSize blocks of each size, each filled with a pattern seeded by its address.
    private static List<(nint Block, nuint Size)> AllocFilled(Heap heap)
    {
        var blocks = new List<(nint Block, nuint Size)>();
        foreach (nuint size in s_sizes)
        {
            for (int i = 0; i < PerSize; i++)
            {
                void* block = heap.Alloc(size);
                BytePattern.Fill(block, Math.Min(size, 4096), Seed(block));
                blocks.Add(((nint)block, size));
            }
        }

        return blocks;
    }

    private static void CheckAndFree(Heap heap, List<(nint Block, nuint Size)> blocks)
    {
        foreach ((nint block, nuint size) in blocks)
        {
            Assert.True(BytePattern.Holds((void*)block, Math.Min(size, 4096), Seed((void*)block)), $"The {size}-byte block at 0x{block:X} lost its contents.");
            heap.Free((void*)block);
        }
    }

    private static int Seed(void* block) => (int)((nint)block >> 4);
}
