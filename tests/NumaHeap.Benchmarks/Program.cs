using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Running;
using Numa.Benchmarks.Driver;
using Numa.Benchmarks.Workloads;

namespace Numa.Benchmarks;

/// <summary>
/// Entry point. <c>micro [BenchmarkDotNet arguments]</c> (or any <c>--filter</c>/<c>--list</c>) runs the
/// micro-benchmarks; <c>paired</c> runs the README's micro table several times (see <see cref="PairedMicroRunner"/>);
/// <c>suite [--full] [options]</c> (the default) runs the multi-threaded workloads, one child process per case;
/// <c>case</c> is that child; <c>faults</c> measures the page-fault cost that purging trades against.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        string mode = args.Length > 0 && !args[0].StartsWith('-') ? args[0]
            : args.Any(a => a is "--help" or "-h") ? "help"
            : args.Any(a => a is "--filter" or "--list" or "-f") ? "micro" : "suite";
        if (mode is "suite" or "case" && args.Any(a => a is "--help" or "-h"))
        {
            mode = "help";
        }

        string[] rest = args.Length > 0 && args[0] == mode ? args[1..] : args;
        switch (mode)
        {
            case "micro":
                // BenchmarkDotNet's benchmark processes inherit this; jemalloc needs it to load (see StaticTls).
                Environment.SetEnvironmentVariable("GLIBC_TUNABLES", StaticTls.Tunables(Environment.GetEnvironmentVariable("GLIBC_TUNABLES")));
                BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(rest);
                return 0;
            case "case":
                return RunCase(rest);
            case "paired":
                var paired = Parse(rest);
                return PairedMicroRunner.Run(
                    int.Parse(paired.GetValueOrDefault("runs") ?? "5", CultureInfo.InvariantCulture),
                    paired.ContainsKey("peers"),
                    paired.GetValueOrDefault("artifacts") ?? Path.Combine("BenchmarkDotNet.Artifacts", "paired"),
                    Console.Out);
            case "faults":
                return PageFaultCost.Run(Console.Out);
            case "suite":
                return RunSuite(rest, args);
            case "help":
                Usage(Console.Out);
                return 0;
            default:
                Usage(Console.Error);
                return 2;
        }
    }

    private static void Usage(TextWriter output)
    {
        output.WriteLine("usage: NumaHeap.Benchmarks [suite [--full] [--workloads a,b] [--allocators a,b] [--threads 1,2] [--duration-ms N] [--warmup-ms N] [--repeat N] [--out DIR] [--command TEXT]]");
        output.WriteLine("       NumaHeap.Benchmarks micro [BenchmarkDotNet options, e.g. --filter '*FixedSize*' --job short]");
        output.WriteLine("       NumaHeap.Benchmarks paired [--runs 5] [--peers] [--artifacts DIR]   (the README's micro table: NumaHeap and NativeMemory in each run, lowest and median ratios)");
        output.WriteLine("       NumaHeap.Benchmarks case --workload W --allocator A --threads N [--duration-ms N] [--warmup-ms N] [--seed N]");
        output.WriteLine("       NumaHeap.Benchmarks faults   (what a page fault costs here, 4 KiB and transparent huge pages)");
        output.WriteLine("workloads: " + string.Join(", ", WorkloadCatalog.Workloads));
        output.WriteLine("allocators: " + string.Join(", ", WorkloadCatalog.Allocators) + ", and " + WorkloadCatalog.LeanNumaHeap + " (NumaHeap with huge pages and a 110% resident limit) on request");
    }

    private static int RunCase(string[] args)
    {
        if (!SuiteRunner.IsCaseProcess)
        {
            // Started by hand: measure in a case process as the suite does, whose output goes straight to ours.
            using Process child = Process.Start(SuiteRunner.CaseProcess(["case", .. args], redirect: false))
                ?? throw new InvalidOperationException("Could not start the case process.");
            child.WaitForExit();
            return child.ExitCode;
        }

        var options = Parse(args);
        return CaseRunner.Run(
            options.GetValueOrDefault("workload") ?? throw new ArgumentException("--workload is required"),
            options.GetValueOrDefault("allocator") ?? throw new ArgumentException("--allocator is required"),
            int.Parse(options.GetValueOrDefault("threads") ?? "1", CultureInfo.InvariantCulture),
            TimeSpan.FromMilliseconds(int.Parse(options.GetValueOrDefault("duration-ms") ?? "1000", CultureInfo.InvariantCulture)),
            TimeSpan.FromMilliseconds(int.Parse(options.GetValueOrDefault("warmup-ms") ?? "200", CultureInfo.InvariantCulture)),
            ulong.Parse(options.GetValueOrDefault("seed") ?? "4141", CultureInfo.InvariantCulture));
    }

    private static int RunSuite(string[] args, string[] original)
    {
        var parsed = Parse(args);
        bool full = parsed.ContainsKey("full");
        int cores = Environment.ProcessorCount;
        var options = new SuiteOptions
        {
            Full = full,
            Workloads = List(parsed, "workloads") ?? WorkloadCatalog.Workloads,
            Allocators = List(parsed, "allocators") ?? WorkloadCatalog.Allocators,
            ThreadCounts = List(parsed, "threads")?.Select(t => int.Parse(t, CultureInfo.InvariantCulture)).ToArray()
                ?? (full ? SuiteOptions.DefaultThreadCounts(cores) : [.. new SortedSet<int> { 1, cores }]),
            Duration = TimeSpan.FromMilliseconds(int.Parse(parsed.GetValueOrDefault("duration-ms") ?? (full ? "3000" : "1000"), CultureInfo.InvariantCulture)),
            Warmup = TimeSpan.FromMilliseconds(int.Parse(parsed.GetValueOrDefault("warmup-ms") ?? (full ? "500" : "200"), CultureInfo.InvariantCulture)),
            Repeat = int.Parse(parsed.GetValueOrDefault("repeat") ?? (full ? "3" : "1"), CultureInfo.InvariantCulture),
            OutputDirectory = parsed.GetValueOrDefault("out") ?? Path.Combine("docs", "benchmarks"),
            Command = parsed.GetValueOrDefault("command") ?? "NumaHeap.Benchmarks " + string.Join(' ', original),
        };
        foreach (string w in options.Workloads.Where(w => !WorkloadCatalog.Workloads.Contains(w)))
        {
            throw new ArgumentException($"Unknown workload '{w}'.");
        }

        MachineInfo machine = MachineInfo.Describe();
        Console.WriteLine($"NumaHeap workload suite ({(full ? "full" : "quick")}): {machine}");
        Console.WriteLine($"{options.Workloads.Length} workloads × {options.Allocators.Length} allocators × threads {string.Join(",", options.ThreadCounts)}, {options.Duration.TotalSeconds:F1} s each, {options.Repeat} run(s) per case (median kept)");
        List<CaseResult> results = SuiteRunner.Run(options);
        ReportWriter.Write(options, machine, results);
        Console.WriteLine($"Results written to {options.OutputDirectory} (results.csv, results.json, results.md, charts.gp).");
        return results.Any(r => r.Error is not null && r.Allocator == "numaheap") ? 1 : 0;
    }

    private static string[]? List(Dictionary<string, string?> options, string key) =>
        options.GetValueOrDefault(key)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static Dictionary<string, string?> Parse(string[] args)
    {
        var options = new Dictionary<string, string?>(StringComparer.Ordinal);
        for (int i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
            {
                throw new ArgumentException($"Unexpected argument '{args[i]}'.");
            }

            string key = args[i][2..];
            if (key is "full" or "quick" or "peers")
            {
                options[key] = "true";
                continue;
            }

            options[key] = i + 1 < args.Length ? args[++i] : throw new ArgumentException($"--{key} needs a value.");
        }

        if (options.ContainsKey("quick"))
        {
            options.Remove("full");
        }

        return options;
    }
}
