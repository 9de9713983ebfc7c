using System.Globalization;
using System.Text;
using System.Text.Json;
using Numa.Benchmarks.Workloads;

namespace Numa.Benchmarks.Driver;

/// <summary>
/// Writes the suite's results: results.csv, results.json (with the machine and the command), results.md (tables for
/// README), and the gnuplot data and script (data/*.dat, charts.gp) that the bench script renders.
/// </summary>
public static class ReportWriter
{
    private const string Reference = "nativememory";
    private const string Peer = "mimalloc";
    private const string Subject = "numaheap";

    /// <summary>Below this peak live size the runtime's own RSS noise dominates the ratio, so it is not reported.</summary>
    private const long MinLiveForRatio = 1L << 20;
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static void Write(SuiteOptions options, MachineInfo machine, List<CaseResult> results)
    {
        string dir = options.OutputDirectory;
        string dataDir = Path.Combine(dir, "data");
        Directory.CreateDirectory(dataDir);
        WriteCsv(Path.Combine(dir, "results.csv"), results);
        WriteJson(Path.Combine(dir, "results.json"), options, machine, results);
        File.WriteAllText(Path.Combine(dir, "results.md"), Markdown(options, machine, results));
        WriteGnuplot(dir, dataDir, options, machine, results);
    }

    private static CaseResult? Find(List<CaseResult> results, string workload, string allocator, int threads) =>
        results.FirstOrDefault(r => r.Workload == workload && r.Allocator == allocator && r.Threads == threads && r.Error is null);

    private static double Ratio(List<CaseResult> results, CaseResult r, string baseline)
    {
        CaseResult? b = Find(results, r.Workload, baseline, r.Threads);
        return b is null || b.OpsPerSecond <= 0 ? double.NaN : r.OpsPerSecond / b.OpsPerSecond;
    }

    private static string RatioSuffix(double ratio) => double.IsNaN(ratio) ? "" : string.Create(Inv, $" ({ratio:F2}×)");

    private static string F(double value, string format) => double.IsNaN(value) ? "" : value.ToString(format, Inv);

    private static void WriteCsv(string path, List<CaseResult> results)
    {
        var sb = new StringBuilder();
        sb.AppendLine("workload,allocator,threads,operations,seconds,ops_per_sec,ops_per_sec_min,ops_per_sec_max,runs,ratio_vs_nativememory,ratio_vs_mimalloc,peak_live_bytes,baseline_rss_bytes,peak_rss_bytes,rss_over_live,rss_after_release_bytes,error");
        foreach (CaseResult r in results)
        {
            sb.Append(Inv, $"{r.Workload},{r.Allocator},{r.Threads},{r.Operations},{F(r.Seconds, "F3")},{F(r.OpsPerSecond, "F0")},{F(r.OpsPerSecondMin, "F0")},{F(r.OpsPerSecondMax, "F0")},{r.Runs},")
              .Append(Inv, $"{F(Ratio(results, r, Reference), "F3")},{F(Ratio(results, r, Peer), "F3")},")
              .Append(Inv, $"{r.PeakLiveBytes},{r.BaselineRssBytes},{r.PeakRssBytes},{F(r.RssOverLive, "F3")},{r.RssAfterReleaseBytes},")
              .AppendLine(r.Error is null ? "" : "\"" + r.Error.Replace("\"", "'", StringComparison.Ordinal) + "\"");
        }

        File.WriteAllText(path, sb.ToString());
    }

    private static void WriteJson(string path, SuiteOptions options, MachineInfo machine, List<CaseResult> results)
    {
        var document = new
        {
            machine,
            command = options.Command,
            mode = options.Full ? "full" : "quick",
            durationMs = options.Duration.TotalMilliseconds,
            warmupMs = options.Warmup.TotalMilliseconds,
            repeat = options.Repeat,
            threadCounts = options.ThreadCounts,
            operation = "one allocator call (alloc, free or realloc)",
            results,
        };
        File.WriteAllText(path, JsonSerializer.Serialize(document, ResultJson.Indented));
    }

