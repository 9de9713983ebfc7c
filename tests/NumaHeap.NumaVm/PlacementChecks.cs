using System;
using System.Collections.Generic;
using System.Linq;

namespace Numa.NumaVm;

/// <summary>Where the heap's blocks are, as the kernel reports it, on a real multi-node kernel.</summary>
internal static unsafe class PlacementChecks
{
    // Small sizes in numbers that fill several pages each, then big blocks up to 64 MiB.
    private static readonly (int Size, int Count)[] s_sizes =
    [
        (16, 1024), (100, 256), (1000, 64), (4096, 16), (32 * 1024, 8), (200 * 1024, 2),
        (1024 * 1024, 1), (8 * 1024 * 1024, 1), (64 * 1024 * 1024, 1),
    ];

    private static NumaTopology Topology => NumaHeap.Topology;

    private static int OsNode(int node) => Topology.Nodes[node].OsNode;

    private static int[] AllOsNodes => [.. Topology.Nodes.Select(n => n.OsNode)];

    public static void RunAll()
    {
        if (Topology.NodeCount < 2)
        {
            CheckLog.Fail("topology", $"{Topology}: the placement checks need a kernel with two or more nodes");
            return;
        }

        CheckLog.Run("topology", CheckTopology);
        CheckLog.Run("bound-threads", CheckBoundThreads);
        CheckLog.Run("on-node", CheckOnNodeFromAnotherNode);
        CheckLog.Run("os-pinned-thread", CheckOsPinnedThreads);
        CheckLog.Run("moved-thread", CheckMovedThread);
        CheckLog.Run("interleaved", CheckInterleaved);
        CheckLog.Run("remote-frees", CheckRemoteFreesGoHome);
        CheckLog.Run("statistics", CheckStatisticsAgainstKernel);
        CheckLog.Run("kestrel-pool", CheckPinnedPoolBlocks);
    }

    private static void CheckTopology()
    {
        int[] online = Sysfs.OnlineNodes();
        CheckLog.Check(Topology.NodeCount == online.Length && !Topology.IsSimulated, "topology.nodes", $"heap {Topology.NodeCount} node(s), sysfs online {string.Join(",", online)}");
        for (int i = 0; i < Topology.NodeCount; i++)
        {
            NumaNode node = Topology.Nodes[i];
            int[] cpus = Sysfs.CpusOf(node.OsNode);
            CheckLog.Check(node.OsNode == online[i] && node.Cpus.SequenceEqual(cpus), $"topology.node{i}", $"OS node {node.OsNode}, CPUs heap [{string.Join(",", node.Cpus)}] sysfs [{string.Join(",", cpus)}]");
            int[] distances = Sysfs.DistancesFrom(node.OsNode);
            int[] heap = [.. Enumerable.Range(0, Topology.NodeCount).Select(j => Topology.GetDistance(i, j))];
            CheckLog.Check(heap.SequenceEqual(distances), $"topology.distance{i}", $"heap [{string.Join(" ", heap)}] sysfs [{string.Join(" ", distances)}]");
        }
    }

    // A thread bound to each node gets its pages there, for every size, fresh, reused and after Trim.
    private static void CheckBoundThreads()
    {
        foreach (NumaNode node in Topology.Nodes)
        {
            Threads.Run(() =>
            {
                NumaHeap.BindCurrentThread(node.Id);
                int[] affinity = Kernel.GetAffinity();
                CheckLog.Check(affinity.SequenceEqual(node.Cpus), $"bound-threads.node{node.Id}.affinity", $"[{string.Join(",", affinity)}]");
                foreach (string phase in new[] { "fresh", "reused", "after-trim" })
                {
                    foreach ((int size, int count) in s_sizes)
                    {
                        var census = new PageCensus();
                        var blocks = new List<nint>();
                        bool heapSaysNode = true;
                        for (int i = 0; i < count; i++)
                        {
                            byte* block = (byte*)NumaHeap.Alloc((nuint)size);
                            new Span<byte>(block, size).Fill((byte)i);
                            heapSaysNode &= NumaHeap.GetNode(block) == node.Id;
                            blocks.Add((nint)block);
                        }

                        foreach (nint block in blocks)
                        {
                            census.AddBlock((void*)block, size);
                            NumaHeap.Free((void*)block);
                        }

                        CheckLog.Check(heapSaysNode && census.AllOn(node.OsNode), $"bound-threads.node{node.Id}.{phase}.{size}B", census.ToString());
                    }

                    if (phase == "reused")
                    {
                        NumaHeap.Trim();
                    }
                }
            });
        }
    }

