using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;

namespace Numa.NumaVm;

/// <summary>
/// How often a buffer is used on the node that holds its pages. ThreadPool tasks (threads not bound,
/// scheduled by the kernel) allocate buffers, fill them, keep some a while, hand some to other tasks
/// through a queue, and free them. At each use one page of the buffer is touched and the kernel asked
/// where that page is, against the node of the CPU the use ran on.
/// </summary>
internal static class LocalityWorkload
{
    private const int Tasks = 16;
    private const int Rounds = 40;
    private const int BuffersPerRound = 40;
    private static readonly int[] s_sizes = [4 * 1024, 16 * 1024, 64 * 1024, 256 * 1024];

    public static void Run(BufferAllocator allocator, bool boundThreads)
    {
        var run = new SharedState(allocator, Sysfs.NodeOfEveryCpu());
        var tasks = new Task[Tasks];
        for (int t = 0; t < Tasks; t++)
        {
            var worker = new Worker(run, seed: t);
            tasks[t] = Task.Run(async () =>
            {
                for (int round = 0; round < Rounds; round++)
                {
                    worker.RunRound();

                    // Let the pool move the task to whichever thread (and CPU) comes next.
                    await Task.Yield();
                }

                worker.FreeKept();
            });
        }

        Task.WaitAll(tasks);
        run.FreeHandedOver();

        long[] counts = run.Counts;
        double first = (double)counts[0] / counts[1];
        double later = (double)counts[2] / counts[3];
        double all = (double)(counts[0] + counts[2]) / (counts[1] + counts[3]);
        string name = allocator.Name + (boundThreads ? "-bound" : string.Empty);
        Console.WriteLine($"LOCALITY {name} all={all:F3} first={first:F3} later={later:F3} uses={counts[1] + counts[3]}");
        CheckLog.Check(counts[1] > 1000 && counts[3] > 1000, $"locality.{name}", $"{counts[1] + counts[3]:N0} uses sampled, {all:P1} local");
        if (boundThreads)
        {
            // A bound thread allocates on its node and runs only on its CPUs: its first use is always local.
            CheckLog.Check(first >= 0.99, "locality.bound-first-use", $"{first:P1} of first uses local");
        }
    }

    // Touches one page of the block and counts whether the kernel has it on the node of this CPU;
    // a use during which the thread changed node is not counted.
    private static unsafe void Use(byte* block, int size, Random random, int[] nodeOfCpu, long[] counts, int index)
    {
        int offset = random.Next(size) & ~(Kernel.PageSize - 1);
        int cpuBefore = Kernel.CurrentCpu();
        Volatile.Write(ref block[offset], (byte)(block[offset] + 1));
        int[] node = Kernel.NodesOfPages([(nint)(block + offset)]);
        int cpuAfter = Kernel.CurrentCpu();
        if (nodeOfCpu[cpuBefore] != nodeOfCpu[cpuAfter] || node[0] < 0)
        {
            return;
        }

        Interlocked.Increment(ref counts[index + 1]);
        if (node[0] == nodeOfCpu[cpuBefore])
        {
            Interlocked.Increment(ref counts[index]);
        }
    }

    // What the tasks share: the allocator, the queue of handed-over buffers and the use counts
    // (first uses local, all; later uses local, all).
    private sealed class SharedState(BufferAllocator allocator, int[] nodeOfCpu)
    {
        public BufferAllocator Allocator { get; } = allocator;

        public int[] NodeOfCpu { get; } = nodeOfCpu;

        public ConcurrentQueue<(nint Block, int Size)> HandedOver { get; } = new();

        public long[] Counts { get; } = new long[4];

        public unsafe void FreeHandedOver()
        {
            while (HandedOver.TryDequeue(out var left))
            {
                Allocator.Free((void*)left.Block);
            }
        }
    }

    // One task's state: its random stream and the buffers it keeps a while.
    private sealed class Worker(SharedState run, int seed)
    {
        private readonly Random _random = new(seed);
        private readonly (nint Block, int Size)[] _kept = new (nint, int)[8];

        public unsafe void RunRound()
        {
            for (int i = 0; i < BuffersPerRound; i++)
            {
                int size = s_sizes[_random.Next(s_sizes.Length)];
                byte* block = (byte*)run.Allocator.Alloc((nuint)size);
                new Span<byte>(block, size).Fill((byte)i);
                Use(block, size, _random, run.NodeOfCpu, run.Counts, 0);

                // A quarter go to other tasks, a quarter stay a while, the rest are freed now.
                switch (_random.Next(4))
                {
                    case 0:
                        run.HandedOver.Enqueue(((nint)block, size));
                        break;
                    case 1:
                        ref var slot = ref _kept[_random.Next(_kept.Length)];
                        Release(slot);
                        slot = ((nint)block, size);
                        break;
                    default:
                        run.Allocator.Free(block);
                        break;
                }

                if (run.HandedOver.TryDequeue(out var other))
                {
                    Release(other);
                }
            }
        }

        public void FreeKept()
        {
            foreach (var kept in _kept)
            {
                Release(kept);
            }
        }

        // A later use of a buffer, then its free.
        private unsafe void Release((nint Block, int Size) buffer)
        {
            if (buffer.Block != 0)
            {
                Use((byte*)buffer.Block, buffer.Size, _random, run.NodeOfCpu, run.Counts, 2);
                run.Allocator.Free((void*)buffer.Block);
            }
        }
    }
}
