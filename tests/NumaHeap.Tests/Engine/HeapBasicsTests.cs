using System;
using System.Collections.Generic;
using System.Threading;
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
}