    private static void CheckOnNodeFromAnotherNode()
    {
        foreach (NumaNode node in Topology.Nodes)
        {
            Threads.Run(() =>
            {
                NumaHeap.BindCurrentThread((node.Id + 1) % Topology.NodeCount);
                foreach (int size in new[] { 1000, 4 * 1024 * 1024 })
                {
                    var census = new PageCensus();
                    bool heapSaysNode = true;
                    for (int i = 0; i < 16; i++)
                    {
                        byte* block = (byte*)NumaHeap.Allocate((nuint)size, NumaPlacement.OnNode(node.Id));
                        new Span<byte>(block, size).Fill(1);
                        heapSaysNode &= NumaHeap.GetNode(block) == node.Id;
                        census.AddBlock(block, size);
                        NumaHeap.Free(block);
                    }

                    CheckLog.Check(heapSaysNode && census.AllOn(node.OsNode), $"on-node.node{node.Id}.{size}B", $"from a thread bound to node {(node.Id + 1) % Topology.NodeCount}: {census}");
                }
            });
        }
    }

    // A thread the program pins itself (no BindCurrentThread) allocates on the node of its CPUs.
    private static void CheckOsPinnedThreads()
    {
        foreach (NumaNode node in Topology.Nodes)
        {
            Threads.Run(() =>
            {
                Kernel.SetAffinity([.. node.Cpus]);
                var census = new PageCensus();
                bool heapSaysNode = true;
                foreach (int size in new[] { 1000, 4 * 1024 * 1024 })
                {
                    for (int i = 0; i < 16; i++)
                    {
                        byte* block = (byte*)NumaHeap.Alloc((nuint)size);
                        new Span<byte>(block, size).Fill(1);
                        heapSaysNode &= NumaHeap.GetNode(block) == node.Id;
                        census.AddBlock(block, size);
                        NumaHeap.Free(block);
                    }
                }

                CheckLog.Check(heapSaysNode && census.AllOn(node.OsNode), $"os-pinned-thread.node{node.Id}", census.ToString());
            });
        }
    }

    // A thread moved to another node's CPUs: its next refill, and its big blocks after it, follow it.
    private static void CheckMovedThread()
    {
        NumaNode from = Topology.Nodes[0];
        NumaNode to = Topology.Nodes[^1];
        Threads.Run(() =>
        {
            Kernel.SetAffinity([.. from.Cpus]);
            var before = new List<nint>();
            for (int i = 0; i < 100; i++)
            {
                before.Add((nint)NumaHeap.Alloc(64));
            }

            bool startedOnFrom = NumaHeap.GetNode((void*)before[0]) == from.Id;
            Kernel.SetAffinity([.. to.Cpus]);
            var after = new List<nint>();
            for (int i = 0; i < 20_000; i++)
            {
                byte* block = (byte*)NumaHeap.Alloc(64);
                new Span<byte>(block, 64).Fill(2);
                after.Add((nint)block);
            }

            var census = new PageCensus();
            bool heapSaysNode = true;
            foreach (nint block in after.Skip(after.Count - 1000))
            {
                heapSaysNode &= NumaHeap.GetNode((void*)block) == to.Id;
                census.AddBlock((void*)block, 64);
            }

            byte* big = (byte*)NumaHeap.Alloc(4 * 1024 * 1024);
            new Span<byte>(big, 4 * 1024 * 1024).Fill(3);
            var bigCensus = new PageCensus();
            bigCensus.AddBlock(big, 4 * 1024 * 1024);
            bool bigOnNode = NumaHeap.GetNode(big) == to.Id && bigCensus.AllOn(to.OsNode);
            NumaHeap.Free(big);
            foreach (nint block in before.Concat(after))
            {
                NumaHeap.Free((void*)block);
            }

            CheckLog.Check(startedOnFrom && heapSaysNode && census.AllOn(to.OsNode), "moved-thread.small", $"node {from.Id} -> {to.Id}, last 1,000 of 20,000 blocks: {census}");
            CheckLog.Check(bigOnNode, "moved-thread.big", $"4 MiB after the move: {bigCensus}");
        });
    }

