using System;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.Linq;
using Numa.Tests.Engine;
using Numa.Tests.Platform;
using Xunit;

namespace Numa.Tests.Diagnostics;

/// <summary>The "NumaHeap" meter, read the way dotnet-counters and OpenTelemetry read it: with a <see cref="MeterListener"/>.</summary>
public sealed unsafe class NumaHeapMetricsTests
{
    [Fact]
    public void DefaultHeap_PublishesTheNumaHeapMeter_WithEveryInstrument_AndLiveBytesPerNode()
    {
        NumaHeap.Free(NumaHeap.Alloc(100));
        var published = new List<Instrument>();
        var live = new List<(long Value, string? Node)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "NumaHeap")
            {
                lock (published)
                {
                    published.Add(instrument);
                }

                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            if (instrument.Name == "numaheap.live_bytes")
            {
                live.Add((value, (string?)tags.ToArray().Single(t => t.Key == "numa.node").Value));
            }
        });
        listener.Start();
        listener.RecordObservableInstruments();

        string[] names = [.. published.Select(i => i.Name)];
        Assert.Subset(names.ToHashSet(), new HashSet<string>
        {
            "numaheap.live_bytes", "numaheap.committed_bytes", "numaheap.resident_bytes", "numaheap.cached_in_threads_bytes",
            "numaheap.free_run_bytes", "numaheap.remote_frees_sent", "numaheap.remote_frees_received", "numaheap.purges",
        });
        Assert.All(published.Where(i => i.Name.EndsWith("_bytes", StringComparison.Ordinal)), i => Assert.Equal("By", i.Unit));
        Assert.Equal(NumaHeap.Topology.NodeCount + 1, live.Count);
        Assert.Contains(live, m => m.Node == "0");
        Assert.Contains(live, m => m.Node == "interleaved");
    }

    [Fact]
    public void Instruments_ReportEachNodesLiveBytesAndRemoteFrees_UnderItsNodeTag()
    {
        using Heap heap = TestHeaps.Create(simulatedNodes: 2);
        using var metrics = new NumaHeapMetrics(heap, "NumaHeap.Tests." + Guid.NewGuid().ToString("N"), TimeSpan.Zero);
        const int Big = 1024 * 1024;
        nint big = 0;
        nint small = 0;
        DedicatedThread.Run(() =>
        {
            heap.BindCurrentThread(1);
            big = (nint)heap.Alloc(Big);
            new Span<byte>((void*)big, Big).Fill(1);
            small = (nint)heap.Alloc(64);
        });

        Dictionary<(string, string), long> before = Collect(metrics);
        Assert.True(before[("numaheap.live_bytes", "1")] >= Big + 64, $"node 1 live bytes {before[("numaheap.live_bytes", "1")]}");
        Assert.Equal(0, before[("numaheap.live_bytes", "0")]);
        Assert.True(before[("numaheap.committed_bytes", "1")] >= Big);

        // The totals of the statistics agree with the per-node measurements.
        NumaHeapStatistics statistics = heap.GetStatistics();
        Assert.Equal(before[("numaheap.live_bytes", "0")] + before[("numaheap.live_bytes", "1")] + before[("numaheap.live_bytes", "interleaved")], statistics.LiveBytes);
        Assert.True(statistics.ResidentBytes == -1 || statistics.ResidentBytes >= Big, $"resident {statistics.ResidentBytes}");

        // A thread on node 0 frees node 1's blocks: node 0 sends remote frees, node 1 receives them.
        DedicatedThread.Run(() =>
        {
            heap.BindCurrentThread(0);
            heap.Free((void*)small);
            heap.Free((void*)big);
        });
        heap.Trim();

        Dictionary<(string, string), long> after = Collect(metrics);
        Assert.Equal(0, after[("numaheap.live_bytes", "1")]);
        Assert.Equal(2, after[("numaheap.remote_frees_sent", "0")]);
        Assert.Equal(2, after[("numaheap.remote_frees_received", "1")]);
        Assert.Equal(0, after[("numaheap.remote_frees_received", "0")]);
        Assert.True(after[("numaheap.purges", "1")] >= 1, "Trim purged node 1's free run");
    }

    [Fact]
    public void DisposedMetrics_ReportNothingMore()
    {
        using Heap heap = TestHeaps.Create(simulatedNodes: 1);
        var metrics = new NumaHeapMetrics(heap, "NumaHeap.Tests." + Guid.NewGuid().ToString("N"), TimeSpan.Zero);
        Assert.NotEmpty(Collect(metrics));
        metrics.Dispose();
        Assert.Empty(Collect(metrics));
    }

    // One collection of every instrument of the meter, keyed by (instrument, node tag).
    private static Dictionary<(string, string), long> Collect(NumaHeapMetrics metrics)
    {
        var values = new Dictionary<(string, string), long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter == metrics.Meter)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            string node = "";
            foreach (KeyValuePair<string, object?> tag in tags)
            {
                if (tag.Key == NumaHeapMetrics.NodeTag)
                {
                    node = (string)tag.Value!;
                }
            }

            values[(instrument.Name, node)] = value;
        });
        listener.Start();
        listener.RecordObservableInstruments();
        return values;
    }
}
