using System;

namespace Numa.NumaVm;

/// <summary>
/// The checks of NumaHeap's placement on a real multi-node kernel (a qemu guest booted by
/// <c>tests/NumaHeap.NumaVm/run</c>); one mode per process, because the thread-setup modes are
/// settings of the process-wide heap read from its environment.
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        string mode = args.Length > 0 ? args[0] : "placement";
        Console.WriteLine($"NUMAVM mode {string.Join(" ", args)}: {NumaHeap.Topology}");
        try
        {
            switch (mode)
            {
                case "placement":
                    PlacementChecks.RunAll();
                    break;
                case "bind-threads":
                    ThreadSetupChecks.BindThreadsRoundRobin();
                    break;
                case "interleave-main":
                    ThreadSetupChecks.InterleaveMainThread(bigFirst: args.Length > 1 && args[1] == "big");
                    break;
                case "spill":
                    SpillChecks.Run(megabytes: args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 384);
                    break;
                case "locality":
                    LocalityWorkload.Run(BufferAllocator.Create(args[1]), boundThreads: args.Length > 2 && args[2] == "bound");
                    break;
                default:
                    CheckLog.Fail("arguments", $"unknown mode '{mode}'");
                    break;
            }
        }
        catch (Exception e)
        {
            CheckLog.Fail(mode, $"threw {e}");
        }

        Console.WriteLine($"NUMAVM done {mode}: {CheckLog.Summary}");
        return CheckLog.Failed == 0 ? 0 : 1;
    }
}