    // Interleaved blocks, small and big, spread evenly over every node (within 10%).
    private static void CheckInterleaved()
    {
        var blocks = new List<nint>();
        var pages = new HashSet<nint>();
        for (int i = 0; i < 4096; i++)
        {
            byte* block = (byte*)NumaHeap.Allocate(1000, NumaPlacement.Interleaved);
            new Span<byte>(block, 1000).Fill(4);
            blocks.Add((nint)block);
            pages.UnionWith(Kernel.PagesOf((nint)block, 1000));
        }

        var small = new PageCensus();
        small.Add(Kernel.NodesOfPages([.. pages]));
        bool heapSaysInterleaved = blocks.All(b => NumaHeap.GetNode((void*)b) == NumaHeap.InterleavedNode);
        CheckLog.Check(heapSaysInterleaved && small.EvenOver(AllOsNodes, 0.10), "interleaved.small", $"4,096 blocks of 1,000 B: {small}");
        foreach (nint block in blocks)
        {
            NumaHeap.Free((void*)block);
        }

        foreach (int size in new[] { 16 * 1024 * 1024, 64 * 1024 * 1024 })
        {
            byte* big = (byte*)NumaHeap.Allocate((nuint)size, NumaPlacement.Interleaved);
            new Span<byte>(big, size).Fill(5);
            var census = new PageCensus();
            census.AddBlock(big, size);
            CheckLog.Check(NumaHeap.GetNode(big) == NumaHeap.InterleavedNode && census.EvenOver(AllOsNodes, 0.10), $"interleaved.big.{size >> 20}MiB", census.ToString());
            NumaHeap.Free(big);
        }
    }

    // Blocks of node 0 freed by a thread of node 1 go home: node 0's next allocations reuse them, pages unmoved.
    private static void CheckRemoteFreesGoHome()
    {
        const int Count = 2000;
        const int Size = 256;
        var blocks = new nint[Count];
        long receivedBefore = NumaHeap.GetStatistics().Nodes[0].RemoteFreesReceived;
        Threads.Run(() =>
        {
            NumaHeap.BindCurrentThread(0);
            for (int i = 0; i < Count; i++)
            {
                blocks[i] = (nint)NumaHeap.Alloc(Size);
                new Span<byte>((void*)blocks[i], Size).Fill(6);
            }

            var firstPages = new PageCensus();
            foreach (nint block in blocks)
            {
                firstPages.AddBlock((void*)block, Size);
            }

            Threads.Run(() =>
            {
                NumaHeap.BindCurrentThread(1);
                foreach (nint block in blocks)
                {
                    NumaHeap.Free((void*)block);
                }

                NumaHeap.Trim();
            });

            var original = new HashSet<nint>(blocks);
            var again = new List<nint>();
            for (int i = 0; i < Count * 2; i++)
            {
                again.Add((nint)NumaHeap.Alloc(Size));
            }

            nint[] reused = [.. again.Where(original.Contains)];
            var census = new PageCensus();
            foreach (nint block in reused)
            {
                census.AddBlock((void*)block, Size);
            }

            long received = NumaHeap.GetStatistics().Nodes[0].RemoteFreesReceived - receivedBefore;
            CheckLog.Check(reused.Length >= Count / 2 && census.AllOn(OsNode(0)) && firstPages.AllOn(OsNode(0)) && received >= Count,
                "remote-frees", $"{reused.Length} of {Count} blocks freed on node 1 reused by node 0, pages {census}; node 0 received {received} remote frees");
            foreach (nint block in again)
            {
                NumaHeap.Free((void*)block);
            }
        });
    }

