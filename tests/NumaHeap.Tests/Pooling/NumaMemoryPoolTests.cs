using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO.Pipelines;
using System.Threading;
using System.Threading.Tasks;
using Numa.Tests.Engine;
using Numa.Tests.Platform;
using Xunit;

namespace Numa.Tests.Pooling;

/// <summary>NumaMemoryPool: per-node stacks of NumaHeap blocks behind the MemoryPool contract.</summary>
public sealed class NumaMemoryPoolTests
{
    private const int Block = 4096;

    [Fact]
    public void DisposedOwner_ReturnsItsBlock_AndTheNextRentOnTheNodeGetsItBack()
    {
        using Heap heap = TestHeaps.Create();
        using var pool = new NumaMemoryPool(heap, Block, 16, TimeSpan.Zero);
        IMemoryOwner<byte> first = pool.Rent(100);
        Assert.Equal(Block, first.Memory.Length);
        nint address = AddressOf(first);
        first.Dispose();
        Assert.Equal(1, pool.CachedBlocksOf(0));

        using IMemoryOwner<byte> second = pool.Rent();
        Assert.Equal(address, AddressOf(second));
        Assert.Equal(0, pool.CachedBlocksOf(0));
    }

    [Fact]
    public void DoubleDispose_IsHarmless_AndUseAfterDispose_ThrowsObjectDisposed()
    {
        using Heap heap = TestHeaps.Create(checks: true);
        using var pool = new NumaMemoryPool(heap, Block, 16, TimeSpan.Zero);
        IMemoryOwner<byte> owner = pool.Rent();
        Memory<byte> memory = owner.Memory;
        memory.Span.Fill(7);
        owner.Dispose();
        owner.Dispose();
        Assert.Equal(1, pool.CachedBlocksOf(0));

        Assert.Throws<ObjectDisposedException>(() => owner.Memory);
        Assert.Throws<ObjectDisposedException>(() => memory.Span.Length);
        Assert.Throws<ObjectDisposedException>(() => memory.Pin());

        // The block was returned once: two rents get two different blocks.
        using IMemoryOwner<byte> a = pool.Rent();
        using IMemoryOwner<byte> b = pool.Rent();
        Assert.NotEqual(AddressOf(a), AddressOf(b));
        heap.Validate();
    }

    [Fact]
    public unsafe void Blocks_ArePlacedOnTheRentersNode_AndGoBackToTheirNodesStack_WhereverTheyAreDisposed()
    {
        using Heap heap = TestHeaps.Create(simulatedNodes: 2);
        using var pool = new NumaMemoryPool(heap, Block, 16, TimeSpan.Zero);
        IMemoryOwner<byte>? owner = null;
        nint onNode1 = 0;
        DedicatedThread.Run(() =>
        {
            heap.BindCurrentThread(1);
            owner = pool.Rent();
            onNode1 = AddressOf(owner);
        });
        Assert.Equal(1, heap.GetNode((void*)onNode1));

        // Disposed by a thread of node 0, the block still goes back to node 1's stack.
        DedicatedThread.Run(() =>
        {
            heap.BindCurrentThread(0);
            owner!.Dispose();
            Assert.Equal(0, pool.CachedBlocksOf(0));
            Assert.Equal(1, pool.CachedBlocksOf(1));

            using IMemoryOwner<byte> local = pool.Rent();
            Assert.NotEqual(onNode1, AddressOf(local));
            Assert.Equal(0, heap.GetNode((void*)AddressOf(local)));
        });

        DedicatedThread.Run(() =>
        {
            heap.BindCurrentThread(1);
            using IMemoryOwner<byte> again = pool.Rent();
            Assert.Equal(onNode1, AddressOf(again));
        });
    }

    [Fact]
    public void BuffersBiggerThanABlock_AreNotPooled_AndFreedOnDispose()
    {
        using Heap heap = TestHeaps.Create();
        using var pool = new NumaMemoryPool(heap, Block, 16, TimeSpan.Zero);
        IMemoryOwner<byte> big = pool.Rent(1_000_000);
        Assert.True(big.Memory.Length >= 1_000_000);
        big.Memory.Span.Fill(1);
        Assert.True(heap.GetStatistics().LiveBytes >= 1_000_000);
        big.Dispose();
        Assert.Equal(0, pool.CachedBytes);
        Assert.Equal(0, heap.GetStatistics().LiveBytes);
    }

    [Fact]
    public void EachNodesStack_KeepsAtMostMaxRetainedBlocks_TheRestGoBackToTheHeap()
    {
        using Heap heap = TestHeaps.Create();
        using var pool = new NumaMemoryPool(heap, Block, maxRetainedBlocksPerNode: 2, TimeSpan.Zero);
        var owners = new IMemoryOwner<byte>[5];
        for (int i = 0; i < owners.Length; i++)
        {
            owners[i] = pool.Rent();
        }

        foreach (IMemoryOwner<byte> owner in owners)
        {
            owner.Dispose();
        }

        Assert.Equal(2 * Block, pool.CachedBytes);
        Assert.Equal(2 * Block, heap.GetStatistics().LiveBytes);
    }

    [Fact]
    public void AStackIdleForAWholeTrimInterval_GivesItsBlocksBack_AndTrimGivesEverythingBack()
    {
        using Heap heap = TestHeaps.Create();
        using var pool = new NumaMemoryPool(heap, Block, 16, TimeSpan.Zero);
        pool.Rent().Dispose();
        pool.TrimIdle();
        Assert.Equal(1, pool.CachedBlocksOf(0));
        pool.TrimIdle();
        Assert.Equal(0, pool.CachedBlocksOf(0));
        Assert.Equal(0, heap.GetStatistics().LiveBytes);

        pool.Rent().Dispose();
        pool.Trim();
        Assert.Equal(0, pool.CachedBytes);
        Assert.Equal(0, heap.GetStatistics().LiveBytes);
    }

