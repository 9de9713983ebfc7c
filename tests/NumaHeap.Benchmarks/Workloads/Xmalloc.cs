using Numa.Benchmarks.Allocators;
using Numa.Benchmarks.Driver;

namespace Numa.Benchmarks.Workloads;

/// <summary>
/// xmalloc-style producer/consumer. Thread i allocates chains of 64 blocks (16–256 bytes, linked through their first
/// word, the size in the second) and hands each chain to thread i+1, which frees it: with two or more threads every
/// free is a free of another thread's block. With one thread the chain comes back to its producer.
/// </summary>
public static unsafe class Xmalloc
{
    private const int ChainLength = 64;
    private const nuint MinSize = 16;
    private const nuint MaxSize = 256;

    public static void Run<TAlloc>(WorkloadContext context)
        where TAlloc : struct, IAllocator
    {
        var rings = new SpscRing[context.Threads];
        for (int i = 0; i < rings.Length; i++)
        {
            rings[i] = new SpscRing(32);
        }

        context.Measure(() =>
        {
            context.RunWorkers(index => Worker<TAlloc>(context, rings, index));

            // Chains still queued when the workers stopped.
            ref ThreadSlot slot = ref context.Slots[0];
            foreach (SpscRing ring in rings)
            {
                while (ring.TryDequeue(out nint chain))
                {
                    FreeChain<TAlloc>(chain, ref slot);
                }
            }
        });
    }

    private static void Worker<TAlloc>(WorkloadContext context, SpscRing[] rings, int index)
        where TAlloc : struct, IAllocator
    {
        ref ThreadSlot slot = ref context.Slots[index];
        SpscRing inbox = rings[index];
        SpscRing outbox = rings[(index + 1) % rings.Length];
        var rng = new Rng(context.Seed + (ulong)index);
        while (!context.StopRequested)
        {
            nint chain = 0;
            for (int i = 0; i < ChainLength; i++)
            {
                nuint size = rng.Between(MinSize, MaxSize);
                nint* p = (nint*)TAlloc.Alloc(size);
                p[0] = chain;
                p[1] = (nint)size;
                chain = (nint)p;
                slot.LiveBytes += (long)size;
            }

            slot.Operations += ChainLength;
            while (!outbox.TryEnqueue(chain))
            {
                if (context.StopRequested)
                {
                    FreeChain<TAlloc>(chain, ref slot);
                    break;
                }

                if (!Drain<TAlloc>(inbox, ref slot))
                {
                    Thread.Yield();
                }
            }

            Drain<TAlloc>(inbox, ref slot);
        }
    }

    private static bool Drain<TAlloc>(SpscRing inbox, ref ThreadSlot slot)
        where TAlloc : struct, IAllocator
    {
        bool any = false;
        while (inbox.TryDequeue(out nint chain))
        {
            FreeChain<TAlloc>(chain, ref slot);
            any = true;
        }

        return any;
    }

    private static void FreeChain<TAlloc>(nint chain, ref ThreadSlot slot)
        where TAlloc : struct, IAllocator
    {
        while (chain != 0)
        {
            nint* p = (nint*)chain;
            chain = p[0];
            slot.LiveBytes -= (long)(nuint)p[1];
            slot.Operations++;
            TAlloc.Free(p);
        }
    }
}
