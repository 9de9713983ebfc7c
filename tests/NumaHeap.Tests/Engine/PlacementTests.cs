using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Threading;
using Numa.Configuration;
using Numa.Platform;
using Xunit;
using Xunit.Abstractions;

namespace Numa.Tests.Engine;

/// <summary>Where blocks really are, and the thread-placement modes.</summary>
public sealed unsafe class PlacementTests(ITestOutputHelper output)
{
    [Fact]
    public void EveryRealNode_HoldsThePagesOfTheBlocksPlacedOnIt_AsTheKernelReports()
    {
        if (!OsMemory.Default.SupportsNuma)
        {
            output.WriteLine("No NUMA support in this kernel: placement cannot be queried.");
            return;
        }

        using Heap heap = TestHeaps.Create(simulatedNodes: 0);
        foreach (NumaNode node in heap.Topology.Nodes)
        {
            var blocks = new List<(nint Block, int Size)>
            {
                ((nint)heap.Allocate(64 * 1024, NumaPlacement.OnNode(node.Id)), 64 * 1024),
                ((nint)heap.Allocate(4 * 1024 * 1024, NumaPlacement.OnNode(node.Id)), 4 * 1024 * 1024),
            };

            // A thread bound to the node allocates there with plain Alloc, small and big.
            var thread = new TestThread(() =>
            {
                heap.BindCurrentThread(node.Id);
                blocks.Add(((nint)heap.Alloc(1000), 1000));
                blocks.Add(((nint)heap.Alloc(2 * 1024 * 1024), 2 * 1024 * 1024));
            });
            thread.Start();
            thread.Join();

            foreach (var (block, size) in blocks)
            {
                Assert.Equal(node.Id, heap.GetNode((void*)block));
                new Span<byte>((void*)block, size).Fill(1);
                var pages = new List<nint>();
                for (nint page = block & ~4095; page < block + size; page += 4096)
                {
                    pages.Add(page);
                }

                var nodes = new int[pages.Count];
                OsMemory.Default.QueryPageNodes(pages.ToArray(), nodes);
                Assert.All(nodes, osNode => Assert.Equal(node.OsNode, osNode));
                heap.Free((void*)block);
            }

            output.WriteLine($"node {node.Id} (OS node {node.OsNode}): every page of {blocks.Count} blocks is on it");
        }
    }

    [Fact]
    public void SpilledBytes_IsZeroWhereEveryPageIsOnItsNode_AndUnknownForSimulatedNodes()
    {
        using (Heap real = TestHeaps.Create(simulatedNodes: 0))
        {
            byte* block = (byte*)real.Alloc(8 * 1024 * 1024);
            new Span<byte>(block, 8 * 1024 * 1024).Fill(1);
            NumaNodeStatistics node = real.GetStatistics().Nodes[real.CurrentNode];
            Assert.Equal(OsMemory.Default.SupportsNuma ? 0 : -1, node.SpilledBytes);
            Assert.Equal(0, real.GetStatistics().Interleaved.SpilledBytes);
            real.Free(block);
        }

        using Heap simulated = TestHeaps.Create(simulatedNodes: 2);
        simulated.Free(simulated.Alloc(1000));
        Assert.All(simulated.GetStatistics().Nodes, n => Assert.Equal(-1, n.SpilledBytes));
    }

    [Fact]
    public void MovePagesToNode_PlacesTheWholePagesOfCallerMemory_AsTheKernelReports()
    {
        using Heap heap = TestHeaps.Create(simulatedNodes: 0);
        byte[] buffer = GC.AllocateArray<byte>(64 * 1024 + 100, pinned: true);
        buffer.AsSpan().Fill(1);
        fixed (byte* data = buffer)
        {
            long placed = heap.MovePagesToNode(data + 100, 64 * 1024, heap.Topology.NodeCount - 1);
            if (!OsMemory.Default.SupportsNuma)
            {
                Assert.Equal(0, placed);
                return;
            }

            // Whole pages inside the range only: 64 KiB from an unaligned start holds 15 of 4 KiB.
            nint first = ((nint)data + 100 + 4095) & ~(nint)4095;
            Assert.Equal(((nint)data + 100 + (64 * 1024) - first) / 4096, placed);
            var nodes = new int[1];
            OsMemory.Default.QueryPageNodes([first], nodes);
            Assert.Equal(heap.Topology.Nodes[^1].OsNode, nodes[0]);
        }

        Assert.True(buffer.AsSpan().IndexOfAnyExcept((byte)1) < 0, "moving pages changed their contents");
    }

