using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading;
using Numa.Tests.Engine;
using Xunit;
using Xunit.Abstractions;

namespace Numa.Tests.Stress;

/// <summary>Threads that allocate and exit must give their caches back: the heap stays bounded under thread churn.</summary>
public sealed unsafe class ThreadExitTests(ITestOutputHelper output)
{
    private const int ThreadsInParallel = 8;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TenThousandShortLivedThreads_DoNotGrowTheHeap(bool collectEveryThousand)
    {
        int totalThreads = (int)Math.Max(1000, ReadCount("NUMAHEAP_STRESS_EXIT_THREADS", 10_000));
        using Heap heap = TestHeaps.Create(simulatedNodes: 2);
        var kept = new ConcurrentQueue<nint>();
        int errors = 0;
        int gen0 = GC.CollectionCount(0), gen2 = GC.CollectionCount(2);
        NumaHeapStatistics? afterThousand = null;
        var clock = Stopwatch.StartNew();
        for (int started = 0; started < totalThreads; started += ThreadsInParallel)
        {
            var threads = new TestThread[ThreadsInParallel];
            for (int t = 0; t < threads.Length; t++)
            {
                int serial = started + t;
                threads[t] = new TestThread(() =>
                {
                    if (!ShortLife(heap, serial, kept))
                    {
                        Interlocked.Increment(ref errors);
                    }
                });
                threads[t].Start();
            }

            foreach (TestThread thread in threads)
            {
                thread.Join();
            }

            int done = started + ThreadsInParallel;
            if (collectEveryThousand && done % 1000 == 0)
            {
                Quiescence.RunFinalizers();
            }

            if (done == 1000)
            {
                afterThousand = heap.GetStatistics();
            }
        }

        NumaHeapStatistics afterAll = heap.GetStatistics();
        output.WriteLine(
            $"{totalThreads:N0} threads ({(collectEveryThousand ? "GC.Collect + WaitForPendingFinalizers every 1,000" : "no explicit GC")}) in {clock.Elapsed.TotalSeconds:N1} s; " +
            $"gen0 GCs {GC.CollectionCount(0) - gen0}, gen2 GCs {GC.CollectionCount(2) - gen2}");
        output.WriteLine($"after 1,000 threads: committed {afterThousand!.CommittedBytes / 1024.0 / 1024:N1} MiB, thread caches {afterThousand.ThreadCaches}, cached in threads {afterThousand.CachedInThreadsBytes / 1024.0:N0} KiB");
        output.WriteLine($"after {totalThreads:N0} threads: committed {afterAll.CommittedBytes / 1024.0 / 1024:N1} MiB, thread caches {afterAll.ThreadCaches}, cached in threads {afterAll.CachedInThreadsBytes / 1024.0:N0} KiB");

        while (kept.TryDequeue(out nint block))
        {
            errors += CheckAndFree(heap, block) ? 0 : 1;
        }

        Assert.Equal(0, errors);

        // Dead threads must not pile up caches or the memory those caches hold: at most the threads
        // alive at once plus the dead ones a new thread has not yet looked for, and about as much
        // committed memory after 10,000 threads as after 1,000.
        Assert.True(afterAll.ThreadCaches <= 64, $"{afterAll.ThreadCaches} thread caches after {totalThreads} threads, {afterThousand.ThreadCaches} after 1,000");
        Assert.True(afterAll.CommittedBytes <= (2 * afterThousand.CommittedBytes) + (4 << 20), $"committed {afterAll.CommittedBytes} bytes after {totalThreads} threads, {afterThousand.CommittedBytes} after 1,000");

        Quiescence.AssertSettled(heap);
    }

    // One short life: allocate a few blocks of several classes, free some, leave some for a later
    // thread (often on the other node), free what earlier threads left, and exit.
    private static bool ShortLife(Heap heap, int serial, ConcurrentQueue<nint> kept)
    {
        if (serial % 3 != 2)
        {
            heap.BindCurrentThread(serial % 2);
        }

        bool intact = true;
        var random = new Random(serial);
        var mine = new nint[12];
        for (int i = 0; i < mine.Length; i++)
        {
            int size = random.Next(8) == 0 ? random.Next(4096, 65536) : random.Next(BlockPattern.HeaderSize, 1024);
            var block = (byte*)heap.Alloc((nuint)size);
            BlockPattern.Fill(block, (uint)((serial * 16) + i), size);
            mine[i] = (nint)block;
        }

        for (int i = 0; i < mine.Length; i++)
        {
            if (i % 4 == 0)
            {
                kept.Enqueue(mine[i]);
            }
            else
            {
                intact &= CheckAndFree(heap, mine[i]);
            }
        }

        for (int i = 0; i < 3 && kept.Count > 64 && kept.TryDequeue(out nint block); i++)
        {
            intact &= CheckAndFree(heap, block);
        }

        return intact;
    }

    private static bool CheckAndFree(Heap heap, nint block)
    {
        bool intact = BlockPattern.Check((byte*)block, heap.GetUsableSize((void*)block)) is null;
        heap.Free((void*)block);
        return intact;
    }

    private static long ReadCount(string name, long fallback) =>
        long.TryParse(Environment.GetEnvironmentVariable(name), out long value) ? value : fallback;
}
