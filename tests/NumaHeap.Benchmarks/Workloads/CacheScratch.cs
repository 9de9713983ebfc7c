using Numa.Benchmarks.Allocators;
using Numa.Benchmarks.Driver;

namespace Numa.Benchmarks.Workloads;

/// <summary>
/// cache-scratch (passive false sharing). The main thread allocates one 8-byte object per worker, back to back; each
/// worker frees the one it was given, then repeatedly allocates an 8-byte object, writes it 100 times and frees it.
/// An allocator that hands the freed object (which shares a cache line with the other workers' objects) back to the
/// worker makes the cores fight over that line.
/// </summary>
public static unsafe class CacheScratch
{
    private const nuint ObjectSize = 8;
    private const int WritesPerObject = 100;

    public static void Run<TAlloc>(WorkloadContext context)
        where TAlloc : struct, IAllocator
    {
        var initial = new nint[context.Threads];
        context.Measure(() =>
        {
            for (int i = 0; i < initial.Length; i++)
            {
                initial[i] = (nint)TAlloc.Alloc(ObjectSize);
                context.Slots[0].LiveBytes += (long)ObjectSize;
                context.Slots[0].Operations++;
            }

            context.RunWorkers(index => Worker<TAlloc>(context, initial[index], index));
        });
    }

    private static void Worker<TAlloc>(WorkloadContext context, nint given, int index)
        where TAlloc : struct, IAllocator
    {
        ref ThreadSlot slot = ref context.Slots[index];
        TAlloc.Free((void*)given);
        slot.LiveBytes -= (long)ObjectSize;
        slot.Operations++;
        while (!context.StopRequested)
        {
            for (int round = 0; round < 64; round++)
            {
                byte* p = (byte*)TAlloc.Alloc(ObjectSize);
                for (int w = 0; w < WritesPerObject; w++)
                {
                    ref byte target = ref p[w & 7];
                    Volatile.Write(ref target, (byte)(Volatile.Read(ref target) + 1));
                }

                TAlloc.Free(p);
            }

            slot.Operations += 128;
        }
    }
}
