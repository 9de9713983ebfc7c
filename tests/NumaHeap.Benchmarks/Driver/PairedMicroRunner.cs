using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Numa.Benchmarks.Driver;

/// <summary>
/// <c>paired</c>: the micro-benchmarks of the README's table, NumaHeap against NativeMemory, run several times,
/// each run a BenchmarkDotNet process of its own that measures both allocators one after the other. It prints the
/// table: each allocator's lowest figure over the runs, the ratio of those, and the median (and range) of the runs'
/// own ratios. A run's figure for a benchmark is the median of its iterations, so that one iteration slowed by the
/// machine does not make the run's figure.
/// </summary>
/// <remarks>
/// A shared VM's speed can move by half within minutes, and one run measures NumaHeap and NativeMemory a few
/// seconds apart, so the ratio of one run is taken under one condition and the ratio of figures from different
/// runs may not be. Peers (mimalloc, tcmalloc) and the thread-static floor are measured in one more run with
/// <c>--peers</c>; they need the native libraries that <c>./bench</c> installs.
/// </remarks>
public static class PairedMicroRunner
{
    private static readonly string[] TargetFilters =
    [
        "*FixedSize<NumaHeapAllocator>*", "*FixedSize<NativeMemoryAllocator>*",
        "*RandomSize<NumaHeapAllocator>*", "*RandomSize<NativeMemoryAllocator>*",
        "*ProducerConsumer<NumaHeapAllocator>*", "*ProducerConsumer<NativeMemoryAllocator>*",
    ];

    private static readonly string[] PeerFilters =
    [
        "*FixedSize<NativePeerAllocator<Mimalloc>>*", "*RandomSize<NativePeerAllocator<Mimalloc>>*", "*ProducerConsumer<NativePeerAllocator<Mimalloc>>*",
        "*FixedSize<NativePeerAllocator<Tcmalloc>>*", "*RandomSize<NativePeerAllocator<Tcmalloc>>*", "*ProducerConsumer<NativePeerAllocator<Tcmalloc>>*",
        "*FixedSize<ThreadStaticFloorAllocator>*", "*RandomSize<ThreadStaticFloorAllocator>*",
    ];

    // The README's rows, in its order: (class, method, parameter value) and the row's name.
    private static readonly (string Key, string Name)[] Rows =
    [
        ("FixedSize Lifo 16", "LIFO 16 B"), ("FixedSize Lifo 64", "LIFO 64 B"), ("FixedSize Lifo 256", "LIFO 256 B"), ("FixedSize Lifo 4096", "LIFO 4096 B"),
        ("FixedSize Fifo 16", "FIFO 16 B"), ("FixedSize Fifo 64", "FIFO 64 B"), ("FixedSize Fifo 256", "FIFO 256 B"), ("FixedSize Fifo 4096", "FIFO 4096 B"),
        ("RandomSize Lifo 1024", "LIFO random 16 B–1 KiB"), ("RandomSize Fifo 1024", "FIFO random 16 B–1 KiB"),
        ("RandomSize Lifo 16384", "LIFO random 16 B–16 KiB"), ("RandomSize Fifo 16384", "FIFO random 16 B–16 KiB"),
        ("FixedSize Pair 16", "pair 16 B"), ("FixedSize Pair 64", "pair 64 B"), ("FixedSize Pair 256", "pair 256 B"), ("FixedSize Pair 4096", "pair 4096 B"),
        ("ProducerConsumer AllocHereFreeThere", "producer/consumer"),
    ];

    public static int Run(int runs, bool peers, string artifacts, TextWriter output)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(runs, 1);
        var measured = new List<Dictionary<(string Key, string Allocator), double>>();
        for (int run = 1; run <= runs; run++)
        {
            output.WriteLine($"// paired run {run} of {runs}");
            measured.Add(RunOnce(TargetFilters, Path.Combine(artifacts, $"run{run}")));
        }

