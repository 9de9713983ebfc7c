using System;
using System.Collections.Generic;
using System.Threading;
using Numa.Tests.Stress;
using Xunit;

namespace Numa.Tests.Engine;

public sealed unsafe class HeapBasicsTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(16)]
    [InlineData(100)]
    [InlineData(4096)]
    [InlineData(256 * 1024)]
    [InlineData(256 * 1024 + 1)]
    [InlineData(5 * 1024 * 1024)]
    public void AllocatedBlocks_AreWritable_AndValidateAfterFree(int size)
    {
        using Heap heap = TestHeaps.Create();
        var blocks = new List<nint>();
        for (int i = 0; i < 200; i++)
        {
            byte* p = (byte*)heap.Alloc((nuint)size);
            Assert.True(((nuint)p & 15) == 0);
            new Span<byte>(p, size).Fill((byte)i);
            blocks.Add((nint)p);
        }

        heap.Validate();
        for (int i = 0; i < blocks.Count; i++)
        {
            var span = new ReadOnlySpan<byte>((void*)blocks[i], size);
            Assert.False(span.ContainsAnyExcept((byte)i));
            heap.Free((void*)blocks[i]);
        }

        heap.Validate();
        heap.Trim();
        heap.Validate();
        Assert.Equal(0, heap.GetStatistics().LiveBytes);
    }

    /// <summary>
    /// Every free of a thread's own blocks counts once as a local free: those its lists take on the fast
    /// path, those that overflow a list to the node heap and those of big blocks; while the thread lives
    /// (read from its cache) and after it exited and its cache was folded into the node.
    /// </summary>
    [Fact]
    public void LocalFrees_CountEveryFreeOfTheThreadsOwnBlocksOnce_BeforeAndAfterItsCacheIsFolded()
    {
        using Heap heap = TestHeaps.Create();
        const int Small = 5000;
        const int Big = 20;
        long countedWhileAlive = -1;
        var worker = new TestThread(() =>
        {
            // Seven classes, more blocks of each than a thread cache keeps: most frees stay in the
            // lists, the rest overflow to the node heap.
            var blocks = new List<nint>();
            for (int i = 0; i < Small; i++)
            {
                blocks.Add((nint)heap.Alloc((nuint)(16 + (i % 7 * 100))));
            }

            for (int i = 0; i < Big; i++)
            {
                blocks.Add((nint)heap.Alloc(300_000));
            }

            foreach (nint block in blocks)
            {
                heap.Free((void*)block);
            }

            countedWhileAlive = heap.GetStatistics().Nodes[0].LocalFrees;
        });
        worker.Start();
        worker.Join();
        Assert.Equal(Small + Big, countedWhileAlive);

        // A new thread's first allocation gives back the caches of exited threads, folding their counts.
        var next = new TestThread(() => heap.Free(heap.Alloc(16)));
        next.Start();
        next.Join();
        Assert.Equal(Small + Big + 1, heap.GetStatistics().Nodes[0].LocalFrees);
        Quiescence.AssertSettled(heap);
        Assert.Equal(Small + Big + 1, heap.GetStatistics().Nodes[0].LocalFrees);
    }

    [Fact]
    public void CrossThreadFrees_ReturnEverything()
    {
        using Heap heap = TestHeaps.Create(simulatedNodes: 2);
        var handoff = new nint[10000];
        var producer = new TestThread(() =>
        {
            heap.BindCurrentThread(0);
            for (int i = 0; i < handoff.Length; i++)
            {
                byte* p = (byte*)heap.Alloc((nuint)(16 + (i % 500)));
                *p = (byte)i;
                handoff[i] = (nint)p;
            }
        });
        producer.Start();
        producer.Join();
        var consumer = new TestThread(() =>
        {
            heap.BindCurrentThread(1);
            for (int i = 0; i < handoff.Length; i++)
            {
                Assert.Equal(0, heap.GetNode((void*)handoff[i]));
                Assert.Equal((byte)i, *(byte*)handoff[i]);
                heap.Free((void*)handoff[i]);
            }

            heap.Trim();
        });
        consumer.Start();
        consumer.Join();
        NumaHeapStatistics stats = heap.GetStatistics();
        Assert.Equal(handoff.Length, stats.Nodes[1].RemoteFreesSent);
        Assert.Equal(handoff.Length, stats.Nodes[0].RemoteFreesReceived);
        heap.Validate();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Assert.Equal(0, heap.GetStatistics().LiveBytes);
    }

    [Fact]
    public void AllocateOnAnotherNode_TakesOneBlock_EvenWhenThatNodeHoldsWholeTransferBatches()
    {
        using Heap heap = TestHeaps.Create(simulatedNodes: 2);

        // Node 1's thread frees thousands of blocks: its overflows leave whole transfer batches
        // in node 1's central free list.
        var filler = new TestThread(() =>
        {
            heap.BindCurrentThread(1);
            var blocks = new nint[5000];
            for (int i = 0; i < blocks.Length; i++)
            {
                blocks[i] = (nint)heap.Alloc(64);
            }

            foreach (nint block in blocks)
            {
                heap.Free((void*)block);
            }
        });
        filler.Start();
        filler.Join();

        // A node-0 thread asks node 1 for single blocks: each request must take exactly one.
        var requester = new TestThread(() =>
        {
            heap.BindCurrentThread(0);
            for (int i = 0; i < 100; i++)
            {
                void* block = heap.Allocate(64, NumaPlacement.OnNode(1));
                Assert.Equal(1, heap.GetNode(block));
                heap.Free(block);
            }

            heap.Trim();
        });
        requester.Start();
        requester.Join();

        GC.Collect();
        GC.WaitForPendingFinalizers();
        heap.Trim();
        heap.Validate();
        Assert.Equal(0, heap.GetStatistics().LiveBytes);
    }

    [Fact]
    public void ResidentBytes_CountsResidentPagesAboveThePageHeapsFrontier()
    {
        // Under THP "always" a fault near the frontier brings in a whole huge page, part of it above
        // the frontier but committed: the kernel counts those pages, so the statistics must too.
        // Touching a committed page past the only block stands in for such a fault.
        using Heap heap = TestHeaps.Create();
        byte* block = (byte*)heap.Alloc(64 * 1024);
        block[0] = 1;
        long before = heap.GetStatistics().Nodes[0].ResidentBytes;
        Assert.True(before > 0, $"resident {before}");
        block[1024 * 1024] = 1;
        Assert.Equal(before + Environment.SystemPageSize, heap.GetStatistics().Nodes[0].ResidentBytes);
        heap.Free(block);
    }
}
