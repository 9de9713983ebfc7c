using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Runtime.CompilerServices;

namespace Numa;

/// <summary>
/// The heap's counters as <see cref="System.Diagnostics.Metrics"/> observable instruments, so that
/// <c>dotnet-counters monitor --counters NumaHeap</c> and OpenTelemetry see them with no code.
/// </summary>
/// <remarks>
/// Instruments are observable: nothing is measured until a listener collects, and then one
/// <see cref="Heap.GetStatistics"/> snapshot serves every instrument of that collection (a snapshot
/// walks every thread cache and computes resident bytes with <c>mincore</c>, too costly to repeat
/// per instrument). Each node reports under the tag <c>numa.node</c> ("0", "1", ..., or
/// "interleaved" for the interleaved heap).
/// </remarks>
internal sealed class NumaHeapMetrics : IDisposable
{
    /// <summary>The name of the meter of the process-wide heap.</summary>
    public const string MeterName = "NumaHeap";

    /// <summary>The tag that names the node of a measurement.</summary>
    public const string NodeTag = "numa.node";

    private static readonly ConditionalWeakTable<Meter, NumaHeapMetrics> s_factoryMeters = new();

    private readonly Heap _heap;
    private readonly long _snapshotLifetimeTicks;
    private readonly object _snapshotLock = new();
    private NumaHeapStatistics? _snapshot;
    private long _snapshotTimestamp;

    /// <summary>Creates the meter and its instruments over <paramref name="heap"/>.</summary>
    /// <param name="heap">The heap to observe.</param>
    /// <param name="meterName">The meter's name.</param>
    /// <param name="snapshotLifetime">How long one statistics snapshot serves the instruments of a collection.</param>
    public NumaHeapMetrics(Heap heap, string meterName, TimeSpan snapshotLifetime)
        : this(heap, new Meter(meterName, Version), snapshotLifetime)
    {
    }

    /// <summary>Creates the instruments in <paramref name="meter"/> (a meter of a host's <see cref="IMeterFactory"/>) over <paramref name="heap"/>.</summary>
    public NumaHeapMetrics(Heap heap, Meter meter, TimeSpan snapshotLifetime)
    {
        _heap = heap;
        _snapshotLifetimeTicks = (long)(snapshotLifetime.TotalSeconds * Stopwatch.Frequency);
        Meter = meter;

        Bytes("numaheap.live_bytes", static n => n.LiveBytes, "Bytes in blocks handed out and not yet freed.");
        Bytes("numaheap.small_live_bytes", static n => n.SmallLiveBytes, "Bytes of small blocks (size classes) handed out and not yet freed.");
        Bytes("numaheap.big_live_bytes", static n => n.BigLiveBytes, "Bytes of big blocks (page runs) handed out and not yet freed.");
        Bytes("numaheap.committed_bytes", static n => n.CommittedBytes, "Bytes of the node's region that are committed and not purged.");
        Bytes("numaheap.resident_bytes", static n => n.ResidentBytes, "Bytes of the node's region resident in physical memory.");
        Bytes("numaheap.spilled_bytes", static n => n.SpilledBytes, "Resident bytes of the node's region that the kernel placed on other nodes (estimated from a sample).");
        Bytes("numaheap.cached_in_threads_bytes", static n => n.CachedInThreadsBytes, "Bytes of free blocks held in thread caches.");
        Bytes("numaheap.cached_in_node_bytes", static n => n.CachedInNodeBytes, "Bytes of free blocks held in the node heap's free lists.");
        Bytes("numaheap.external_fragmentation_bytes", static n => n.ExternalFragmentationBytes, "Committed bytes of the node's region that hold no live block (free span blocks and dirty free runs).");
        Bytes("numaheap.free_run_bytes", static n => n.FreeRunBytes, "Bytes in free page runs of the node's page allocator.");
        Meter.CreateObservableUpDownCounter("numaheap.free_runs", () => PerNode(static n => n.FreeRuns), "{run}", "Free page runs of the node's page allocator.");
        Count("numaheap.local_frees", static n => n.LocalFrees, "{free}", "Frees of the node's blocks by threads on the node.");
        Count("numaheap.remote_frees_sent", static n => n.RemoteFreesSent, "{free}", "Frees by threads on the node of blocks of other nodes, sent to their origin.");
        Count("numaheap.remote_frees_received", static n => n.RemoteFreesReceived, "{free}", "Frees of the node's blocks by threads on other nodes, received back.");
        Count("numaheap.remote_batches_received", static n => n.RemoteBatchesReceived, "{batch}", "Batches of remote frees the node received.");
        Count("numaheap.purges", static n => n.Purges, "{purge}", "Purges that gave free pages back to the OS.");
        Count("numaheap.purged_bytes", static n => n.PurgedBytes, "By", "Bytes given back to the OS by purges.");
        Meter.CreateObservableUpDownCounter("numaheap.thread_caches", () => (long)Snapshot().ThreadCaches, "{cache}", "Threads that hold a thread cache.");
    }

