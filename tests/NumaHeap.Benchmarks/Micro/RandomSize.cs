using BenchmarkDotNet.Attributes;
using Numa.Benchmarks.Allocators;
using Numa.Benchmarks.Driver;

namespace Numa.Benchmarks.Micro;

/// <summary>
/// One thread, random sizes (16 B–1 KiB or 16 B–16 KiB, a fixed seeded sequence): 100 allocations then 100 frees in LIFO or
/// FIFO order. Times are per allocator call.
/// </summary>
[GenericTypeArguments(typeof(NumaHeapAllocator))]
[GenericTypeArguments(typeof(NativeMemoryAllocator))]
[GenericTypeArguments(typeof(NativePeerAllocator<Mimalloc>))]
[GenericTypeArguments(typeof(NativePeerAllocator<Jemalloc>))]
[GenericTypeArguments(typeof(NativePeerAllocator<Tcmalloc>))]
[GenericTypeArguments(typeof(FloorAllocator))]
[GenericTypeArguments(typeof(ThreadStaticFloorAllocator))]
public unsafe class RandomSize<TAlloc>
    where TAlloc : struct, IAllocator
{
    private const int Batch = 100;
    private readonly nint[] _blocks = new nint[Batch];
    private nuint[] _sizes = [];

    [Params(1024, 16384)]
    public int MaxSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        TAlloc.Initialize();
        var rng = new Rng(4141);
        _sizes = new nuint[Batch];
        for (int i = 0; i < Batch; i++)
        {
            _sizes[i] = rng.Between(16, (nuint)MaxSize);
        }
    }

    [Benchmark(OperationsPerInvoke = 2 * Batch)]
    public void Lifo()
    {
        nint[] blocks = _blocks;
        nuint[] sizes = _sizes;
        for (int i = 0; i < blocks.Length; i++)
        {
            byte* p = (byte*)TAlloc.Alloc(sizes[i]);
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
        nint[] blocks = _blocks;
        nuint[] sizes = _sizes;
        for (int i = 0; i < blocks.Length; i++)
        {
            byte* p = (byte*)TAlloc.Alloc(sizes[i]);
            *p = 1;
            blocks[i] = (nint)p;
        }

        for (int i = 0; i < blocks.Length; i++)
        {
            TAlloc.Free((void*)blocks[i]);
        }
    }
}
