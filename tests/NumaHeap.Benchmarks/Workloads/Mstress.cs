using Numa.Benchmarks.Allocators;
using Numa.Benchmarks.Driver;

namespace Numa.Benchmarks.Workloads;

/// <summary>
/// mstress-style churn. Rounds of fresh threads (created for the round, gone after it) each do 20,000 steps on 500
/// private slots: allocate (mostly 16–1,024 bytes, 1% 16–512 KiB), grow with realloc, free, or swap a block with a
/// shared transfer array, through which blocks outlive their thread and are freed by a later one. Every block keeps its
/// size in its first word.
/// </summary>
public static unsafe class Mstress
{
    private const int LocalSlots = 500;
    private const int TransferSlots = 1000;
    private const int StepsPerThread = 20_000;

    public static void Run<TAlloc>(WorkloadContext context)
        where TAlloc : struct, IAllocator
    {
        var transfer = new nint[TransferSlots];
        int round = 0;
        context.Measure(() =>
        {
            while (!context.StopRequested)
            {
                int current = round++;
                context.RunWorkers(index => Worker<TAlloc>(context, transfer, index, current));
            }

            ref ThreadSlot slot = ref context.Slots[0];
            for (int i = 0; i < transfer.Length; i++)
            {
                FreeSized<TAlloc>(transfer[i], ref slot);
                transfer[i] = 0;
            }
        });
    }

    private static void Worker<TAlloc>(WorkloadContext context, nint[] transfer, int index, int round)
        where TAlloc : struct, IAllocator
    {
        ref ThreadSlot slot = ref context.Slots[index];
        var rng = new Rng(context.Seed + ((ulong)round << 16) + (ulong)index);
        var local = new nint[LocalSlots];
        for (int step = 0; step < StepsPerThread && ((step & 255) != 0 || !context.StopRequested); step++)
        {
            int i = rng.Below(LocalSlots);
            int action = rng.Below(100);
            if (action < 40 || (action < 60 && local[i] == 0))
            {
                FreeSized<TAlloc>(local[i], ref slot);
                local[i] = AllocSized<TAlloc>(NextSize(ref rng), ref slot);
            }
            else if (action < 60)
            {
                nuint oldSize = *(nuint*)local[i];
                nuint newSize = Math.Min(oldSize + (oldSize / 2) + 16, 1024 * 1024);
                nuint* p = (nuint*)TAlloc.Realloc((void*)local[i], newSize);
                p[0] = newSize;
                ((byte*)p)[newSize - 1] = 1;
                slot.LiveBytes += (long)newSize - (long)oldSize;
                slot.Operations++;
                local[i] = (nint)p;
            }
            else if (action < 80)
            {
                FreeSized<TAlloc>(local[i], ref slot);
                local[i] = 0;
            }
            else
            {
                local[i] = Interlocked.Exchange(ref transfer[rng.Below(TransferSlots)], local[i]);
            }
        }

        for (int i = 0; i < local.Length; i++)
        {
            FreeSized<TAlloc>(local[i], ref slot);
        }
    }

    private static nuint NextSize(ref Rng rng) =>
        rng.Below(100) == 0 ? rng.Between(16 * 1024, 512 * 1024) : rng.Between(16, 1024);

    private static nint AllocSized<TAlloc>(nuint size, ref ThreadSlot slot)
        where TAlloc : struct, IAllocator
    {
        nuint* p = (nuint*)TAlloc.Alloc(size);
        p[0] = size;
        ((byte*)p)[size - 1] = 1;
        slot.LiveBytes += (long)size;
        slot.Operations++;
        return (nint)p;
    }

    private static void FreeSized<TAlloc>(nint block, ref ThreadSlot slot)
        where TAlloc : struct, IAllocator
    {
        if (block != 0)
        {
            slot.LiveBytes -= (long)*(nuint*)block;
            slot.Operations++;
            TAlloc.Free((void*)block);
        }
    }
}
