using BenchmarkDotNet.Attributes;
using Numa.Benchmarks.Allocators;
using Numa.Benchmarks.Workloads;

namespace Numa.Benchmarks.Micro;

/// <summary>
/// Two threads: the benchmark thread allocates 1,000 blocks of 64 bytes and passes each through a queue to a
/// consumer thread that frees it, so every free is a free of another thread's block. Times are per allocator call.
/// </summary>
[GenericTypeArguments(typeof(NumaHeapAllocator))]
[GenericTypeArguments(typeof(NativeMemoryAllocator))]
[GenericTypeArguments(typeof(NativePeerAllocator<Mimalloc>))]
[GenericTypeArguments(typeof(NativePeerAllocator<Jemalloc>))]
[GenericTypeArguments(typeof(NativePeerAllocator<Tcmalloc>))]
public unsafe class ProducerConsumer<TAlloc>
    where TAlloc : struct, IAllocator
{
    private const int Blocks = 1000;
    private readonly SpscRing _ring = new(1024);
    private Thread? _consumer;
    private volatile bool _stop;
    private long _freed;

    [GlobalSetup]
    public void Setup()
    {
        TAlloc.Initialize();
        _stop = false;
        _consumer = new Thread(Consume) { IsBackground = true, Name = "consumer" };
        _consumer.Start();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _stop = true;
        _consumer?.Join();
    }

    [Benchmark(OperationsPerInvoke = 2 * Blocks)]
    public void AllocHereFreeThere()
    {
        long target = Volatile.Read(ref _freed) + Blocks;
        for (int i = 0; i < Blocks; i++)
        {
            byte* p = (byte*)TAlloc.Alloc(64);
            *p = 1;
            while (!_ring.TryEnqueue((nint)p))
            {
                Thread.SpinWait(4);
            }
        }

        var spin = default(SpinWait);
        while (Volatile.Read(ref _freed) < target)
        {
            spin.SpinOnce(sleep1Threshold: -1);
        }
    }

    private void Consume()
    {
        var spin = default(SpinWait);
        while (!_stop)
        {
            if (_ring.TryDequeue(out nint p))
            {
                TAlloc.Free((void*)p);
                Volatile.Write(ref _freed, _freed + 1);
                spin = default;
            }
            else
            {
                spin.SpinOnce(sleep1Threshold: -1);
            }
        }
    }
}
