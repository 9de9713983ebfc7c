using Numa.Benchmarks.Allocators;
using Numa.Benchmarks.Driver;

namespace Numa.Benchmarks.Workloads;

/// <summary>The workloads and allocators by name, and the dispatch from names to specialized code.</summary>
public static class WorkloadCatalog
{
    public static readonly string[] Workloads = ["larson", "xmalloc", "cache-scratch", "mstress", "glibc-simple", "glibc-thread", "malloc-large", "alloc-test"];

    public static readonly string[] Allocators = ["numaheap", "nativememory", "mimalloc", "jemalloc", "tcmalloc"];

    /// <summary>
    /// NumaHeap with the settings README recommends where RSS must stay bounded (transparent huge pages for big
    /// blocks and a 110% resident limit); not in the default suite, ask for it with <c>--allocators</c>.
    /// </summary>
    public const string LeanNumaHeap = "numaheap-lean";

    /// <summary>Loads the allocator named <paramref name="allocator"/> and runs <paramref name="workload"/> with it.</summary>
    public static void Run(string workload, string allocator, WorkloadContext context)
    {
        switch (allocator)
        {
            case "numaheap" or LeanNumaHeap: Run<NumaHeapAllocator>(workload, context); break;
            case "nativememory": Run<NativeMemoryAllocator>(workload, context); break;
            case "mimalloc": Run<NativePeerAllocator<Mimalloc>>(workload, context); break;
            case "jemalloc": Run<NativePeerAllocator<Jemalloc>>(workload, context); break;
            case "tcmalloc": Run<NativePeerAllocator<Tcmalloc>>(workload, context); break;
            default: throw new ArgumentException($"Unknown allocator '{allocator}' (known: {string.Join(", ", Allocators)}).", nameof(allocator));
        }
    }

    /// <summary>Loads the allocator (throws where its library is missing).</summary>
    public static void Initialize(string allocator)
    {
        switch (allocator)
        {
            case "numaheap": NumaHeapAllocator.Initialize(); break;
            case LeanNumaHeap: NumaHeapAllocator.Initialize(hugePages: "transparent", residentLimitPercent: 110); break;
            case "nativememory": NativeMemoryAllocator.Initialize(); break;
            case "mimalloc": NativePeerAllocator<Mimalloc>.Initialize(); break;
            case "jemalloc": NativePeerAllocator<Jemalloc>.Initialize(); break;
            case "tcmalloc": NativePeerAllocator<Tcmalloc>.Initialize(); break;
            default: throw new ArgumentException($"Unknown allocator '{allocator}' (known: {string.Join(", ", Allocators)}).", nameof(allocator));
        }
    }

    /// <summary>Asks the allocator to return its free memory to the OS.</summary>
    public static void Release(string allocator)
    {
        switch (allocator)
        {
            case "numaheap" or LeanNumaHeap: NumaHeapAllocator.Release(); break;
            case "nativememory": NativeMemoryAllocator.Release(); break;
            case "mimalloc": NativePeerAllocator<Mimalloc>.Release(); break;
            case "jemalloc": NativePeerAllocator<Jemalloc>.Release(); break;
            case "tcmalloc": NativePeerAllocator<Tcmalloc>.Release(); break;
            default: break;
        }
    }

    private static void Run<TAlloc>(string workload, WorkloadContext context)
        where TAlloc : struct, IAllocator
    {
        switch (workload)
        {
            case "larson": Larson.Run<TAlloc>(context); break;
            case "xmalloc": Xmalloc.Run<TAlloc>(context); break;
            case "cache-scratch": CacheScratch.Run<TAlloc>(context); break;
            case "mstress": Mstress.Run<TAlloc>(context); break;
            case "glibc-simple": GlibcSimple.Run<TAlloc>(context); break;
            case "glibc-thread": GlibcThread.Run<TAlloc>(context); break;
            case "malloc-large": MallocLarge.Run<TAlloc>(context); break;
            case "alloc-test": AllocTest.Run<TAlloc>(context); break;
            default: throw new ArgumentException($"Unknown workload '{workload}' (known: {string.Join(", ", Workloads)}).", nameof(workload));
        }
    }
}