    private static string Markdown(SuiteOptions options, MachineInfo machine, List<CaseResult> results)
    {
        var sb = new StringBuilder();
        int maxThreads = options.ThreadCounts.Max();
        string[] allocators = options.Allocators;
        sb.AppendLine(Inv, $"Measured {machine.DateUtc} on {machine}.");
        sb.AppendLine(Inv, $"Command: `{options.Command}` ({(options.Full ? "full" : "quick")} mode, {options.Duration.TotalSeconds:F1} s per case after {options.Warmup.TotalSeconds:F1} s warm-up, one process per case, median of {options.Repeat} run(s), tiered compilation off).");
        if (machine.Libraries.Count > 0)
        {
            sb.AppendLine(Inv, $"Libraries: {string.Join(", ", machine.Libraries.Select(kv => kv.Key + " " + kv.Value))}.");
        }

        sb.AppendLine("An operation is one allocator call (alloc, free or realloc). Ratios are against NativeMemory (glibc malloc) at the same thread count.");
        sb.AppendLine();
        foreach (int threads in options.ThreadCounts.Distinct().Where(t => t == 1 || t == maxThreads))
        {
            sb.AppendLine(Inv, $"### Throughput, {threads} thread{(threads == 1 ? "" : "s")} (operations per second, k = 10³, M = 10⁶; × NativeMemory)");
            sb.AppendLine();
            sb.AppendLine("| workload | " + string.Join(" | ", allocators) + " | numaheap × mimalloc | numaheap × best peer |");
            sb.AppendLine("|---|" + string.Concat(allocators.Select(_ => "---:|")) + "---:|---:|");
            foreach (string workload in options.Workloads)
            {
                sb.Append(Inv, $"| {workload} |");
                foreach (string allocator in allocators)
                {
                    CaseResult? r = Find(results, workload, allocator, threads);
                    sb.Append(r is null ? " – |" : string.Create(Inv, $" {SuiteRunner.FormatRate(r.OpsPerSecond)}{RatioSuffix(Ratio(results, r, Reference))} |"));
                }

                CaseResult? subject = Find(results, workload, Subject, threads);
                (string Name, double Ops) best = ("", 0);
                foreach (string peer in allocators.Where(a => a is not Subject and not WorkloadCatalog.LeanNumaHeap))
                {
                    double ops = Find(results, workload, peer, threads)?.OpsPerSecond ?? 0;
                    if (ops > best.Ops)
                    {
                        best = (peer, ops);
                    }
                }

                sb.Append(subject is null || double.IsNaN(Ratio(results, subject, Peer)) ? " – |" : string.Create(Inv, $" {Ratio(results, subject, Peer):F2}× |"));
                sb.AppendLine(subject is null || best.Ops <= 0 ? " – |" : string.Create(Inv, $" {subject.OpsPerSecond / best.Ops:F2}× ({best.Name}) |"));
            }

            sb.AppendLine();
        }

        sb.AppendLine(Inv, $"### Peak RSS / peak live bytes, {maxThreads} thread{(maxThreads == 1 ? "" : "s")} (RSS above the runtime's own footprint)");
        sb.AppendLine();
        sb.AppendLine("n/a: the workload holds less than 1 MiB, too little for the ratio to mean anything.");
        sb.AppendLine();
        sb.AppendLine("| workload | peak live | " + string.Join(" | ", allocators) + " |");
        sb.AppendLine("|---|---:|" + string.Concat(allocators.Select(_ => "---:|")));
        foreach (string workload in options.Workloads)
        {
            CaseResult? any = Find(results, workload, Subject, maxThreads) ?? Find(results, workload, Reference, maxThreads);
            sb.Append(Inv, $"| {workload} | {(any is null ? "–" : FormatBytes(any.PeakLiveBytes))} |");
            foreach (string allocator in allocators)
            {
                CaseResult? r = Find(results, workload, allocator, maxThreads);
                sb.Append(r is null ? " – |" : r.PeakLiveBytes < MinLiveForRatio ? " n/a |" : string.Create(Inv, $" {r.RssOverLive:F2} |"));
            }

            sb.AppendLine();
        }

        WriteBreakdown(sb, options, results, maxThreads);

        sb.AppendLine();
        sb.AppendLine("### NumaHeap against its targets");
        sb.AppendLine();
        sb.AppendLine("| target | measured | met |");
        sb.AppendLine("|---|---|:-:|");
        foreach ((string workload, int threads, double vsNative, double vsMimalloc) in Targets(options))
        {
            CaseResult? r = Find(results, workload, Subject, threads);
            if (r is null)
            {
                continue;
            }

            double n = Ratio(results, r, Reference);
            double m = Ratio(results, r, Peer);
            if (double.IsNaN(n))
            {
                continue;
            }

            bool met = !(n < vsNative) && (vsMimalloc <= 0 || !(m < vsMimalloc));
            string target = vsMimalloc > 0 ? $"{workload} {threads}t: ≥ {vsNative:F0}× NativeMemory, ≥ {vsMimalloc:F1}× mimalloc" : $"{workload} {threads}t: ≥ {vsNative:F0}× NativeMemory";
            sb.AppendLine(Inv, $"| {target} | {F(n, "F2")}× NativeMemory, {F(m, "F2")}× mimalloc | {(met ? "yes" : "**no**")} |");
        }

        foreach (string workload in options.Workloads)
        {
            CaseResult? r = Find(results, workload, Subject, maxThreads);
            if (r is not null && r.PeakLiveBytes >= MinLiveForRatio)
            {
                sb.AppendLine(Inv, $"| {workload} {maxThreads}t: peak RSS / peak live ≤ 1.25 | {r.RssOverLive:F2} | {(r.RssOverLive <= 1.25 ? "yes" : "**no**")} |");
            }
        }

        sb.AppendLine();
        sb.AppendLine("![Throughput relative to NativeMemory](ops-relative.svg)");
        sb.AppendLine();
        sb.AppendLine("![Thread sweep](thread-sweep.svg)");
        sb.AppendLine();
        sb.AppendLine("![Peak RSS / peak live](rss-over-live.svg)");
        return sb.ToString();
    }

