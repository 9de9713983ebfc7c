using System;
using System.Runtime.ExceptionServices;
using System.Threading;

namespace Numa.Tests;

/// <summary>
/// A thread for test code: an exception or failed assertion on it is rethrown by <see cref="Join"/>,
/// failing the test that joins it, instead of ending the whole test host as an unhandled exception
/// on a plain thread would.
/// </summary>
internal sealed class TestThread
{
    private readonly Thread _thread;
    private ExceptionDispatchInfo? _failure;

    public TestThread(Action body) =>
        _thread = new Thread(() =>
        {
            try
            {
                body();
            }
            catch (Exception e)
            {
                _failure = ExceptionDispatchInfo.Capture(e);
            }
        });

    public void Start() => _thread.Start();

    /// <summary>Waits for the thread and rethrows what it threw.</summary>
    public void Join()
    {
        _thread.Join();
        _failure?.Throw();
    }
}
