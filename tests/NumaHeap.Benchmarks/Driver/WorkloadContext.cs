using System.Diagnostics;

namespace Numa.Benchmarks.Driver;

/// <summary>
/// What a workload run shares with its threads: the thread count, the stop flag the timer raises, and one
/// <see cref="ThreadSlot"/> per logical worker. A sampler thread sums the live bytes every millisecond for the
/// peak, which costs the workers nothing but a plain store to their own cache line; workloads with big steps add
/// an exact peak with <see cref="AddLiveExactly"/>.
/// </summary>
public sealed class WorkloadContext
{
    private volatile bool _stop;
    private long _sharedLive;
    private long _sharedPeak;

    public WorkloadContext(int threads, TimeSpan duration, ulong seed)
    {
        Threads = threads;
        Duration = duration;
        Seed = seed;
        Slots = new ThreadSlot[threads];
    }

    public int Threads { get; }

    public TimeSpan Duration { get; }

    public ulong Seed { get; }

    public ThreadSlot[] Slots { get; }

    public bool StopRequested => _stop;

    public long PeakLiveBytes { get; private set; }

    /// <summary>Where the allocator's memory is when the live bytes reach a new high (every 25 ms at most), or null.</summary>
    public MemoryBreakdownProbe? Probe { get; init; }

    public double ElapsedSeconds { get; private set; }

    public long TotalOperations
    {
        get
        {
            long total = 0;
            for (int i = 0; i < Slots.Length; i++)
            {
                total += Volatile.Read(ref Slots[i].Operations);
            }

            return total;
        }
    }

    public long CurrentLiveBytes
    {
        get
        {
            long total = 0;
            for (int i = 0; i < Slots.Length; i++)
            {
                total += Volatile.Read(ref Slots[i].LiveBytes);
            }

            return total;
        }
    }

    /// <summary>
    /// Runs <paramref name="measured"/> (which starts the workers and returns once they have all finished) while a
    /// sampler thread tracks peak live bytes and raises the stop flag after <see cref="Duration"/>.
    /// </summary>
    public void Measure(Action measured)
    {
        _stop = false;
        // Sleep, not ManualResetEventSlim.Wait(1): that spins and yields first, which steals a core from the workers.
        bool done = false;
        var stopwatch = Stopwatch.StartNew();
        var sampler = new Thread(() =>
        {
            long nextProbe = 0;
            while (!Volatile.Read(ref done))
            {
                long live = CurrentLiveBytes;
                PeakLiveBytes = Math.Max(PeakLiveBytes, live);
                if (Probe is not null && stopwatch.ElapsedMilliseconds >= nextProbe)
                {
                    Probe.Observe(() => CurrentLiveBytes);
                    nextProbe = stopwatch.ElapsedMilliseconds + 25;
                }

                if (!_stop && stopwatch.Elapsed >= Duration)
                {
                    _stop = true;
                }

                Thread.Sleep(1);
            }
        })
        { IsBackground = true, Name = "sampler", Priority = ThreadPriority.AboveNormal };
        sampler.Start();
        measured();
        ElapsedSeconds = stopwatch.Elapsed.TotalSeconds;
        Volatile.Write(ref done, true);
        sampler.Join();
        PeakLiveBytes = Math.Max(Math.Max(PeakLiveBytes, CurrentLiveBytes), Volatile.Read(ref _sharedPeak));
    }

    /// <summary>
    /// Adds <paramref name="delta"/> to the thread's live bytes and to a shared total whose exact peak counts. For
    /// workloads where one operation moves the live total by a large share (malloc-large: up to 32 MiB of a few
    /// hundred), so that the millisecond sampler would miss peaks and overstate peak RSS / peak live; the interlocked
    /// add costs nothing next to such operations.
    /// </summary>
    public void AddLiveExactly(ref ThreadSlot slot, long delta)
    {
        slot.LiveBytes += delta;
        long live = Interlocked.Add(ref _sharedLive, delta);
        long peak = Volatile.Read(ref _sharedPeak);
        while (live > peak)
        {
            long seen = Interlocked.CompareExchange(ref _sharedPeak, live, peak);
            if (seen == peak)
            {
                break;
            }

            peak = seen;
        }
    }

    /// <summary>Starts <see cref="Threads"/> workers on <paramref name="body"/>(index) and waits for all of them.</summary>
    public void RunWorkers(Action<int> body)
    {
        var threads = new Thread[Threads];
        using var start = new Barrier(Threads);
        for (int i = 0; i < threads.Length; i++)
        {
            int index = i;
            threads[i] = new Thread(() =>
            {
                start.SignalAndWait();
                body(index);
            })
            { IsBackground = true, Name = "worker " + index };
            threads[i].Start();
        }

        foreach (Thread thread in threads)
        {
            thread.Join();
        }
    }
}
