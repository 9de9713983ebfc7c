using System;
using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using System.Threading;

namespace Numa.Tests.Numa;

/// <summary>
/// A thread bound to one node of a heap that runs the test's steps one at a time, in order, and
/// between steps stays alive and blocked (an idle thread, as far as the heap can tell).
/// </summary>
internal sealed class NodeWorker : IDisposable
{
    private readonly BlockingCollection<Action> _steps = new();
    private readonly Thread _thread;

    public NodeWorker(Heap heap, int node)
    {
        Node = node;
        _thread = new Thread(() =>
        {
            foreach (Action step in _steps.GetConsumingEnumerable())
            {
                step();
            }
        })
        {
            IsBackground = true,
            Name = $"node {node} worker",
        };
        _thread.Start();
        Run(() => heap.BindCurrentThread(node));
    }

    /// <summary>The node the worker is bound to.</summary>
    public int Node { get; }

    /// <summary>Runs <paramref name="step"/> on the worker and returns its result (or rethrows its exception).</summary>
    public T Run<T>(Func<T> step)
    {
        T result = default!;
        ExceptionDispatchInfo? failure = null;
        using var done = new ManualResetEventSlim();
        _steps.Add(() =>
        {
            try
            {
                result = step();
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
            finally
            {
                done.Set();
            }
        });
        done.Wait();
        failure?.Throw();
        return result;
    }

    /// <summary>Runs <paramref name="step"/> on the worker and waits for it.</summary>
    public void Run(Action step) => Run(() =>
    {
        step();
        return 0;
    });

    /// <summary>Lets the thread exit and waits until it has.</summary>
    public void Dispose()
    {
        _steps.CompleteAdding();
        _thread.Join();
        _steps.Dispose();
    }
}
