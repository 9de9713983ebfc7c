using System;
using System.Diagnostics;
using System.Threading;
using Xunit;

namespace Numa.Tests.Numa;

/// <summary>Liveness checks: something must happen eventually; the generous limit only turns a hang into a failure.</summary>
internal static class Poll
{
    /// <summary>The limit for anything the maintenance timer must do (its period is at most 250 ms).</summary>
    public static readonly TimeSpan Generous = TimeSpan.FromSeconds(10);

    /// <summary>Waits until <paramref name="condition"/> holds; fails with <paramref name="what"/> if it does not within <see cref="Generous"/>.</summary>
    public static void Until(Func<bool> condition, Func<string> what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > Generous)
            {
                Assert.Fail($"Still not true after {Generous.TotalSeconds} s: {what()}");
            }

            Thread.Sleep(10);
        }
    }
}
