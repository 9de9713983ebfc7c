using BenchmarkDotNet.Attributes;
using Numa.Benchmarks.Allocators;

namespace Numa.Benchmarks.Micro;

/// <summary>
/// Alloc/free pairs on both sides of NumaHeap's small/big threshold (256 KiB: size classes below, the page heap
/// at and above), with the first and last page written. Times are per allocator call.
/// </summary>
[GenericTypeArguments(typeof(NumaHeapAllocator))]
[GenericTypeArguments(typeof(NativeMemoryAllocator))]
[GenericTypeArguments(typeof(NativePeerAllocator<Mimalloc>))]
[GenericTypeArguments(typeof(NativePeerAllocator<Jemalloc>))]
[GenericTypeArguments(typeof(NativePeerAllocator<Tcmalloc>))]
public unsafe class Threshold<TAlloc>
    where TAlloc : struct, IAllocator
{
    [Params(128 * 1024, (256 * 1024) - 16, 256 * 1024, (256 * 1024) + 16, 512 * 1024)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup() => TAlloc.Initialize();

    [Benchmark(OperationsPerInvoke = 2)]
    public void Pair()
    {
        byte* p = (byte*)TAlloc.Alloc((nuint)Size);
        p[0] = 1;
        p[Size - 1] = 1;
        TAlloc.Free(p);
    }
}