    private static IEnumerable<(string Workload, int Threads, double VsNative, double VsMimalloc)> Targets(SuiteOptions options)
    {
        int max = options.ThreadCounts.Max();
        yield return ("glibc-simple", 1, 3, 1);
        yield return ("glibc-thread", 1, 3, 1);
        yield return ("alloc-test", 1, 3, 1);
        yield return ("xmalloc", max, 2, 1);
        yield return ("larson", max, 2, 1);
        yield return ("malloc-large", 1, 3, 0);
        if (max > 1)
        {
            yield return ("malloc-large", max, 3, 0);
        }
    }

    // Below this the runtime's own growth dominates what the breakdown would attribute.
    private const long MinBreakdownRss = 8L << 20;

    // Where the memory was at each workload's highest live bytes: NumaHeap's statistics against glibc's mallinfo2.
    private static void WriteBreakdown(StringBuilder sb, SuiteOptions options, List<CaseResult> results, int threads)
    {
        sb.AppendLine();
        sb.AppendLine(Inv, $"### Where memory is at the highest live bytes, {threads} thread{(threads == 1 ? "" : "s")}");
        sb.AppendLine();
        sb.AppendLine("MiB, at the sample (every 25 ms) with the most live bytes during which they moved by under 1%; workloads whose RSS stays under 8 MiB are left out. RSS: above the runtime's footprint. committed: NumaHeap's committed regions, glibc's arenas and mmapped chunks (both less their value before the run for glibc, whose counters include the runtime's own mallocs). requested: what the workload held. internal: in use − requested (size classes and pages; glibc: chunk headers and rounding). free in spans: free blocks of live spans, with what thread caches hold (NumaHeap), or glibc's free chunks. dirty runs: NumaHeap's free page runs not yet purged. The last two are committed bytes, resident only where touched.");
        sb.AppendLine();
        sb.AppendLine("| workload | allocator | RSS | committed | requested | internal | free in spans (thread caches) | dirty runs |");
        sb.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|");
        foreach (string workload in options.Workloads)
        {
            foreach (string allocator in new[] { Subject, Reference })
            {
                MemoryBreakdown? b = Find(results, workload, allocator, threads)?.Breakdown;
                if (b is null || b.RssAboveBaselineBytes < MinBreakdownRss)
                {
                    continue;
                }

                static string MiB(long bytes) => bytes < 0 ? "–" : string.Create(Inv, $"{bytes / (double)(1 << 20):F1}");
                string free = b.ThreadCachesBytes < 0 ? MiB(b.FreeInSpansBytes) : $"{MiB(b.FreeInSpansBytes)} ({MiB(b.ThreadCachesBytes)})";
                sb.AppendLine(Inv, $"| {workload} | {allocator} | {MiB(b.RssAboveBaselineBytes)} | {MiB(b.CommittedBytes)} | {MiB(b.RequestedBytes)} | {MiB(b.InternalWasteBytes)} | {free} | {MiB(b.DirtyFreeRunBytes)} |");
            }
        }
    }

    private static string FormatBytes(long bytes) => bytes switch
    {
        >= 1L << 30 => string.Create(Inv, $"{bytes / (double)(1L << 30):F2} GiB"),
        >= 1L << 20 => string.Create(Inv, $"{bytes / (double)(1L << 20):F1} MiB"),
        >= 1L << 10 => string.Create(Inv, $"{bytes / (double)(1L << 10):F1} KiB"),
        _ => string.Create(Inv, $"{bytes} B"),
    };

