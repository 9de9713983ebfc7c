using Numa.Benchmarks.Allocators;
using Numa.Benchmarks.Driver;

namespace Numa.Benchmarks.Workloads;

/// <summary>glibc bench-malloc-thread style: each thread replaces random blocks of a 1,024-slot working set with new ones of 16–512 bytes.</summary>
public static unsafe class GlibcThread
{
    private const int WorkingSet = 1024;
    private const nuint MinSize = 16;
    private const nuint MaxSize = 512;

    public static void Run<TAlloc>(WorkloadContext context)
        where TAlloc : struct, IAllocator
    {
        context.Measure(() => context.RunWorkers(index => Worker<TAlloc>(context, index)));
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
                }

                nuint size = rng.Between(MinSize, MaxSize);
                void* p = TAlloc.Alloc(size);
                Block.TouchEnds(p, size);
                blocks[i] = (nint)p;
                sizes[i] = size;
                slot.LiveBytes += (long)size;
            }

            slot.Operations += 512;
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
