using System;
using System.Runtime.ExceptionServices;
using System.Threading;

namespace Numa.NumaVm;

/// <summary>Work on a new thread of its own (a new thread is a new thread to the heap: a cache of its own).</summary>
internal static class Threads
{
    public static void Run(Action work)
    {
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                work();
            }
            catch (Exception e)
            {
                failure = e;
            }
        });
        thread.Start();
        thread.Join();
        if (failure != null)
        {
            ExceptionDispatchInfo.Capture(failure).Throw();
        }
    }
}
