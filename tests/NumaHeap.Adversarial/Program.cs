using System;

namespace Numa.Adversarial;

/// <summary>
/// Misuse scenarios against the process-wide heap, one per process (tests/NumaHeap.Tests'
/// ChildProcessMisuseTests starts each with its settings and a time limit): a crash, a hang or a
/// broken promise is that process's failure, never the test host's. Prints "OK" and exits 0 when
/// every check of the scenario held.
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        string scenario = args.Length > 0 ? args[0] : "";
        try
        {
            // A heap refusing every call has no bystanders to keep, nor one whose regions the limit shrank to 16 MiB.
            Bystanders? bystanders = scenario is "bad-configuration" or "address-space-limit" ? null : new Bystanders();
            int rounds = scenario switch
            {
                "big-free-vs-realloc" => Scenarios.BigFreeRacingRealloc(),
                "small-free-vs-realloc" => Scenarios.SmallFreeRacingRealloc(),
                "double-free-vs-span-release" => Scenarios.DoubleFreeRacingSpanRelease(),
                "usable-size-vs-span-release" => Scenarios.UsableSizeRacingSpanRelease(),
                "thread-exit-with-remote-frees" => Scenarios.ThreadsExitWithRemoteFrees(),
                "bad-configuration" => Scenarios.BadConfiguration(),
                "address-space-limit" => Scenarios.AddressSpaceLimit(),
                _ => throw new ArgumentException($"Unknown scenario '{scenario}'."),
            };

            bystanders?.Verify();

            Console.WriteLine($"OK {scenario}: {rounds} rounds");
            return 0;
        }
        catch (Exception e)
        {
            Console.WriteLine($"FAIL {scenario}: {e}");
            return 1;
        }
    }
}
