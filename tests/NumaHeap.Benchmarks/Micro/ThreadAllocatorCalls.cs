using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using Numa.Benchmarks.Driver;

namespace Numa.Benchmarks.Micro;

/// <summary>
/// One thread, the same loops through NativeMemory, NumaHeap's static API and a <see cref="NumaThreadAllocator"/>
/// taken once per loop: 100 alloc/free pairs of one size, 100 blocks freed in reverse, and 100 random sizes
/// (16 B–1 KiB, a fixed seeded sequence) freed in reverse. Times are per allocator call.
/// </summary>
public unsafe class ThreadAllocatorCalls
{
    private const int Count = 100;
    private readonly nint[] _blocks = new nint[Count];
    private readonly nuint[] _randomSizes = new nuint[Count];

    [Params(16, 256)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        NumaHeap.Free(NumaHeap.Alloc(16));
        var rng = new Rng(4141);
        for (int i = 0; i < Count; i++)
        {
            _randomSizes[i] = rng.Between(16, 1024);
        }
    }

    [Benchmark(OperationsPerInvoke = 2 * Count, Baseline = true)]
    public void PairsNativeMemory()
    {
        nuint size = (nuint)Size;
        for (int i = 0; i < Count; i++)
        {
            byte* p = (byte*)NativeMemory.Alloc(size);
            *p = 1;
            NativeMemory.Free(p);
        }
    }

    [Benchmark(OperationsPerInvoke = 2 * Count)]
    public void PairsStatic()
    {
        nuint size = (nuint)Size;
        for (int i = 0; i < Count; i++)
        {
            byte* p = (byte*)NumaHeap.Alloc(size);
            *p = 1;
            NumaHeap.Free(p);
        }
    }

    [Benchmark(OperationsPerInvoke = 2 * Count)]
    public void PairsThreadAllocator()
    {
        NumaThreadAllocator heap = NumaHeap.GetThreadAllocator();
        nuint size = (nuint)Size;
        for (int i = 0; i < Count; i++)
        {
            byte* p = (byte*)heap.Alloc(size);
            *p = 1;
            heap.Free(p);
        }
    }

    [Benchmark(OperationsPerInvoke = 2 * Count)]
    public void LifoStatic()
    {
        nuint size = (nuint)Size;
        nint[] blocks = _blocks;
        for (int i = 0; i < blocks.Length; i++)
        {
            byte* p = (byte*)NumaHeap.Alloc(size);
            *p = 1;
            blocks[i] = (nint)p;
        }

        for (int i = blocks.Length - 1; i >= 0; i--)
        {
            NumaHeap.Free((void*)blocks[i]);
        }
    }

    [Benchmark(OperationsPerInvoke = 2 * Count)]
    public void LifoThreadAllocator()
    {
        NumaThreadAllocator heap = NumaHeap.GetThreadAllocator();
        nuint size = (nuint)Size;
        nint[] blocks = _blocks;
        for (int i = 0; i < blocks.Length; i++)
        {
            byte* p = (byte*)heap.Alloc(size);
            *p = 1;
            blocks[i] = (nint)p;
        }

        for (int i = blocks.Length - 1; i >= 0; i--)
        {
            heap.Free((void*)blocks[i]);
        }
    }

    [Benchmark(OperationsPerInvoke = 2 * Count)]
    public void RandomNativeMemory()
    {
        nint[] blocks = _blocks;
        nuint[] sizes = _randomSizes;
        for (int i = 0; i < blocks.Length; i++)
        {
            byte* p = (byte*)NativeMemory.Alloc(sizes[i]);
            *p = 1;
            blocks[i] = (nint)p;
        }

        for (int i = blocks.Length - 1; i >= 0; i--)
        {
            NativeMemory.Free((void*)blocks[i]);
        }
    }

    [Benchmark(OperationsPerInvoke = 2 * Count)]
    public void RandomStatic()
    {
        nint[] blocks = _blocks;
        nuint[] sizes = _randomSizes;
        for (int i = 0; i < blocks.Length; i++)
        {
            byte* p = (byte*)NumaHeap.Alloc(sizes[i]);
            *p = 1;
            blocks[i] = (nint)p;
        }

        for (int i = blocks.Length - 1; i >= 0; i--)
        {
            NumaHeap.Free((void*)blocks[i]);
        }
    }

    [Benchmark(OperationsPerInvoke = 2 * Count)]
    public void RandomThreadAllocator()
    {
        NumaThreadAllocator heap = NumaHeap.GetThreadAllocator();
        nint[] blocks = _blocks;
        nuint[] sizes = _randomSizes;
        for (int i = 0; i < blocks.Length; i++)
        {
            byte* p = (byte*)heap.Alloc(sizes[i]);
            *p = 1;
            blocks[i] = (nint)p;
        }

        for (int i = blocks.Length - 1; i >= 0; i--)
        {
            heap.Free((void*)blocks[i]);
        }
    }
}
