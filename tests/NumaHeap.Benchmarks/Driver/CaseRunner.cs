using System.Text.Json;
using Numa.Benchmarks.Workloads;

namespace Numa.Benchmarks.Driver;

/// <summary>
/// Runs one case in this process (the suite starts a process per case, because VmHWM is process-wide): warm-up at
/// the same thread count, reset of the peak RSS, the measured run, then free-all and release, and one line
/// <c>RESULT {json}</c> on standard output.
/// </summary>
public static class CaseRunner
{
    public const string ResultPrefix = "RESULT ";

    public static int Run(string workload, string allocator, int threads, TimeSpan duration, TimeSpan warmup, ulong seed)
    {
        var result = new CaseResult { Workload = workload, Allocator = allocator, Threads = threads };
        try
        {
            result.BaselineRssBytes = ProcStatus.ResidentBytes();
            WorkloadCatalog.Initialize(allocator);
            if (warmup > TimeSpan.Zero)
            {
                WorkloadCatalog.Run(workload, allocator, new WorkloadContext(threads, warmup, seed ^ 0x5555));
            }

            ProcStatus.ResetPeak();
            var context = new WorkloadContext(threads, duration, seed) { Probe = MemoryBreakdownProbe.For(allocator, result.BaselineRssBytes) };
            WorkloadCatalog.Run(workload, allocator, context);
            result.Breakdown = context.Probe?.AtPeak;
            result.PeakRssBytes = ProcStatus.PeakResidentBytes();
            if (allocator is "numaheap" or WorkloadCatalog.LeanNumaHeap)
            {
                result.NumaHeap = NumaHeapSnapshot.Take();
            }

            result.Operations = context.TotalOperations;
            result.Seconds = context.ElapsedSeconds;
            result.OpsPerSecond = context.TotalOperations / context.ElapsedSeconds;
            result.PeakLiveBytes = context.PeakLiveBytes;
            result.RssOverLive = context.PeakLiveBytes > 0 ? (double)(result.PeakRssBytes - result.BaselineRssBytes) / context.PeakLiveBytes : 0;
            if (context.CurrentLiveBytes != 0)
            {
                result.Error = $"workload left {context.CurrentLiveBytes} bytes live";
            }

            // Exited workers' thread caches may only be handed back by finalizers (NumaHeap's are), so give them a
            // chance before asking the allocator to return its free memory.
            GC.Collect();
            GC.WaitForPendingFinalizers();
            WorkloadCatalog.Release(allocator);
            result.RssAfterReleaseBytes = ProcStatus.ResidentBytes();
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or TypeInitializationException or OutOfMemoryException or ArgumentException or InvalidOperationException)
        {
            result.Error = e.GetBaseException().GetType().Name + ": " + e.GetBaseException().Message;
        }

        Console.Out.WriteLine(ResultPrefix + JsonSerializer.Serialize(result, ResultJson.Options));
        Console.Out.Flush();
        return result.Error is null ? 0 : 1;
    }
}
