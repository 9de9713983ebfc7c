using Numa.Benchmarks.Allocators;
using Numa.Benchmarks.Driver;

namespace Numa.Benchmarks.Workloads;

/// <summary>
/// malloc-large style big blocks: each thread keeps a window of 16 live blocks of 64 KiB–32 MiB (log-uniform) and
/// replaces a random one at a time, writing the new block page by page. Live bytes are tracked exactly, not sampled.
/// </summary>
public static unsafe class MallocLarge
{
    private const int Window = 16;
    private const nuint MinSize = 64 * 1024;
    private const nuint MaxSize = 32 * 1024 * 1024;

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
        var blocks = new nint[Window];
        var sizes = new nuint[Window];
        while (!context.StopRequested)
        {
            int i = rng.Below(Window);
            if (blocks[i] != 0)
            {
                TAlloc.Free((void*)blocks[i]);
                context.AddLiveExactly(ref slot, -(long)sizes[i]);
                slot.Operations++;
            }

            nuint size = rng.LogUniform(MinSize, MaxSize);
            void* p = TAlloc.Alloc(size);
            context.AddLiveExactly(ref slot, (long)size);
            slot.Operations++;
            Block.TouchPages(p, size);
            blocks[i] = (nint)p;
            sizes[i] = size;
        }

        for (int i = 0; i < Window; i++)
        {
            if (blocks[i] != 0)
            {
                TAlloc.Free((void*)blocks[i]);
                context.AddLiveExactly(ref slot, -(long)sizes[i]);
                slot.Operations++;
            }
        }
    }
}
