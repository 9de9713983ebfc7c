using System;
using System.Threading;

namespace Numa.NumaVm;

/// <summary>
/// The checks' results, one line each on the console that the host script reads:
/// <c>PASS name: detail</c> or <c>FAIL name: detail</c>.
/// </summary>
internal static class CheckLog
{
    private static int s_passed;
    private static int s_failed;

    public static int Failed => s_failed;

    public static void Pass(string name, string detail)
    {
        Interlocked.Increment(ref s_passed);
        Console.WriteLine($"PASS {name}: {detail}");
    }

    public static void Fail(string name, string detail)
    {
        Interlocked.Increment(ref s_failed);
        Console.WriteLine($"FAIL {name}: {detail}");
    }

    public static void Check(bool holds, string name, string detail)
    {
        if (holds)
        {
            Pass(name, detail);
        }
        else
        {
            Fail(name, detail);
        }
    }

    /// <summary>Runs a check; an exception it throws is a failure of that check.</summary>
    public static void Run(string name, Action check)
    {
        try
        {
            check();
        }
        catch (Exception e)
        {
            Fail(name, $"threw {e.GetType().Name}: {e.Message}");
        }
    }

    public static string Summary => $"{s_passed} passed, {s_failed} failed";
}