    [Fact]
    public void DisposedPool_RefusesRents_FreesItsBlocks_AndFreesBlocksReturnedLater()
    {
        using Heap heap = TestHeaps.Create();
        var pool = new NumaMemoryPool(heap, Block, 16, TimeSpan.Zero);
        IMemoryOwner<byte> outstanding = pool.Rent();
        pool.Rent().Dispose();
        pool.Dispose();
        pool.Dispose();
        Assert.Throws<ObjectDisposedException>(() => pool.Rent());
        Assert.Equal(Block, heap.GetStatistics().LiveBytes);
        outstanding.Dispose();
        Assert.Equal(0, heap.GetStatistics().LiveBytes);
    }

    [Fact]
    public void ThreadsOfSeveralNodes_RentingAndDisposingAtOnce_NeverShareABlock()
    {
        using Heap heap = TestHeaps.Create(simulatedNodes: 4, checks: true);
        var pool = new NumaMemoryPool(heap, Block, 8, TimeSpan.Zero);
        var threads = new Thread[4];
        Exception? failure = null;
        for (int t = 0; t < threads.Length; t++)
        {
            int node = t;
            threads[t] = new Thread(() =>
            {
                try
                {
                    heap.BindCurrentThread(node);
                    var held = new Queue<(IMemoryOwner<byte> Owner, byte Tag)>();
                    var random = new Random(node);
                    for (int i = 0; i < 5000; i++)
                    {
                        // Each buffer is filled with its own tag and checked before it goes back:
                        // a block handed to two renters at once would show the other's tag.
                        byte tag = (byte)random.Next(256);
                        IMemoryOwner<byte> owner = pool.Rent(random.Next(2) == 0 ? -1 : random.Next(1, 3 * Block));
                        owner.Memory.Span.Fill(tag);
                        held.Enqueue((owner, tag));
                        if (held.Count > 16 || random.Next(4) == 0)
                        {
                            (IMemoryOwner<byte> old, byte oldTag) = held.Dequeue();
                            Assert.False(old.Memory.Span.ContainsAnyExcept(oldTag));
                            old.Dispose();
                        }
                    }

                    while (held.Count > 0)
                    {
                        (IMemoryOwner<byte> old, byte oldTag) = held.Dequeue();
                        Assert.False(old.Memory.Span.ContainsAnyExcept(oldTag));
                        old.Dispose();
                    }
                }
                catch (Exception e)
                {
                    failure = e;
                }
            });
            threads[t].Start();
        }

        foreach (Thread thread in threads)
        {
            thread.Join();
        }

        Assert.Null(failure);
        Assert.True(pool.CachedBytes <= 4 * 8 * Block);
        pool.Dispose();
        heap.Trim();
        Assert.Equal(0, heap.GetStatistics().LiveBytes);
    }

    [Fact]
    public void RentBelowMinusOne_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new NumaMemoryPool().Rent(-2));

    [Fact]
    public async Task APipeOverThePool_CarriesEveryByte_AndReturnsEverySegment()
    {
        using Heap heap = TestHeaps.Create(simulatedNodes: 2);
        var pool = new NumaMemoryPool(heap, Block, 64, TimeSpan.Zero);
        var pipe = new Pipe(new PipeOptions(pool: pool, minimumSegmentSize: Block, pauseWriterThreshold: 64 * 1024, resumeWriterThreshold: 32 * 1024, useSynchronizationContext: false));
        const int Total = 1 << 20;

        Task writing = Task.Run(async () =>
        {
            int written = 0;
            while (written < Total)
            {
                Memory<byte> memory = pipe.Writer.GetMemory(1000);
                int chunk = Math.Min(Math.Min(memory.Length, 3000), Total - written);
                Fill(memory.Span[..chunk], written);

                pipe.Writer.Advance(chunk);
                written += chunk;
                await pipe.Writer.FlushAsync();
            }

            await pipe.Writer.CompleteAsync();
        });

        long read = 0;
        while (true)
        {
            ReadResult result = await pipe.Reader.ReadAsync();
            foreach (ReadOnlyMemory<byte> segment in result.Buffer)
            {
                ReadOnlySpan<byte> span = segment.Span;
                for (int i = 0; i < span.Length; i++)
                {
                    if (span[i] != (byte)((read + i) * 31))
                    {
                        Assert.Fail($"Byte {read + i} came out of the pipe as {span[i]}, not {(byte)((read + i) * 31)}.");
                    }
                }

                read += span.Length;
            }

            pipe.Reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                break;
            }
        }

        await pipe.Reader.CompleteAsync();
        await writing;
        Assert.Equal(Total, read);

        // Every segment came from the pool and went back to it.
        Assert.True(pool.CachedBytes > 0);
        Assert.Equal(pool.CachedBytes, heap.GetStatistics().LiveBytes);
        pool.Dispose();
        Assert.Equal(0, heap.GetStatistics().LiveBytes);
    }

    private static void Fill(Span<byte> span, long offset)
    {
        for (int i = 0; i < span.Length; i++)
        {
            span[i] = (byte)((offset + i) * 31);
        }
    }

    private static unsafe nint AddressOf(IMemoryOwner<byte> owner)
    {
        using MemoryHandle handle = owner.Memory.Pin();
        return (nint)handle.Pointer;
    }
}
