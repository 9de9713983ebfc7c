using System;
using System.Runtime.ExceptionServices;
using System.Threading;

namespace Numa.Tests.Platform;

/// <summary>Runs test code on a thread of its own, so that affinity changes die with it instead of leaking into the test runner's pool.</summary>
internal static class DedicatedThread
{
    public static void Run(Action action)
    {
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                action();
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
        });
        thread.Start();
        thread.Join();
        failure?.Throw();
    }
}
