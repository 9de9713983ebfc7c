using System;
using System.Collections.Generic;
using System.Linq;

namespace Numa.NumaVm;

/// <summary>A node that runs out of memory: its threads' blocks spill to the other node, with no exception and no OOM kill.</summary>
internal static unsafe class SpillChecks
{
    private const int Block = 4 * 1024 * 1024;

    // Run in a guest whose node 0 has less memory than the test takes (256 MiB) and node 1 more.
    public static void Run(int megabytes)
    {
        NumaNode small = NumaHeap.Topology.Nodes[0];
        NumaNode large = NumaHeap.Topology.Nodes[1];
        Threads.Run(() =>
        {
            NumaHeap.BindCurrentThread(small.Id);
            var blocks = new List<nint>();
            var census = new PageCensus();
            for (int taken = 0; taken < megabytes; taken += Block >> 20)
            {
                byte* block = (byte*)NumaHeap.Alloc(Block);
                new Span<byte>(block, Block).Fill(1);
                census.AddBlock(block, Block);
                blocks.Add((nint)block);
            }

            var smallBlocks = new List<nint>();
            for (int i = 0; i < 20_000; i++)
            {
                byte* block = (byte*)NumaHeap.Alloc(1000);
                new Span<byte>(block, 1000).Fill(2);
                smallBlocks.Add((nint)block);
            }

            long spilled = census.On(large.OsNode) * Kernel.PageSize;
            CheckLog.Check(census.On(small.OsNode) + census.On(large.OsNode) == census.Total && census.On(small.OsNode) > 0 && spilled > 0,
                "spill.pages", $"{megabytes} MiB on node {small.Id} ({small.MemoryBytes >> 20} MiB): {census}");

            NumaNodeStatistics statistics;
            long eventSpilled = -1;
            using (var listener = new SpillListener())
            {
                statistics = NumaHeap.GetStatistics().Nodes[small.Id];
                eventSpilled = listener.SpilledBytesOf(small.Id);
            }

            CheckLog.Check(eventSpilled == statistics.SpilledBytes && eventSpilled > 0, "spill.event", $"NodeSpill event for node {small.Id}: {eventSpilled:N0} B spilled");
            Dictionary<int, long> kernel = Sysfs.PagesByNode($"prefer:{small.OsNode}");
            long kernelBytes = kernel.Values.Sum() * Kernel.PageSize;
            long tolerance = Math.Max(1 << 20, kernelBytes / 50);
            CheckLog.Check(statistics.LiveBytes >= (long)megabytes << 20 && Math.Abs(statistics.ResidentBytes - kernelBytes) <= tolerance,
                "spill.statistics", $"node {small.Id} live {statistics.LiveBytes:N0} B, resident {statistics.ResidentBytes:N0} B; numa_maps of its region {string.Join(" ", kernel.Select(p => $"N{p.Key}={p.Value}"))}");

            // SpilledBytes is estimated from a sample of pages: within 10% of the region's resident bytes.
            long kernelSpilled = (kernelBytes / Kernel.PageSize - kernel.GetValueOrDefault(small.OsNode)) * Kernel.PageSize;
            CheckLog.Check(Math.Abs(statistics.SpilledBytes - kernelSpilled) <= statistics.ResidentBytes / 10,
                "spill.spilled-bytes", $"statistics {statistics.SpilledBytes:N0} B spilled, numa_maps {kernelSpilled:N0} B on other nodes");

            // The other node still serves its own threads from its own memory.
            Threads.Run(() =>
            {
                NumaHeap.BindCurrentThread(large.Id);
                byte* block = (byte*)NumaHeap.Alloc(64 * 1024 * 1024);
                new Span<byte>(block, 64 * 1024 * 1024).Fill(3);
                var other = new PageCensus();
                other.AddBlock(block, 64 * 1024 * 1024);
                CheckLog.Check(other.AllOn(large.OsNode), "spill.other-node", other.ToString());
                NumaHeap.Free(block);
            });

            foreach (nint block in blocks.Concat(smallBlocks))
            {
                NumaHeap.Free((void*)block);
            }

            NumaHeap.Trim();
            CheckLog.Check(NumaHeap.GetStatistics().LiveBytes == 0, "spill.freed", "every block freed");
        });
    }

    // Records the heap's NodeSpill events (raised by GetStatistics when a node has pages elsewhere).
    private sealed class SpillListener : System.Diagnostics.Tracing.EventListener
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<int, long> _spilled = new();

        public long SpilledBytesOf(int node) => _spilled.TryGetValue(node, out long bytes) ? bytes : -1;

        protected override void OnEventSourceCreated(System.Diagnostics.Tracing.EventSource eventSource)
        {
            if (eventSource.Name == "NumaHeap")
            {
                EnableEvents(eventSource, System.Diagnostics.Tracing.EventLevel.Warning, System.Diagnostics.Tracing.EventKeywords.All);
            }
        }

        protected override void OnEventWritten(System.Diagnostics.Tracing.EventWrittenEventArgs eventData)
        {
            if (eventData.EventSource.Name == "NumaHeap" && eventData.EventName == "NodeSpill")
            {
                _spilled[(int)eventData.Payload![0]!] = (long)eventData.Payload[1]!;
            }
        }
    }
}
