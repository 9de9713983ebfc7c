using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;

namespace Numa.Benchmarks.Driver;

/// <summary>
/// Runs every (workload, allocator, threads) case in a child process of its own (VmHWM is process-wide and only
/// grows), with tiered compilation off so the measured loops run fully optimized code from the start.
/// </summary>
public static class SuiteRunner
{
    public static List<CaseResult> Run(SuiteOptions options)
    {
        var cases = new List<(string Workload, string Allocator, int Threads)>();
        foreach (string workload in options.Workloads)
        {
            foreach (int threads in options.ThreadCounts)
            {
                foreach (string allocator in options.Allocators)
                {
                    cases.Add((workload, allocator, threads));
                }
            }
        }

        var results = new List<CaseResult>();
        if (AnsiConsole.Profile.Capabilities.Interactive)
        {
            AnsiConsole.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
                .Start(progress =>
                {
                    ProgressTask task = progress.AddTask("cases", maxValue: cases.Count);
                    foreach (var (workload, allocator, threads) in cases)
                    {
                        task.Description = $"{workload} / {allocator} / {threads}t";
                        results.Add(RunMedian(workload, allocator, threads, options));
                        task.Increment(1);
                    }
                });
            foreach (CaseResult result in results)
            {
                PrintLine(result, results.Count, results.Count, markup: true);
            }
        }
        else
        {
            foreach (var (workload, allocator, threads) in cases)
            {
                CaseResult result = RunMedian(workload, allocator, threads, options);
                results.Add(result);
                PrintLine(result, results.Count, cases.Count, markup: false);
            }
        }

        return results;
    }

    private static void PrintLine(CaseResult r, int index, int count, bool markup)
    {
        string text = r.Error is not null
            ? $"[{index}/{count}] {r.Workload} {r.Allocator} {r.Threads}t: {r.Error}"
            : $"[{index}/{count}] {r.Workload,-13} {r.Allocator,-12} {r.Threads,2}t  {FormatRate(r.OpsPerSecond),12} ops/s  peak live {r.PeakLiveBytes / 1048576.0,8:F1} MiB  RSS/live {r.RssOverLive,8:F2}";
        if (markup)
        {
            AnsiConsole.MarkupLine(r.Error is not null ? "[red]" + Markup.Escape(text) + "[/]" : Markup.Escape(text));
        }
        else
        {
            Console.Out.WriteLine(text);
            Console.Out.Flush();
        }
    }

    /// <summary>An operation rate with a unit prefix (k, M), three significant digits.</summary>
    public static string FormatRate(double perSecond) => perSecond switch
    {
        >= 1e8 => string.Create(CultureInfo.InvariantCulture, $"{perSecond / 1e6:F0} M"),
        >= 1e7 => string.Create(CultureInfo.InvariantCulture, $"{perSecond / 1e6:F1} M"),
        >= 1e6 => string.Create(CultureInfo.InvariantCulture, $"{perSecond / 1e6:F2} M"),
        >= 1e5 => string.Create(CultureInfo.InvariantCulture, $"{perSecond / 1e3:F0} k"),
        >= 1e4 => string.Create(CultureInfo.InvariantCulture, $"{perSecond / 1e3:F1} k"),
        >= 1e3 => string.Create(CultureInfo.InvariantCulture, $"{perSecond / 1e3:F2} k"),
        _ => perSecond.ToString("F0", CultureInfo.InvariantCulture),
    };

    /// <summary>Runs the case <see cref="SuiteOptions.Repeat"/> times and keeps the run with the median throughput.</summary>
    private static CaseResult RunMedian(string workload, string allocator, int threads, SuiteOptions options)
    {
        var runs = new List<CaseResult>();
        CaseResult? failure = null;
        for (int i = 0; i < Math.Max(1, options.Repeat); i++)
        {
            CaseResult run = RunChild(workload, allocator, threads, options);
            if (run.Error is null)
            {
                runs.Add(run);
            }
            else
            {
                failure ??= run;
                if (run.Error.Contains("DllNotFound", StringComparison.Ordinal))
                {
                    break;
                }
            }
        }

        if (runs.Count == 0)
        {
            return failure!;
        }

        runs.Sort((a, b) => a.OpsPerSecond.CompareTo(b.OpsPerSecond));
        CaseResult median = runs[(runs.Count - 1) / 2];
        median.Runs = runs.Count;
        median.OpsPerSecondMin = runs[0].OpsPerSecond;
        median.OpsPerSecondMax = runs[^1].OpsPerSecond;
        return median;
    }

    /// <summary>
    /// This program started again with <paramref name="args"/> as a case process: tiered compilation off (so that the
    /// measured loops run fully optimized from the first iteration, not as on-stack-replaced code) and glibc's static TLS
    /// surplus that jemalloc needs.
    /// </summary>
    public static ProcessStartInfo CaseProcess(IEnumerable<string> args, bool redirect)
    {
        ProcessStartInfo start = SelfProcess(args, redirect);
        start.Environment["DOTNET_TieredCompilation"] = "0";
        start.Environment["DOTNET_TieredPGO"] = "0";
        return start;
    }

    /// <summary>This program started again with <paramref name="args"/>, with glibc's static TLS surplus that jemalloc needs.</summary>
    public static ProcessStartInfo SelfProcess(IEnumerable<string> args, bool redirect)
    {
        string processPath = Environment.ProcessPath ?? "dotnet";
        var start = new ProcessStartInfo(processPath)
        {
            RedirectStandardOutput = redirect,
            RedirectStandardError = redirect,
            UseShellExecute = false,
        };
        if (Path.GetFileNameWithoutExtension(processPath) == "dotnet")
        {
            start.ArgumentList.Add(typeof(SuiteRunner).Assembly.Location);
        }

        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["GLIBC_TUNABLES"] = StaticTls.Tunables(Environment.GetEnvironmentVariable("GLIBC_TUNABLES"));
        return start;
    }

    /// <summary>True in a process that <see cref="CaseProcess"/> started.</summary>
    public static bool IsCaseProcess => Environment.GetEnvironmentVariable("DOTNET_TieredCompilation") == "0";

    private static CaseResult RunChild(string workload, string allocator, int threads, SuiteOptions options)
    {
        ProcessStartInfo start = CaseProcess(
            [
                "case", "--workload", workload, "--allocator", allocator, "--threads", threads.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--duration-ms", ((int)options.Duration.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--warmup-ms", ((int)options.Warmup.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--seed", options.Seed.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ],
            redirect: true);
        var failed = new CaseResult { Workload = workload, Allocator = allocator, Threads = threads };
        using Process? process = Process.Start(start);
        if (process is null)
        {
            failed.Error = "could not start the case process";
            return failed;
        }

        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        TimeSpan limit = options.Duration + options.Warmup + TimeSpan.FromSeconds(120);
        if (!process.WaitForExit(limit))
        {
            process.Kill(entireProcessTree: true);
            failed.Error = $"timed out after {limit.TotalSeconds:F0} s";
            return failed;
        }

        string? line = stdout.Result.Split('\n').FirstOrDefault(l => l.StartsWith(CaseRunner.ResultPrefix, StringComparison.Ordinal));
        if (line is null)
        {
            string tail = stderr.Result.Trim();
            failed.Error = $"exit code {process.ExitCode}: " + (tail.Length > 300 ? tail[..300] : tail).ReplaceLineEndings(" ");
            return failed;
        }

        return JsonSerializer.Deserialize<CaseResult>(line[CaseRunner.ResultPrefix.Length..], ResultJson.Options) ?? failed;
    }
}
