using Numa.Benchmarks.Allocators;
using Numa.Benchmarks.Driver;

namespace Numa.Benchmarks.Workloads;

/// <summary>glibc bench-malloc-simple style: each thread allocates 100 blocks of 64 bytes, then frees them in order, again and again.</summary>
public static unsafe class GlibcSimple
{
    private const int Batch = 100;
    private const nuint Size = 64;

    public static void Run<TAlloc>(WorkloadContext context)
        where TAlloc : struct, IAllocator
    {
        context.Measure(() => context.RunWorkers(index => Worker<TAlloc>(context, index)));
    }

    private static void Worker<TAlloc>(WorkloadContext context, int index)
        where TAlloc : struct, IAllocator
    {
        ref ThreadSlot slot = ref context.Slots[index];
        nint* blocks = stackalloc nint[Batch];
        while (!context.StopRequested)
        {
            for (int i = 0; i < Batch; i++)
            {
                byte* p = (byte*)TAlloc.Alloc(Size);
                p[0] = 1;
                blocks[i] = (nint)p;
            }

            slot.LiveBytes = Batch * (long)Size;
            for (int i = 0; i < Batch; i++)
            {
                TAlloc.Free((void*)blocks[i]);
            }

            slot.LiveBytes = 0;
            slot.Operations += 2 * Batch;
        }
    }
}
