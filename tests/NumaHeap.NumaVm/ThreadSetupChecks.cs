using System;
using System.Linq;

namespace Numa.NumaVm;

/// <summary>
/// NUMAHEAP_BIND_THREADS=interleave and NUMAHEAP_INTERLEAVE_MAIN_THREAD=1, whatever a thread's first
/// allocation is. Each runs in a process of its own, with the setting in its environment.
/// </summary>
internal static unsafe class ThreadSetupChecks
{
    private const int Big = 4 * 1024 * 1024;

    // Threads created one after another are bound to nodes 0, 1, 2, ... in turn: their affinity is
    // the node's CPUs and their first block's pages are there, whether that block is big or small.
    public static void BindThreadsRoundRobin()
    {
        NumaTopology topology = NumaHeap.Topology;
        for (int t = 0; t < 2 * topology.NodeCount; t++)
        {
            NumaNode expected = topology.Nodes[t % topology.NodeCount];
            int size = t % 2 == 0 ? Big : 1000;
            Threads.Run(() =>
            {
                byte* block = (byte*)NumaHeap.Alloc((nuint)size);
                new Span<byte>(block, size).Fill(1);
                int[] affinity = Kernel.GetAffinity();
                var census = new PageCensus();
                census.AddBlock(block, size);
                CheckLog.Check(affinity.SequenceEqual(expected.Cpus) && NumaHeap.GetNode(block) == expected.Id && census.AllOn(expected.OsNode),
                    $"bind-threads.thread{t}.{size}B", $"node {NumaHeap.GetNode(block)}, affinity [{string.Join(",", affinity)}], pages {census}");
                NumaHeap.Free(block);
            });
        }
    }

    // The main thread allocates interleaved until another thread allocates, starting with its first
    // call: CurrentNode says so before any allocation, and a big or small first block is spread.
    public static void InterleaveMainThread(bool bigFirst)
    {
        string first = bigFirst ? "big" : "small";
        CheckLog.Check(NumaHeap.CurrentNode == NumaHeap.InterleavedNode, $"interleave-main.{first}.current-node", $"CurrentNode {NumaHeap.CurrentNode} before any allocation");
        int[] osNodes = [.. NumaHeap.Topology.Nodes.Select(n => n.OsNode)];
        var census = new PageCensus();
        bool heapSaysInterleaved = true;
        var blocks = new System.Collections.Generic.List<nint>();
        int size = bigFirst ? 8 * 1024 * 1024 : 1024;
        int count = bigFirst ? 1 : 4096;
        for (int i = 0; i < count; i++)
        {
            byte* block = (byte*)NumaHeap.Alloc((nuint)size);
            new Span<byte>(block, size).Fill(2);
            heapSaysInterleaved &= NumaHeap.GetNode(block) == NumaHeap.InterleavedNode;
            census.AddBlock(block, size);
            blocks.Add((nint)block);
        }

        CheckLog.Check(heapSaysInterleaved && census.EvenOver(osNodes, 0.10), $"interleave-main.{first}.first-blocks", census.ToString());

        Threads.Run(() => NumaHeap.Free(NumaHeap.Alloc(1000)));
        byte* later = (byte*)NumaHeap.Alloc(Big);
        new Span<byte>(later, Big).Fill(3);
        int node = NumaHeap.GetNode(later);
        var laterCensus = new PageCensus();
        laterCensus.AddBlock(later, Big);
        CheckLog.Check(node >= 0 && laterCensus.AllOn(NumaHeap.Topology.Nodes[node].OsNode), $"interleave-main.{first}.after-workers", $"next big block on node {node}: {laterCensus}");
        NumaHeap.Free(later);
        foreach (nint block in blocks)
        {
            NumaHeap.Free((void*)block);
        }
    }
}
