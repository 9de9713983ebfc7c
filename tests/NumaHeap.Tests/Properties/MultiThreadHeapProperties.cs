using System;
using System.Collections.Generic;
using System.Threading;
using FsCheck;
using FsCheck.Fluent;
using Numa.Tests.Engine;
using Xunit;

namespace Numa.Tests.Properties;

/// <summary>
/// Random programs split over several threads, each bound to a node, that swap blocks through shared
/// slots so that blocks are freed and reallocated by threads (and nodes) other than the one that
/// allocated them.
/// </summary>
public sealed unsafe class MultiThreadHeapProperties
{
    private const int Programs = 30;
    private const int MaxLength = 90;
    private const int Threads = 3;
    private const int SlotCount = 6;

    /// <summary>
    /// Property: whatever the interleaving, a block received from another thread holds the bytes its
    /// allocator wrote and reports the node it was placed on; each thread's own blocks keep the model's
    /// invariants; after every thread has freed what it holds (and the leftovers in the slots are freed)
    /// the heap validates and the statistics report zero live bytes.
    /// </summary>
    [Theory]
    [InlineData(1, false, 1)]
    [InlineData(1, false, 4)]
    [InlineData(2, false, 2)]
    [InlineData(4, false, 1)]
    [InlineData(2, true, 2)]
    public void RandomProgramsOnSeveralThreads_MoveBlocksBetweenNodes_AndEndWithZeroLiveBytes(int nodes, bool checks, int shards)
    {
        long received = 0;
        long remoteFrees = 0;
        Property property = Prop.ForAll(HeapCommandGenerator.Programs(Threads), program => RunProgram(program, nodes, checks, shards, ref received, ref remoteFrees));
        Check.One($"{Threads} threads, {nodes} node(s) of {shards} shard(s), checks {(checks ? "on" : "off")}", PropertyRuns.Create(Programs, MaxLength), property);

        // The programs did what they are for: blocks changed threads, and with several nodes, nodes.
        Assert.True(received > 0, "No block was handed to another thread.");
        Assert.True(nodes == 1 || remoteFrees > 0, "No block was freed by a thread of another node.");
    }

    private static void RunProgram(HeapCommand[] program, int nodes, bool checks, int shards, ref long received, ref long remoteFrees)
    {
        using Heap heap = TestHeaps.Create(simulatedNodes: nodes, checks: checks, regionShift: 30, shardsPerNode: shards);
        var slots = new ModelBlock?[SlotCount];
        long receivedHere = 0;
        var errors = new List<Exception>();
        using var start = new Barrier(Threads);
        var threads = new Thread[Threads];
        for (int t = 0; t < Threads; t++)
        {
            int index = t;
            threads[t] = new Thread(() =>
            {
                try
                {
                    heap.BindCurrentThread(index % nodes);
                    var model = new HeapModel(heap, nodes, slots);
                    start.SignalAndWait();
                    foreach (HeapCommand command in program)
                    {
                        if (command.Thread == index)
                        {
                            model.Run(command);
                        }
                    }

                    model.FreeAll();
                    Interlocked.Add(ref receivedHere, model.Received);
                }
                catch (Exception e)
                {
                    lock (errors)
                    {
                        errors.Add(e);
                    }

                    start.RemoveParticipant();
                }
            });
            threads[t].Start();
        }

        foreach (Thread thread in threads)
        {
            thread.Join();
        }

        if (errors.Count > 0)
        {
            throw new AggregateException(errors);
        }

        // What is left in the slots is freed here, from whatever node this thread is on.
        var leftovers = new HeapModel(heap, nodes, slots);
        leftovers.TakeAllFromSlots();

        leftovers.FreeAll();
        WaitForDeadThreadCaches(heap);
        heap.Validate();
        NumaHeapStatistics statistics = heap.GetStatistics();
        received += receivedHere + leftovers.Received;
        remoteFrees += statistics.RemoteFreesSent;
        long live = statistics.LiveBytes;
        if (live != 0)
        {
            throw new InvalidOperationException($"Every block was freed but the statistics report {live} live bytes.");
        }
    }

    // The exited threads' caches go back through their owners' finalizers, which may already be running
    // (a cache leaves the heap's list before its blocks are back): wait for the finalizers to finish so
    // that no statistic is read while a cache is half returned.
    private static void WaitForDeadThreadCaches(Heap heap)
    {
        int attempts = 0;
        do
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        while (heap.GetStatistics().ThreadCaches > 1 && ++attempts < 50);
    }
}
