using System;
using System.Diagnostics;
using System.Runtime.ExceptionServices;
using System.Threading;

namespace Numa.Adversarial;

/// <summary>
/// Rounds of two actions started at the same moment on two threads that live through all rounds:
/// the caller prepares each round, and checks it once both actions are done.
/// </summary>
internal static class Race
{
    /// <returns>The rounds run: <paramref name="rounds"/>, or fewer when <paramref name="timeLimit"/> ran out first.</returns>
    public static int Run(int rounds, TimeSpan timeLimit, Action<int> prepare, Action<int> first, Action<int> second, Action<int> check)
    {
        using var start = new Barrier(3);
        using var done = new Barrier(3);
        int round = 0;
        bool stop = false;
        Exception? failure = null;
        Thread Worker(Action<int> action) => new(() =>
        {
            while (true)
            {
                start.SignalAndWait();
                if (Volatile.Read(ref stop))
                {
                    return;
                }

                // Spread the two starts over a few hundred cycles, differently each round.
                Thread.SpinWait((round * 7) % 13);
                try
                {
                    action(round);
                }
                catch (Exception e)
                {
                    failure ??= e;
                }

                done.SignalAndWait();
            }
        })
        { IsBackground = true };

        Thread a = Worker(first);
        Thread b = Worker(second);
        a.Start();
        b.Start();
        var watch = Stopwatch.StartNew();
        int ran = 0;
        for (; ran < rounds && watch.Elapsed < timeLimit; ran++)
        {
            round = ran;
            prepare(ran);
            start.SignalAndWait();
            done.SignalAndWait();
            if (failure != null)
            {
                ExceptionDispatchInfo.Capture(failure).Throw();
            }

            check(ran);
        }

        Volatile.Write(ref stop, true);
        start.SignalAndWait();
        a.Join();
        b.Join();
        return ran;
    }
}
