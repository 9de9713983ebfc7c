using Numa.Benchmarks.Allocators;
using Numa.Benchmarks.Driver;

namespace Numa.Benchmarks.Workloads;

/// <summary>
/// Larson-style server simulation. Each lane owns 5,000 slots of random sizes (8–1,000 bytes); its thread replaces
/// random slots (free, then allocate a new size and write it) and, after 50,000 replacements, starts a successor thread
/// that inherits the slots and exits, so a block is usually freed by a different thread than the one that allocated it.
/// </summary>
public static unsafe class Larson
{
    private const int SlotsPerLane = 5000;
    private const int ReplacementsPerGeneration = 50_000;
    private const nuint MinSize = 8;
    private const nuint MaxSize = 1000;

    public static void Run<TAlloc>(WorkloadContext context)
        where TAlloc : struct, IAllocator
    {
        var blocks = new nint[context.Threads][];
        var sizes = new nuint[context.Threads][];
        for (int lane = 0; lane < context.Threads; lane++)
        {
            blocks[lane] = new nint[SlotsPerLane];
            sizes[lane] = new nuint[SlotsPerLane];
        }

        using var finished = new CountdownEvent(context.Threads);
        context.Measure(() =>
        {
            for (int lane = 0; lane < context.Threads; lane++)
            {
                StartGeneration<TAlloc>(context, blocks[lane], sizes[lane], lane, 0, finished);
            }

            finished.Wait();
        });
    }

    private static void StartGeneration<TAlloc>(WorkloadContext context, nint[] blocks, nuint[] sizes, int lane, int generation, CountdownEvent finished)
        where TAlloc : struct, IAllocator
    {
        var thread = new Thread(() => Generation<TAlloc>(context, blocks, sizes, lane, generation, finished))
        {
            IsBackground = true,
            Name = "larson " + lane,
        };
        thread.Start();
    }

    private static void Generation<TAlloc>(WorkloadContext context, nint[] blocks, nuint[] sizes, int lane, int generation, CountdownEvent finished)
        where TAlloc : struct, IAllocator
    {
        ref ThreadSlot slot = ref context.Slots[lane];
        var rng = new Rng(context.Seed + ((ulong)lane << 32) + (ulong)generation);
        if (generation == 0)
        {
            for (int i = 0; i < blocks.Length; i++)
            {
                nuint size = rng.Between(MinSize, MaxSize);
                void* p = TAlloc.Alloc(size);
                Block.TouchEnds(p, size);
                blocks[i] = (nint)p;
                sizes[i] = size;
                slot.LiveBytes += (long)size;
                slot.Operations++;
            }
        }

        for (int i = 0; i < ReplacementsPerGeneration && !context.StopRequested; i++)
        {
            int index = rng.Below(blocks.Length);
            TAlloc.Free((void*)blocks[index]);
            nuint size = rng.Between(MinSize, MaxSize);
            void* p = TAlloc.Alloc(size);
            Block.TouchEnds(p, size);
            slot.LiveBytes += (long)size - (long)sizes[index];
            blocks[index] = (nint)p;
            sizes[index] = size;
            slot.Operations += 2;
        }

        if (!context.StopRequested)
        {
            StartGeneration<TAlloc>(context, blocks, sizes, lane, generation + 1, finished);
            return;
        }

        for (int i = 0; i < blocks.Length; i++)
        {
            TAlloc.Free((void*)blocks[i]);
            slot.LiveBytes -= (long)sizes[i];
            slot.Operations++;
        }

        finished.Signal();
    }
}