    // Per-node live and resident bytes in GetStatistics() against numa_maps' count of the region's pages.
    private static void CheckStatisticsAgainstKernel()
    {
        foreach (NumaNode node in Topology.Nodes)
        {
            Threads.Run(() =>
            {
                NumaHeap.BindCurrentThread(node.Id);
                NumaHeap.Trim();
                long liveBefore = NumaHeap.GetStatistics().Nodes[node.Id].LiveBytes;
                var blocks = new List<nint>();
                long requested = 0;
                long usable = 0;
                foreach ((int size, int count) in new[] { (1000, 2000), (100_000, 20), (6 * 1024 * 1024, 3) })
                {
                    for (int i = 0; i < count; i++)
                    {
                        byte* block = (byte*)NumaHeap.Alloc((nuint)size);
                        new Span<byte>(block, size).Fill(7);
                        blocks.Add((nint)block);
                        requested += size;
                        usable += (long)NumaHeap.GetUsableSize(block);
                    }
                }

                NumaNodeStatistics statistics = NumaHeap.GetStatistics().Nodes[node.Id];
                Dictionary<int, long> kernelPages = Sysfs.PagesByNode($"prefer:{node.OsNode}");
                long kernelBytes = kernelPages.Values.Sum() * Kernel.PageSize;
                long live = statistics.LiveBytes - liveBefore;
                long tolerance = Math.Max(1 << 20, kernelBytes / 50);
                CheckLog.Check(live >= requested && live <= usable, $"statistics.node{node.Id}.live", $"live {live:N0} B for {requested:N0} B requested, {usable:N0} B usable");
                CheckLog.Check(Math.Abs(statistics.ResidentBytes - kernelBytes) <= tolerance && kernelPages.Keys.All(k => k == node.OsNode) && statistics.SpilledBytes == 0,
                    $"statistics.node{node.Id}.resident", $"heap {statistics.ResidentBytes:N0} B ({statistics.SpilledBytes:N0} B spilled), numa_maps {kernelBytes:N0} B ({string.Join(" ", kernelPages.Select(p => $"N{p.Key}={p.Value}"))}), tolerance {tolerance:N0} B");
                foreach (nint block in blocks)
                {
                    NumaHeap.Free((void*)block);
                }
            });
        }
    }

    // NumaHeap.AspNetCore's pinned blocks (GC memory moved with move_pages) are on the renter's node.
    private static void CheckPinnedPoolBlocks()
    {
        using var pool = new Numa.AspNetCore.NumaPinnedMemoryPool();
        foreach (NumaNode node in Topology.Nodes)
        {
            Threads.Run(() =>
            {
                NumaHeap.BindCurrentThread(node.Id);
                var owners = new List<System.Buffers.IMemoryOwner<byte>>();
                var census = new PageCensus();
                for (int i = 0; i < 200; i++)
                {
                    System.Buffers.IMemoryOwner<byte> owner = pool.Rent();
                    owner.Memory.Span.Fill((byte)i);
                    fixed (byte* data = owner.Memory.Span)
                    {
                        census.AddBlock(data, owner.Memory.Length);
                    }

                    owners.Add(owner);
                }

                owners.ForEach(o => o.Dispose());
                CheckLog.Check(census.AllOn(node.OsNode), $"kestrel-pool.node{node.Id}", $"200 blocks of 4 KiB rented by a thread bound to node {node.Id}: {census}");
            });
        }
    }
}