    private static void WriteGnuplot(string dir, string dataDir, SuiteOptions options, MachineInfo machine, List<CaseResult> results)
    {
        int maxThreads = options.ThreadCounts.Max();
        string header = "workload " + string.Join(' ', options.Allocators);

        var relative = new StringBuilder(header + "\n");
        var rss = new StringBuilder(header + "\n");
        foreach (string workload in options.Workloads)
        {
            relative.Append(workload);
            rss.Append(workload);
            foreach (string allocator in options.Allocators)
            {
                CaseResult? r = Find(results, workload, allocator, maxThreads);
                double ratio = r is null ? double.NaN : Ratio(results, r, Reference);
                relative.Append(' ').Append(double.IsNaN(ratio) ? "?" : ratio.ToString("F4", Inv));
                rss.Append(' ').Append(r is null || r.PeakLiveBytes < MinLiveForRatio ? "?" : r.RssOverLive.ToString("F4", Inv));
            }

            relative.Append('\n');
            rss.Append('\n');
        }

        File.WriteAllText(Path.Combine(dataDir, "ops-relative.dat"), relative.ToString());
        File.WriteAllText(Path.Combine(dataDir, "rss-over-live.dat"), rss.ToString());
        foreach (string workload in options.Workloads)
        {
            var sweep = new StringBuilder("threads " + string.Join(' ', options.Allocators) + "\n");
            foreach (int threads in options.ThreadCounts)
            {
                sweep.Append(threads.ToString(Inv));
                foreach (string allocator in options.Allocators)
                {
                    CaseResult? r = Find(results, workload, allocator, threads);
                    sweep.Append(' ').Append(r is null ? "?" : r.OpsPerSecond.ToString("F0", Inv));
                }

                sweep.Append('\n');
            }

            File.WriteAllText(Path.Combine(dataDir, $"sweep-{workload}.dat"), sweep.ToString());
        }

        int columns = options.Allocators.Length + 1;
        string label = $"{machine.CpuModel}, {machine.Cores} cores, {machine.DateUtc}".Replace("\"", "'", StringComparison.Ordinal);
        var gp = new StringBuilder();
        gp.AppendLine("# Rendered by the bench script: gnuplot charts.gp (run in this directory).");
        gp.AppendLine("set datafile missing '?'");
        gp.AppendLine("set terminal svg size 1100,520 dynamic font 'sans,11' background rgb 'white'");
        gp.AppendLine("set style data histograms");
        gp.AppendLine("set style histogram clustered gap 1");
        gp.AppendLine("set style fill solid 0.85 border -1");
        gp.AppendLine("set key top left horizontal");
        gp.AppendLine("set grid ytics");
        gp.AppendLine("set xtics rotate by -20");
        gp.AppendLine("set output 'ops-relative.svg'");
        gp.AppendLine(Inv, $"set title \"Throughput relative to NativeMemory (glibc), {maxThreads} thread{(maxThreads == 1 ? "" : "s")}, log scale\\n{label}\"");
        gp.AppendLine("set logscale y 2");
        gp.AppendLine("set ylabel 'ops/s ÷ NativeMemory ops/s'");
        gp.AppendLine(Inv, $"plot for [i=2:{columns}] 'data/ops-relative.dat' using i:xtic(1) title columnhead(i), 1 with lines lc rgb 'black' dt 2 notitle");
        gp.AppendLine("unset logscale y");
        gp.AppendLine("set output 'rss-over-live.svg'");
        gp.AppendLine(Inv, $"set title \"Peak RSS / peak live bytes, {maxThreads} thread{(maxThreads == 1 ? "" : "s")} (target ≤ 1.25)\\n{label}\"");
        gp.AppendLine("set ylabel 'peak RSS / peak live'");
        gp.AppendLine("set logscale y 2");
        gp.AppendLine(Inv, $"plot for [i=2:{columns}] 'data/rss-over-live.dat' using i:xtic(1) title columnhead(i), 1.25 with lines lc rgb 'black' dt 2 notitle");
        gp.AppendLine("unset logscale y");
        gp.AppendLine("set style data linespoints");
        gp.AppendLine("set xtics norotate");
        gp.AppendLine("set terminal svg size 1400,760 dynamic font 'sans,10' background rgb 'white'");
        gp.AppendLine("set output 'thread-sweep.svg'");
        int panels = options.Workloads.Length;
        int rows = (panels + 3) / 4;
        gp.AppendLine(Inv, $"set multiplot layout {rows},4 title \"Operations per second by thread count — {label}\"");
        gp.AppendLine("set key top left vertical font ',8'");
        gp.AppendLine("set ylabel 'ops/s'");
        gp.AppendLine("set format y '%.1s%c'");
        gp.AppendLine("set xlabel 'threads'");
        gp.AppendLine("set yrange [0:*]");
        gp.AppendLine(Inv, $"set xtics 1");
        foreach (string workload in options.Workloads)
        {
            gp.AppendLine(Inv, $"set title '{workload}'");
            gp.AppendLine(Inv, $"plot for [i=2:{columns}] 'data/sweep-{workload}.dat' using 1:i title columnhead(i) lw 2");
        }

        gp.AppendLine("unset multiplot");
        File.WriteAllText(Path.Combine(dir, "charts.gp"), gp.ToString());
    }
}
