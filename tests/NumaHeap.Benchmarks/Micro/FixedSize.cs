using BenchmarkDotNet.Attributes;
using Numa.Benchmarks.Allocators;

namespace Numa.Benchmarks.Micro;

/// <summary>
/// One thread, fixed sizes: 100 allocations then 100 frees in LIFO (reverse) or FIFO (same) order, and a single
/// alloc/free pair. Times are per allocator call.
/// </summary>
[GenericTypeArguments(typeof(NumaHeapAllocator))]
[GenericTypeArguments(typeof(NativeMemoryAllocator))]
[GenericTypeArguments(typeof(NativePeerAllocator<Mimalloc>))]
[GenericTypeArguments(typeof(NativePeerAllocator<Jemalloc>))]
[GenericTypeArguments(typeof(NativePeerAllocator<Tcmalloc>))]
[GenericTypeArguments(typeof(FloorAllocator))]
[GenericTypeArguments(typeof(ThreadStaticFloorAllocator))]
public unsafe class FixedSize<TAlloc>
    where TAlloc : struct, IAllocator
{
    private const int Batch = 100;
    private readonly nint[] _blocks = new nint[Batch];

    [Params(16, 64, 256, 4096)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup() => TAlloc.Initialize();

    [Benchmark(OperationsPerInvoke = 2)]
    public void Pair()
    {
        byte* p = (byte*)TAlloc.Alloc((nuint)Size);
        *p = 1;
        TAlloc.Free(p);
    }

    [Benchmark(OperationsPerInvoke = 2 * Batch)]
    public void Lifo()
    {
        nuint size = (nuint)Size;
        nint[] blocks = _blocks;
        for (int i = 0; i < blocks.Length; i++)
        {
            byte* p = (byte*)TAlloc.Alloc(size);
            *p = 1;
            blocks[i] = (nint)p;
        }

        for (int i = blocks.Length - 1; i >= 0; i--)
        {
            TAlloc.Free((void*)blocks[i]);
        }
    }

    [Benchmark(OperationsPerInvoke = 2 * Batch)]
    public void Fifo()
    {
        nuint size = (nuint)Size;
        nint[] blocks = _blocks;
        for (int i = 0; i < blocks.Length; i++)
        {
            byte* p = (byte*)TAlloc.Alloc(size);
            *p = 1;
            blocks[i] = (nint)p;
        }

        for (int i = 0; i < blocks.Length; i++)
        {
            TAlloc.Free((void*)blocks[i]);
        }
    }
}