    /// <summary>The version the meter reports: the assembly's.</summary>
    public static string? Version => typeof(NumaHeapMetrics).Assembly.GetName().Version?.ToString();

    /// <summary>The meter that owns the instruments.</summary>
    public Meter Meter { get; }

    /// <summary>The metrics of the process-wide heap, created with it.</summary>
    public static NumaHeapMetrics? Default { get; private set; }

    /// <summary>A meter of <paramref name="meterFactory"/> with the instruments over <paramref name="heap"/>, made once per meter.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="meterFactory"/> is null.</exception>
    public static Meter CreateFromFactory(Heap heap, IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);

        // A factory hands out one meter per name and version: instrument it once.
        Meter meter = meterFactory.Create(new MeterOptions(MeterName) { Version = Version });
        lock (s_factoryMeters)
        {
            if (!s_factoryMeters.TryGetValue(meter, out _))
            {
                s_factoryMeters.Add(meter, new NumaHeapMetrics(heap, meter, TimeSpan.FromMilliseconds(100)));
            }
        }

        return meter;
    }

    /// <summary>Publishes the meter of the process-wide heap; a failure leaves the heap working without metrics.</summary>
    public static void PublishDefault(Heap heap)
    {
        try
        {
            Default = new NumaHeapMetrics(heap, MeterName, TimeSpan.FromMilliseconds(100));
        }
        catch (Exception e) when (e is PlatformNotSupportedException or InvalidOperationException)
        {
            // Metrics are an aid: a trimmed or restricted runtime without them must still allocate.
        }
    }

    /// <summary>Disposes the meter, which unpublishes its instruments.</summary>
    public void Dispose() => Meter.Dispose();

    private static KeyValuePair<string, object?> TagOf(NumaNodeStatistics node) =>
        new(NodeTag, node.Node == NumaHeap.InterleavedNode ? "interleaved" : node.Node.ToString(CultureInfo.InvariantCulture));

    private void Bytes(string name, Func<NumaNodeStatistics, long> selector, string description) =>
        Meter.CreateObservableUpDownCounter(name, () => PerNode(selector), "By", description);

    private void Count(string name, Func<NumaNodeStatistics, long> selector, string unit, string description) =>
        Meter.CreateObservableCounter(name, () => PerNode(selector), unit, description);

    private List<Measurement<long>> PerNode(Func<NumaNodeStatistics, long> selector)
    {
        NumaHeapStatistics statistics = Snapshot();
        var measurements = new List<Measurement<long>>(statistics.Nodes.Count + 1);
        foreach (NumaNodeStatistics node in statistics.Nodes)
        {
            Add(measurements, node, selector);
        }

        Add(measurements, statistics.Interleaved, selector);
        return measurements;
    }

    private static void Add(List<Measurement<long>> measurements, NumaNodeStatistics node, Func<NumaNodeStatistics, long> selector)
    {
        long value = selector(node);

        // -1 means "unknown" (resident bytes where mincore is not available): report nothing rather than a lie.
        if (value >= 0)
        {
            measurements.Add(new Measurement<long>(value, TagOf(node)));
        }
    }

    private NumaHeapStatistics Snapshot()
    {
        lock (_snapshotLock)
        {
            long now = Stopwatch.GetTimestamp();
            if (_snapshot is null || now - _snapshotTimestamp >= _snapshotLifetimeTicks)
            {
                _snapshot = _heap.GetStatistics();
                _snapshotTimestamp = now;
            }

            return _snapshot;
        }
    }
}
