using Numa.Benchmarks.Allocators;
using Numa.Benchmarks.Driver;

namespace Numa.Benchmarks.Workloads;

/// <summary>
/// alloc-test style mixed sizes: each thread replaces random blocks of a 4,096-slot working set with sizes drawn from a
/// skewed mix (80% 8–128 B, 15% 128 B–2 KiB, 4.5% 2–32 KiB, 0.5% 32 KiB–1 MiB), the shape of a typical service heap.
/// </summary>
public static unsafe class AllocTest
{
    private const int WorkingSet = 4096;

    public static void Run<TAlloc>(WorkloadContext context)
        where TAlloc : struct, IAllocator
    {
        context.Measure(() => context.RunWorkers(index => Worker<TAlloc>(context, index)));
    }

    private static nuint NextSize(ref Rng rng)
    {
        int bucket = rng.Below(1000);
        return bucket switch
        {
            < 800 => rng.Between(8, 128),
            < 950 => rng.Between(129, 2048),
            < 995 => rng.Between(2049, 32 * 1024),
            _ => rng.Between((32 * 1024) + 1, 1024 * 1024),
        };
    }

    private static void Worker<TAlloc>(WorkloadContext context, int index)
        where TAlloc : struct, IAllocator
    {
        ref ThreadSlot slot = ref context.Slots[index];
        var rng = new Rng(context.Seed + (ulong)index);
        var blocks = new nint[WorkingSet];
        var sizes = new nuint[WorkingSet];
        while (!context.StopRequested)
        {
            for (int step = 0; step < 256; step++)
            {
                int i = rng.Below(WorkingSet);
                if (blocks[i] != 0)
                {
                    TAlloc.Free((void*)blocks[i]);
                    slot.LiveBytes -= (long)sizes[i];
                    slot.Operations++;
                }

                nuint size = NextSize(ref rng);
                void* p = TAlloc.Alloc(size);
                Block.TouchEnds(p, size);
                blocks[i] = (nint)p;
                sizes[i] = size;
                slot.LiveBytes += (long)size;
                slot.Operations++;
            }
        }

        for (int i = 0; i < WorkingSet; i++)
        {
            if (blocks[i] != 0)
            {
                TAlloc.Free((void*)blocks[i]);
                slot.LiveBytes -= (long)sizes[i];
                slot.Operations++;
            }
        }
    }
}
