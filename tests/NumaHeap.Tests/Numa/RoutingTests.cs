using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Numa.Platform;
using Numa.SizeClasses;
using Numa.Tests.Engine;
using Numa.Tests.Platform;
using Numa.Tests.Stress;
using Xunit;
using Xunit.Abstractions;

namespace Numa.Tests.Numa;

/// <summary>
/// Logical placement and origin-aware routing under simulated topologies: a block belongs to the
/// node of the thread that allocated it, and a free from another node sends it home, never into the
/// freeing node's lists.
/// </summary>
public sealed unsafe class RoutingTests(ITestOutputHelper output)
{
    private static readonly int[] s_sizes = [16, 100, 1000, 5000, 64 * 1024, 256 * 1024, (256 * 1024) + 1, 2 * 1024 * 1024];

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(8)]
    public void EveryBlock_BelongsToTheNodeOfTheThreadThatAllocatedIt(int nodes)
    {
        using Heap heap = TestHeaps.Create(simulatedNodes: nodes);
        using (var workers = new NodeWorkers(heap, nodes))
        {
            var blocks = new List<(nint Block, int Node)>();
            foreach (NodeWorker worker in workers)
            {
                Assert.Equal(worker.Node, worker.Run(() => heap.CurrentNode));
                foreach (int size in s_sizes)
                {
                    nint block = worker.Run(() => (nint)heap.Alloc((nuint)size));
                    nint zeroed = worker.Run(() => (nint)heap.AllocZeroed((nuint)size));
                    Assert.Equal(worker.Node, heap.GetNode((void*)block));
                    Assert.Equal(worker.Node, heap.GetNode((void*)zeroed));
                    blocks.Add((block, worker.Node));
                    blocks.Add((zeroed, worker.Node));
                }
            }

            // Resizing on another node keeps a block where it was or moves it to the resizing thread's node.
            for (int i = 0; i < blocks.Count; i++)
            {
                NodeWorker other = workers[(blocks[i].Node + 1) % nodes];
                nint block = blocks[i].Block;
                nint moved = other.Run(() => (nint)heap.Realloc((void*)block, (nuint)(s_sizes[i / 2 % s_sizes.Length] * 3)));
                int node = heap.GetNode((void*)moved);
                Assert.True(node == blocks[i].Node || node == other.Node, $"a block of node {blocks[i].Node} resized on node {other.Node} landed on node {node}");
                other.Run(() => heap.Free((void*)moved));
            }
        }

        Settle(heap);
    }

    [Fact]
    public void AllocateOnNode_GivesThatNodesBlocks_AfterAnUnboundThreadMovedToAnotherNode()
    {
        using Heap heap = TestHeaps.Create(simulatedNodes: 2);
        int[] cpus0 = [.. heap.Topology.Nodes[0].Cpus];
        int[] cpus1 = [.. heap.Topology.Nodes[1].Cpus];
        if (cpus0.Length == 0 || cpus1.Length == 0)
        {
            output.WriteLine("One CPU: a thread cannot move between simulated nodes.");
            return;
        }

        DedicatedThread.Run(() =>
        {
            if (!OsMemory.Default.TrySetCurrentThreadAffinity(cpus1, out int error))
            {
                output.WriteLine($"sched_setaffinity is not available here (errno {error}).");
                return;
            }

            // An unbound thread on node 1's CPUs: its cache fills with node 1's blocks.
            RefreshProcessorId();
            var blocks = new List<nint> { (nint)heap.Alloc(64) };
            Assert.Equal(1, heap.GetNode((void*)blocks[0]));

            // The OS moves it to node 0's CPUs; blocks asked of node 1 must still be node 1's when its
            // cache runs dry and the refill finds the thread on node 0.
            Assert.True(OsMemory.Default.TrySetCurrentThreadAffinity(cpus0, out error), $"errno {error}");
            RefreshProcessorId();
            for (int i = 0; i < 1000; i++)
            {
                void* block = heap.Allocate(64, NumaPlacement.OnNode(1));
                blocks.Add((nint)block);
                Assert.Equal(1, heap.GetNode(block));
            }

            FreeAll(heap, blocks);
        });

        Settle(heap);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(8)]
    public void FullRemoteBatch_GoesHomeToItsNode_AndIsWhatThatNodeAllocatesNext(int nodes)
    {
        using Heap heap = TestHeaps.Create(simulatedNodes: nodes);
        using (var workers = new NodeWorkers(heap, nodes))
        {
            for (int k = 0; k < nodes; k++)
            {
                // A class of its own per pair, so that node k's lists of it start empty.
                int size = 48 + (16 * k);
                int batch = SizeClassTable.Get(SizeClassTable.ClassOf((nuint)size)).Batch;
                NodeWorker origin = workers[k];
                NodeWorker freer = workers[(k + 1) % nodes];
                NumaHeapStatistics before = heap.GetStatistics();

                HashSet<nint> blocks = origin.Run(() => AllocateMany(heap, size, batch));
                Assert.All(blocks, b => Assert.Equal(k, heap.GetNode((void*)b)));
                freer.Run(() => FreeAll(heap, blocks));

                // The last free filled the chain: it went home in one batch under one lock.
                Poll.Until(() => heap.GetStatistics().Nodes[k].RemoteFreesReceived == before.Nodes[k].RemoteFreesReceived + batch, () => $"node {k} received {heap.GetStatistics().Nodes[k].RemoteFreesReceived - before.Nodes[k].RemoteFreesReceived} of {batch} remote frees");
                NumaHeapStatistics after = heap.GetStatistics();
                for (int n = 0; n < nodes; n++)
                {
                    Assert.Equal(before.Nodes[n].RemoteFreesSent + (n == freer.Node ? batch : 0), after.Nodes[n].RemoteFreesSent);
                    Assert.Equal(before.Nodes[n].RemoteFreesReceived + (n == k ? batch : 0), after.Nodes[n].RemoteFreesReceived);
                }

                // The freeing node never sees them: its own allocations of the class are its own blocks.
                HashSet<nint> freerBlocks = freer.Run(() => AllocateMany(heap, size, 2 * batch));
                Assert.All(freerBlocks, b => Assert.Equal(freer.Node, heap.GetNode((void*)b)));
                Assert.Empty(freerBlocks.Intersect(blocks));
                freer.Run(() => FreeAll(heap, freerBlocks));

                // Once node k's thread has used up what its list still holds (less than a batch), its
                // next refill is that very batch - when the chain arrived whole, as it does unless the
                // maintenance timer took part of it first.
                HashSet<nint> again = origin.Run(() => AllocateMany(heap, size, 2 * batch));
                Assert.All(again, b => Assert.Equal(k, heap.GetNode((void*)b)));
                if (after.Nodes[k].RemoteBatchesReceived == before.Nodes[k].RemoteBatchesReceived + 1)
                {
                    Assert.True(blocks.IsSubsetOf(again), $"node {k} handed out {again.Intersect(blocks).Count()} of the {batch} blocks that came home");
                }

                origin.Run(() => FreeAll(heap, again));
            }
        }

        Settle(heap);
    }

    [Theory]
    [InlineData(2, false)]
    [InlineData(4, false)]
    [InlineData(8, false)]
    [InlineData(2, true)]
    [InlineData(8, true)]
    public void PartialRemoteChain_OfAnIdleOrExitedThread_IsDeliveredToItsOrigin(int nodes, bool freerExits)
    {
        using Heap heap = TestHeaps.Create(simulatedNodes: nodes);
        using (var workers = new NodeWorkers(heap, nodes))
        {
            const int Size = 64;
            const int Returned = 3;
            int batch = SizeClassTable.Get(SizeClassTable.ClassOf(Size)).Batch;
            for (int k = 0; k < nodes; k++)
            {
                NodeWorker origin = workers[k];
                NodeWorker freer = workers[(k + nodes - 1) % nodes];
                long received = heap.GetStatistics().Nodes[k].RemoteFreesReceived;
                List<nint> blocks = [.. origin.Run(() => AllocateMany(heap, Size, batch))];
                HashSet<nint> remote = [.. blocks.Take(Returned)];
                freer.Run(() => FreeAll(heap, remote));

                // Pending or delivered, the blocks are not the freeing node's to hand out.
                HashSet<nint> freerBlocks = freer.Run(() => AllocateMany(heap, Size, 2 * batch));
                Assert.Empty(freerBlocks.Intersect(remote));
                Assert.All(freerBlocks, b => Assert.Equal(freer.Node, heap.GetNode((void*)b)));
                freer.Run(() => FreeAll(heap, freerBlocks));
                if (freerExits && k == 0)
                {
                    // The freeing thread is gone, with its partial chain, and no collection runs.
                    workers.Replace(freer.Node);
                }

                // The freeing thread now sits blocked (or is gone): only the maintenance timer can send the chain.
                Poll.Until(() => heap.GetStatistics().Nodes[k].RemoteFreesReceived == received + Returned, () => $"node {k} received {heap.GetStatistics().Nodes[k].RemoteFreesReceived - received} of {Returned} remote frees from an idle thread");

                // Home again, they are what node k hands out once its own list runs dry.
                origin.Run(() => FreeAll(heap, blocks.Skip(Returned)));
                HashSet<nint> again = origin.Run(() => AllocateMany(heap, Size, 3 * batch));
                Assert.Subset(again, remote);
                origin.Run(() => FreeAll(heap, again));
            }
        }

        Settle(heap);
    }

    [Fact]
    public void RemoteFreesOfABusyThread_AreAllDelivered_OnceItGoesIdle()
    {
        // A short purge delay makes the maintenance period 10 ms, so that collections of the
        // thread's partial chains keep racing with its remote frees while it is busy.
        const int Nodes = 4;
        const int PerNode = 20_000;
        using Heap heap = TestHeaps.Create(simulatedNodes: Nodes, purgeDelayMs: 40);
        using (var workers = new NodeWorkers(heap, Nodes))
        {
            // Blocks of 40 classes from nodes 1..3, every other one freed in a random order by node 0
            // over about half a second. The other half stays live, so that no span empties: a span
            // going back to its page heap would arm the timer and hide a chain left behind.
            var blocks = new List<nint>[Nodes];
            for (int n = 1; n < Nodes; n++)
            {
                blocks[n] = workers[n].Run(() => Enumerable.Range(0, 2 * PerNode).Select(i => (nint)heap.Alloc((nuint)(16 + (i / 2 % 40 * 24)))).ToList());
            }

            var random = new Random(5);
            nint[] shuffled = [.. blocks.Skip(1).SelectMany(list => list.Where((_, i) => i % 2 == 0)).OrderBy(_ => random.Next())];
            workers[0].Run(() =>
            {
                var clock = System.Diagnostics.Stopwatch.StartNew();
                long ticksPerFree = System.Diagnostics.Stopwatch.Frequency / 2 / shuffled.Length;
                for (int i = 0; i < shuffled.Length; i++)
                {
                    heap.Free((void*)shuffled[i]);
                    while (clock.ElapsedTicks < i * ticksPerFree)
                    {
                        Thread.SpinWait(20);
                    }
                }
            });

            // Node 0's thread is idle now: whatever it still holds must reach its origins.
            Poll.Until(
                () => heap.GetStatistics() is var s && s.RemoteFreesReceived == s.RemoteFreesSent,
                () => $"{heap.GetStatistics().RemoteFreesSent - heap.GetStatistics().RemoteFreesReceived} remote frees of an idle thread are still undelivered");
            NumaHeapStatistics statistics = heap.GetStatistics();
            output.WriteLine($"remote frees sent {statistics.RemoteFreesSent:N0}, received {statistics.RemoteFreesReceived:N0} in {statistics.Nodes.Sum(n => n.RemoteBatchesReceived):N0} batches");
            Assert.Equal(PerNode * (Nodes - 1), statistics.Nodes[0].RemoteFreesSent);
            for (int n = 1; n < Nodes; n++)
            {
                List<nint> rest = blocks[n];
                workers[n].Run(() => FreeAll(heap, rest.Where((_, i) => i % 2 == 1)));
            }
        }

        Settle(heap);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(8)]
    public void InterleavedBlocks_FreedFromAnyNode_GoBackToTheInterleavedHeap(int nodes)
    {
        using Heap heap = TestHeaps.Create(simulatedNodes: nodes);
        using (var workers = new NodeWorkers(heap, nodes))
        {
            var blocks = new List<nint>();
            foreach (NodeWorker worker in workers)
            {
                foreach (int size in s_sizes)
                {
                    nint block = worker.Run(() => (nint)heap.Allocate((nuint)size, NumaPlacement.Interleaved));
                    Assert.Equal(NumaHeap.InterleavedNode, heap.GetNode((void*)block));
                    new Span<byte>((void*)block, size).Fill(0x5A);
                    blocks.Add(block);
                }
            }

            var freedBy = new long[nodes];
            for (int i = 0; i < blocks.Count; i++)
            {
                int node = (i * 7) % nodes;
                nint block = blocks[i];
                int size = s_sizes[i % s_sizes.Length];
                Assert.False(new ReadOnlySpan<byte>((void*)block, size).ContainsAnyExcept((byte)0x5A));
                workers[node].Run(() => heap.Free((void*)block));
                freedBy[node]++;
            }

            Poll.Until(() => heap.GetStatistics().Interleaved.RemoteFreesReceived == blocks.Count, () => $"the interleaved heap received {heap.GetStatistics().Interleaved.RemoteFreesReceived} of {blocks.Count} frees");
            NumaHeapStatistics statistics = heap.GetStatistics();
            Assert.Equal(0, statistics.Interleaved.LiveBytes);
            for (int n = 0; n < nodes; n++)
            {
                Assert.Equal(freedBy[n], statistics.Nodes[n].RemoteFreesSent);
                Assert.Equal(0, statistics.Nodes[n].RemoteFreesReceived);
            }
        }

        Settle(heap);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(8)]
    public void BigBlocksFreedRemotely_GoBackToTheirNodesPageHeap(int nodes)
    {
        const int Size = 1024 * 1024;
        using Heap heap = TestHeaps.Create(simulatedNodes: nodes);
        using (var workers = new NodeWorkers(heap, nodes))
        {
            for (int k = 0; k < nodes; k++)
            {
                NodeWorker origin = workers[k];
                NodeWorker freer = workers[(k + 1) % nodes];
                nint block = origin.Run(() => (nint)heap.Alloc(Size));
                Assert.Equal(k, heap.GetNode((void*)block));
                NumaHeapStatistics before = heap.GetStatistics();
                Assert.True(before.Nodes[k].BigLiveBytes >= Size);

                freer.Run(() => heap.Free((void*)block));
                NumaHeapStatistics after = heap.GetStatistics();
                Assert.Equal(before.Nodes[k].BigLiveBytes - Size, after.Nodes[k].BigLiveBytes);
                Assert.Equal(before.Nodes[k].FreeRunBytes + Size, after.Nodes[k].FreeRunBytes);
                Assert.Equal(before.Nodes[freer.Node].FreeRunBytes, after.Nodes[freer.Node].FreeRunBytes);
                Assert.Equal(before.Nodes[k].RemoteFreesReceived + 1, after.Nodes[k].RemoteFreesReceived);
                Assert.Equal(before.Nodes[freer.Node].RemoteFreesSent + 1, after.Nodes[freer.Node].RemoteFreesSent);

                // The freed run is node k's to reuse; the freeing node's big blocks come from its own region.
                nint fromFreer = freer.Run(() => (nint)heap.Alloc(Size));
                Assert.Equal(freer.Node, heap.GetNode((void*)fromFreer));
                Assert.NotEqual(block, fromFreer);
                nint reused = origin.Run(() => (nint)heap.Alloc(Size));
                Assert.Equal(block, reused);
                freer.Run(() => heap.Free((void*)fromFreer));
                origin.Run(() => heap.Free((void*)reused));
            }
        }

        Settle(heap);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(8)]
    public void ConcurrentFreesFromEveryNode_AreCountedOnce_AsLocalFreesOrAtTheirOriginAndTheirSender(int nodes)
    {
        using Heap heap = TestHeaps.Create(simulatedNodes: nodes);
        const int PerThread = 3000;
        var blocks = new nint[nodes][];
        var origins = new int[nodes][];
        using var allocated = new Barrier(nodes);
        using var freed = new CountdownEvent(nodes);
        using var release = new ManualResetEventSlim();
        var expectedSent = new long[nodes];
        var expectedReceived = new long[nodes];
        var expectedLocal = new long[nodes];
        Exception? failure = null;
        var threads = new Thread[nodes];
        for (int t = 0; t < nodes; t++)
        {
            int node = t;
            threads[t] = new Thread(() =>
            {
                try
                {
                    heap.BindCurrentThread(node);
                    var random = new Random(node);
                    blocks[node] = new nint[PerThread];
                    origins[node] = new int[PerThread];
                    for (int i = 0; i < PerThread; i++)
                    {
                        // Mostly local blocks, some placed on a chosen node, a few big ones.
                        int size = random.Next(100) == 0 ? 300_000 : random.Next(1, 3000);
                        int kind = random.Next(10);
                        void* block = kind == 0 ? heap.Allocate((nuint)size, NumaPlacement.OnNode(random.Next(nodes))) : heap.Alloc((nuint)size);
                        blocks[node][i] = (nint)block;
                        origins[node][i] = heap.GetNode(block);
                        Assert.Equal(kind == 0 ? origins[node][i] : node, heap.GetNode(block));
                    }
                }
                catch (Exception e)
                {
                    failure ??= e;
                }

                allocated.SignalAndWait();
                try
                {
                    // Thread t frees every block whose index is t mod nodes, from every thread's set.
                    for (int from = 0; from < nodes; from++)
                    {
                        for (int i = node; i < PerThread; i += nodes)
                        {
                            heap.Free((void*)blocks[from][i]);
                        }
                    }
                }
                catch (Exception e)
                {
                    failure ??= e;
                }

                freed.Signal();
                release.Wait();
            });
            threads[t].Start();
        }

        try
        {
            freed.Wait();
            Assert.Null(failure);
            for (int from = 0; from < nodes; from++)
            {
                for (int i = 0; i < PerThread; i++)
                {
                    int origin = origins[from][i];
                    int freer = i % nodes;
                    if (origin != freer)
                    {
                        expectedSent[freer]++;
                        expectedReceived[origin]++;
                    }
                    else
                    {
                        expectedLocal[origin]++;
                    }
                }
            }

            // The freeing threads are alive and idle: the maintenance timer delivers what they hold.
            Poll.Until(
                () => heap.GetStatistics().Nodes.Select(n => n.RemoteFreesReceived).SequenceEqual(expectedReceived),
                () => $"received per node {string.Join(",", heap.GetStatistics().Nodes.Select(n => n.RemoteFreesReceived))}, expected {string.Join(",", expectedReceived)}");
            NumaHeapStatistics statistics = heap.GetStatistics();
            Assert.Equal(expectedSent, statistics.Nodes.Select(n => n.RemoteFreesSent));
            Assert.Equal(expectedLocal, statistics.Nodes.Select(n => n.LocalFrees));
            Assert.Equal(0, statistics.LiveBytes);
            output.WriteLine($"{nodes} nodes: remote frees per node sent {string.Join(",", expectedSent)}, received {string.Join(",", expectedReceived)}");
        }
        finally
        {
            release.Set();
            foreach (Thread thread in threads)
            {
                thread.Join();
            }
        }

        // Their caches folded into the nodes, the counts are the same.
        Settle(heap);
        Assert.Equal(expectedLocal, heap.GetStatistics().Nodes.Select(n => n.LocalFrees));
    }

    // Thread.GetCurrentProcessorId caches the CPU for a number of calls: use them up after a move.
    private static void RefreshProcessorId()
    {
        for (int i = 0; i < 10_000; i++)
        {
            Thread.GetCurrentProcessorId();
        }
    }

    private static HashSet<nint> AllocateMany(Heap heap, int size, int count)
    {
        var blocks = new HashSet<nint>();
        for (int i = 0; i < count; i++)
        {
            Assert.True(blocks.Add((nint)heap.Alloc((nuint)size)), "a live block was handed out twice");
        }

        return blocks;
    }

    private static void FreeAll(Heap heap, IEnumerable<nint> blocks)
    {
        foreach (nint block in blocks)
        {
            heap.Free((void*)block);
        }
    }

    // Every block is freed and every thread has exited: nothing is live and every invariant holds.
    private static void Settle(Heap heap)
    {
        Quiescence.AssertSettled(heap);
        Assert.Equal(heap.GetStatistics().RemoteFreesSent, heap.GetStatistics().RemoteFreesReceived);
    }
}