        Dictionary<(string Key, string Allocator), double> peerRun = peers ? RunOnce(PeerFilters, Path.Combine(artifacts, "peers")) : [];
        output.WriteLine(Table(measured, peerRun, peers));
        return 0;
    }

    private static Dictionary<(string Key, string Allocator), double> RunOnce(string[] filters, string artifacts)
    {
        if (Directory.Exists(artifacts))
        {
            Directory.Delete(artifacts, recursive: true);
        }

        // BenchmarkDotNet runs with tiered compilation, as the README's micro command does.
        ProcessStartInfo start = SuiteRunner.SelfProcess(
            ["micro", "--job", "short", "--inProcess", "--join", "--exporters", "json", "--artifacts", artifacts, "--filter", .. filters],
            redirect: false);
        using Process process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the benchmark process.");
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"The benchmark process exited with code {process.ExitCode}.");
        }

        var results = new Dictionary<(string Key, string Allocator), double>();
        foreach (string file in Directory.EnumerateFiles(Path.Combine(artifacts, "results"), "*.json"))
        {
            using JsonDocument document = JsonDocument.Parse(File.ReadAllText(file));
            foreach (JsonElement benchmark in document.RootElement.GetProperty("Benchmarks").EnumerateArray())
            {
                if (!benchmark.TryGetProperty("Statistics", out JsonElement statistics) || statistics.ValueKind != JsonValueKind.Object)
                {
                    continue; // failed to run: its row stays empty
                }

                // Type "RandomSize<NativePeerAllocator<Mimalloc>>", parameters "MaxSize=1024" or "".
                string type = benchmark.GetProperty("Type").GetString()!;
                int open = type.IndexOf('<', StringComparison.Ordinal);
                string parameters = benchmark.GetProperty("Parameters").GetString() ?? "";
                string value = parameters.Contains('=', StringComparison.Ordinal) ? parameters[(parameters.IndexOf('=', StringComparison.Ordinal) + 1)..] : "";
                string key = $"{type[..open]} {benchmark.GetProperty("Method").GetString()} {value}".TrimEnd();
                results[(key, AllocatorName(type[(open + 1)..^1]))] = statistics.GetProperty("Median").GetDouble();
            }
        }

        return results;
    }

    private static string AllocatorName(string typeArgument) => typeArgument switch
    {
        "NumaHeapAllocator" => "NumaHeap",
        "NativeMemoryAllocator" => "NativeMemory",
        "NativePeerAllocator<Mimalloc>" => "mimalloc",
        "NativePeerAllocator<Tcmalloc>" => "tcmalloc",
        "ThreadStaticFloorAllocator" => "floor",
        _ => typeArgument,
    };

    private static string Table(
        List<Dictionary<(string Key, string Allocator), double>> runs,
        Dictionary<(string Key, string Allocator), double> peerRun,
        bool peers)
    {
        var table = new StringBuilder();
        table.AppendLine(peers
            ? "| benchmark | NumaHeap | NativeMemory | mimalloc | tcmalloc | floor | NumaHeap × NativeMemory, lowest | median of runs (range) |"
            : "| benchmark | NumaHeap | NativeMemory | NumaHeap × NativeMemory, lowest | median of runs (range) |");
        table.AppendLine(peers ? "|---|---:|---:|---:|---:|---:|---:|---:|" : "|---|---:|---:|---:|---:|");
        foreach ((string key, string name) in Rows)
        {
            double[] numaHeap = Figures(runs, key, "NumaHeap");
            double[] nativeMemory = Figures(runs, key, "NativeMemory");
            double[] ratios = [.. runs
                .Where(r => r.ContainsKey((key, "NumaHeap")) && r.ContainsKey((key, "NativeMemory")))
                .Select(r => r[(key, "NativeMemory")] / r[(key, "NumaHeap")])
                .Order()];
            if (numaHeap.Length == 0 || nativeMemory.Length == 0 || ratios.Length == 0)
            {
                continue;
            }

            table.Append(CultureInfo.InvariantCulture, $"| {name} | {Ns(numaHeap.Min())} | {Ns(nativeMemory.Min())} | ");
            if (peers)
            {
                foreach (string peer in (string[])["mimalloc", "tcmalloc", "floor"])
                {
                    table.Append(peerRun.TryGetValue((key, peer), out double ns) ? Ns(ns) : "").Append(" | ");
                }
            }

            double median = ratios.Length % 2 == 1 ? ratios[ratios.Length / 2] : (ratios[(ratios.Length / 2) - 1] + ratios[ratios.Length / 2]) / 2;
            table.AppendLine(CultureInfo.InvariantCulture, $"{nativeMemory.Min() / numaHeap.Min():F2}× | {median:F2}× ({ratios[0]:F2}–{ratios[^1]:F2}) |");
        }

        return table.ToString();
    }

    private static double[] Figures(List<Dictionary<(string Key, string Allocator), double>> runs, string key, string allocator) =>
        [.. runs.Where(r => r.ContainsKey((key, allocator))).Select(r => r[(key, allocator)])];

    private static string Ns(double ns) => ns.ToString(ns >= 10 ? "F1" : "F2", CultureInfo.InvariantCulture);
}