    [Fact]
    public void MovePagesToNode_RefusesBadRanges_AndIgnoresSimulatedNodes()
    {
        using Heap heap = TestHeaps.Create(simulatedNodes: 2);
        void* block = heap.Alloc(100_000);
        Assert.Throws<ArgumentException>(() => heap.MovePagesToNode(block, 100_000, 0));
        Assert.Throws<ArgumentException>(() => heap.MovePagesToNode(null, 4096, 0));
        Assert.Throws<ArgumentException>(() => heap.MovePagesToNode((void*)nint.MaxValue, nuint.MaxValue, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => heap.MovePagesToNode((void*)4096, 4096, 2));
        byte[] buffer = GC.AllocateArray<byte>(16 * 1024, pinned: true);
        fixed (byte* data = buffer)
        {
            Assert.Equal(0, heap.MovePagesToNode(data, 16 * 1024, 1));
        }

        heap.Free(block);
        heap.Validate();
    }

    [Fact]
    public void InterleavedBlocks_AreSpreadOverEveryRealNode()
    {
        using Heap heap = TestHeaps.Create(simulatedNodes: 0);
        const int Size = 16 * 1024 * 1024;
        var block = (byte*)heap.Allocate(Size, NumaPlacement.Interleaved);
        Assert.Equal(NumaHeap.InterleavedNode, heap.GetNode(block));
        new Span<byte>(block, Size).Fill(1);
        if (OsMemory.Default.SupportsNuma)
        {
            var pages = new nint[Size / 4096];
            for (int i = 0; i < pages.Length; i++)
            {
                pages[i] = (nint)(block + (i * 4096));
            }

            var nodes = new int[pages.Length];
            OsMemory.Default.QueryPageNodes(pages, nodes);
            var seen = new HashSet<int>(nodes);
            Assert.Equal(heap.Topology.NodeCount, seen.Count);
        }

        heap.Free(block);
        heap.Validate();
    }

    [Fact]
    public void MainThreadInterleaving_LastsUntilAnotherThreadAllocates()
    {
        using Heap heap = TestHeaps.Create(simulatedNodes: 2, interleaveMainThread: true);
        var early = heap.Alloc(64);
        Assert.Equal(NumaHeap.InterleavedNode, heap.GetNode(early));
        Assert.Equal(NumaHeap.InterleavedNode, heap.CurrentNode);

        var worker = new TestThread(() => heap.Free(heap.Alloc(64)));
        worker.Start();
        worker.Join();

        // Blocks already in the main thread's cache may still be handed out; once it refills, the
        // main thread allocates on its own node again.
        int interleaved = 0;
        var blocks = new List<nint>();
        for (int i = 0; i < 10_000; i++)
        {
            var block = heap.Alloc(64);
            blocks.Add((nint)block);
            interleaved += heap.GetNode(block) == NumaHeap.InterleavedNode ? 1 : 0;
        }

        Assert.True(interleaved < 1000, $"{interleaved} of 10,000 later allocations were still interleaved");
        Assert.NotEqual(NumaHeap.InterleavedNode, heap.GetNode((void*)blocks[^1]));
        foreach (nint block in blocks)
        {
            heap.Free((void*)block);
        }

        heap.Free(early);
        heap.Validate();
    }

    [Fact]
    public void RoundRobinBinding_SpreadsNewThreadsOverEveryNode()
    {
        using Heap heap = TestHeaps.Create(simulatedNodes: 4, bindThreadsRoundRobin: true);
        var nodes = new int[8];
        var threads = new TestThread[nodes.Length];
        for (int t = 0; t < threads.Length; t++)
        {
            int index = t;
            threads[t] = new TestThread(() =>
            {
                void* block = heap.Alloc(100);
                nodes[index] = heap.GetNode(block);
                heap.Free(block);
            });
            threads[t].Start();
            threads[t].Join();
        }

        Assert.Equal([0, 1, 2, 3, 0, 1, 2, 3], nodes);
    }

    [Theory]
    [InlineData(1000)]
    [InlineData(2 * 1024 * 1024)]
    public void RoundRobinBinding_BindsANewThreadWhateverItsFirstAllocationIs(int firstSize)
    {
        using Heap heap = TestHeaps.Create(simulatedNodes: 4, bindThreadsRoundRobin: true);
        var nodes = new int[8];
        for (int t = 0; t < nodes.Length; t++)
        {
            int index = t;
            var thread = new TestThread(() =>
            {
                void* block = heap.Alloc((nuint)firstSize);
                nodes[index] = heap.GetNode(block);
                heap.Free(block);
            });
            thread.Start();
            thread.Join();
        }

        Assert.Equal([0, 1, 2, 3, 0, 1, 2, 3], nodes);
    }

    [Fact]
    public void MainThreadInterleaving_HoldsForABigFirstBlock_AndCurrentNodeSaysSoBeforeAnyAllocation()
    {
        using Heap heap = TestHeaps.Create(simulatedNodes: 2, interleaveMainThread: true);
        Assert.Equal(NumaHeap.InterleavedNode, heap.CurrentNode);
        void* big = heap.Alloc(4 * 1024 * 1024);
        Assert.Equal(NumaHeap.InterleavedNode, heap.GetNode(big));

        var worker = new TestThread(() => heap.Free(heap.Alloc(4 * 1024 * 1024)));
        worker.Start();
        worker.Join();

        // Once another thread has allocated, the main thread's next big block is its own node's.
        void* later = heap.Alloc(4 * 1024 * 1024);
        Assert.NotEqual(NumaHeap.InterleavedNode, heap.GetNode(later));
        Assert.NotEqual(NumaHeap.InterleavedNode, heap.CurrentNode);
        heap.Free(later);
        heap.Free(big);
        heap.Validate();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void InterleavedRegion_TakesNoTransparentHugePagesForItsSpans(bool transparentHugePages)
    {
        HugePageMode hugePages = transparentHugePages ? HugePageMode.Transparent : HugePageMode.Off;
        // Interleaving goes per huge page: under THP "always" small interleaved blocks would sit on
        // one node per 2 MiB. The kernel's VmFlags say whether the heap opted the range out ("nh").
        using Heap heap = TestHeaps.Create(simulatedNodes: 2, hugePages: hugePages);
        nuint regionSize = heap.ReservationSize / 3;
        nuint interleaved = heap.ReservationStart + (2 * regionSize);
        void* small = heap.Allocate(1000, NumaPlacement.Interleaved);
        void* big = heap.Allocate(4 * 1024 * 1024, NumaPlacement.Interleaved);
        Assert.Equal(interleaved, (nuint)small & ~(regionSize - 1));
        Assert.Contains("nh", KernelVmFlags((nuint)small));
        bool bigTakesHugePages = hugePages == HugePageMode.Transparent && heap.Options.Os.HugePages.TransparentAvailable;
        Assert.Equal(!bigTakesHugePages, KernelVmFlags((nuint)big).Contains("nh"));
        heap.Free(small);
        heap.Free(big);
    }

    // The VmFlags of the mapping that holds the address, from /proc/self/smaps.
    private static string[] KernelVmFlags(nuint address)
    {
        bool inside = false;
        foreach (string line in File.ReadLines("/proc/self/smaps"))
        {
            int dash = line.IndexOf('-', StringComparison.Ordinal);
            int space = line.IndexOf(' ', StringComparison.Ordinal);
            if (dash > 0 && space > dash && nuint.TryParse(line.AsSpan(0, dash), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out nuint start)
                && nuint.TryParse(line.AsSpan(dash + 1, space - dash - 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out nuint end))
            {
                inside = address >= start && address < end;
            }
            else if (inside && line.StartsWith("VmFlags:", StringComparison.Ordinal))
            {
                return line["VmFlags:".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            }
        }

        throw new InvalidOperationException($"/proc/self/smaps has no mapping that holds 0x{address:X}.");
    }
}
