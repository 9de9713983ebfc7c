using System;
using System.Diagnostics;
using System.Runtime.ExceptionServices;
using System.Threading;

namespace Numa.Tests.Misuse;

/// <summary>
/// Rounds of a race between two calls: each round prepares on the calling thread, releases two
/// long-lived threads at once to make one call each, then checks what they did; it stops after a
/// number of rounds or a time limit, whichever comes first, so a race test stays bounded in time.
/// </summary>
/// <remarks>
/// The racers spin for the start of a round instead of blocking: a blocked thread wakes up tens of
/// microseconds after another, far wider than most race windows. A delay that differs from round to
/// round then sweeps one call across the other.
/// </remarks>
internal static class RaceRounds
{
    /// <summary>Runs the rounds; an exception from any step ends the run and is rethrown here.</summary>
    /// <returns>The rounds run.</returns>
    public static int Run(int rounds, TimeSpan timeLimit, Action<int> prepare, Action<int> first, Action<int> second, Action<int> check)
    {
        int started = -1; // the round the racers may run; int.MaxValue: stop
        int finished = 0; // racers done with the current round
        ExceptionDispatchInfo? failure = null;
        void Racer(Action<int> call, uint salt)
        {
            for (int next = 0; ; next++)
            {
                int round;
                var waiter = default(SpinWait);
                while ((round = Volatile.Read(ref started)) < next)
                {
                    waiter.SpinOnce(sleep1Threshold: -1);
                }

                if (round == int.MaxValue)
                {
                    return;
                }

                Thread.SpinWait((int)((((uint)round + salt) * 2654435761u) >> 26));
                try
                {
                    call(round);
                }
                catch (Exception e)
                {
                    var inRound = new InvalidOperationException($"Round {round}: {e.GetType().Name}: {e.Message}", e);
                    Interlocked.CompareExchange(ref failure, ExceptionDispatchInfo.Capture(inRound), null);
                }

                Interlocked.Increment(ref finished);
            }
        }

        var firstThread = new Thread(() => Racer(first, 0)) { IsBackground = true };
        var secondThread = new Thread(() => Racer(second, 0x9E37)) { IsBackground = true };
        firstThread.Start();
        secondThread.Start();
        var clock = Stopwatch.StartNew();
        int round = 0;
        try
        {
            for (; round < rounds && clock.Elapsed < timeLimit && failure is null; round++)
            {
                prepare(round);
                Volatile.Write(ref finished, 0);
                Volatile.Write(ref started, round);
                var waiter = default(SpinWait);
                while (Volatile.Read(ref finished) < 2)
                {
                    waiter.SpinOnce(sleep1Threshold: -1);
                }

                if (failure is null)
                {
                    check(round);
                }
            }
        }
        finally
        {
            Volatile.Write(ref started, int.MaxValue);
            firstThread.Join();
            secondThread.Join();
        }

        failure?.Throw();
        return round;
    }
}
