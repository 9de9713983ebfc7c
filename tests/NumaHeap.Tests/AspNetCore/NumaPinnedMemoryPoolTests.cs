using System;
using System.Buffers;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Threading;
using Numa.AspNetCore;
using Numa.Platform;
using Xunit;

namespace Numa.Tests.AspNetCore;

public sealed unsafe class NumaPinnedMemoryPoolTests
{
    [Fact]
    public void Blocks_AreArrayBacked_PageAligned_Distinct_AndOnTheRentersNode()
    {
        using var pool = new NumaPinnedMemoryPool();
        var owners = new List<IMemoryOwner<byte>>();
        var arrays = new HashSet<(byte[], int)>();
        for (int i = 0; i < 200; i++)
        {
            IMemoryOwner<byte> owner = pool.Rent();
            Assert.Equal(NumaPinnedMemoryPool.BlockSize, owner.Memory.Length);
            Assert.True(MemoryMarshal.TryGetArray<byte>(owner.Memory, out ArraySegment<byte> segment), "Kestrel's socket sends need array-backed segments");
            Assert.True(arrays.Add((segment.Array!, segment.Offset)), "a block was handed out twice");
            owner.Memory.Span.Fill((byte)i);
            owners.Add(owner);
        }

        for (int i = 0; i < owners.Count; i++)
        {
            Span<byte> span = owners[i].Memory.Span;
            Assert.True(span.IndexOfAnyExcept((byte)i) < 0, $"block {i} was overwritten");
            fixed (byte* data = span)
            {
                Assert.Equal(0, (nint)data % Environment.SystemPageSize);
                if (OsMemory.Default.SupportsNuma)
                {
                    var node = new int[1];
                    OsMemory.Default.QueryPageNodes([(nint)data], node);
                    Assert.Equal(NumaHeap.Topology.Nodes[Math.Max(0, NumaHeap.CurrentNode)].OsNode, node[0]);
                }
            }
        }

        foreach (IMemoryOwner<byte> owner in owners)
        {
            owner.Dispose();
        }

        Assert.Equal(4 * NumaPinnedMemoryPool.SlabBytes / NumaPinnedMemoryPool.BlockSize * NumaPinnedMemoryPool.BlockSize, pool.CachedBytes);
        Assert.Equal(4 * NumaPinnedMemoryPool.SlabBytes, pool.SlabBytesAllocated);
    }

    [Fact]
    public void DisposingAnOwnerTwice_ReturnsItsBlockOnce()
    {
        using var pool = new NumaPinnedMemoryPool();
        IMemoryOwner<byte> owner = pool.Rent();
        owner.Dispose();
        owner.Dispose();
        long cached = pool.CachedBytes;

        // Were the block queued twice, two of the next rents would share it.
        var seen = new HashSet<(byte[], int)>();
        var rented = new List<IMemoryOwner<byte>>();
        for (long i = 0; i < cached / NumaPinnedMemoryPool.BlockSize; i++)
        {
            IMemoryOwner<byte> next = pool.Rent();
            Assert.True(MemoryMarshal.TryGetArray<byte>(next.Memory, out ArraySegment<byte> segment));
            Assert.True(seen.Add((segment.Array!, segment.Offset)), "a block disposed twice was handed out twice");
            rented.Add(next);
        }

        rented.ForEach(o => o.Dispose());
    }

    [Theory]
    [InlineData(-2)]
    [InlineData(NumaPinnedMemoryPool.BlockSize + 1)]
    public void Rent_OutsideTheBlockSize_ThrowsArgumentOutOfRange(int size)
    {
        using var pool = new NumaPinnedMemoryPool();
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => pool.Rent(size));
        Assert.Equal("minBufferSize", e.ParamName);
        Assert.Equal(NumaPinnedMemoryPool.BlockSize, pool.Rent(NumaPinnedMemoryPool.BlockSize).Memory.Length);
    }

    [Fact]
    public void Rent_AfterDispose_ThrowsObjectDisposed()
    {
        var pool = new NumaPinnedMemoryPool();
        IMemoryOwner<byte> owner = pool.Rent();
        pool.Dispose();
        Assert.Throws<ObjectDisposedException>(() => pool.Rent());
        owner.Dispose();
    }

    [Fact]
    public void AnIdleNode_DropsItsFreeBlocks_ABusyOneKeepsThem()
    {
        using var pool = new NumaPinnedMemoryPool(TimeSpan.FromMilliseconds(50));
        pool.Rent().Dispose();
        Assert.True(pool.CachedBytes > 0);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (pool.CachedBytes > 0 && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(20);
        }

        Assert.Equal(0, pool.CachedBytes);
    }

    [Fact]
    public void ConcurrentRentAndReturn_NeverShareABlock()
    {
        using var pool = new NumaPinnedMemoryPool();
        var threads = new TestThread[4];
        for (int t = 0; t < threads.Length; t++)
        {
            byte mark = (byte)(t + 1);
            threads[t] = new TestThread(() =>
            {
                for (int i = 0; i < 20_000; i++)
                {
                    using IMemoryOwner<byte> owner = pool.Rent();
                    Span<byte> span = owner.Memory.Span;
                    span.Fill(mark);
                    Thread.SpinWait(10);
                    Assert.True(span.IndexOfAnyExcept(mark) < 0, "another renter wrote into a rented block");
                }
            });
        }

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
